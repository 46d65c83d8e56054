#include "grapes/parallel/comm.hpp"

#include <algorithm>
#include <exception>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "grapes/core/error.hpp"
#include "grapes/core/failure_text.hpp"
#include "grapes/core/interrupt.hpp"

namespace grapes {

int comm_rank(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  return rank;
}

int comm_size(MPI_Comm comm) {
  int size = 1;
  MPI_Comm_size(comm, &size);
  return size;
}

void check_mpi(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw std::runtime_error(std::string(what) + " failed: " + std::string(text, length));
}

ContiguousType::ContiguousType(std::size_t bytes) {
  check_mpi(MPI_Type_contiguous(static_cast<int>(bytes), MPI_BYTE, &type_), "MPI_Type_contiguous");
  check_mpi(MPI_Type_commit(&type_), "MPI_Type_commit");
}

ContiguousType::~ContiguousType() {
  if (type_ != MPI_DATATYPE_NULL) MPI_Type_free(&type_);
}

namespace {

// std::uncaught_exceptions() while the exception thrown by the last failed agreement is in
// flight; -1 when none is (a later agreement means the earlier failure was handled).
int g_collective_exceptions = -1;

enum Kind : int { kOk = 0, kInput = 1, kOther = 2, kInterrupted = 3 };

}  // namespace

bool unwinding_collectively() {
  return g_collective_exceptions >= 0 && std::uncaught_exceptions() == g_collective_exceptions;
}

void agree_or_throw(MPI_Comm comm, const std::function<void()>& stage) {
  g_collective_exceptions = -1;
  const int rank = comm_rank(comm);
  int kind = kOk;
  int signal_number = 0;
  std::string message;
  try {
    stage();
  } catch (const Interrupted& error) {
    kind = kInterrupted;
    signal_number = error.signal_number();
    message = error.what();
  } catch (const InputError& error) {
    kind = kInput;
    message = error.what();
  } catch (const std::exception& error) {
    kind = kOther;
    message = failure_text(error, rank);
  }
  // Every agreement is also where a signal or a vanished launcher stops the run.
  if (kind == kOk) {
    const std::string reason = interruption_reason();
    if (!reason.empty()) {
      kind = kInterrupted;
      signal_number = pending_signal();
      message = reason + " (seen on rank " + std::to_string(rank) +
                "): the run stopped and wrote no result";
    }
  }
  // The lowest failing rank speaks for everyone.
  const int candidate = kind != kOk ? rank : comm_size(comm);
  int speaker = 0;
  check_mpi(MPI_Allreduce(&candidate, &speaker, 1, MPI_INT, MPI_MIN, comm), "MPI_Allreduce");
  if (speaker == comm_size(comm)) return;
  kind = broadcast_value(comm, kind, speaker);
  signal_number = broadcast_value(comm, signal_number, speaker);
  broadcast(comm, message, speaker);
  g_collective_exceptions = std::uncaught_exceptions() + 1;
  if (kind == kInterrupted) throw Interrupted(message, signal_number);
  if (kind == kInput) throw InputError(message);
  throw RemoteError(message);
}

std::int64_t allreduce_sum(MPI_Comm comm, std::int64_t value) {
  std::int64_t out = 0;
  check_mpi(MPI_Allreduce(&value, &out, 1, MPI_INT64_T, MPI_SUM, comm), "MPI_Allreduce");
  return out;
}

std::vector<double> allgather(MPI_Comm comm, double value) {
  std::vector<double> out(static_cast<std::size_t>(comm_size(comm)));
  check_mpi(MPI_Allgather(&value, 1, MPI_DOUBLE, out.data(), 1, MPI_DOUBLE, comm), "MPI_Allgather");
  return out;
}

std::uint64_t allreduce_sum(MPI_Comm comm, std::uint64_t value) {
  std::uint64_t out = 0;
  check_mpi(MPI_Allreduce(&value, &out, 1, MPI_UINT64_T, MPI_SUM, comm), "MPI_Allreduce");
  return out;
}

double allreduce_sum(MPI_Comm comm, double value) {
  double out = 0;
  check_mpi(MPI_Allreduce(&value, &out, 1, MPI_DOUBLE, MPI_SUM, comm), "MPI_Allreduce");
  return out;
}

std::int64_t allreduce_max(MPI_Comm comm, std::int64_t value) {
  std::int64_t out = 0;
  check_mpi(MPI_Allreduce(&value, &out, 1, MPI_INT64_T, MPI_MAX, comm), "MPI_Allreduce");
  return out;
}

double allreduce_max(MPI_Comm comm, double value) {
  double out = 0;
  check_mpi(MPI_Allreduce(&value, &out, 1, MPI_DOUBLE, MPI_MAX, comm), "MPI_Allreduce");
  return out;
}

std::int64_t exclusive_scan_sum(MPI_Comm comm, std::int64_t value) {
  std::int64_t out = 0;
  check_mpi(MPI_Exscan(&value, &out, 1, MPI_INT64_T, MPI_SUM, comm), "MPI_Exscan");
  return comm_rank(comm) == 0 ? 0 : out;  // MPI leaves rank 0's result undefined
}

void broadcast(MPI_Comm comm, std::string& text, int root) {
  const std::int64_t size = broadcast_value(comm, static_cast<std::int64_t>(text.size()), root);
  text.resize(static_cast<std::size_t>(size));
  if (size > 0)
    check_mpi(MPI_Bcast(text.data(), static_cast<int>(size), MPI_CHAR, root, comm), "MPI_Bcast");
}

void broadcast(MPI_Comm comm, std::vector<std::int64_t>& values, int root) {
  const std::int64_t size = broadcast_value(comm, static_cast<std::int64_t>(values.size()), root);
  values.resize(static_cast<std::size_t>(size));
  if (size > 0)
    check_mpi(MPI_Bcast(values.data(), static_cast<int>(size), MPI_INT64_T, root, comm),
              "MPI_Bcast");
}

int broadcast_value(MPI_Comm comm, int value, int root) {
  check_mpi(MPI_Bcast(&value, 1, MPI_INT, root, comm), "MPI_Bcast");
  return value;
}

std::int64_t broadcast_value(MPI_Comm comm, std::int64_t value, int root) {
  check_mpi(MPI_Bcast(&value, 1, MPI_INT64_T, root, comm), "MPI_Bcast");
  return value;
}

namespace {
std::vector<int> displacements(const std::vector<int>& counts) {
  std::vector<int> offsets(counts.size(), 0);
  std::partial_sum(counts.begin(), counts.end() - 1, offsets.begin() + 1);
  return offsets;
}
void check_int_range(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw std::runtime_error("MPI message over 2 GiB; use more ranks");
}
}  // namespace

std::vector<std::vector<char>> allgather_bytes(MPI_Comm comm, const std::vector<char>& mine) {
  const int size = comm_size(comm);
  check_int_range(mine.size());
  int my_count = static_cast<int>(mine.size());
  std::vector<int> counts(size, 0);
  check_mpi(MPI_Allgather(&my_count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm), "MPI_Allgather");
  const std::vector<int> offsets = displacements(counts);
  std::size_t total = 0;
  for (int c : counts) total += static_cast<std::size_t>(c);
  check_int_range(total);
  std::vector<char> all(total);
  check_mpi(MPI_Allgatherv(mine.data(), my_count, MPI_CHAR, all.data(), counts.data(),
                           offsets.data(), MPI_CHAR, comm),
            "MPI_Allgatherv");
  std::vector<std::vector<char>> out(size);
  for (int r = 0; r < size; ++r)
    out[r].assign(all.begin() + offsets[r], all.begin() + offsets[r] + counts[r]);
  return out;
}

std::vector<std::vector<char>> alltoall_bytes(MPI_Comm comm,
                                              const std::vector<std::vector<char>>& send) {
  const int size = comm_size(comm);
  std::vector<int> send_counts(size), receive_counts(size);
  std::size_t send_total = 0;
  for (int r = 0; r < size; ++r) {
    check_int_range(send[r].size());
    send_counts[r] = static_cast<int>(send[r].size());
    send_total += send[r].size();
  }
  check_int_range(send_total);
  check_mpi(MPI_Alltoall(send_counts.data(), 1, MPI_INT, receive_counts.data(), 1, MPI_INT, comm),
            "MPI_Alltoall");
  const std::vector<int> send_offsets = displacements(send_counts);
  const std::vector<int> receive_offsets = displacements(receive_counts);
  std::vector<char> send_buffer(send_total);
  for (int r = 0; r < size; ++r)
    std::copy(send[r].begin(), send[r].end(), send_buffer.begin() + send_offsets[r]);
  std::size_t receive_total = 0;
  for (int c : receive_counts) receive_total += static_cast<std::size_t>(c);
  check_int_range(receive_total);
  std::vector<char> receive_buffer(receive_total);
  check_mpi(MPI_Alltoallv(send_buffer.data(), send_counts.data(), send_offsets.data(), MPI_CHAR,
                          receive_buffer.data(), receive_counts.data(), receive_offsets.data(),
                          MPI_CHAR, comm),
            "MPI_Alltoallv");
  std::vector<std::vector<char>> out(size);
  for (int r = 0; r < size; ++r)
    out[r].assign(receive_buffer.begin() + receive_offsets[r],
                  receive_buffer.begin() + receive_offsets[r] + receive_counts[r]);
  return out;
}

}  // namespace grapes
