// The output lock: see output_lock.hpp.
#include "grapes/output/output_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <string>

#include "grapes/core/error.hpp"

namespace grapes {

std::string OutputLock::lock_path(const std::string& output_path) {
  const auto slash = output_path.find_last_of('/');
  const std::string folder = slash == std::string::npos ? "" : output_path.substr(0, slash + 1);
  const std::string name = slash == std::string::npos ? output_path : output_path.substr(slash + 1);
  return folder + "." + name + ".lock";
}

namespace {

// "pid 1234 on host node7 since 2026-12-08 02:25:11": who holds the lock, for the message of
// the run that is refused.
std::string holder_text() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  char since[32] = {};
  const std::time_t now = std::time(nullptr);
  std::strftime(since, sizeof since, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  return "pid " + std::to_string(::getpid()) + " on host " + host + " since " + since;
}

std::string read_holder(int fd) {
  char text[512] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  std::string holder(text, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == '\0')) holder.pop_back();
  return holder;
}

}  // namespace

OutputLock::OutputLock(const std::string& output_path) {
  const std::string path = lock_path(output_path);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) return;  // an unwritable folder is reported by the output checks
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) {
    // Who holds it, for a refused run's message (the lock excludes without it too).
    const std::string holder = holder_text() + "\n";
    if (::ftruncate(fd_, 0) == 0) {
      [[maybe_unused]] const ssize_t written = ::pwrite(fd_, holder.data(), holder.size(), 0);
    }
    return;
  }
  const int error = errno;
  const std::string holder = read_holder(fd_);
  ::close(fd_);
  fd_ = -1;
  if (error == EWOULDBLOCK)
    throw InputError("output.path " + output_path + " is being written by another grapes (" +
                     (holder.empty() ? std::string() : holder + "; ") + path +
                     " is locked): wait for it to finish or choose another output.path");
}

OutputLock::~OutputLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace grapes
