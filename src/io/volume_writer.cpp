#include "grapes/io/volume_writer.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <vector>

#include "grapes/core/error.hpp"
#include "grapes/io/hdf5_calls.hpp"
#include "grapes/io/tiff_file.hpp"

namespace grapes {
namespace {

void require_positive(const Index3& shape, const char* who) {
  for (int a = 0; a < 3; ++a)
    if (shape[a] <= 0)
      throw std::invalid_argument(std::string(who) + ": every extent of the shape must be > 0");
}

// Writes every page; throws std::runtime_error at the first libtiff failure.
void write_pages(const tiff::File& file, const std::string& path, const Index3& shape, DType dtype,
                 const unsigned char* data) {
  TIFF* tif = file.get();
  const auto fail = [&](const std::string& what) {
    throw std::runtime_error("cannot write TIFF file '" + path + "': " + what + file.reason());
  };
  const std::size_t element = dtype_size(dtype);
  const std::size_t row = static_cast<std::size_t>(shape[2]) * element;
  const std::size_t plane = row * static_cast<std::size_t>(shape[1]);
  // Strips of about 64 KiB (at least one row).
  const index_t rows_per_strip =
      std::clamp<index_t>(static_cast<index_t>((64 * 1024) / row), 1, shape[1]);
  std::vector<unsigned char> strip(static_cast<std::size_t>(rows_per_strip) * row);
  for (index_t z = 0; z < shape[0]; ++z) {
    const bool tags_set =
        TIFFSetField(tif, TIFFTAG_SUBFILETYPE, static_cast<uint32_t>(FILETYPE_PAGE)) &&
        TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, static_cast<uint32_t>(shape[2])) &&
        TIFFSetField(tif, TIFFTAG_IMAGELENGTH, static_cast<uint32_t>(shape[1])) &&
        TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, static_cast<unsigned>(element * 8)) &&
        TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1u) &&
        TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT,
                     static_cast<unsigned>(dtype_is_float(dtype) ? SAMPLEFORMAT_IEEEFP
                                                                 : SAMPLEFORMAT_UINT)) &&
        TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, static_cast<unsigned>(PHOTOMETRIC_MINISBLACK)) &&
        TIFFSetField(tif, TIFFTAG_PLANARCONFIG, static_cast<unsigned>(PLANARCONFIG_CONTIG)) &&
        TIFFSetField(tif, TIFFTAG_COMPRESSION, static_cast<unsigned>(COMPRESSION_NONE)) &&
        TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, static_cast<uint32_t>(rows_per_strip));
    if (!tags_set) fail("cannot set the tags of page " + std::to_string(z));
    const unsigned char* page = data + static_cast<std::size_t>(z) * plane;
    for (index_t first = 0, s = 0; first < shape[1]; first += rows_per_strip, ++s) {
      const std::size_t bytes =
          static_cast<std::size_t>(std::min(rows_per_strip, shape[1] - first)) * row;
      // libtiff's write functions take a non-const buffer (and may modify it): copy.
      std::memcpy(strip.data(), page + static_cast<std::size_t>(first) * row, bytes);
      if (TIFFWriteEncodedStrip(tif, static_cast<uint32_t>(s), strip.data(),
                                static_cast<tmsize_t>(bytes)) < 0)
        fail("page " + std::to_string(z));
    }
    if (!TIFFWriteDirectory(tif)) fail("page " + std::to_string(z));
  }
}

}  // namespace

Index3 volume_chunk_shape(const Index3& shape) {
  constexpr index_t kEdge = 64;
  constexpr index_t kTarget = kEdge * kEdge * kEdge;
  Index3 chunk;
  for (int a = 0; a < 3; ++a) chunk[a] = std::clamp<index_t>(shape[a], 1, kEdge);
  for (bool grew = true; grew;) {
    grew = false;
    for (int a = 2; a >= 0; --a) {
      if (chunk[a] < shape[a] && chunk[0] * chunk[1] * chunk[2] < kTarget) {
        chunk[a] = std::min(shape[a], chunk[a] * 2);
        grew = true;
      }
    }
  }
  // The same number of chunks per axis, but as even as possible: 65 voxels give two chunks
  // of 33, not 64 + 1 (edge chunks are allocated whole).
  for (int a = 0; a < 3; ++a) {
    const index_t count = (shape[a] + chunk[a] - 1) / chunk[a];
    chunk[a] = (shape[a] + count - 1) / count;
  }
  return chunk;
}

h5::Handle create_volume_dataset(hid_t file, const std::string& dataset, const Index3& shape,
                                 DType dtype) {
  require_positive(shape, "write_volume_hdf5");
  h5::QuietErrors quiet;
  const hsize_t dims[3] = {static_cast<hsize_t>(shape[0]), static_cast<hsize_t>(shape[1]),
                           static_cast<hsize_t>(shape[2])};
  const Index3 chunk_shape = volume_chunk_shape(shape);
  const hsize_t chunk[3] = {static_cast<hsize_t>(chunk_shape[0]),
                            static_cast<hsize_t>(chunk_shape[1]),
                            static_cast<hsize_t>(chunk_shape[2])};
  const h5::Handle file_space = h5::create_simple_space(3, dims);
  const h5::Handle link_create = h5::intermediate_groups();
  const h5::Handle dataset_create = h5::create_property_list(H5P_DATASET_CREATE);
  h5::set_chunk(dataset_create, 3, chunk);
  // Every voxel is written by its owner: no fill pass over the whole dataset.
  h5::set_fill_time(dataset_create, H5D_FILL_TIME_NEVER);
  h5::set_alloc_time(dataset_create, H5D_ALLOC_TIME_EARLY);
  // Fails (naming the dataset) when it exists already.
  return h5::create_dataset(file, dataset, h5::native_type(dtype), file_space, link_create,
                            dataset_create);
}

void write_volume_box(hid_t dataset, DType dtype, const Box& box, const void* data) {
  h5::QuietErrors quiet;
  const h5::Handle file_space = h5::dataset_space(dataset);
  const std::vector<hsize_t> dims = h5::space_dims(file_space, dataset);
  if (dims.size() != 3)
    throw std::runtime_error("write_volume_hdf5: " + h5::describe(dataset) + " is not 3-D");
  const Index3 shape{index_t(dims[0]), index_t(dims[1]), index_t(dims[2])};
  if (!box.empty() && box.intersect(whole_box(shape)) != box)
    throw std::out_of_range("write_volume_hdf5: the box lies outside the volume");
  h5::select_box_in(file_space, box, dataset);
  const h5::Handle memory_space = h5::memory_space_for(box);
  const h5::Handle transfer = h5::collective_transfer();
  // A rank with an empty box still takes part; HDF5 wants a buffer even then.
  const unsigned char unused[8] = {};
  const void* buffer = box.empty() ? static_cast<const void*>(unused) : data;
  h5::write_dataset(dataset, h5::native_type(dtype), memory_space, file_space, transfer, buffer);
}

void write_volume_hdf5(hid_t file, const std::string& dataset, const Index3& shape, DType dtype,
                       const Box& box, const void* data) {
  if (!box.empty() && box.intersect(whole_box(shape)) != box)
    throw std::out_of_range("write_volume_hdf5: the box lies outside the volume");
  const h5::Handle set = create_volume_dataset(file, dataset, shape, dtype);
  write_volume_box(set, dtype, box, data);
}

void write_tiff_stack(const std::string& path, const Index3& shape, DType dtype,
                      const void* whole_volume) {
  require_positive(shape, "write_tiff_stack");
  const std::uint64_t bytes = static_cast<std::uint64_t>(voxel_count(shape)) * dtype_size(dtype);
  // Classic TIFF addresses 4 GiB; leave room for the directories.
  const bool big_tiff = bytes + static_cast<std::uint64_t>(shape[0]) * 4096 >= (1ull << 32) - 1;
  std::exception_ptr error;
  {
    tiff::File file(path, big_tiff ? "w8" : "w");
    if (!file.ok()) throw InputError("cannot create TIFF file '" + path + "'" + file.reason());
    try {
      write_pages(file, path, shape, dtype, static_cast<const unsigned char*>(whole_volume));
    } catch (...) {
      error = std::current_exception();
    }
  }  // closed here, before a failed file is removed
  if (error) {
    std::remove(path.c_str());
    std::rethrow_exception(error);
  }
}

}  // namespace grapes
