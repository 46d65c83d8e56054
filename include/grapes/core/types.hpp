#pragma once
// Plain value types shared by every module: global shapes, boxes of voxels, element types.
// Axes are (z, y, x) in C order, x fastest, as numpy/h5py/tifffile use.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace grapes {

using index_t = std::int64_t;
using Index3 = std::array<index_t, 3>;
using Spacing3 = std::array<double, 3>;

// Wall seconds per phase of a run ("read", "edt", ...), in order of first lap
// (run/phase_clock.hpp measures them, the result file records them).
using PhaseTimes = std::vector<std::pair<std::string, double>>;

// A half-open box [lo, hi) of global voxel indices.
struct Box {
  Index3 lo{0, 0, 0};
  Index3 hi{0, 0, 0};

  index_t extent(int axis) const { return std::max<index_t>(0, hi[axis] - lo[axis]); }
  Index3 extents() const { return {extent(0), extent(1), extent(2)}; }
  index_t voxels() const { return extent(0) * extent(1) * extent(2); }
  bool empty() const { return voxels() == 0; }
  bool contains(const Index3& p) const {
    for (int a = 0; a < 3; ++a)
      if (p[a] < lo[a] || p[a] >= hi[a]) return false;
    return true;
  }
  // Intersection; empty boxes come out with hi == lo on some axis.
  Box intersect(const Box& other) const {
    Box out;
    for (int a = 0; a < 3; ++a) {
      out.lo[a] = std::max(lo[a], other.lo[a]);
      out.hi[a] = std::max(out.lo[a], std::min(hi[a], other.hi[a]));
    }
    return out;
  }
  // This box grown by `width[a]` on both sides of each axis, then clipped to `bounds`.
  Box grow(const Index3& width, const Box& bounds) const {
    Box out;
    for (int a = 0; a < 3; ++a) {
      out.lo[a] = lo[a] - width[a];
      out.hi[a] = hi[a] + width[a];
    }
    return out.intersect(bounds);
  }
  bool operator==(const Box& other) const { return lo == other.lo && hi == other.hi; }
  bool operator!=(const Box& other) const { return !(*this == other); }
};

inline Box whole_box(const Index3& shape) {
  return Box{{0, 0, 0}, shape};
}
inline index_t voxel_count(const Index3& shape) {
  return shape[0] * shape[1] * shape[2];
}

// Element types of input volumes. The signed integer types come last so that the values of
// the older ones do not change.
enum class DType { u8, u16, u32, u64, f32, f64, i8, i16, i32, i64 };

inline std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::u8:
      return 1;
    case DType::u16:
      return 2;
    case DType::u32:
      return 4;
    case DType::u64:
      return 8;
    case DType::f32:
      return 4;
    case DType::f64:
      return 8;
    case DType::i8:
      return 1;
    case DType::i16:
      return 2;
    case DType::i32:
      return 4;
    case DType::i64:
      return 8;
  }
  return 0;
}
inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::u8:
      return "uint8";
    case DType::u16:
      return "uint16";
    case DType::u32:
      return "uint32";
    case DType::u64:
      return "uint64";
    case DType::f32:
      return "float32";
    case DType::f64:
      return "float64";
    case DType::i8:
      return "int8";
    case DType::i16:
      return "int16";
    case DType::i32:
      return "int32";
    case DType::i64:
      return "int64";
  }
  return "?";
}
inline bool dtype_is_float(DType t) {
  return t == DType::f32 || t == DType::f64;
}
// A signed integer type (int8 .. int64; floats are not counted).
inline bool dtype_is_signed(DType t) {
  return t == DType::i8 || t == DType::i16 || t == DType::i32 || t == DType::i64;
}

// Parses numpy-style names ("uint16", "u2", "<u2", "int32", "i4", "float32", "f4"); false when
// unknown.
bool parse_dtype(const std::string& text, DType& out);

template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<std::uint8_t>() {
  return DType::u8;
}
template <>
constexpr DType dtype_of<std::uint16_t>() {
  return DType::u16;
}
template <>
constexpr DType dtype_of<std::uint32_t>() {
  return DType::u32;
}
template <>
constexpr DType dtype_of<std::uint64_t>() {
  return DType::u64;
}
template <>
constexpr DType dtype_of<std::int8_t>() {
  return DType::i8;
}
template <>
constexpr DType dtype_of<std::int16_t>() {
  return DType::i16;
}
template <>
constexpr DType dtype_of<std::int32_t>() {
  return DType::i32;
}
template <>
constexpr DType dtype_of<std::int64_t>() {
  return DType::i64;
}
template <>
constexpr DType dtype_of<float>() {
  return DType::f32;
}
template <>
constexpr DType dtype_of<double>() {
  return DType::f64;
}

}  // namespace grapes
