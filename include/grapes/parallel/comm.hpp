#pragma once
// Small MPI helpers: rank/size, the collective error agreement, and typed collectives.
#include <mpi.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace grapes {

int comm_rank(MPI_Comm comm);
int comm_size(MPI_Comm comm);

// Runs `stage` on every rank. If it throws on any rank, every rank throws: InputError (with
// the lowest failing rank's message) when that rank threw an InputError, Interrupted for an
// Interrupted, else RemoteError (allocation failures worded by failure_text: what, how big,
// which rank). Call it at the end of every stage that can fail so no rank waits in a later
// collective. It is also where a caught SIGTERM/SIGINT or a vanished MPI launcher
// (interrupt.hpp) stops the run: every rank then throws Interrupted.
void agree_or_throw(MPI_Comm comm, const std::function<void()>& stage);

// True while the exception in flight is one that agree_or_throw threw on every rank: a
// destructor may then still make collective calls (close a parallel file). False while an
// exception of this rank alone unwinds (a collective call could hang: the other ranks are
// elsewhere).
bool unwinding_collectively();

// Throws std::runtime_error naming `what` when an MPI call did not return MPI_SUCCESS.
void check_mpi(int code, const char* what);

// An MPI datatype of `bytes` contiguous bytes, freed with the object.
class ContiguousType {
 public:
  explicit ContiguousType(std::size_t bytes);
  ~ContiguousType();
  ContiguousType(const ContiguousType&) = delete;
  ContiguousType& operator=(const ContiguousType&) = delete;
  MPI_Datatype get() const { return type_; }

 private:
  MPI_Datatype type_ = MPI_DATATYPE_NULL;
};

// Typed wrappers over the reductions the pipeline needs.
std::int64_t allreduce_sum(MPI_Comm comm, std::int64_t value);
std::uint64_t allreduce_sum(MPI_Comm comm, std::uint64_t value);
double allreduce_sum(MPI_Comm comm, double value);
std::int64_t allreduce_max(MPI_Comm comm, std::int64_t value);
double allreduce_max(MPI_Comm comm, double value);
std::int64_t exclusive_scan_sum(MPI_Comm comm, std::int64_t value);

// Checked broadcasts from `root` (check_mpi names the call when one fails): the size first,
// then the contents, so the receivers need not know the length.
void broadcast(MPI_Comm comm, std::string& text, int root = 0);
void broadcast(MPI_Comm comm, std::vector<std::int64_t>& values, int root = 0);
// `value` on `root`, returned on every rank.
int broadcast_value(MPI_Comm comm, int value, int root = 0);
std::int64_t broadcast_value(MPI_Comm comm, std::int64_t value, int root = 0);

// Every rank's value on every rank, in rank order.
std::vector<double> allgather(MPI_Comm comm, double value);

// Gathers every rank's byte buffer on every rank (allgatherv).
std::vector<std::vector<char>> allgather_bytes(MPI_Comm comm, const std::vector<char>& mine);

// All-to-all of byte buffers: send[r] goes to rank r; returns what each rank sent to us.
std::vector<std::vector<char>> alltoall_bytes(MPI_Comm comm,
                                              const std::vector<std::vector<char>>& send);

}  // namespace grapes
