#pragma once
// Row staging shared by the line kernels (kernel_drivers.hpp): they run over the x-lines of
// the owned box, one line (z, y) per work item, reading views that cover either the owned box
// (grey, a reference labelling) or a larger local block (labels, distances). Where a line
// starts in each view, and the kernel's row pointers moved along x or copied into team
// scratch, are written here once instead of in every kernel.
//
// A kernel's Rows are plain pointers at one x (LayoutRight rows are contiguous: the compiler
// need not reload the views' data and strides after every store), listed once in
//   template <class F> Rows each(const F& f) const;   // {f(row_a), f(row_b), ...}
// from which advanced() (kernel_drivers.hpp) and staged() below are built.
#include <cstddef>

#include "grapes/core/volume.hpp"
#include "grapes/kernels/kernel_drivers.hpp"

namespace grapes {

// Line l = (z, y) of the owned box (owned coordinates z = l / ny, y = l % ny).
struct LineRows {
  Index3 owned_lo;      // global
  Index3 label_offset;  // owned.lo - local.lo (where the owned box starts in a local view)
  index_t ny = 0, nx = 0;
  index_t lines = 0;

  explicit LineRows(const BlockGeometry& geometry)
      : owned_lo(geometry.owned.lo), label_offset(geometry.owned_offset()) {
    ny = geometry.owned.extent(1);
    nx = geometry.owned.extent(2);
    lines = geometry.owned.extent(0) * ny;
  }

  // The line's row at owned x = 0 in a view covering the local block (labels, distances).
  template <class T>
  KOKKOS_INLINE_FUNCTION T* local_row(const View3<T>& view, const index_t line) const {
    return &view(line / ny + label_offset[0], line % ny + label_offset[1], label_offset[2]);
  }
  // The same in a view covering the owned box only (grey, a reference labelling).
  template <class T>
  KOKKOS_INLINE_FUNCTION T* owned_row(const View3<T>& view, const index_t line) const {
    return &view(line / ny, line % ny, 0);
  }
};

// Copies n values of every row into team scratch (Rows::each); see kx::stage.
struct StageRows {
  const kx::TeamMember& team;
  index_t n;
  template <class T>
  KOKKOS_INLINE_FUNCTION const T* operator()(const T* row) const {
    return kx::stage(team, row, n);
  }
};

// Voxels x0 .. x0 + n - 1 of `rows` (the line's rows at x = 0) copied into team scratch: a
// line kernel's stage() where every row is read over the chunk only.
template <class Rows>
KOKKOS_INLINE_FUNCTION Rows staged(const kx::TeamMember& team, const Rows& rows, const index_t x0,
                                   const index_t n) {
  return advanced(rows, x0).each(StageRows{team, n});
}

// Team scratch for n values of each of T...: a line kernel's stage_bytes() (staged above).
template <class... T>
std::size_t staged_bytes(const index_t n) {
  return (kx::scratch_bytes<T>(n) + ...);
}

}  // namespace grapes
