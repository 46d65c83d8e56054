#pragma once
// Signed label volumes (scikit-image's label and watershed return int32/int64, and most users
// save them as they are) are analysed as the unsigned type of the same size once no voxel is
// negative. The check runs right after the owned labels are read (docs/CONFIG.md, input.labels).
#include <mpi.h>

#include "grapes/core/volume.hpp"
#include "grapes/io/source.hpp"

namespace grapes {

// Collective over `comm`. When `source` holds signed integers, `labels` (the voxels of `owned`,
// global indices, read as the unsigned type of the same size) are counted for negative values
// (the top bit set); when any rank has one, every rank throws the same InputError naming the
// source's key (input.labels), the number of negative voxels and the first one's global
// (z, y, x) position in C order. Does nothing, without communicating, for unsigned sources.
template <class Label>
void check_labels_not_negative(const View3<const Label>& labels, const Box& owned,
                               const VolumeSource& source, MPI_Comm comm);

}  // namespace grapes
