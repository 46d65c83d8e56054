// Raw input: a headerless (or fixed-size header) C-order array of known shape, dtype and byte
// order. Each rank reads only the rows of its box with pread, merging rows that are
// contiguous in the file (whole x rows, whole planes), and swaps bytes when the file's byte
// order is not the machine's.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "grapes/core/error.hpp"
#include "io_detail.hpp"

namespace grapes::io_detail {
namespace {

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
constexpr bool kHostBigEndian = true;
#else
constexpr bool kHostBigEndian = false;
#endif

// Owns a POSIX file descriptor.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

void swap_bytes(unsigned char* data, std::size_t count, std::size_t element) {
  for (std::size_t i = 0; i < count; ++i, data += element) std::reverse(data, data + element);
}

class RawSource final : public VolumeSource {
 public:
  explicit RawSource(const SourceSpec& spec)
      : path_(spec.path),
        key_(spec.key),
        prefix_(key_prefix(spec)),
        shape_(spec.shape),
        dtype_(spec.dtype),
        big_endian_(spec.big_endian),
        header_(spec.header_bytes),
        fd_(::open(spec.path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (header_ < 0)
      throw InputError(prefix_ + "raw file '" + path_ + "': header_bytes must be >= 0");
    // Checked first: a shape whose byte count wraps around 64 bits could match a small file.
    const std::int64_t needed = checked_volume_bytes(shape_, dtype_size(dtype_),
                                                     prefix_ + "raw file '" + path_ + "'", header_);
    if (fd_.get() < 0) {
      const int error = errno;
      throw InputError(prefix_ + (error == ENOENT ? "raw file '" + path_ + "' does not exist"
                                                  : "cannot open raw file '" + path_ +
                                                        "': " + std::strerror(error)));
    }
    struct stat info {};
    if (::fstat(fd_.get(), &info) != 0 || !S_ISREG(info.st_mode))
      throw InputError(prefix_ + "'" + path_ + "' is not a regular file");
    if (static_cast<std::int64_t>(info.st_size) != needed)
      throw InputError(prefix_ + "raw file '" + path_ + "' has " + std::to_string(info.st_size) +
                       " bytes, but shape " + shape_text(shape_) + " of " + dtype_name(dtype_) +
                       " with a " + std::to_string(header_) + "-byte header needs " +
                       std::to_string(needed) + " bytes");
  }

  Index3 shape() const override { return shape_; }
  DType dtype() const override { return dtype_; }
  std::string describe() const override { return path_; }
  std::string key() const override { return key_; }

  void read_box(const Box& box, void* destination) override {
    require_inside(box, shape_, describe());
    if (box.empty()) return;
    const std::size_t element = dtype_size(dtype_);
    const index_t ny = shape_[1], nx = shape_[2];
    // Rows of x that are contiguous in the file are read in one call: whole planes when the
    // box spans y and x, whole z-slabs of rows when it spans x.
    const bool full_x = box.extent(2) == nx;
    const bool full_y = full_x && box.extent(1) == ny;
    const index_t run = full_y ? box.voxels() : full_x ? box.extent(1) * nx : box.extent(2);
    auto* out = static_cast<unsigned char*>(destination);
    for (index_t z = box.lo[0]; z < box.hi[0]; ++z) {
      for (index_t y = box.lo[1]; y < box.hi[1]; ++y) {
        const index_t first = (z * ny + y) * nx + box.lo[2];
        read_bytes(out, static_cast<std::size_t>(run) * element,
                   header_ + first * static_cast<index_t>(element));
        out += static_cast<std::size_t>(run) * element;
        if (full_x) break;  // this read covered every y of the plane
      }
      if (full_y) break;  // and this one every z
    }
    if (big_endian_ != kHostBigEndian && element > 1)
      swap_bytes(static_cast<unsigned char*>(destination), static_cast<std::size_t>(box.voxels()),
                 element);
  }

 private:
  void read_bytes(unsigned char* out, std::size_t size, index_t offset) const {
    while (size > 0) {
      const ssize_t got = ::pread(fd_.get(), out, size, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0)
        throw InputError(prefix_ + "cannot read raw file '" + path_ + "' at byte " +
                         std::to_string(offset) +
                         (got < 0 ? ": " + std::string(std::strerror(errno)) : ": file too short"));
      out += got;
      size -= static_cast<std::size_t>(got);
      offset += got;
    }
  }

  std::string path_;
  std::string key_;
  std::string prefix_;
  Index3 shape_;
  DType dtype_;
  bool big_endian_;
  std::int64_t header_;
  FileDescriptor fd_;
};

}  // namespace

std::unique_ptr<VolumeSource> open_raw_source(const SourceSpec& spec, MPI_Comm comm) {
  (void)comm;  // every rank reads its own rows; nothing to agree on
  return std::make_unique<RawSource>(spec);
}

}  // namespace grapes::io_detail
