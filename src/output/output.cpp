#include "grapes/output/output.hpp"

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
#include <ctime>
#include <exception>
#include <thread>

#include "grapes/core/error.hpp"
#include "grapes/core/interrupt.hpp"
#include "grapes/core/kokkos_compat.hpp"
#include "grapes/io/hdf5_calls.hpp"
#include "grapes/parallel/comm.hpp"
#include "grapes/version.hpp"

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

std::string join_names(const Table& table) {
  std::string names;
  for (const Column& column : table.columns) names += (names.empty() ? "" : ",") + column.name;
  return names;
}

// A fixed-length string type of `length` bytes (at least 1). Columns are null-padded (numpy's
// 'S' strings); attributes keep the layout of earlier files (C string type, no terminator
// stored when the text fills it).
h5::Handle string_type(std::size_t length, H5T_str_t padding = H5T_STR_NULLTERM) {
  h5::Handle type = h5::checked(h5::datatype(H5Tcopy(H5T_C_S1)), "H5Tcopy");
  h5::check(H5Tset_size(type, std::max<std::size_t>(1, length)), "H5Tset_size");
  h5::check(H5Tset_strpad(type, padding), "H5Tset_strpad");
  return type;
}

// One column's values as the memory buffer and HDF5 type of a write. Strings are packed into
// fixed-length records `string_length` long (the longest value over all ranks).
struct ColumnBuffer {
  h5::Handle owned_type;  // for strings
  hid_t type = H5I_INVALID_HID;
  std::vector<char> packed;  // for strings
  const void* data = nullptr;
};

ColumnBuffer column_buffer(const ColumnData& values, std::size_t string_length) {
  ColumnBuffer buffer;
  if (const auto* strings = std::get_if<std::vector<std::string>>(&values)) {
    const std::size_t length = std::max<std::size_t>(1, string_length);
    buffer.owned_type = string_type(length, H5T_STR_NULLPAD);
    buffer.type = buffer.owned_type.get();
    buffer.packed.assign(strings->size() * length, '\0');
    for (std::size_t i = 0; i < strings->size(); ++i)
      std::memcpy(buffer.packed.data() + i * length, (*strings)[i].data(), (*strings)[i].size());
    buffer.data = buffer.packed.data();
    return buffer;
  }
  std::visit(
      [&](const auto& column) {
        using T = typename std::decay_t<decltype(column)>::value_type;
        if constexpr (!std::is_same_v<T, std::string>) {
          buffer.type = h5::native_type_of<T>();
          buffer.data = column.data();
        }
      },
      values);
  return buffer;
}

std::size_t longest_string(const ColumnData& values) {
  std::size_t longest = 0;
  if (const auto* strings = std::get_if<std::vector<std::string>>(&values))
    for (const std::string& s : *strings) longest = std::max(longest, s.size());
  return longest;
}

std::string read_string_attribute(hid_t object, const std::string& name) {
  h5::Handle attribute =
      h5::checked(h5::attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT)), "open " + name);
  h5::Handle type = h5::checked(h5::datatype(H5Aget_type(attribute)), "type of " + name);
  std::string value(H5Tget_size(type), '\0');
  h5::check(H5Aread(attribute, type, value.data()), "read attribute " + name);
  while (!value.empty() && value.back() == '\0') value.pop_back();
  return value;
}

// An attribute written again replaces the old one (a step's attributes copied from its
// result file, then completed).
void remove_attribute(hid_t object, const std::string& name) {
  h5::QuietErrors quiet;
  if (H5Aexists(object, name.c_str()) > 0)
    h5::check(H5Adelete(object, name.c_str()), "replace attribute " + name);
}

void write_string_attribute(hid_t object, const std::string& name, const std::string& value) {
  remove_attribute(object, name);
  h5::Handle type = string_type(value.size());
  h5::Handle space = h5::checked(h5::dataspace(H5Screate(H5S_SCALAR)), "H5Screate");
  h5::Handle attribute = h5::checked(
      h5::attribute(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT)),
      "create attribute " + name);
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  h5::check(H5Awrite(attribute, type, padded.data()), "write attribute " + name);
}

template <class T>
void write_numeric_attribute(hid_t object, const std::string& name, const std::vector<T>& values) {
  remove_attribute(object, name);
  const hsize_t count = values.size();
  h5::Handle space = h5::checked(
      h5::dataspace(count == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, nullptr)),
      "dataspace of attribute " + name);
  const hid_t type = h5::native_type_of<T>();
  h5::Handle attribute = h5::checked(
      h5::attribute(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT)),
      "create attribute " + name);
  h5::check(H5Awrite(attribute, type, values.data()), "write attribute " + name);
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
  int length = static_cast<int>(name.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, comm);
  name.resize(static_cast<std::size_t>(length));
  MPI_Bcast(name.data(), length, MPI_CHAR, 0, comm);
  temporary_ = name;
  register_temporary(temporary_);
  h5::QuietErrors quiet;
  h5::Handle access_list = h5::mpio_file_access(comm);
  file_ = h5::file(H5Fcreate(temporary_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access_list));
  if (!file_.valid()) {
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
    H5Fclose(file_.release());
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
  if (verdict == 2)
    throw InputError("no space left writing " + path_ + " (" + what +
                     "): free some space or choose another output.path; no result was written");
  throw InputError("cannot write " + path_ + " (" + what + ")" +
                   (stack.empty() ? std::string() : ": " + stack) + "; no result was written");
}

hid_t ResultFile::ensure_group(const std::string& group) {
  if (group == "/") return file_.get();
  for (std::size_t i = 0; i < group_names_.size(); ++i)
    if (group_names_[i] == group) return groups_[i].get();
  h5::Handle create_list = h5::checked(h5::plist(H5Pcreate(H5P_LINK_CREATE)), "H5Pcreate");
  h5::check(H5Pset_create_intermediate_group(create_list, 1), "H5Pset_create_intermediate_group");
  h5::QuietErrors quiet;
  const bool exists = H5Lexists(file_, group.c_str(), H5P_DEFAULT) > 0;
  h5::Handle handle =
      exists ? h5::group(H5Gopen2(file_, group.c_str(), H5P_DEFAULT))
             : h5::group(H5Gcreate2(file_, group.c_str(), create_list, H5P_DEFAULT, H5P_DEFAULT));
  handle = h5::checked(std::move(handle), "create group " + group);
  // A group copied from another file keeps its column order; columns written here follow.
  if (exists && H5Aexists(handle, "columns") > 0)
    column_names_[group] = read_string_attribute(handle, "columns");
  group_names_.push_back(group);
  groups_.push_back(std::move(handle));
  return groups_.back().get();
}

void ResultFile::write_table(const std::string& group, const Table& rows) {
  const hid_t group_id = ensure_group(group);
  const std::int64_t local_rows = static_cast<std::int64_t>(rows.rows());
  const std::int64_t total = allreduce_sum(comm_, local_rows);
  const std::int64_t offset = exclusive_scan_sum(comm_, local_rows);
  // Independent writes: each rank's rows are one contiguous range, and a collective write that
  // fails on one rank (a full disk) leaves the others waiting inside HDF5 (HDF5 1.10 skips
  // its own collective clean-up on the failing rank). Failures are agreed per column below.
  h5::Handle transfer = h5::independent_transfer();
  for (const Column& column : rows.columns) {
    const std::string where = group + "/" + column.name;
    const std::size_t string_length = static_cast<std::size_t>(
        allreduce_max(comm_, static_cast<std::int64_t>(longest_string(column.values))));
    const ColumnBuffer buffer = column_buffer(column.values, string_length);
    const hsize_t global_size = static_cast<hsize_t>(total);
    h5::Handle file_space = h5::checked(h5::dataspace(H5Screate_simple(1, &global_size, nullptr)),
                                        "dataspace of " + where);
    h5::Handle dataset =
        h5::checked(h5::dataset(H5Dcreate2(group_id, column.name.c_str(), buffer.type, file_space,
                                           H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)),
                    "create " + where);
    if (total == 0) continue;  // every rank agrees: nothing to write into an empty dataset
    pause_for_test();
    const hsize_t start = static_cast<hsize_t>(offset);
    const hsize_t count = static_cast<hsize_t>(local_rows);
    const hsize_t memory_size = std::max<hsize_t>(1, count);
    h5::Handle memory_space = h5::checked(h5::dataspace(H5Screate_simple(1, &memory_size, nullptr)),
                                          "memory space of " + where);
    if (count == 0) {
      h5::check(H5Sselect_none(file_space), "select none in " + where);
      h5::check(H5Sselect_none(memory_space), "select none for " + where);
    } else {
      h5::check(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &start, nullptr, &count, nullptr),
                "select rows of " + where);
    }
    // Every rank takes part, also with nothing to write (a skipped call would hang).
    static const std::int64_t dummy[4] = {0, 0, 0, 0};
    const void* data = count ? buffer.data : dummy;
    const herr_t written = H5Dwrite(dataset, buffer.type, memory_space, file_space, transfer, data);
    const int error = errno;
    // Collective: a rank whose part failed (a full disk) must not go on to the next column
    // while the others stop.
    agree_written(written >= 0, error, where);
  }
  std::string& names = column_names_[group];
  const std::string added = join_names(rows);
  names += (names.empty() || added.empty() ? "" : ",") + added;
}

void ResultFile::attribute(const std::string& name, const AttributeValue& value,
                           const std::string& group) {
  const hid_t object = ensure_group(group);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>)
          write_string_attribute(object, name, v);
        else if constexpr (std::is_arithmetic_v<T>)
          write_numeric_attribute(object, name, std::vector<T>{v});
        else
          write_numeric_attribute(object, name, v);
      },
      value);
}

namespace {

h5::Handle open_source_file(const std::string& path) {
  h5::QuietErrors quiet;
  h5::Handle file = h5::file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.valid()) throw InputError("cannot open result file '" + path + "'");
  return file;
}

herr_t copy_one_attribute(hid_t source, const char* name, const H5A_info_t*, void* data) {
  if (std::strcmp(name, "columns") == 0) return 0;
  const hid_t destination = *static_cast<hid_t*>(data);
  h5::Handle attribute = h5::attribute(H5Aopen(source, name, H5P_DEFAULT));
  h5::Handle type = h5::datatype(H5Aget_type(attribute));
  h5::Handle space = h5::dataspace(H5Aget_space(attribute));
  if (!attribute.valid() || !type.valid() || !space.valid()) return -1;
  const hssize_t count = H5Sget_simple_extent_npoints(space);
  std::vector<char> bytes(static_cast<std::size_t>(std::max<hssize_t>(1, count)) *
                          H5Tget_size(type));
  if (H5Aread(attribute, type, bytes.data()) < 0) return -1;
  h5::Handle copy =
      h5::attribute(H5Acreate2(destination, name, type, space, H5P_DEFAULT, H5P_DEFAULT));
  if (!copy.valid() || H5Awrite(copy, type, bytes.data()) < 0) return -1;
  return 0;
}

}  // namespace

void ResultFile::copy_object(const std::string& source_path, const std::string& object,
                             const std::string& destination) {
  h5::Handle source = open_source_file(source_path);
  h5::Handle create_list = h5::checked(h5::plist(H5Pcreate(H5P_LINK_CREATE)), "H5Pcreate");
  h5::check(H5Pset_create_intermediate_group(create_list, 1), "H5Pset_create_intermediate_group");
  h5::QuietErrors quiet;
  h5::check(H5Ocopy(source, object.c_str(), file_, destination.c_str(), H5P_DEFAULT, create_list),
            "copy " + source_path + ":" + object + " to " + destination);
}

void ResultFile::copy_attributes(const std::string& source_path, const std::string& object,
                                 const std::string& group) {
  h5::Handle source = open_source_file(source_path);
  h5::QuietErrors quiet;
  h5::Handle from = h5::checked(h5::object(H5Oopen(source, object.c_str(), H5P_DEFAULT)),
                                "open " + source_path + ":" + object);
  hid_t to = ensure_group(group);
  hsize_t index = 0;
  h5::check(H5Aiterate2(from, H5_INDEX_NAME, H5_ITER_INC, &index, copy_one_attribute, &to),
            "copy the attributes of " + source_path + ":" + object);
}

void ResultFile::commit() {
  // The column order of each group, so readers (grapes export) keep it.
  for (const auto& [group, names] : column_names_)
    write_string_attribute(ensure_group(group), "columns", names);
  groups_.clear();
  // HDF5 writes most of its metadata now. Its parallel flush does not survive a write that
  // fails on one rank (the ranks end up in different collective calls), so a disk without
  // room for the metadata is refused before the flush, on every rank.
  const bool room = comm_rank(comm_) != 0 || room_for_metadata();
  agree_written(room, room ? 0 : ENOSPC, "the file's metadata");
  // Flushed and checked on every rank, the file still open for discard() to close it.
  errno = 0;
  const herr_t flushed = H5Fflush(file_, H5F_SCOPE_GLOBAL);
  agree_written(flushed >= 0, errno, "flushing the file");
  const herr_t closed = H5Fclose(file_.release());  // collective: all data is on disk after this
  agree_written(closed >= 0, errno, "closing the file");
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
  hsize_t logical = 0;
  if (H5Fget_filesize(file_, &logical) < 0) logical = 0;
  std::size_t max_size = 0, min_clean = 0, cache_bytes = 0;
  int entries = 0;
  if (H5Fget_mdc_size(file_, &max_size, &min_clean, &cache_bytes, &entries) < 0) cache_bytes = 0;
  const double block = static_cast<double>(disk.f_frsize);
  const double holes = std::max(static_cast<double>(logical), static_cast<double>(info.st_size)) -
                       static_cast<double>(info.st_blocks) * 512.0;
  const double cached = 2.0 * static_cast<double>(cache_bytes) + 16.0 * block;
  const double pending = std::max(0.0, std::min(holes, cached));
  return static_cast<double>(disk.f_bavail) * block >= pending + 16.0 * 1024.0;
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

void write_tables(ResultFile& file, const std::string& group, const ParticleTables& tables,
                  MPI_Comm comm) {
  file.write_table(group + "/particles", tables.particles);
  // layer_offset [N+1]: this rank's particle starts, shifted by the layer rows before it;
  // the last rank adds the final end.
  const std::int64_t layer_rows = static_cast<std::int64_t>(tables.layers.rows());
  const std::int64_t layer_base = exclusive_scan_sum(comm, layer_rows);
  const std::int64_t all_layer_rows = allreduce_sum(comm, layer_rows);
  Table offsets;
  auto& layer_offset = offsets.add<std::int64_t>("layer_offset");
  for (std::int64_t start : tables.layer_start) layer_offset.push_back(layer_base + start);
  if (comm_rank(comm) == comm_size(comm) - 1) layer_offset.push_back(all_layer_rows);
  file.write_table(group + "/particles", offsets);
  file.write_table(group + "/layers", tables.layers);
  file.write_table(group + "/adjacency", tables.adjacency);
}

void write_volume_facts(ResultFile& file, const std::string& group, const VolumeFacts& facts) {
  const auto ints = [](const Index3& v) { return std::vector<std::int64_t>{v[0], v[1], v[2]}; };
  const std::string at = group.empty() ? "/" : group;
  file.attribute("shape", ints(facts.shape), at);
  file.attribute("ghost_width", ints(facts.ghost_width), at);
  file.attribute("voxel_size",
                 std::vector<double>{facts.voxel_size[0], facts.voxel_size[1], facts.voxel_size[2]},
                 at);
  file.attribute("layer_width", facts.layer_width, at);
  file.attribute("input_grey", facts.input_grey, at);
  file.attribute("input_grey_dtype", facts.input_grey_dtype, at);
  file.attribute("input_labels", facts.input_labels, at);
  file.attribute("input_labels_dtype", facts.input_labels_dtype, at);
  file.attribute("unassigned_voxels", facts.unassigned_voxels, at);
  file.attribute("flat_profile_particles", facts.flat_profile_particles, at);
  file.attribute("slabs_per_rank", facts.slabs_per_rank, at);
  file.attribute("halo_bytes", facts.halo_bytes, at);
  file.attribute("margin_bytes", facts.margin_bytes, at);
  for (const auto& [phase, seconds] : facts.phase_seconds)
    file.attribute("timing_" + phase + "_s", seconds, at);
}

void write_run_facts(ResultFile& file, const RunFacts& facts) {
  file.attribute("format_version", kFormatVersion);
  file.attribute("software", std::string("grapes-hpc ") + kVersion);
  file.attribute("git_commit", std::string(kGitCommit));
  file.attribute("config", facts.config_text);
  file.attribute("config_path", facts.config_path);
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  // Every rank passes the same value: rank 0's clock.
  std::string created(stamp);
  MPI_Bcast(created.data(), static_cast<int>(created.size()), MPI_CHAR, 0, file.comm());
  file.attribute("created_utc", created);
  file.attribute("mpi_ranks", std::int64_t(facts.ranks));
  file.attribute("decomposition",
                 std::vector<std::int64_t>{facts.grid[0], facts.grid[1], facts.grid[2]});
  file.attribute("kokkos_execution_space", std::string(kx::execution_space_name()));
  file.attribute("peak_memory_mib", facts.peak_memory_mib);
  if (!facts.peak_memory_mib_per_rank.empty())
    file.attribute("peak_memory_mib_per_rank", facts.peak_memory_mib_per_rank);
}

}  // namespace grapes
