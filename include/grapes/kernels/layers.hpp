#pragma once
// Radial layers (docs/METHOD.md, "Layers"): from the squared distances of the EDT, each owned
// particle voxel's layer round_half_even(d / w), and per (label, layer) exact count / grey sum /
// sum of squares. The same pass proves the distances exact (docs/METHOD.md, "Exactness").
#include <cstdint>
#include <vector>

#include "grapes/core/kokkos_compat.hpp"
#include "grapes/core/records.hpp"
#include "grapes/core/volume.hpp"
#include "grapes/kernels/label_index.hpp"

namespace grapes {

struct LayerSettings {
  double relative_layer_width = 1.0;  // layer width / min spacing (the EDT's units)
  // Upper bound of any exact distance (EDT units), from the global bounding boxes; infinite
  // when unknown. It bounds the layer table; a larger distance is necessarily inexact.
  double max_distance = kx::kInfinity;
  // Float grey only: per label (in index order) a value subtracted from every grey value
  // before summing, the particle's mean. Sums of squares then do not cancel, so the layer
  // std columns agree across decompositions to ~1e-14 (see tables.cpp). Empty: no shift.
  std::vector<double> grey_shift;
};

struct LayerResult {
  std::vector<LayerRecord> layers;        // sorted by (label, layer), count > 0; layer 0 = none
  std::int64_t unassigned_voxels = 0;     // particle voxels that rounded to layer 0
  std::int64_t inexact_voxels = 0;        // owned voxels whose distance may need more ghosts
  std::uint64_t first_inexact_label = 0;  // smallest label among those (0: none)
};

// Layer sums over the owned voxels from `dist2` (covering geometry.local, EDT units). An owned
// voxel's distance is exact when it is no larger than the distance to the first voxel beyond
// any open face of the block, and no larger than settings.max_distance. When any voxel is
// inexact the result carries no layers (the caller stops the run).
template <class Grey, class Label>
LayerResult accumulate_layers(const Block<Grey, Label>& block, const View3<const float>& dist2,
                              const LayerSettings& settings, const LabelIndex<Label>& index,
                              const std::vector<std::uint64_t>& index_labels);

// The per-voxel layer index (0 for background and layer-0 voxels) of the owned box, for
// output.volumes: layers.
template <class Label>
View3<std::uint32_t> layer_volume(const View3<const Label>& labels, const BlockGeometry& geometry,
                                  const View3<const float>& dist2, const LayerSettings& settings);

// Physical distance (float) of the owned box, for output.volumes: edt.
View3<float> distance_volume(const BlockGeometry& geometry, const View3<const float>& dist2,
                             double min_spacing);

}  // namespace grapes
