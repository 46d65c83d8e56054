#include "grapes/io/hdf5_handle.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "grapes/core/error.hpp"
#include "grapes/io/hdf5_calls.hpp"
#include "io_detail.hpp"

namespace grapes::h5 {
namespace {

// Whether the file carries the HDF5 signature where the format puts it: at byte 0, or after a
// user block at 512, 1024, 2048, ... bytes. A plain read: rank 0 does not open the file through
// HDF5 (its driver and file locking) a second time just to check it.
bool has_hdf5_signature(const std::string& path) {
  static const char kSignature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read HDF5 file '" + path + "'");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  for (std::streamoff offset = 0; offset + 8 <= size; offset = offset == 0 ? 512 : 2 * offset) {
    char head[8];
    in.seekg(offset);
    if (!in.read(head, sizeof head)) return false;
    if (std::equal(head, head + 8, kSignature)) return true;
  }
  return false;
}

}  // namespace

Handle mpio_file_access(MPI_Comm comm) {
  Handle fapl = create_property_list(H5P_FILE_ACCESS);
  set_mpio_file_access(fapl, comm);
  return fapl;
}

namespace {
Handle transfer_list(H5FD_mpio_xfer_t mode) {
  Handle dxpl = create_property_list(H5P_DATASET_XFER);
  set_mpio_transfer(dxpl, mode);
  return dxpl;
}
}  // namespace

Handle collective_transfer() {
  return transfer_list(H5FD_MPIO_COLLECTIVE);
}
Handle independent_transfer() {
  return transfer_list(H5FD_MPIO_INDEPENDENT);
}

Handle intermediate_groups() {
  Handle lcpl = create_property_list(H5P_LINK_CREATE);
  set_create_intermediate_groups(lcpl);
  return lcpl;
}

Handle fixed_string_type(std::size_t length, H5T_str_t padding) {
  Handle type = copy_type(H5T_C_S1);
  set_type_size(type, std::max<std::size_t>(1, length));
  set_string_padding(type, padding);
  return type;
}

Handle open_parallel_file_readonly(const std::string& path, MPI_Comm comm) {
  QuietErrors quiet;
  io_detail::check_on_root(comm, [&] {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
      throw InputError("HDF5 file '" + path + "' does not exist");
    if (!std::filesystem::is_regular_file(path, ec))
      throw InputError("'" + path + "' is not a regular file (expected an HDF5 file)");
    if (!has_hdf5_signature(path)) throw InputError("'" + path + "' is not an HDF5 file");
  });
  const Handle fapl = mpio_file_access(comm);
  return open_file(path, H5F_ACC_RDONLY, fapl);
}

Handle create_parallel_file(const std::string& path, MPI_Comm comm) {
  QuietErrors quiet;
  const Handle fapl = mpio_file_access(comm);
  return create_file(path, H5F_ACC_TRUNC, fapl);
}

hid_t native_type(DType t) {
  switch (t) {
    case DType::u8:
      return native_type_of<std::uint8_t>();
    case DType::u16:
      return native_type_of<std::uint16_t>();
    case DType::u32:
      return native_type_of<std::uint32_t>();
    case DType::u64:
      return native_type_of<std::uint64_t>();
    case DType::f32:
      return native_type_of<float>();
    case DType::f64:
      return native_type_of<double>();
    case DType::i8:
      return native_type_of<std::int8_t>();
    case DType::i16:
      return native_type_of<std::int16_t>();
    case DType::i32:
      return native_type_of<std::int32_t>();
    case DType::i64:
      return native_type_of<std::int64_t>();
  }
  throw std::invalid_argument("native_type: unknown DType");
}

bool dtype_from_h5(hid_t type, DType& out) {
  const H5T_class_t found_class = type_class(type);
  const std::size_t size = type_size(type);
  if (found_class == H5T_INTEGER) {
    const bool is_signed = type_sign(type) != H5T_SGN_NONE;
    switch (size) {
      case 1:
        out = is_signed ? DType::i8 : DType::u8;
        return true;
      case 2:
        out = is_signed ? DType::i16 : DType::u16;
        return true;
      case 4:
        out = is_signed ? DType::i32 : DType::u32;
        return true;
      case 8:
        out = is_signed ? DType::i64 : DType::u64;
        return true;
      default:
        return false;
    }
  }
  if (found_class == H5T_FLOAT) {
    // Only IEEE single and double precision (in either byte order).
    if (size == 4 && type_precision(type) == 32 && type_exponent_bias(type) == 127) {
      out = DType::f32;
      return true;
    }
    if (size == 8 && type_precision(type) == 64 && type_exponent_bias(type) == 1023) {
      out = DType::f64;
      return true;
    }
  }
  return false;
}

std::vector<std::string> missing_filters(hid_t dataset) {
  std::vector<std::string> missing;
  const Handle create_list = dataset_create_list(dataset);
  const int count = filter_count(create_list);
  for (int i = 0; i < count; ++i) {
    const Filter found = filter(create_list, static_cast<unsigned>(i));
    if (filter_available(found.id)) continue;
    const std::string text = found.name.empty() ? std::string("unnamed filter") : found.name;
    missing.push_back(text + " (id " + std::to_string(found.id) + ")");
  }
  return missing;
}

std::string type_name(hid_t type) {
  const std::size_t bits = type_size(type) * 8;
  switch (type_class(type)) {
    case H5T_INTEGER:
      return std::string(type_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(bits);
    case H5T_FLOAT:
      return "float" + std::to_string(bits);
    case H5T_STRING:
      return "string";
    case H5T_BITFIELD:
      return "bitfield";
    case H5T_OPAQUE:
      return "opaque";
    case H5T_COMPOUND:
      return "compound";
    case H5T_REFERENCE:
      return "reference";
    case H5T_ENUM:
      return "enum";
    case H5T_VLEN:
      return "variable-length";
    case H5T_ARRAY:
      return "array";
    default:
      return "unknown type";
  }
}

void select_box_in(hid_t space, const Box& box, hid_t owner) {
  const int rank = space_rank(space, owner);
  if (rank != 2 && rank != 3)
    throw std::runtime_error("HDF5: cannot select a box in a dataspace of rank " +
                             std::to_string(rank));
  if (box.empty()) {
    select_none(space, owner);
    return;
  }
  if (rank == 2 && (box.lo[0] != 0 || box.hi[0] != 1))
    throw std::runtime_error("HDF5: a box in a 2-D image must lie in z = 0");
  hsize_t start[3];
  hsize_t count[3];
  const int first = 3 - rank;  // a 2-D space drops the z axis
  for (int a = first; a < 3; ++a) {
    start[a - first] = static_cast<hsize_t>(box.lo[a]);
    count[a - first] = static_cast<hsize_t>(box.extent(a));
  }
  select_hyperslab(space, start, count, owner);
}

Handle select_box(const Index3& shape, const Box& box) {
  const hsize_t dims[3] = {static_cast<hsize_t>(shape[0]), static_cast<hsize_t>(shape[1]),
                           static_cast<hsize_t>(shape[2])};
  Handle space = create_simple_space(3, dims);
  select_box_in(space, box);
  return space;
}

Handle memory_space_for(const Box& box) {
  if (box.empty()) {
    const hsize_t one[3] = {1, 1, 1};
    Handle space = create_simple_space(3, one);
    select_none(space, H5I_INVALID_HID);
    return space;
  }
  const hsize_t dims[3] = {static_cast<hsize_t>(box.extent(0)), static_cast<hsize_t>(box.extent(1)),
                           static_cast<hsize_t>(box.extent(2))};
  return create_simple_space(3, dims);
}

}  // namespace grapes::h5
