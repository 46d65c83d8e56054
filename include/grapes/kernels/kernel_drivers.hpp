#pragma once
// How the per-voxel kernels map onto the backend (docs/ARCHITECTURE.md, "Kernels and
// drivers"). Every kernel is one function of a piece of the block (a segment of an x-line, a
// column, a cell) and two drivers that launch it:
//  - Driver::cpu: the work items of the CPU backends (Serial, OpenMP): whole x-lines, or
//    blocks of 16-32 adjacent columns walked with short SIMD-friendly loops;
//  - Driver::gpu: what a GPU needs: consecutive threads on consecutive voxels of an x-line
//    (coalesced loads), a team per chunk of a line that first copies the rows it reads into
//    team scratch, then one thread per segment of kSegment voxels, or one thread per column.
// The driver is chosen at compile time from the execution space (kDefaultDriver). Either driver
// runs on every backend and gives the same bits for every integer result: the tests run the
// GPU-shaped drivers on the CPU backends against the CPU ones (tests/unit/test_drivers.cpp).
#include <cstddef>
#include <type_traits>

#include "grapes/core/kokkos_compat.hpp"
#include "grapes/core/types.hpp"

namespace grapes {

enum class Driver { cpu, gpu };

inline const char* driver_name(Driver driver) {
  return driver == Driver::gpu ? "gpu" : "cpu";
}

namespace kx {

// The driver of the execution space the kernels run on.
inline constexpr Driver kDefaultDriver = is_gpu<ExecSpace> ? Driver::gpu : Driver::cpu;

using TeamPolicy = Kokkos::TeamPolicy<ExecSpace>;
using TeamMember = TeamPolicy::member_type;
using LinePolicy = Kokkos::RangePolicy<ExecSpace, Kokkos::IndexType<index_t>>;
template <class T>
using ScratchView =
    Kokkos::View<T*, ExecSpace::scratch_memory_space, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;

// Threads per team of the GPU-shaped drivers: two warps on a GPU; 1 on a CPU backend (Serial
// allows no more), where the one thread runs the team's loops in order.
constexpr int kGpuTeamThreads = 64;
inline int team_threads() {
  return is_gpu<ExecSpace> ? kGpuTeamThreads : 1;
}

// Team scratch (level 0) a GPU-shaped driver may ask for: what Kokkos 3.4 Serial allows, and
// well inside a GPU's shared memory.
constexpr std::size_t kTeamScratchBytes = 32 * 1024;

// Bytes of team scratch for n values of T.
template <class T>
std::size_t scratch_bytes(index_t n) {
  return ScratchView<T>::shmem_size(static_cast<std::size_t>(n));
}

// Copies src[0..n) into new team scratch, consecutive threads on consecutive values (coalesced
// loads); the caller puts a team barrier before reading it.
template <class T>
KOKKOS_INLINE_FUNCTION const T* stage(const TeamMember& team, const T* src, const index_t n) {
  ScratchView<T> dst(team.team_scratch(0), static_cast<std::size_t>(n));
  Kokkos::parallel_for(Kokkos::TeamThreadRange(team, n), [&](const index_t i) { dst(i) = src[i]; });
  return dst.data();
}

}  // namespace kx

// ---------------------------------------------------------------------------------------------
// Line kernels: per-voxel work along the x-lines of a box. A line kernel K has
//   index_t nx;                                  voxels per line
//   Rows rows(index_t line) const;               the line's rows in the views, at x = 0
//   static std::size_t stage_bytes(index_t n);   team scratch for a chunk of n voxels
//   Rows stage(const TeamMember&, index_t line, index_t x0, index_t n) const;
//                                                the chunk's rows copied into team scratch
//   void segment(const Rows&, index_t line, index_t x0, index_t n) const;
//                                                the one function: voxels x0 .. x0 + n - 1
// where Rows (plain pointers, at some x) lists its pointers once in
//   template <class F> Rows each(const F& f) const;   // {f(row_a), f(row_b), ...}
// (line_rows.hpp builds rows() and stage() from that). The CPU driver calls segment once per
// whole line; the GPU driver once per kSegment voxels.

// Moves every pointer of a Rows j voxels along x (Rows::each).
struct AdvanceRows {
  index_t j;
  template <class T>
  KOKKOS_INLINE_FUNCTION T* operator()(T* row) const {
    return row + j;
  }
};

// The rows j voxels further along x.
template <class Rows>
KOKKOS_INLINE_FUNCTION Rows advanced(const Rows& rows, const index_t j) {
  return rows.each(AdvanceRows{j});
}

// Voxels per thread of the GPU line driver.
constexpr index_t kSegment = 16;

template <class Kernel>
struct WholeLines {
  Kernel kernel;
  KOKKOS_INLINE_FUNCTION void operator()(const index_t line) const {
    kernel.segment(kernel.rows(line), line, 0, kernel.nx);
  }
};

template <class Kernel>
struct StagedLines {
  Kernel kernel;
  index_t chunk;   // voxels per team
  index_t chunks;  // teams per line
  KOKKOS_INLINE_FUNCTION void operator()(const kx::TeamMember& team) const {
    const index_t item = team.league_rank();
    const index_t line = item / chunks;
    const index_t x0 = (item - line * chunks) * chunk;
    const index_t n = kx::min(chunk, kernel.nx - x0);
    const auto rows = kernel.stage(team, line, x0, n);
    team.team_barrier();
    Kokkos::parallel_for(
        Kokkos::TeamThreadRange(team, (n + kSegment - 1) / kSegment), [&](const index_t part) {
          const index_t a = part * kSegment;
          kernel.segment(advanced(rows, a), line, x0 + a, kx::min(kSegment, n - a));
        });
  }
};

// The largest chunk (a multiple of kSegment, at most 64 segments) whose rows fit in team scratch.
template <class Kernel>
index_t line_chunk(const index_t nx) {
  index_t chunk = kSegment * 64;
  while (chunk > kSegment && Kernel::stage_bytes(chunk) > kx::kTeamScratchBytes) chunk /= 2;
  const index_t whole = (nx + kSegment - 1) / kSegment * kSegment;
  return kx::min(chunk, kx::max(whole, kSegment));
}

// Runs `kernel` over `lines` x-lines with driver D.
template <Driver D, class Kernel>
void for_each_line(const char* name, const Kernel& kernel, const index_t lines) {
  if (lines <= 0 || kernel.nx <= 0) return;
  if constexpr (D == Driver::cpu) {
    Kokkos::parallel_for(name, kx::LinePolicy(0, lines), WholeLines<Kernel>{kernel});
  } else {
    const index_t chunk = line_chunk<Kernel>(kernel.nx);
    const index_t chunks = (kernel.nx + chunk - 1) / chunk;
    kx::TeamPolicy policy(static_cast<int>(lines * chunks), kx::team_threads());
    policy.set_scratch_size(0, Kokkos::PerTeam(Kernel::stage_bytes(chunk)));
    Kokkos::parallel_for(name, policy, StagedLines<Kernel>{kernel, chunk, chunks});
  }
}

template <class Kernel>
void for_each_line(const char* name, const Driver driver, const Kernel& kernel,
                   const index_t lines) {
  if (driver == Driver::gpu)
    for_each_line<Driver::gpu>(name, kernel, lines);
  else
    for_each_line<Driver::cpu>(name, kernel, lines);
}

// Calls f(std::integral_constant<Driver, driver>{}): a run-time driver to a compile-time one.
template <class F>
void with_driver(const Driver driver, F&& f) {
  if (driver == Driver::gpu)
    f(std::integral_constant<Driver, Driver::gpu>{});
  else
    f(std::integral_constant<Driver, Driver::cpu>{});
}

}  // namespace grapes
