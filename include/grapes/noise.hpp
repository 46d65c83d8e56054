#pragma once
// The background noise of a step (docs/SERIES.md, "Measurement error"): the population
// standard deviation (ddof = 0) of the grey values in a box of the grey volume, computed over
// all ranks exactly (integer sums for integer grey), each rank summing the part of the box it
// owns.
#include <mpi.h>

#include "grapes/volume.hpp"

namespace grapes {

// Collective. `grey` covers `owned`; `box` (global indices, half-open) must lie inside the
// image and hold at least two voxels. Throws InputError naming `key` otherwise.
template <class Grey>
double box_noise_sigma(const View3<const Grey>& grey, const Box& owned, const Box& box,
                       const Index3& image_shape, const std::string& key, MPI_Comm comm);

}  // namespace grapes
