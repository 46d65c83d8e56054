#include "grapes/run/block_kernels.hpp"

#include <algorithm>
#include <iterator>

#include "grapes/core/instantiate.hpp"
#include "grapes/kernels/accumulate.hpp"
#include "grapes/kernels/edt.hpp"
#include "grapes/kernels/label_index.hpp"

namespace grapes {

template <class Grey, class Label>
PartialRecords block_kernels(const Block<Grey, Label>& block, const View3<float>& dist2,
                             const LayerSettings& settings,
                             const std::vector<std::uint64_t>& owned_labels, PhaseClock& clock,
                             bool print) {
  const BlockGeometry& geometry = block.geometry;
  PartialRecords out;
  squared_edt<Label>(block.labels, edt_geometry(geometry), dist2);
  Kokkos::fence();
  clock.lap("edt", print);

  LayerResult layers = accumulate_layers<Grey, Label>(
      block, dist2, settings, label_index_from_list<Label>(owned_labels), owned_labels);
  out.layers = std::move(layers.layers);
  out.unassigned_voxels = layers.unassigned_voxels;
  out.inexact_voxels = layers.inexact_voxels;
  out.first_inexact_label = layers.first_inexact_label;
  Kokkos::fence();
  clock.lap("layers", print);

  // A 2-D image has no surface area (the tables write NaN), but its cells still give the Euler
  // number: one voxel thick, 26-connected in 3-D is 8-connected in 2-D (docs/METHOD.md).
  out.surfaces = surface_cells<Label>(block.labels, geometry);
  Kokkos::fence();
  clock.lap("surface", print);

  out.adjacency = accumulate_adjacency<Label>(block.labels, geometry, owned_labels.size());
  Kokkos::fence();
  clock.lap("adjacency", print);
  return out;
}

#define GRAPES_BLOCK_KERNELS(Grey, Label)                                                        \
  template PartialRecords block_kernels(const Block<Grey, Label>&, const View3<float>&,          \
                                        const LayerSettings&, const std::vector<std::uint64_t>&, \
                                        PhaseClock&, bool);
GRAPES_FOR_EACH_GREY_AND_LABEL(GRAPES_BLOCK_KERNELS)
#undef GRAPES_BLOCK_KERNELS

}  // namespace grapes
