#pragma once
// RAII for HDF5 C-API identifiers, and the few helpers every HDF5 user here needs.
#include <hdf5.h>
#include <mpi.h>

#include <string>
#include <utility>

#include "grapes/types.hpp"

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
  void reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

inline Handle file(hid_t id) { return Handle(id, H5Fclose); }
inline Handle group(hid_t id) { return Handle(id, H5Gclose); }
inline Handle dataset(hid_t id) { return Handle(id, H5Dclose); }
inline Handle dataspace(hid_t id) { return Handle(id, H5Sclose); }
inline Handle datatype(hid_t id) { return Handle(id, H5Tclose); }
inline Handle plist(hid_t id) { return Handle(id, H5Pclose); }
inline Handle attribute(hid_t id) { return Handle(id, H5Aclose); }

// Silences HDF5's automatic error stack printing for the lifetime of the object (we report
// errors ourselves, naming the file and dataset).
class QuietErrors {
 public:
  QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &old_function_, &old_data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, old_function_, old_data_); }
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t old_function_ = nullptr;
  void* old_data_ = nullptr;
};

// File-access property list for MPI-IO on `comm`.
Handle mpio_file_access(MPI_Comm comm);
// Dataset-transfer property list with collective MPI-IO.
Handle collective_transfer();

// The native HDF5 type of a DType, and the DType of an HDF5 type (false if unsupported).
hid_t native_type(DType t);
bool dtype_from_h5(hid_t type, DType& out);

// A hyperslab selection of `box` in a dataspace of shape `shape` (selects none when empty).
Handle select_box(const Index3& shape, const Box& box);
// A simple memory dataspace holding `box` (one element if the box is empty, with none
// selected, because HDF5 refuses zero-sized simple dataspaces in 1.10).
Handle memory_space_for(const Box& box);

}  // namespace grapes::h5
