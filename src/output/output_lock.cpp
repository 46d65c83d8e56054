// The output lock: see output_lock.hpp.
#include "grapes/output/output_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "grapes/core/error.hpp"

namespace grapes {

std::string OutputLock::lock_path(const std::string& output_path) {
  const auto slash = output_path.find_last_of('/');
  const std::string folder = slash == std::string::npos ? "" : output_path.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? output_path : output_path.substr(slash + 1);
  return folder + "." + name + ".lock";
}

OutputLock::OutputLock(const std::string& output_path) {
  const std::string path = lock_path(output_path);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return;  // an unwritable folder is reported by the output checks
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
  const int error = errno;
  ::close(fd_);
  fd_ = -1;
  if (error == EWOULDBLOCK)
    throw InputError("output.path " + output_path + " is being written by another grapes (" + path +
                     " is locked): wait for it to finish or choose another output.path");
}

OutputLock::~OutputLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace grapes
