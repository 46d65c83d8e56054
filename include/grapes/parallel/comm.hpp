#pragma once
// Small MPI helpers: rank/size, the collective error agreement, and typed collectives.
#include <mpi.h>

#include <cstdint>
#include <functional>
#include <memory>
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

// Every rank's value on every rank, in rank order.
std::vector<double> allgather(MPI_Comm comm, double value);

// Gathers every rank's byte buffer on every rank (allgatherv).
std::vector<std::vector<char>> allgather_bytes(MPI_Comm comm, const std::vector<char>& mine);

// All-to-all of byte buffers: send[r] goes to rank r; returns what each rank sent to us.
std::vector<std::vector<char>> alltoall_bytes(MPI_Comm comm,
                                              const std::vector<std::vector<char>>& send);

// How much a command prints: --quiet (errors and the final line), the default, --verbose
// (also a line per slab and step).
enum class Verbosity { quiet, normal, verbose };

class Progress;  // progress.hpp

// Rank 0 writes to stdout; every other rank stays silent. Progress lines (progress.hpp) go
// to rank 0's terminal and are erased before each line written here.
class Logger {
 public:
  // Collective over `comm`: rank 0's choice of progress lines is shared with every rank.
  explicit Logger(MPI_Comm comm, Verbosity verbosity = Verbosity::normal);
  static Logger silent() { return Logger(); }  // for tests and library callers
  void info(const std::string& line) const;    // not with --quiet
  void warn(const std::string& line) const;    // not with --quiet (counts are in the file)
  void result(const std::string& line) const;  // always: a command's final line
  bool verbose() const { return verbosity_ == Verbosity::verbose; }
  bool shows_progress() const { return shows_progress_; }  // the same on every rank
  Progress& progress() const { return *progress_; }        // does nothing but on rank 0

 private:
  Logger();
  void print(const std::string& line) const;
  bool root_ = false;
  Verbosity verbosity_ = Verbosity::normal;
  bool shows_progress_ = false;
  std::shared_ptr<Progress> progress_;
};

}  // namespace grapes
