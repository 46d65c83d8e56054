#pragma once
// Stage "particles" (docs/ARCHITECTURE.md): the first pass over the owned voxels. Per label:
// voxel count, grey sums, index sums, bounding box and grey range. Several blocks of one rank
// (the slabs of its box) each give partial records; merge_first_pass (merge_records.hpp)
// merges them on each label's owner rank.
#include <vector>

#include "grapes/core/records.hpp"
#include "grapes/core/volume.hpp"

namespace grapes {

// Partial particle records of the owned voxels of `block` (no ghosts needed), sorted by label.
template <class Grey, class Label>
std::vector<ParticleRecord> particle_partials(const Block<Grey, Label>& block);

}  // namespace grapes
