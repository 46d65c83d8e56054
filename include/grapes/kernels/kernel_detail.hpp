#pragma once
// The per-voxel kernels with an explicit driver (kernel_drivers.hpp), for the tests and the
// benchmarks only: the public functions (accumulate.hpp, layers.hpp, surface.hpp,
// label_index.hpp, edt_detail.hpp for the EDT) use kx::kDefaultDriver. Either driver runs on
// every backend and gives the same records, bit for bit, for integer grey.
#include <cstdint>
#include <vector>

#include "grapes/kernels/accumulate.hpp"
#include "grapes/kernels/kernel_drivers.hpp"
#include "grapes/kernels/label_index.hpp"
#include "grapes/kernels/layers.hpp"
#include "grapes/kernels/surface.hpp"

namespace grapes::detail {

template <class Grey, class Label>
std::vector<ParticleRecord> accumulate_particles_with(
    Driver driver, const Block<Grey, Label>& block, const LabelIndex<Label>& index,
    const std::vector<std::uint64_t>& index_labels);

template <class Label>
std::vector<AdjacencyRecord> accumulate_adjacency_with(Driver driver,
                                                       const View3<const Label>& labels,
                                                       const BlockGeometry& geometry,
                                                       std::size_t label_count_hint);

template <class ReferenceLabel, class Label>
std::vector<OverlapRecord> accumulate_overlaps_with(Driver driver,
                                                    const View3<const ReferenceLabel>& reference,
                                                    const View3<const Label>& labels,
                                                    const BlockGeometry& geometry,
                                                    std::size_t label_count_hint);

template <class Grey, class Label>
LayerResult accumulate_layers_with(Driver driver, const Block<Grey, Label>& block,
                                   const View3<const float>& dist2, const LayerSettings& settings,
                                   const LabelIndex<Label>& index,
                                   const std::vector<std::uint64_t>& index_labels);

template <class Label>
std::vector<SurfaceRecord> surface_cells_with(Driver driver, const View3<const Label>& labels,
                                              const BlockGeometry& geometry);

// Smallest and largest non-zero label of `region` (view coordinates); min > max when none.
template <class Label>
Kokkos::MinMaxScalar<std::uint64_t> label_range_with(Driver driver,
                                                     const View3<const Label>& labels,
                                                     const Box& region);

template <class Label>
LabelIndex<Label> build_label_index_with(Driver driver, const View3<const Label>& labels,
                                         const Box& region, std::vector<std::uint64_t>& labels_out);

}  // namespace grapes::detail
