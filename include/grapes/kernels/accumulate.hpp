#pragma once
// Per-voxel kernels that turn a block into partial records (docs/METHOD.md): particle sums
// over the owned voxels and label adjacency across faces (layers.hpp has the layer sums).
// Only exact integer sums for integer grey data.
#include <array>
#include <cstdint>
#include <vector>

#include "grapes/core/records.hpp"
#include "grapes/core/volume.hpp"
#include "grapes/kernels/label_index.hpp"

namespace grapes {

// Partial particle records (no surface area) for every label with owned voxels, sorted by
// label. `index` must index the labels of the owned region (index_labels, in order).
template <class Grey, class Label>
std::vector<ParticleRecord> accumulate_particles(const Block<Grey, Label>& block,
                                                 const LabelIndex<Label>& index,
                                                 const std::vector<std::uint64_t>& index_labels);

// Face adjacency (6-connectivity) between different non-zero labels. A face belongs to the
// owner of its lower voxel, so `labels` (covering geometry.local) needs one voxel past
// owned.hi inside the image. `label_count_hint` (labels in the owned box) sizes the pair map.
template <class Label>
std::vector<AdjacencyRecord> accumulate_adjacency(const View3<const Label>& labels,
                                                  const BlockGeometry& geometry,
                                                  std::size_t label_count_hint);

// Voxel counts of every (reference label, label) pair over the owned voxels of a block whose
// owned box `reference` covers too (both labels non-zero), sorted by (reference, label).
template <class ReferenceLabel, class Label>
std::vector<OverlapRecord> accumulate_overlaps(const View3<const ReferenceLabel>& reference,
                                               const View3<const Label>& labels,
                                               const BlockGeometry& geometry,
                                               std::size_t label_count_hint);

}  // namespace grapes
