#pragma once
// What a command prints, and where: rank 0's stdout, with the progress line (progress.hpp) on
// its terminal. Every stage takes a Logger; only rank 0's prints anything.
#include <mpi.h>

#include <memory>
#include <string>

namespace grapes {

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
