#include "grapes/io/hdf5_handle.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "grapes/core/error.hpp"
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
  Handle fapl = plist(H5Pcreate(H5P_FILE_ACCESS));
  if (!fapl.valid() || H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0)
    throw std::runtime_error("HDF5: cannot set up an MPI-IO file access property list");
  return fapl;
}

namespace {
Handle transfer_list(H5FD_mpio_xfer_t mode) {
  Handle dxpl = plist(H5Pcreate(H5P_DATASET_XFER));
  if (!dxpl.valid() || H5Pset_dxpl_mpio(dxpl, mode) < 0)
    throw std::runtime_error("HDF5: cannot set up an MPI-IO transfer property list");
  return dxpl;
}
}  // namespace

Handle collective_transfer() {
  return transfer_list(H5FD_MPIO_COLLECTIVE);
}
Handle independent_transfer() {
  return transfer_list(H5FD_MPIO_INDEPENDENT);
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
  Handle fapl = mpio_file_access(comm);
  Handle f = file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl));
  if (!f.valid()) throw InputError("cannot open HDF5 file '" + path + "' with MPI-IO");
  return f;
}

Handle create_parallel_file(const std::string& path, MPI_Comm comm) {
  QuietErrors quiet;
  Handle fapl = mpio_file_access(comm);
  Handle f = file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl));
  if (!f.valid()) throw InputError("cannot create HDF5 file '" + path + "'");
  return f;
}

std::string file_name(hid_t id) {
  const ssize_t size = H5Fget_name(id, nullptr, 0);
  if (size <= 0) return "?";
  std::vector<char> name(static_cast<std::size_t>(size) + 1, '\0');
  if (H5Fget_name(id, name.data(), name.size()) < 0) return "?";
  return std::string(name.data());
}

void check(herr_t status, const std::string& what) {
  if (status < 0) throw std::runtime_error("HDF5: " + what + " failed");
}

Handle checked(Handle handle, const std::string& what) {
  if (!handle.valid()) throw std::runtime_error("HDF5: " + what + " failed");
  return handle;
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
  const H5T_class_t type_class = H5Tget_class(type);
  const std::size_t size = H5Tget_size(type);
  if (type_class == H5T_INTEGER) {
    const bool is_signed = H5Tget_sign(type) != H5T_SGN_NONE;
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
  if (type_class == H5T_FLOAT) {
    // Only IEEE single and double precision (in either byte order).
    if (size == 4 && H5Tget_precision(type) == 32 && H5Tget_ebias(type) == 127) {
      out = DType::f32;
      return true;
    }
    if (size == 8 && H5Tget_precision(type) == 64 && H5Tget_ebias(type) == 1023) {
      out = DType::f64;
      return true;
    }
  }
  return false;
}

std::vector<std::string> missing_filters(hid_t dataset) {
  std::vector<std::string> missing;
  const Handle create_list = plist(H5Dget_create_plist(dataset));
  if (!create_list.valid()) return missing;
  const int count = H5Pget_nfilters(create_list);
  for (int i = 0; i < count; ++i) {
    unsigned flags = 0, config = 0;
    std::size_t values = 0;
    char name[256] = {0};
    const H5Z_filter_t id = H5Pget_filter2(create_list, static_cast<unsigned>(i), &flags, &values,
                                           nullptr, sizeof name, name, &config);
    if (id < 0 || H5Zfilter_avail(id) > 0) continue;
    const std::string text = name[0] ? std::string(name) : std::string("unnamed filter");
    missing.push_back(text + " (id " + std::to_string(id) + ")");
  }
  return missing;
}

namespace {
herr_t collect_error(unsigned, const H5E_error2_t* error, void* data) {
  auto* text = static_cast<std::string*>(data);
  if (error->desc && *error->desc) *text += (text->empty() ? "" : "; ") + std::string(error->desc);
  return 0;
}
}  // namespace

std::string error_stack_text() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect_error, &text);
  return text;
}

void silence_automatic_errors() {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

std::string type_name(hid_t type) {
  const std::size_t bits = H5Tget_size(type) * 8;
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      return std::string(H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(bits);
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

void select_box_in(hid_t space, const Box& box) {
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank != 2 && rank != 3)
    throw std::runtime_error("HDF5: cannot select a box in a dataspace of rank " +
                             std::to_string(rank));
  if (box.empty()) {
    if (H5Sselect_none(space) < 0) throw std::runtime_error("HDF5: H5Sselect_none failed");
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
  if (H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr) < 0)
    throw std::runtime_error("HDF5: H5Sselect_hyperslab failed");
}

Handle select_box(const Index3& shape, const Box& box) {
  const hsize_t dims[3] = {static_cast<hsize_t>(shape[0]), static_cast<hsize_t>(shape[1]),
                           static_cast<hsize_t>(shape[2])};
  Handle space = dataspace(H5Screate_simple(3, dims, nullptr));
  if (!space.valid()) throw std::runtime_error("HDF5: H5Screate_simple failed");
  select_box_in(space, box);
  return space;
}

Handle memory_space_for(const Box& box) {
  if (box.empty()) {
    const hsize_t one[3] = {1, 1, 1};
    Handle space = dataspace(H5Screate_simple(3, one, nullptr));
    if (!space.valid() || H5Sselect_none(space) < 0)
      throw std::runtime_error("HDF5: cannot create an empty memory dataspace");
    return space;
  }
  const hsize_t dims[3] = {static_cast<hsize_t>(box.extent(0)), static_cast<hsize_t>(box.extent(1)),
                           static_cast<hsize_t>(box.extent(2))};
  Handle space = dataspace(H5Screate_simple(3, dims, nullptr));
  if (!space.valid()) throw std::runtime_error("HDF5: H5Screate_simple failed");
  return space;
}

}  // namespace grapes::h5
