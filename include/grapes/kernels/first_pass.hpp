#pragma once
// Stage "particles" (docs/ARCHITECTURE.md): the first pass over the owned voxels. Per label:
// voxel count, grey sums, index sums, bounding box and grey range, merged on each label's owner
// rank. The merged records give the global bounding boxes the ghost width comes from, and the
// label ownership every later merge uses.
//
// Several blocks of one rank (the slabs of its box) each give partial records; they are merged
// locally (merge_sorted) before the one MPI merge, which is the same whatever the slabs were.
#include <mpi.h>

#include <cstdint>
#include <vector>

#include "grapes/core/records.hpp"
#include "grapes/core/volume.hpp"
#include "grapes/parallel/label_owners.hpp"

namespace grapes {

struct FirstPass {
  std::vector<ParticleRecord> particles;    // merged records of the labels this rank owns
  LabelOwnership ownership;                 // which rank owns which label
  std::vector<std::uint64_t> owned_labels;  // the labels with voxels in this rank's box, sorted
};

// Partial particle records of the owned voxels of `block` (no ghosts needed), sorted by label.
template <class Grey, class Label>
std::vector<ParticleRecord> particle_partials(const Block<Grey, Label>& block);

// Collective: merges this rank's partial records (all its blocks) on the labels' owners.
FirstPass merge_first_pass(std::vector<ParticleRecord> partials, MPI_Comm comm);

}  // namespace grapes
