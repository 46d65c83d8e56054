#pragma once
// Writers of whole volumes: a dataset of a parallel HDF5 file (every rank writes its box) and
// a serial multi-page TIFF. Used by `grapes phantom` and by the output module's optional
// volumes (/volumes/layers, /volumes/edt).
#include <hdf5.h>
#include <mpi.h>

#include <string>

#include "grapes/core/types.hpp"
#include "grapes/io/hdf5_handle.hpp"

namespace grapes {

// Parallel HDF5 files (collective on `comm`; declared in hdf5_handle.hpp): InputError naming
// the file when it cannot be created or opened.
using h5::create_parallel_file;
using h5::open_parallel_file_readonly;

// Creates the dataset `dataset` (intermediate groups included) of `shape` and `dtype` in the
// parallel file `file`, chunked (volume_chunk_shape), and
// writes every rank's `box` of it from `data` (box.voxels() elements of `dtype`, C order).
// Collective: every rank calls it with the same dataset, shape and dtype, also a rank whose
// box is empty (`data` may then be null). The boxes of all ranks should cover the shape:
// voxels that no rank writes are left unset (no fill value is written). Throws InputError
// naming the HDF5 call, the dataset and the file when HDF5 fails (e.g. the dataset exists).
void write_volume_hdf5(hid_t file, const std::string& dataset, const Index3& shape, DType dtype,
                       const Box& box, const void* data);

// The same in two steps, for volumes written box by box (slabs): the dataset, created once
// (collective), then each call writes every rank's `box` (collective, empty boxes too).
h5::Handle create_volume_dataset(hid_t file, const std::string& dataset, const Index3& shape,
                                 DType dtype);
void write_volume_box(hid_t dataset, DType dtype, const Box& box, const void* data);

// The chunk shape write_volume_hdf5 uses for `shape`: 64 per axis clipped to the shape,
// widened along the longer axes of thin volumes (a 2-D image, a slab) up to about 64^3
// voxels, then evened out so the chunks of an axis have nearly equal extents.
Index3 volume_chunk_shape(const Index3& shape);

// Writes `whole_volume` (voxel_count(shape) elements of `dtype`, C order) as a multi-page
// TIFF, one uncompressed page per z (BigTIFF when it would pass 4 GiB). Serial: call it on
// one rank. InputError when the file cannot be created; std::runtime_error when a write
// fails (the partial file is removed).
void write_tiff_stack(const std::string& path, const Index3& shape, DType dtype,
                      const void* whole_volume);

}  // namespace grapes
