#pragma once
// Per-voxel kernels that turn a local block into partial records (SPEC §3, §2): particle
// sums over the owned voxels, per-(label, layer) sums from the distance transform, and
// label adjacency across faces. Only exact integer sums for integer grey data.
#include <array>
#include <cstdint>
#include <vector>

#include "grapes/label_index.hpp"
#include "grapes/records.hpp"
#include "grapes/volume.hpp"

namespace grapes {

// A local block: `labels` covers `local` (owned + ghosts), `grey` covers `owned` only.
template <class Grey, class Label>
struct Block {
  View3<const Grey> grey;
  View3<const Label> labels;
  Box owned;
  Box local;
  Index3 image_shape{0, 0, 0};
};

// Partial particle records (no surface area) for every label with owned voxels, sorted by
// label. `index` must index the labels of the owned region (index_labels, in order).
template <class Grey, class Label>
std::vector<ParticleRecord> accumulate_particles(const Block<Grey, Label>& block,
                                                 const LabelIndex<Label>& index,
                                                 const std::vector<std::uint64_t>& index_labels);

struct LayerSettings {
  Spacing3 relative_spacing{1, 1, 1};  // spacing / min spacing (the EDT's units)
  double relative_layer_width = 1.0;   // layer width / min spacing
};

struct LayerResult {
  std::vector<LayerRecord> layers;        // sorted by (label, layer), layer >= 1
  std::int64_t unassigned_voxels = 0;     // particle voxels that rounded to layer 0
  std::int64_t inexact_voxels = 0;        // owned voxels whose distance may need more ghosts
  std::uint64_t first_inexact_label = 0;  // smallest label among those (0: none)
};

// Layer sums from the squared distances `dist2` (covering `local`, EDT units). Also proves
// exactness: an owned voxel's distance is exact when it is no larger than the distance to the
// first voxel beyond any open (ghost) face of the block.
template <class Grey, class Label>
LayerResult accumulate_layers(const Block<Grey, Label>& block, const View3<const float>& dist2,
                              const LayerSettings& settings, const LabelIndex<Label>& index,
                              const std::vector<std::uint64_t>& index_labels);

// Face adjacency (6-connectivity) between different non-zero labels. A face belongs to the
// owner of its lower voxel, so the block needs one ghost voxel past owned.hi inside the image.
template <class Label>
std::vector<AdjacencyRecord> accumulate_adjacency(const View3<const Label>& labels,
                                                  const Box& local, const Box& owned,
                                                  const Index3& image_shape);

// The per-voxel layer index (0 for background and layer-0 voxels) of the owned box, for
// output.volumes: layers.
template <class Label>
View3<std::uint32_t> layer_volume(const View3<const Label>& labels, const Box& local,
                                  const Box& owned, const View3<const float>& dist2,
                                  const LayerSettings& settings);

// Physical distance (float) of the owned box, for output.volumes: edt.
View3<float> distance_volume(const Box& local, const Box& owned, const View3<const float>& dist2,
                             double min_spacing);

}  // namespace grapes
