#pragma once
// The background noise of a step (docs/SERIES.md, "Running a series"): the population
// standard deviation (ddof = 0) of the grey values in a box of the grey volume. Each rank sums
// the part of the box it owns (one block or several slabs: the sums merge), then one exact
// reduction over the ranks (integer sums for integer grey).
#include <mpi.h>

#include <string>

#include "grapes/core/records.hpp"
#include "grapes/core/volume.hpp"

namespace grapes {

// The grey sums of the voxels of `box` inside `owned`, from `grey` covering `owned`.
template <class Grey>
GreySums box_grey_sums(const View3<const Grey>& grey, const Box& owned, const Box& box);

// The label (particle) voxels of `box` inside `owned`, from `labels` covering `owned`: a
// background box should hold none (docs/SERIES.md, "Running a series").
template <class Label>
std::int64_t box_label_voxels(const View3<const Label>& labels, const Box& owned, const Box& box);

// Collective: sigma_bg from every rank's sums. `box` must lie inside the image and hold at least
// two voxels (InputError naming `key` otherwise, before any voxel is read: check_noise_box).
double noise_sigma(GreySums local, bool float_grey, MPI_Comm comm);
void check_noise_box(const Box& box, const Index3& image_shape, const std::string& key);

}  // namespace grapes
