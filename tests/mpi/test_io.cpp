// Input backends (HDF5, TIFF, raw) and volume writers, at 1..4 ranks. The inputs are written
// by tests/fixtures/make_io_fixtures.py (h5py, tifffile, numpy; directory in
// GRAPES_IO_FIXTURES) with voxel values given by a formula, and every rank reads several
// different boxes (slabs along each axis, empty boxes, one-voxel-thin planes, single voxels)
// and checks every voxel. Keep the names, shapes and formula in step with that script.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "grapes/config/config.hpp"
#include "grapes/core/error.hpp"
#include "grapes/core/types.hpp"
#include "grapes/io/hdf5_handle.hpp"
#include "grapes/io/source.hpp"
#include "grapes/io/volume_writer.hpp"
#include "grapes/parallel/comm.hpp"

namespace {

using namespace grapes;

constexpr Index3 kShape{7, 11, 13};
constexpr Index3 kShape2D{1, 9, 10};
constexpr Index3 kShapeSlices{12, 11, 13};
constexpr Index3 kShapeTiled{5, 40, 35};

int world_rank() {
  return grapes::comm_rank(MPI_COMM_WORLD);
}
int world_size() {
  return grapes::comm_size(MPI_COMM_WORLD);
}
std::string fixtures() {
  const char* dir = std::getenv("GRAPES_IO_FIXTURES");
  return dir ? std::string(dir) : std::string();
}

// Every test needs the fixtures; failing (not skipping) keeps a broken setup visible.
#define REQUIRE_FIXTURES()                                                         \
  if (fixtures().empty()) {                                                        \
    GTEST_FAIL() << "GRAPES_IO_FIXTURES is not set (run the tests through ctest)"; \
  }

struct DTypeName {
  DType dtype;
  const char* name;
};
const DTypeName kDTypes[] = {{DType::u8, "uint8"},    {DType::u16, "uint16"},
                             {DType::u32, "uint32"},  {DType::u64, "uint64"},
                             {DType::f32, "float32"}, {DType::f64, "float64"}};

// The fixture formula (see make_io_fixtures.py).
template <class T>
T expected_value(index_t z, index_t y, index_t x) {
  const auto base = static_cast<std::uint64_t>(z * 131 + y * 17 + x * 3 + 1);
  if constexpr (std::is_same_v<T, float>) {
    return static_cast<float>(static_cast<double>(base) * 0.0625 - 20.5);
  } else if constexpr (std::is_same_v<T, double>) {
    return static_cast<double>(base) * 0x1p-20 - 3.75;
  } else {
    std::uint64_t mult = 1;
    if constexpr (sizeof(T) == 2) mult = 257;
    if constexpr (sizeof(T) == 4) mult = 16777619u;
    if constexpr (sizeof(T) == 8) mult = 0x9E3779B97F4A7C15ull;
    return static_cast<T>(base * mult);  // modulo 2^64, then 2^bits
  }
}

template <class F>
void with_type(DType dtype, F&& f) {
  switch (dtype) {
    case DType::u8:
      f(std::uint8_t{});
      break;
    case DType::u16:
      f(std::uint16_t{});
      break;
    case DType::u32:
      f(std::uint32_t{});
      break;
    case DType::u64:
      f(std::uint64_t{});
      break;
    case DType::f32:
      f(float{});
      break;
    case DType::f64:
      f(double{});
      break;
    case DType::i8:
      f(std::int8_t{});
      break;
    case DType::i16:
      f(std::int16_t{});
      break;
    case DType::i32:
      f(std::int32_t{});
      break;
    case DType::i64:
      f(std::int64_t{});
      break;
  }
}

std::string text(const Box& box) {
  std::ostringstream out;
  out << "[" << box.lo[0] << "," << box.lo[1] << "," << box.lo[2] << ")-(" << box.hi[0] << ","
      << box.hi[1] << "," << box.hi[2] << ")";
  return out.str();
}

// Rank `part` of `parts` equal slabs of `shape` along `axis` (empty when parts > extent).
Box slab(const Index3& shape, int axis, int part, int parts) {
  Box box = whole_box(shape);
  box.lo[axis] = shape[axis] * part / parts;
  box.hi[axis] = shape[axis] * (part + 1) / parts;
  return box;
}

// The boxes a rank reads, one per round; in round k rank r takes pattern (k + r) % n, so every
// pattern is read by every rank count, and within one round the ranks read different boxes.
std::vector<Box> box_patterns(const Index3& shape, int rank, int size) {
  std::vector<Box> boxes;
  boxes.push_back(whole_box(shape));
  for (int axis = 0; axis < 3; ++axis) boxes.push_back(slab(shape, axis, rank, size));
  // slabs along z of a split finer than the ranks: thin, and empty when z is short
  boxes.push_back(slab(shape, 0, rank, 2 * size + 1));
  Box empty_middle{{shape[0] / 2, 0, 0}, {shape[0] / 2, shape[1], shape[2]}};
  boxes.push_back(empty_middle);
  boxes.push_back(Box{});         // empty at the origin
  Box thin_z = whole_box(shape);  // one plane
  thin_z.lo[0] = shape[0] - 1;
  boxes.push_back(thin_z);
  Box thin_y = whole_box(shape);
  thin_y.lo[1] = shape[1] / 2;
  thin_y.hi[1] = thin_y.lo[1] + 1;
  boxes.push_back(thin_y);
  Box thin_x = whole_box(shape);
  thin_x.hi[2] = 1;
  boxes.push_back(thin_x);
  boxes.push_back(Box{{shape[0] - 1, shape[1] - 1, shape[2] - 1}, shape});  // last voxel
  Box interior;
  for (int a = 0; a < 3; ++a) {
    interior.lo[a] = shape[a] > 2 ? 1 : 0;
    interior.hi[a] = shape[a] > 2 ? shape[a] - 1 : shape[a];
  }
  boxes.push_back(interior);
  Box corner;  // a box not aligned with anything
  for (int a = 0; a < 3; ++a) {
    corner.lo[a] = shape[a] / 3;
    corner.hi[a] = std::max<index_t>(corner.lo[a] + 1, (2 * shape[a] + 2) / 3);
  }
  boxes.push_back(corner);
  return boxes;
}

template <class T>
index_t count_mismatches(const std::vector<T>& data, const Box& box) {
  index_t wrong = 0;
  std::size_t i = 0;
  for (index_t z = box.lo[0]; z < box.hi[0]; ++z)
    for (index_t y = box.lo[1]; y < box.hi[1]; ++y)
      for (index_t x = box.lo[2]; x < box.hi[2]; ++x, ++i)
        if (data[i] != expected_value<T>(z, y, x)) ++wrong;
  return wrong;
}

// Reads every box pattern on every rank (collectively) and checks every voxel.
void check_source(VolumeSource& source, const Index3& shape, DType dtype) {
  ASSERT_EQ(source.shape(), shape) << source.describe();
  ASSERT_EQ(source.dtype(), dtype) << source.describe();
  const int rank = world_rank();
  const std::vector<Box> patterns = box_patterns(shape, rank, world_size());
  for (std::size_t round = 0; round < patterns.size(); ++round) {
    const Box box = patterns[(round + static_cast<std::size_t>(rank)) % patterns.size()];
    with_type(dtype, [&](auto tag) {
      using T = decltype(tag);
      std::vector<T> data(static_cast<std::size_t>(box.voxels()));
      EXPECT_NO_THROW(source.read_box(box, data.data()))
          << source.describe() << " box " << text(box);
      EXPECT_EQ(count_mismatches(data, box), 0)
          << source.describe() << " box " << text(box) << " rank " << rank;
    });
  }
}

SourceSpec hdf5_spec(const std::string& path, const std::string& dataset) {
  SourceSpec spec;
  spec.key = "input.grey";
  spec.kind = SourceKind::hdf5;
  spec.path = path;
  spec.dataset = dataset;
  return spec;
}

SourceSpec tiff_spec(const std::string& path) {
  SourceSpec spec;
  spec.key = "input.labels";
  spec.kind = SourceKind::tiff;
  spec.path = path;
  return spec;
}

SourceSpec raw_spec(const std::string& path, const Index3& shape, DType dtype, bool big_endian,
                    std::int64_t header) {
  SourceSpec spec;
  spec.key = "input.grey";
  spec.kind = SourceKind::raw;
  spec.path = path;
  spec.shape = shape;
  spec.dtype = dtype;
  spec.big_endian = big_endian;
  spec.header_bytes = header;
  return spec;
}

void check_file(const SourceSpec& spec, const Index3& shape, DType dtype) {
  SCOPED_TRACE(spec.path + " " + spec.dataset);
  std::unique_ptr<VolumeSource> source;
  ASSERT_NO_THROW(source = open_source(spec, MPI_COMM_WORLD));
  check_source(*source, shape, dtype);
}

// `open` must throw an InputError on every rank whose message contains every one of `parts`.
void expect_input_error(const std::function<void()>& open, const std::vector<std::string>& parts) {
  try {
    open();
    ADD_FAILURE() << "no InputError; expected one naming " << parts.front();
  } catch (const InputError& e) {
    const std::string message = e.what();
    for (const std::string& part : parts)
      EXPECT_NE(message.find(part), std::string::npos)
          << "message \"" << message << "\" lacks \"" << part << "\"";
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected an InputError naming " << parts.front() << ", got \"" << e.what()
                  << "\"";
  }
}

void expect_open_error(const SourceSpec& spec, const std::vector<std::string>& parts) {
  SCOPED_TRACE(spec.path + " " + spec.dataset);
  expect_input_error([&] { open_source(spec, MPI_COMM_WORLD); }, parts);
}

// ---------------------------------------------------------------------------------------
// HDF5 helpers (rank-local)

TEST(Hdf5Helpers, SelectionsOfBoxes) {
  const Box box{{1, 2, 3}, {4, 5, 9}};
  h5::Handle space = h5::select_box(kShape, box);
  ASSERT_TRUE(space.valid());
  EXPECT_EQ(H5Sget_select_npoints(space), box.voxels());
  h5::Handle none = h5::select_box(kShape, Box{{3, 0, 0}, {3, 11, 13}});
  EXPECT_EQ(H5Sget_select_npoints(none), 0);
  h5::Handle zero_extent = h5::select_box({0, 4, 5}, Box{});  // an empty dataset's space
  ASSERT_TRUE(zero_extent.valid());
  EXPECT_EQ(H5Sget_select_npoints(zero_extent), 0);

  h5::Handle memory = h5::memory_space_for(box);
  EXPECT_EQ(H5Sget_select_npoints(memory), box.voxels());
  h5::Handle empty_memory = h5::memory_space_for(Box{});
  ASSERT_TRUE(empty_memory.valid());
  EXPECT_EQ(H5Sget_select_npoints(empty_memory), 0);

  // A 2-D (y, x) space holds an image as [1, y, x].
  const hsize_t dims[2] = {9, 10};
  h5::Handle image = h5::dataspace(H5Screate_simple(2, dims, nullptr));
  h5::select_box_in(image, Box{{0, 2, 3}, {1, 5, 10}});
  EXPECT_EQ(H5Sget_select_npoints(image), 3 * 7);
  h5::select_box_in(image, Box{{0, 2, 3}, {0, 5, 10}});
  EXPECT_EQ(H5Sget_select_npoints(image), 0);
  EXPECT_THROW(h5::select_box_in(image, Box{{1, 0, 0}, {2, 1, 1}}), std::runtime_error);
}

TEST(Hdf5Helpers, TypesRoundTrip) {
  for (const auto& entry : kDTypes) {
    DType found = DType::u8;
    EXPECT_TRUE(h5::dtype_from_h5(h5::native_type(entry.dtype), found)) << entry.name;
    EXPECT_EQ(found, entry.dtype) << entry.name;
    EXPECT_EQ(h5::type_name(h5::native_type(entry.dtype)), entry.name);
  }
  DType found = DType::u8;
  EXPECT_TRUE(h5::dtype_from_h5(H5T_STD_U16BE, found));
  EXPECT_EQ(found, DType::u16);
  EXPECT_TRUE(h5::dtype_from_h5(H5T_IEEE_F64BE, found));
  EXPECT_EQ(found, DType::f64);
  // Signed integers, as scikit-image's labels come (the pipeline checks they are >= 0).
  EXPECT_TRUE(h5::dtype_from_h5(H5T_NATIVE_INT16, found));
  EXPECT_EQ(found, DType::i16);
  EXPECT_TRUE(h5::dtype_from_h5(H5T_STD_I64BE, found));
  EXPECT_EQ(found, DType::i64);
  EXPECT_EQ(h5::type_name(H5T_NATIVE_INT32), "int32");
}

// ---------------------------------------------------------------------------------------
// HDF5 source

TEST(Hdf5Source, ContiguousAndChunkedEveryDtype) {
  REQUIRE_FIXTURES();
  for (const auto& entry : kDTypes) {
    const std::string name = entry.name;
    check_file(hdf5_spec(fixtures() + "/h5/contiguous_" + name + ".h5", "/volume"), kShape,
               entry.dtype);
    // chunks of 3x4x5 (gzip + shuffle for uint16 and float32), dataset inside a group
    check_file(hdf5_spec(fixtures() + "/h5/chunked_" + name + ".h5", "/data/volume"), kShape,
               entry.dtype);
  }
}

TEST(Hdf5Source, BigEndianDatasetIsConverted) {
  REQUIRE_FIXTURES();
  check_file(hdf5_spec(fixtures() + "/h5/bigendian_uint16.h5", "volume"), kShape, DType::u16);
}

TEST(Hdf5Source, TwoDimensionalImageIsOneSlice) {
  REQUIRE_FIXTURES();
  const auto spec = hdf5_spec(fixtures() + "/h5/image2d_uint16.h5", "/image");
  check_file(spec, kShape2D, DType::u16);
  EXPECT_EQ(open_source(spec, MPI_COMM_WORLD)->describe(),
            fixtures() + "/h5/image2d_uint16.h5:/image");
}

TEST(Hdf5Source, BrokenInputsNameTheFileAndDataset) {
  REQUIRE_FIXTURES();
  const std::string broken = fixtures() + "/h5/broken.h5";
  expect_open_error(hdf5_spec(fixtures() + "/h5/missing.h5", "/volume"),
                    {"input.grey", "missing.h5", "does not exist"});
  expect_open_error(hdf5_spec(fixtures() + "/h5/not_hdf5.h5", "/volume"),
                    {"input.grey", "not_hdf5.h5", "not an HDF5 file"});
  expect_open_error(hdf5_spec(fixtures() + "/h5", "/volume"), {"h5", "not a regular file"});
  expect_open_error(hdf5_spec(broken, "/nothing"), {"broken.h5", "/nothing", "does not exist"});
  expect_open_error(hdf5_spec(broken, "/no/such/path"), {"broken.h5", "/no/such/path"});
  expect_open_error(hdf5_spec(broken, "/a_group"), {"broken.h5", "/a_group", "group"});
  expect_open_error(hdf5_spec(broken, "/four_d"), {"broken.h5", "/four_d", "is 4-D"});
  expect_open_error(hdf5_spec(broken, "/one_d"), {"broken.h5", "/one_d", "is 1-D"});
  expect_open_error(hdf5_spec(broken, "/scalar"), {"broken.h5", "/scalar", "scalar"});
  // A signed dataset opens as its signed type (labels: checked for negative values later).
  EXPECT_EQ(open_source(hdf5_spec(broken, "/signed"), MPI_COMM_WORLD)->dtype(), DType::i16);
  expect_open_error(hdf5_spec(broken, "/strings"), {"broken.h5", "/strings"});
  expect_open_error(hdf5_spec(broken, "/bool"), {"/bool", "bool", "grey levels must be"});
  expect_open_error(hdf5_spec(broken, "/wrap"), {"/wrap", "more voxels than a 64-bit count"});
  expect_open_error(hdf5_spec(broken, "/lzf"), {"/lzf", "filter lzf (id 32000)"});
  expect_open_error(hdf5_spec(broken, "/empty"), {"broken.h5", "/empty", "empty"});
  expect_open_error(hdf5_spec(broken, ""), {"broken.h5", "no dataset"});
}

// ---------------------------------------------------------------------------------------
// TIFF source

TEST(TiffSource, MultiPageStacksEveryDtype) {
  REQUIRE_FIXTURES();
  for (const auto& entry : kDTypes)
    check_file(tiff_spec(fixtures() + "/tiff/stack_" + std::string(entry.name) + ".tif"), kShape,
               entry.dtype);
}

TEST(TiffSource, TilesCompressionAndByteOrder) {
  REQUIRE_FIXTURES();
  const std::string dir = fixtures() + "/tiff/";
  check_file(tiff_spec(dir + "tiled_uint16.tif"), kShapeTiled, DType::u16);
  check_file(tiff_spec(dir + "tiled_float32.tif"), kShapeTiled, DType::f32);
  check_file(tiff_spec(dir + "tiled_zlib_uint8.tif"), kShapeTiled, DType::u8);
  check_file(tiff_spec(dir + "strips_zlib_uint32.tif"), kShape, DType::u32);
  check_file(tiff_spec(dir + "bigendian_uint16.tif"), kShape, DType::u16);
}

TEST(TiffSource, FolderOfSlicesInNaturalOrder) {
  REQUIRE_FIXTURES();
  // s_1.tif .. s_12.tif (a name sort would put s_10 after s_1) and a notes.txt to ignore
  check_file(tiff_spec(fixtures() + "/tiff/slices_uint16"), kShapeSlices, DType::u16);
  // img00.TIFF .. img04.TIFF, tiled
  check_file(tiff_spec(fixtures() + "/tiff/slices_float32/"), kShapeTiled, DType::f32);
}

TEST(TiffSource, TwoDimensionalImageIsOneSlice) {
  REQUIRE_FIXTURES();
  check_file(tiff_spec(fixtures() + "/tiff/image2d_uint8.tif"), kShape2D, DType::u8);
}

TEST(TiffSource, BrokenInputsNameTheFile) {
  REQUIRE_FIXTURES();
  const std::string dir = fixtures() + "/tiff/";
  expect_open_error(tiff_spec(dir + "missing.tif"), {"input.labels", "missing.tif"});
  expect_open_error(tiff_spec(dir + "not_a_tiff.tif"), {"input.labels", "not_a_tiff.tif"});
  expect_open_error(tiff_spec(dir + "mixed_size.tif"), {"mixed_size.tif", "page 2", "12 columns"});
  expect_open_error(tiff_spec(dir + "mixed_type.tif"), {"mixed_type.tif", "page 1", "uint16"});
  EXPECT_EQ(open_source(tiff_spec(dir + "signed_int16.tif"), MPI_COMM_WORLD)->dtype(), DType::i16);
  expect_open_error(tiff_spec(dir + "rgb_uint8.tif"), {"rgb_uint8.tif", "samples per pixel"});
  expect_open_error(tiff_spec(dir + "slices_mixed"), {"slice1.tif", "slice0.tif"});
  expect_open_error(tiff_spec(dir + "slices_multipage"), {"slice1.tif", "2 images"});
  expect_open_error(tiff_spec(dir + "no_slices"), {"no_slices", "no .tif"});
}

// ---------------------------------------------------------------------------------------
// Raw source

TEST(RawSource, EveryDtypeByteOrderAndHeader) {
  REQUIRE_FIXTURES();
  struct RawFile {
    const char* name;
    DType dtype;
    bool big_endian;
    std::int64_t header;
  };
  const RawFile files[] = {
      {"le_uint8_h0.raw", DType::u8, false, 0},    {"le_uint16_h100.raw", DType::u16, false, 100},
      {"be_uint16_h64.raw", DType::u16, true, 64}, {"be_uint32_h7.raw", DType::u32, true, 7},
      {"be_uint64_h0.raw", DType::u64, true, 0},   {"be_float32_h12.raw", DType::f32, true, 12},
      {"le_float32_h0.raw", DType::f32, false, 0}, {"be_float64_h3.raw", DType::f64, true, 3}};
  for (const RawFile& file : files)
    check_file(raw_spec(fixtures() + "/raw/" + file.name, kShape, file.dtype, file.big_endian,
                        file.header),
               kShape, file.dtype);
}

TEST(RawSource, BrokenInputsNameTheFile) {
  REQUIRE_FIXTURES();
  const std::string dir = fixtures() + "/raw/";
  expect_open_error(raw_spec(dir + "truncated_uint16.raw", kShape, DType::u16, false, 0),
                    {"input.grey", "truncated_uint16.raw", "2001 bytes", "2002 bytes"});
  expect_open_error(raw_spec(dir + "le_uint16_h100.raw", kShape, DType::u16, false, 99),
                    {"le_uint16_h100.raw", "99-byte header"});
  expect_open_error(raw_spec(dir + "le_uint16_h100.raw", kShape, DType::u32, false, 100),
                    {"le_uint16_h100.raw", "uint32"});
  expect_open_error(raw_spec(dir + "missing.raw", kShape, DType::u8, false, 0),
                    {"missing.raw", "does not exist"});
  expect_open_error(raw_spec(dir + "le_uint8_h0.raw", {0, 11, 13}, DType::u8, false, 0),
                    {"le_uint8_h0.raw", "shape"});
  // (2^54 + 32) * 32 * 32 voxels wrap around 64 bits to 32768: refused, not read.
  const index_t wrap = (index_t{1} << 54) + 32;
  expect_open_error(raw_spec(dir + "le_uint8_h0.raw", {wrap, 32, 32}, DType::u8, false, 0),
                    {"input.grey", "le_uint8_h0.raw", "more voxels than a 64-bit count"});
  expect_open_error(
      raw_spec(dir + "le_uint8_h0.raw", {index_t{1} << 40, 1 << 20, 1}, DType::u64, false, 0),
      {"le_uint8_h0.raw", "more bytes than a 64-bit size"});
}

// ---------------------------------------------------------------------------------------
// Writers: our files, read back with our readers (the readers are checked above against
// files written by h5py and tifffile).

template <class T>
std::vector<T> formula_box(const Box& box) {
  std::vector<T> data;
  data.reserve(static_cast<std::size_t>(box.voxels()));
  for (index_t z = box.lo[0]; z < box.hi[0]; ++z)
    for (index_t y = box.lo[1]; y < box.hi[1]; ++y)
      for (index_t x = box.lo[2]; x < box.hi[2]; ++x) data.push_back(expected_value<T>(z, y, x));
  return data;
}

TEST(VolumeWriter, ChunkShapes) {
  EXPECT_EQ(volume_chunk_shape({7, 11, 13}), (Index3{7, 11, 13}));
  EXPECT_EQ(volume_chunk_shape({500, 300, 200}), (Index3{63, 60, 50}));
  EXPECT_EQ(volume_chunk_shape({128, 65, 64}), (Index3{64, 33, 64}));
  EXPECT_EQ(volume_chunk_shape({1, 2000, 3000}), (Index3{1, 500, 500}));
  EXPECT_EQ(volume_chunk_shape({1000, 2, 2}), (Index3{1000, 2, 2}));
}

TEST(VolumeWriter, Hdf5RoundTripFromEveryRank) {
  REQUIRE_FIXTURES();
  const int rank = world_rank(), size = world_size();
  const std::string path = fixtures() + "/roundtrip_np" + std::to_string(size) + ".h5";
  struct Written {
    std::string dataset;
    Index3 shape;
    DType dtype;
  };
  std::vector<Written> written;
  {
    h5::Handle file = create_parallel_file(path, MPI_COMM_WORLD);
    int axis = 0;
    for (const auto& entry : kDTypes) {
      // every rank writes its slab along a different axis per dtype; shape [3, 11, 13] along
      // z leaves some ranks empty at 4 ranks
      for (const Index3& shape : {kShape, Index3{3, 11, 13}}) {
        const std::string dataset = "/volumes/" + std::string(entry.name) + "/z" +
                                    std::to_string(shape[0]) + "_axis" + std::to_string(axis);
        const Box box = slab(shape, axis, rank, size);
        with_type(entry.dtype, [&](auto tag) {
          const auto data = formula_box<decltype(tag)>(box);
          EXPECT_NO_THROW(write_volume_hdf5(file, dataset, shape, entry.dtype, box, data.data()));
        });
        written.push_back({dataset, shape, entry.dtype});
      }
      axis = (axis + 1) % 3;
    }
    // a 2-D image: only the last rank owns its single plane
    const Box box = slab(kShape2D, 0, rank, size);
    const auto data = formula_box<std::uint16_t>(box);
    write_volume_hdf5(file, "image", kShape2D, DType::u16, box, data.data());
    written.push_back({"/image", kShape2D, DType::u16});
    // writing an existing dataset again fails on every rank
    EXPECT_THROW(write_volume_hdf5(file, "image", kShape2D, DType::u16, box, data.data()),
                 std::runtime_error);
  }
  for (const Written& w : written) check_file(hdf5_spec(path, w.dataset), w.shape, w.dtype);

  // and the read-only opener sees them
  h5::Handle file = open_parallel_file_readonly(path, MPI_COMM_WORLD);
  EXPECT_TRUE(file.valid());
  EXPECT_GT(H5Lexists(file, "volumes", H5P_DEFAULT), 0);
  expect_input_error(
      [&] { open_parallel_file_readonly(fixtures() + "/no_such.h5", MPI_COMM_WORLD); },
      {"no_such.h5"});
  expect_input_error(
      [&] { create_parallel_file(fixtures() + "/no_such_dir/x.h5", MPI_COMM_WORLD); },
      {"no_such_dir/x.h5"});
}

TEST(VolumeWriter, TiffStackRoundTrip) {
  REQUIRE_FIXTURES();
  const std::string prefix = fixtures() + "/roundtrip_np" + std::to_string(world_size()) + "_";
  for (const auto& entry : kDTypes) {
    for (const Index3& shape : {kShape, kShape2D, Index3{3, 700, 9}}) {
      const std::string path = prefix + entry.name + "_z" + std::to_string(shape[0]) + "_y" +
                               std::to_string(shape[1]) + ".tif";
      if (world_rank() == 0) {
        with_type(entry.dtype, [&](auto tag) {
          const auto data = formula_box<decltype(tag)>(whole_box(shape));
          EXPECT_NO_THROW(write_tiff_stack(path, shape, entry.dtype, data.data())) << path;
        });
      }
      MPI_Barrier(MPI_COMM_WORLD);
      check_file(tiff_spec(path), shape, entry.dtype);
    }
  }
  if (world_rank() == 0) {
    const std::uint8_t voxel = 0;
    expect_input_error(
        [&] {
          write_tiff_stack(fixtures() + "/no_such_dir/x.tif", {1, 1, 1}, DType::u8, &voxel);
        },
        {"no_such_dir/x.tif"});
  }
}

}  // namespace
