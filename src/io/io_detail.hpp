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

#include "grapes/comm.hpp"
#include "grapes/config.hpp"
#include "grapes/error.hpp"
#include "grapes/format.hpp"
#include "grapes/io/source.hpp"
#include "grapes/types.hpp"

namespace grapes::io_detail {

// Broadcasts `text` from `root` to every rank of `comm`.
inline void broadcast(MPI_Comm comm, std::string& text, int root = 0) {
  std::int64_t size = static_cast<std::int64_t>(text.size());
  check_mpi(MPI_Bcast(&size, 1, MPI_INT64_T, root, comm), "MPI_Bcast");
  text.resize(static_cast<std::size_t>(size));
  if (size > 0)
    check_mpi(MPI_Bcast(text.data(), static_cast<int>(size), MPI_CHAR, root, comm), "MPI_Bcast");
}

// Broadcasts `values` from `root` to every rank of `comm`.
inline void broadcast(MPI_Comm comm, std::vector<std::int64_t>& values, int root = 0) {
  std::int64_t size = static_cast<std::int64_t>(values.size());
  check_mpi(MPI_Bcast(&size, 1, MPI_INT64_T, root, comm), "MPI_Bcast");
  values.resize(static_cast<std::size_t>(size));
  if (size > 0)
    check_mpi(MPI_Bcast(values.data(), static_cast<int>(size), MPI_INT64_T, root, comm),
              "MPI_Bcast");
}

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
