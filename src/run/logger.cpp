#include "grapes/run/logger.hpp"

#include <iostream>

#include "grapes/parallel/comm.hpp"
#include "grapes/run/progress.hpp"

namespace grapes {

Logger::Logger() : progress_(std::make_shared<Progress>()) {}

Logger::Logger(MPI_Comm comm, Verbosity verbosity)
    : root_(comm_rank(comm) == 0), verbosity_(verbosity) {
  const int wanted = root_ && verbosity != Verbosity::quiet && progress_wanted() ? 1 : 0;
  shows_progress_ = broadcast_value(comm, wanted) != 0;
  const bool verbose = root_ && verbosity == Verbosity::verbose;
  progress_ = root_ ? std::make_shared<Progress>(shows_progress_, verbose, std::cerr, std::cout)
                    : std::make_shared<Progress>();
}

void Logger::print(const std::string& line) const {
  progress_->clear();
  std::cout << line << std::endl;
  progress_->redraw();
}

void Logger::info(const std::string& line) const {
  if (root_ && verbosity_ != Verbosity::quiet) print(line);
}

void Logger::warn(const std::string& line) const {
  if (root_ && verbosity_ != Verbosity::quiet) print("warning: " + line);
}

void Logger::result(const std::string& line) const {
  if (root_) print(line);
}

}  // namespace grapes
