#pragma once
// Stage "merge" (docs/ARCHITECTURE.md): the partial records of all this rank's blocks go to
// the labels' owner ranks and are merged there. The surface cell counts are joined into the
// particle records as areas, formed once on the owner (so every decomposition gives the same
// bits), and each face contact is also sent both ways so that every owner can count the
// neighbours of its labels.
#include <mpi.h>

#include "grapes/core/records.hpp"
#include "grapes/kernels/first_pass.hpp"

namespace grapes {

// Collective. `voxel_size` (physical) gives the surface areas their units.
MergedRecords merge_records(FirstPass&& first, PartialRecords&& partial, const Spacing3& voxel_size,
                            MPI_Comm comm);

// Collective: every rank's overlap records merged on the owners of their reference labels
// (ranges in rank order, each sorted), so the ranks' slices in order are the sorted table.
std::vector<OverlapRecord> merge_overlaps(std::vector<OverlapRecord> partial, MPI_Comm comm);

}  // namespace grapes
