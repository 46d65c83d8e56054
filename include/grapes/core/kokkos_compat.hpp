#pragma once
// The one place that knows the difference between Kokkos 3.4 (Debian 12) and Kokkos 4.x
// (clusters): math functions moved from Kokkos::Experimental to Kokkos, Kokkos::min/max
// appeared, initialisation settings changed type, and profiling regions got a scoped form.
#include <Kokkos_Core.hpp>

#include <cmath>
#include <cstdint>

#if !defined(KOKKOS_VERSION)
#error "Kokkos_Core.hpp did not define KOKKOS_VERSION"
#endif

#define GRAPES_KOKKOS_4 (KOKKOS_VERSION >= 40000)

namespace grapes::kx {

#if GRAPES_KOKKOS_4
using Kokkos::cbrt;
using Kokkos::sqrt;
#else
using Kokkos::Experimental::cbrt;
using Kokkos::Experimental::sqrt;
#endif

template <class T>
KOKKOS_INLINE_FUNCTION T min(T a, T b) {
  return b < a ? b : a;
}
template <class T>
KOKKOS_INLINE_FUNCTION T max(T a, T b) {
  return a < b ? b : a;
}

// +inf usable inside kernels on every backend.
constexpr double kInfinity = HUGE_VAL;

// Round half to even for non-negative values, as numpy.round does (no rint in Kokkos 3.4).
KOKKOS_INLINE_FUNCTION std::int64_t round_half_even(double value) {
  const double floor_value = static_cast<double>(static_cast<std::int64_t>(value));
  const double fraction = value - floor_value;
  std::int64_t result = static_cast<std::int64_t>(floor_value);
  if (fraction > 0.5 || (fraction == 0.5 && (result & 1))) ++result;
  return result;
}

// The memory space kernels run in, and its host mirror.
using ExecSpace = Kokkos::DefaultExecutionSpace;
using MemSpace = ExecSpace::memory_space;

inline const char* execution_space_name() {
  return ExecSpace::name();
}

// Whether kernels launched on `Space` run on a GPU: its threads cannot read host memory.
// Every per-voxel kernel has two drivers (kernel_drivers.hpp) and picks one from this at
// compile time.
template <class Space>
inline constexpr bool is_gpu = !Kokkos::SpaceAccessibility<Space, Kokkos::HostSpace>::accessible;

// A named Kokkos profiling region for the lifetime of the object (Kokkos 4 has
// Kokkos::Profiling::ScopedRegion, 3.4 does not): the region is popped also when a stage
// throws, so Kokkos tools never see unbalanced regions.
class ScopedRegion {
 public:
  explicit ScopedRegion(const char* name) { Kokkos::Profiling::pushRegion(name); }
  ~ScopedRegion() { Kokkos::Profiling::popRegion(); }
  ScopedRegion(const ScopedRegion&) = delete;
  ScopedRegion& operator=(const ScopedRegion&) = delete;
};

}  // namespace grapes::kx
