// The result file as a file: the checks of output.path, the temporary name it is written
// under, and its end: committed (flushed, closed, renamed; not when a signal arrived) or
// discarded (closed and removed). The tables and attributes inside: output.cpp, attributes.cpp.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <thread>

#include "grapes/core/error.hpp"
#include "grapes/core/interrupt.hpp"
#include "grapes/io/hdf5_calls.hpp"
#include "grapes/output/output.hpp"
#include "grapes/parallel/comm.hpp"

namespace grapes {

namespace {
std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

void check_output_path(const std::string& path) {
  if (path.empty()) throw InputError("output.path is empty");
  if (path.back() == '/')
    throw InputError("output.path '" + path + "' ends in '/': it must name a file, e.g. '" + path +
                     "result.h5'");
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode))
      throw InputError("output.path '" + path + "' is an existing folder: it must name a file, " +
                       "e.g. '" + path + "/result.h5'");
    if (!S_ISREG(info.st_mode))
      throw InputError("output.path '" + path +
                       "' exists and is not a regular file (a device, pipe or socket?)");
  }
  const std::string directory = directory_of(path);
  if (access(directory.c_str(), F_OK) != 0)
    throw InputError("output.path '" + path + "': directory '" + directory + "' does not exist");
  if (access(directory.c_str(), W_OK) != 0)
    throw InputError("output.path '" + path + "': directory '" + directory + "' is not writable");
}

namespace {

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

bool is_tiff_name(const std::string& path) {
  std::string lower = base_name(path);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto ends_with = [&](const std::string& tail) {
    return lower.size() >= tail.size() &&
           lower.compare(lower.size() - tail.size(), tail.size(), tail) == 0;
  };
  return ends_with(".tif") || ends_with(".tiff");
}

}  // namespace

void check_output_not_input(const std::string& output_key, const std::string& output,
                            const std::vector<NamedPath>& inputs) {
  struct stat out {};
  struct stat out_link {};
  struct stat folder {};
  const bool exists = ::stat(output.c_str(), &out) == 0;
  const bool is_link = ::lstat(output.c_str(), &out_link) == 0 && S_ISLNK(out_link.st_mode);
  const bool has_folder = ::stat(directory_of(output).c_str(), &folder) == 0;
  for (const NamedPath& input : inputs) {
    struct stat in {};
    if (input.path.empty() || ::stat(input.path.c_str(), &in) != 0) continue;
    const bool same = exists && same_file(out, in);
    // A result written into a folder of TIFF slices would become a slice of the next run.
    const bool into_slices =
        S_ISDIR(in.st_mode) && has_folder && same_file(folder, in) && is_tiff_name(output);
    if (!same && !into_slices) continue;
    const std::string how = into_slices            ? " is inside the folder of TIFF slices of "
                            : output == input.path ? " is the same path as "
                            : is_link              ? " is a symbolic link to the file of "
                                                   : " is the same file (another path to it) as ";
    throw InputError(output_key + " '" + output + "'" + how + input.key + " '" + input.path +
                     "': the results would replace the input. Choose another " + output_key);
  }
}

std::string temporary_name(const std::string& path, long pid) {
  return directory_of(path) + "/." + base_name(path) + ".tmp-" + std::to_string(pid);
}

std::vector<std::string> remove_stale_temporaries(const std::string& path) {
  std::vector<std::string> removed;
  const std::string directory = directory_of(path);
  const std::string prefix = "." + base_name(path) + ".tmp-";
  DIR* folder = ::opendir(directory.c_str());
  if (!folder) return removed;
  while (const dirent* entry = ::readdir(folder)) {
    const std::string name = entry->d_name;
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::stol(digits);
    // Alive (also a process of another user, EPERM): not ours to remove.
    if (pid == static_cast<long>(::getpid()) || ::kill(static_cast<pid_t>(pid), 0) == 0 ||
        errno != ESRCH)
      continue;
    const std::string stale = directory + "/" + name;
    if (::unlink(stale.c_str()) == 0) removed.push_back(stale);
  }
  ::closedir(folder);
  return removed;
}

ResultFile::ResultFile(const std::string& path, MPI_Comm comm) : comm_(comm), path_(path) {
  // Rank 0 picks the temporary name; everyone must use the same one.
  std::string name;
  if (comm_rank(comm) == 0) {
    remove_stale_temporaries(path);  // of runs killed with SIGKILL (docs/OUTPUT.md)
    name = temporary_name(path, static_cast<long>(getpid()));
  }
  broadcast(comm, name);
  temporary_ = name;
  register_temporary(temporary_);
  h5::QuietErrors quiet;
  const h5::Handle access_list = h5::mpio_file_access(comm);
  try {
    file_ = h5::create_file(temporary_, H5F_ACC_TRUNC, access_list);
  } catch (const InputError&) {
    unregister_temporary(temporary_);
    throw InputError("cannot create output.path '" + path_ +
                     "': no file can be created in its folder");
  }
}

ResultFile::~ResultFile() {
  if (committed_) return;
  if (comm_size(comm_) > 1 && std::uncaught_exceptions() > 0 && !unwinding_collectively()) {
    // This rank fails alone (the program aborts next): a collective close could hang, so the
    // handles are left to the abort and the temporary is removed by whoever gets here.
    for (h5::Handle& group : groups_) group.release();
    file_.release();
    ::unlink(temporary_.c_str());
    unregister_temporary(temporary_);
    return;
  }
  discard();
}

namespace {

// Points every descriptor this process holds on `path` at an anonymous in-memory file, so that
// what HDF5 still writes when it closes a failed file (its metadata) cannot fail: a close that
// fails leaves the file half-closed in HDF5, which then crashes in MPI_Finalize. Only for a file
// that is being thrown away; Linux only (elsewhere the close is tried as it is).
void divert_descriptors(const std::string& path) {
#if defined(__linux__)
  struct stat target {};
  if (::stat(path.c_str(), &target) != 0) return;
  const int sink = static_cast<int>(::syscall(SYS_memfd_create, "grapes-discard", 0u));
  if (sink < 0) return;
  if (DIR* fds = ::opendir("/proc/self/fd")) {
    while (const dirent* entry = ::readdir(fds)) {
      const int fd = std::atoi(entry->d_name);
      struct stat info {};
      if (fd > 2 && fd != sink && fd != ::dirfd(fds) && ::fstat(fd, &info) == 0 &&
          same_file(info, target))
        ::dup2(sink, fd);
    }
    ::closedir(fds);
  }
  ::close(sink);
#else
  (void)path;
#endif
}

}  // namespace

void ResultFile::discard() noexcept {
  groups_.clear();
  if (file_.valid()) {
    // Every rank diverts its descriptors before any rank closes (the close is collective).
    divert_descriptors(temporary_);
    MPI_Barrier(comm_);
    (void)h5::try_close_file(file_);  // a failed close of a discarded file changes nothing
  }
  if (comm_rank(comm_) == 0) std::remove(temporary_.c_str());
  unregister_temporary(temporary_);
}

namespace {

// Whether a failed write ran out of space: the errno of the failure, or almost nothing left
// in the directory (MPI-IO reports ENOSPC only as "I/O error").
bool out_of_space(int error, const std::string& directory) {
  if (error == ENOSPC || error == EDQUOT) return true;
  struct statvfs info {};
  if (::statvfs(directory.c_str(), &info) != 0) return false;
  const double free_bytes = static_cast<double>(info.f_bavail) * static_cast<double>(info.f_frsize);
  return free_bytes < 1024.0 * 1024.0;
}

}  // namespace

void ResultFile::agree_written(bool ok, int error, const std::string& what) {
  const std::string stack = ok ? std::string() : h5::error_stack_text();
  const std::int64_t mine = ok ? 0 : out_of_space(error, directory_of(temporary_)) ? 2 : 1;
  const std::int64_t verdict = allreduce_max(comm_, mine);
  if (verdict == 0) return;
  // The file is lost: from here on, whatever HDF5 still writes into it (a dataset's or group's
  // close, the file's metadata flush) goes to memory on every rank, so no close can fail on one
  // rank and leave the ranks in different collective calls (docs/ARCHITECTURE.md, "Errors").
  divert_descriptors(temporary_);
  MPI_Barrier(comm_);
  if (verdict == 2)
    throw InputError("no space left writing " + path_ + " (" + what +
                     "): free some space or choose another output.path; no result was written");
  throw InputError("cannot write " + path_ + " (" + what + ")" +
                   (stack.empty() ? std::string() : ": " + stack) + "; no result was written");
}

void ResultFile::commit() {
  // The column order of each group, so readers (grapes export) keep it.
  for (const auto& [group, names] : column_names_) attribute("columns", names, group);
  groups_.clear();
  // HDF5 writes most of its metadata now. Its parallel flush does not survive a write that
  // fails on one rank (the ranks end up in different collective calls), so a disk without
  // room for the metadata is refused before the flush, on every rank.
  const bool room = comm_rank(comm_) != 0 || room_for_metadata();
  agree_written(room, room ? 0 : ENOSPC, "the file's metadata");
  // Flushed and checked on every rank, the file still open for discard() to close it.
  errno = 0;
  const bool flushed = h5::try_flush_file(file_);
  agree_written(flushed, errno, "flushing the file");
  const bool closed = h5::try_close_file(file_);  // collective: all data is on disk after this
  agree_written(closed, errno, "closing the file");
  MPI_Barrier(comm_);
  // Stopped by a signal or orphaned (mpiexec gone): the job was declared failed, so nothing may
  // appear under the final name. Checked on every rank, then by rank 0 right before renaming.
  agree_or_throw(comm_, [] {});
  agree_or_throw(comm_, [&] {
    if (comm_rank(comm_) != 0) return;
    const std::string reason = interruption_reason();
    if (!reason.empty()) throw Interrupted(reason + ": no result was written", pending_signal());
    if (std::rename(temporary_.c_str(), path_.c_str()) != 0)
      throw InputError("cannot rename the finished result to '" + path_ +
                       "': " + std::strerror(errno));
  });
  unregister_temporary(temporary_);
  committed_ = true;
}

bool ResultFile::room_for_metadata() const {
  // What HDF5 still has to write is its metadata: at most the holes of the file (its logical
  // size less the bytes on disk) and at most about twice its metadata cache (entries land in
  // 2 KiB blocks between data, each block costing a file-system block). The smaller bound
  // counts (the holes overestimate on compressing file systems), with a margin for the
  // superblock.
  struct stat info {};
  struct statvfs disk {};
  if (::stat(temporary_.c_str(), &info) != 0 || ::statvfs(temporary_.c_str(), &disk) != 0)
    return true;  // cannot tell: let the flush try
  // Rank 0 alone asks, so neither question may throw: an unknown size counts as 0.
  hsize_t logical = 0;
  std::size_t cache_bytes = 0;
  try {
    logical = h5::file_size(file_);
  } catch (const InputError&) {
    logical = 0;
  }
  try {
    cache_bytes = h5::metadata_cache_bytes(file_);
  } catch (const InputError&) {
    cache_bytes = 0;
  }
  const double block = static_cast<double>(disk.f_frsize);
  const double holes = std::max(static_cast<double>(logical), static_cast<double>(info.st_size)) -
                       static_cast<double>(info.st_blocks) * 512.0;
  const double cached = 2.0 * static_cast<double>(cache_bytes) + 16.0 * block;
  const double pending = std::max(0.0, std::min(holes, cached));
  return static_cast<double>(disk.f_bavail) * block >= pending + 16.0 * 1024.0;
}

bool ResultFile::room_for(std::uint64_t data_bytes) const {
  struct statvfs disk {};
  if (::statvfs(directory_of(temporary_).c_str(), &disk) != 0) return true;  // cannot tell
  const double available = static_cast<double>(disk.f_bavail) * static_cast<double>(disk.f_frsize);
  // Object headers, B-trees and the file system's block rounding: a margin of 10 % and 64 KiB.
  return available >= 1.1 * static_cast<double>(data_bytes) + 65536.0;
}

void ResultFile::pause_for_test() {
  // The test hook of the interruption tests (tests/cli/test_hostile.sh): a pause in the first
  // table write, announced on stderr, so that a signal can be sent while the result is written.
  const char* seconds = std::getenv("GRAPES_TEST_PAUSE_IN_WRITE");
  if (!seconds || paused_) return;
  paused_ = true;
  if (comm_rank(comm_) == 0) std::fprintf(stderr, "test hook: pausing in write\n");
  std::fflush(stderr);
  const auto until =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(std::atof(seconds));
  while (std::chrono::steady_clock::now() < until && pending_signal() == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

}  // namespace grapes
