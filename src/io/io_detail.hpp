#pragma once
// Internal helpers shared by the input backends (not a public header): broadcasting what
// rank 0 found out about a file, so that every rank throws the same InputError together
// instead of some ranks waiting in a collective call.
#include <mpi.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "grapes/core/error.hpp"
#include "grapes/core/format.hpp"
#include "grapes/core/types.hpp"
#include "grapes/io/source.hpp"
#include "grapes/parallel/comm.hpp"

namespace grapes::io_detail {

// Runs `check` on rank 0 only; when it throws, every rank of `comm` throws an InputError with
// its message. Collective.
inline void check_on_root(MPI_Comm comm, const std::function<void()>& check) {
  std::string error;
  if (comm_rank(comm) == 0) {
    try {
      check();
    } catch (const std::exception& e) {
      error = e.what();
      if (error.empty()) error = "unknown error";
    }
  }
  broadcast(comm, error);
  if (!error.empty()) throw InputError(error);
}

// "input.grey: " for messages, or "" when the spec has no key.
inline std::string key_prefix(const SourceSpec& spec) {
  return spec.key.empty() ? std::string() : spec.key + ": ";
}

// The byte size of a volume of `shape` with `element`-byte voxels (plus `header` bytes),
// checked: InputError "<what> ... too large" when any extent is not positive or a product
// overflows 64 bits (a shape like [2^54 + 32, 32, 32] would otherwise wrap around to a small
// number and pass the file-size check). `what` names the key or dataset.
inline std::int64_t checked_volume_bytes(const Index3& shape, std::size_t element,
                                         const std::string& what, std::int64_t header = 0) {
  std::int64_t voxels = 1, bytes = 0;
  for (int a = 0; a < 3; ++a) {
    if (shape[a] <= 0)
      throw InputError(what + ": shape " + shape_text(shape) + " has a non-positive extent");
    if (__builtin_mul_overflow(voxels, shape[a], &voxels))
      throw InputError(what + ": shape " + shape_text(shape) +
                       " has more voxels than a 64-bit count holds; the shape is wrong");
  }
  if (__builtin_mul_overflow(voxels, static_cast<std::int64_t>(element), &bytes) ||
      __builtin_add_overflow(bytes, header, &bytes))
    throw InputError(what + ": shape " + shape_text(shape) + " of " + std::to_string(element) +
                     "-byte voxels is more bytes than a 64-bit size holds; the shape is wrong");
  return bytes;
}

// What a volume of this role may hold, for messages about an unsupported type: the source's
// key ends in "labels" for label volumes, "grey" for grey volumes.
inline std::string supported_types_for(const SourceSpec& spec) {
  const auto ends_with = [&](const char* tail) {
    const std::string t(tail);
    return spec.key.size() >= t.size() &&
           spec.key.compare(spec.key.size() - t.size(), t.size(), t) == 0;
  };
  if (ends_with("labels"))
    return "labels must be integers: uint8, uint16, uint32, uint64, int8, int16, int32 or int64";
  if (ends_with("grey")) return "grey levels must be uint8, uint16 or float32";
  return "supported: 8/16/32/64-bit unsigned or signed integers, float32, float64";
}

// A box passed to read_box must lie inside the volume (a programming error otherwise).
inline void require_inside(const Box& box, const Index3& shape, const std::string& source) {
  if (box.empty()) return;
  for (int a = 0; a < 3; ++a)
    if (box.lo[a] < 0 || box.hi[a] > shape[a])
      throw std::out_of_range("read_box of " + source + ": box [" + shape_text(box.lo) + ", " +
                              shape_text(box.hi) + ") is outside the volume " + shape_text(shape));
}

// The backends behind open_source (one per file: hdf5_source.cpp, tiff_source.cpp,
// raw_source.cpp). Each is collective on `comm`.
std::unique_ptr<VolumeSource> open_hdf5_source(const SourceSpec& spec, MPI_Comm comm);
std::unique_ptr<VolumeSource> open_tiff_source(const SourceSpec& spec, MPI_Comm comm);
std::unique_ptr<VolumeSource> open_raw_source(const SourceSpec& spec, MPI_Comm comm);

}  // namespace grapes::io_detail
