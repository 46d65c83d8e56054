#pragma once
// RAII for HDF5 C-API identifiers, and the few helpers every HDF5 user here needs. The calls
// themselves, each checked, are in hdf5_calls.hpp.
#include <hdf5.h>
#include <mpi.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "grapes/core/types.hpp"

namespace grapes::h5 {

// Owns one hid_t and closes it with the matching H5?close on destruction.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept { *this = std::move(other); }
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Gives up ownership without closing (the caller closes it and checks the status).
  hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }
  void reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

inline Handle file(hid_t id) {
  return Handle(id, H5Fclose);
}
inline Handle group(hid_t id) {
  return Handle(id, H5Gclose);
}
inline Handle dataset(hid_t id) {
  return Handle(id, H5Dclose);
}
inline Handle dataspace(hid_t id) {
  return Handle(id, H5Sclose);
}
inline Handle datatype(hid_t id) {
  return Handle(id, H5Tclose);
}
inline Handle plist(hid_t id) {
  return Handle(id, H5Pclose);
}
inline Handle attribute(hid_t id) {
  return Handle(id, H5Aclose);
}
inline Handle object(hid_t id) {
  return Handle(id, H5Oclose);
}

// File-access property list for MPI-IO on `comm`.
Handle mpio_file_access(MPI_Comm comm);
// Dataset-transfer property list with collective MPI-IO.
Handle collective_transfer();
// Dataset-transfer property list with independent MPI-IO.
Handle independent_transfer();
// Link-creation property list that creates missing parent groups.
Handle intermediate_groups();
// A fixed-length string type of `length` bytes (at least 1), C strings padded as `padding`.
Handle fixed_string_type(std::size_t length, H5T_str_t padding = H5T_STR_NULLTERM);

// Opens an existing HDF5 file read-only with MPI-IO, collectively on `comm`. Rank 0 first
// checks that the file exists and is HDF5, so every rank throws the same InputError naming
// the file (and no rank enters the collective open) when it is not.
Handle open_parallel_file_readonly(const std::string& path, MPI_Comm comm);
// Creates (truncates) an HDF5 file with MPI-IO, collectively on `comm`; InputError naming
// the file when it cannot be created. Close every object in it before the file handle: the
// MPI-IO driver refuses to close a file with open objects.
Handle create_parallel_file(const std::string& path, MPI_Comm comm);

// The one C++-to-HDF5 element type mapping of the code: volumes (through DType), table
// columns and attributes all use it.
template <class T>
hid_t native_type_of();
template <>
inline hid_t native_type_of<std::uint8_t>() {
  return H5T_NATIVE_UINT8;
}
template <>
inline hid_t native_type_of<std::uint16_t>() {
  return H5T_NATIVE_UINT16;
}
template <>
inline hid_t native_type_of<std::uint32_t>() {
  return H5T_NATIVE_UINT32;
}
template <>
inline hid_t native_type_of<std::uint64_t>() {
  return H5T_NATIVE_UINT64;
}
template <>
inline hid_t native_type_of<std::int8_t>() {
  return H5T_NATIVE_INT8;
}
template <>
inline hid_t native_type_of<std::int16_t>() {
  return H5T_NATIVE_INT16;
}
template <>
inline hid_t native_type_of<std::int32_t>() {
  return H5T_NATIVE_INT32;
}
template <>
inline hid_t native_type_of<std::int64_t>() {
  return H5T_NATIVE_INT64;
}
template <>
inline hid_t native_type_of<float>() {
  return H5T_NATIVE_FLOAT;
}
template <>
inline hid_t native_type_of<double>() {
  return H5T_NATIVE_DOUBLE;
}

// The native HDF5 type of a DType, and the DType of an HDF5 type (false if unsupported):
// 1/2/4/8-byte unsigned and signed integers, IEEE float32/float64, in either byte order.
hid_t native_type(DType t);
bool dtype_from_h5(hid_t type, DType& out);
// A readable name of any HDF5 datatype for messages: "uint16", "int32", "float16", "string",
// "compound", ...
std::string type_name(hid_t type);

// The filters of a dataset's pipeline (compression, shuffle, ...) that this HDF5 library
// cannot apply, as "name (id N)" texts, e.g. "lzf (id 32000)"; empty when every filter is
// available (HDF5_PLUGIN_PATH plugins count).
std::vector<std::string> missing_filters(hid_t dataset);

// Selects `box` in `space`, a dataspace of rank 3 (z, y, x) or of rank 2 (y, x: an image
// seen as [1, y, x], so the box must lie in z = 0 unless it is empty). Selects none when the
// box is empty. Throws std::runtime_error for a box that does not fit the rank, InputError
// (naming `owner`, the dataset of the space) when HDF5 refuses the selection.
void select_box_in(hid_t space, const Box& box, hid_t owner = H5I_INVALID_HID);
// A rank-3 dataspace of shape `shape` with `box` selected (none when empty). A shape with a
// zero extent is a valid (empty) dataspace.
Handle select_box(const Index3& shape, const Box& box);
// A simple rank-3 memory dataspace holding `box`, all selected; for an empty box one
// element with none selected (HDF5 1.10 accepts zero-sized dimensions, but a selection that
// is provably empty is the portable way to take part in a collective read or write).
Handle memory_space_for(const Box& box);

}  // namespace grapes::h5
