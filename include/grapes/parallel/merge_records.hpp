#pragma once
// Stage "merge" (docs/ARCHITECTURE.md): the partial records of all this rank's blocks go to
// the labels' owner ranks and are merged there. The surface cell counts are joined into the
// particle records as areas, formed once on the owner (so every decomposition gives the same
// bits), and each face contact is also sent both ways so that every owner can count the
// neighbours of its labels.
#include <mpi.h>

#include <cstdint>
#include <vector>

#include "grapes/core/records.hpp"
#include "grapes/core/types.hpp"
#include "grapes/kernels/convex_hull.hpp"
#include "grapes/parallel/label_owners.hpp"

namespace grapes {

// The merged first pass (kernels/first_pass.hpp): the global bounding boxes the ghost width
// comes from, and the label ownership every later merge uses.
struct FirstPass {
  std::vector<ParticleRecord> particles;    // merged records of the labels this rank owns
  LabelOwnership ownership;                 // which rank owns which label
  std::vector<std::uint64_t> owned_labels;  // the labels with voxels in this rank's box, sorted
};

// Collective: merges this rank's partial particle records (all its blocks, merged locally
// first, so the result is the same whatever the slabs were) on the labels' owners. With
// `convex_hull`, also joins the convex hulls formed there from every rank's hull vertices
// (`hull_points`: hull_vertices of kernels/convex_hull.hpp); `voxel_size` gives the Feret
// diameters their units.
FirstPass merge_first_pass(std::vector<ParticleRecord> partials, bool convex_hull,
                           const std::vector<HullPoint>& hull_points, const Spacing3& voxel_size,
                           MPI_Comm comm);

// Collective. `voxel_size` (physical) gives the surface areas their units.
MergedRecords merge_records(FirstPass&& first, PartialRecords&& partial, const Spacing3& voxel_size,
                            MPI_Comm comm);

// Collective: every rank's overlap records merged on the owners of their reference labels
// (ranges in rank order, each sorted), so the ranks' slices in order are the sorted table.
std::vector<OverlapRecord> merge_overlaps(std::vector<OverlapRecord> partial, MPI_Comm comm);

}  // namespace grapes
