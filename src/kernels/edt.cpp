// Multi-label anisotropic squared Euclidean distance transform (docs/METHOD.md, "Distance").
//
// Three separable passes over a LayoutRight block (x fastest):
//  1. x pass: per row, the distance to the nearest label change (or black border): a run
//     scan, f = k^2 * s_x^2.
//  2. y pass and 3. z pass: per column, f'(i) = min over sites q of f(q) + (i-q)^2 * s^2, where
//     the sites are the voxels of i's run of equal labels plus, as zero sites, the voxel just
//     outside each end of the run (a label change, or the black border beyond an image face).
//     An open face ends a run with no zero site.
//
// Arithmetic: every pass writes float(D(f(q) + k^2 * s2)) of the winning site, where f(q) is
// the float written by the previous pass, s2 = float(s*s) and D is one rounding to double.
// k^2 * s2 is exact in double, and float(D(.)) is monotone, so the value written is the
// rounding of the exact minimum over the site set: it does not depend on which algorithm
// found the minimum, nor on the line's extent, only on whether the minimising site is in the
// block. When every s2 is an integer the values are integers and the passes run in float,
// which is then exact (below 2^24) and gives the same bits. Every product is exact, so a
// compiler contracting a multiply and an add into an FMA cannot change a result either.
//
// The y and z passes search a window (ColumnMath::window_minimum, src/kernels/edt_column.hpp) and
// fall back to the lower envelope when a window would pass `window` steps (default 64); both give
// the same bits (tested), so the result does not depend on which one ran, nor on which driver.
//
// Lower envelopes are computed in the integer domain: for sites p < q the first integer i
// where q is at least as good as p is the smallest i with i*D >= N, where
// N = f(q) - f(p) + s2 (q^2 - p^2) and D = 2 s2 (q - p). N and i*D are exact in double for
// the ranges we use (f >= 1 or 0 as floats below 2^29, i.e. relative spacings >= 1, and lines
// shorter than 2^14), so the envelope is the exact one, ties included. (Longer lines are still
// correct to rounding; only the bit-for-bit agreement with the window is then unproven.)
//
// Drivers (kernel_drivers.hpp), sharing the per-line steps of src/kernels/edt_column.hpp:
//  - CPU: the x pass runs one row per work item (RowScan). The y and z passes run blocks of
//    16-32 adjacent x-columns (contiguous in memory) per work item, gathered into team scratch
//    with +inf padding and walked with short SIMD-friendly loops (ColumnBlocks); a block whose
//    window overflows takes the lower envelope, column by column, in place.
//  - GPU: the x pass runs a team per row: the runs' starts are numbered by a team scan into
//    scratch, then one thread per voxel (RowTeams). The y and z passes run one thread per
//    column, consecutive threads on consecutive x (coalesced), from one distance array into a
//    second one (ColumnThreads: a column's values are read by its neighbours' windows, so they
//    cannot be overwritten in place); a column whose window overflows is listed and its lower
//    envelope taken by a second kernel, one thread per listed column (ColumnEnvelopes).
#include "grapes/kernels/edt.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "edt_column.hpp"
#include "grapes/core/instantiate.hpp"
#include "grapes/kernels/edt_detail.hpp"
#include "grapes/kernels/kernel_drivers.hpp"

namespace grapes {
namespace {

using edt::ColumnMath;
using edt::RowRule;
using kx::ScratchView;

// Adjacent x-columns per work item of the CPU driver: 16 for the y pass. The z pass, whose rows
// are a whole plane apart, waits on memory more: with 256-bit or wider SIMD (cheap window steps)
// 32 columns, so that each visit to a row uses more of what was fetched, else 16.
constexpr int kBlockY = 16;
#if defined(__AVX2__) || defined(__AVX512F__) || defined(__ARM_FEATURE_SVE)
constexpr int kBlockZ = 32;
#else
constexpr int kBlockZ = 16;
#endif

// The column gather walks rows a whole line apart; the hardware prefetchers miss much of it.
#if defined(__GNUC__) && !defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__)
#define GRAPES_EDT_PREFETCH(address) __builtin_prefetch(address)
#else
#define GRAPES_EDT_PREFETCH(address) ((void)0)
#endif
constexpr int kPrefetchRows = 12;

// ---------------------------------------------------------------------------------------
// x pass: distance to the nearest label change along each row.
template <class Label>
struct Rows {
  const Label* labels;
  float* dist;
  index_t l_stride0, l_stride1;  // label strides of z and y
  index_t d_stride0, d_stride1;  // distance strides of z and y
  index_t ny;
  RowRule rule;

  KOKKOS_INLINE_FUNCTION const Label* label_row(const index_t row) const {
    const index_t z = row / ny;
    return labels + z * l_stride0 + (row - z * ny) * l_stride1;
  }
  KOKKOS_INLINE_FUNCTION float* dist_row(const index_t row) const {
    const index_t z = row / ny;
    return dist + z * d_stride0 + (row - z * ny) * d_stride1;
  }
};

// CPU driver: one row per work item, run by run.
template <class Label>
struct RowScan {
  Rows<Label> rows;
  KOKKOS_INLINE_FUNCTION void operator()(const index_t row) const {
    const Label* lab = rows.label_row(row);
    float* out = rows.dist_row(row);
    const index_t nx = rows.rule.nx;
    index_t lo = 0;
    while (lo < nx) {
      const Label value = lab[lo];
      index_t hi = lo + 1;
      while (hi < nx && lab[hi] == value) ++hi;
      if (value == Label(0)) {
        for (index_t i = lo; i < hi; ++i) out[i] = 0.0f;
      } else {
        for (index_t i = lo; i < hi; ++i) out[i] = rows.rule(i, lo, hi);
      }
      lo = hi;
    }
  }
};

// GPU driver: a team per row. A scan numbers the runs (run_of) and records where each starts
// (starts, with starts[runs] = nx), in team scratch; then one thread per voxel.
template <class Label>
struct RowTeams {
  Rows<Label> rows;
  int level;  // team scratch level: 0, or 1 for rows too long for level 0

  static std::size_t scratch_bytes(const index_t nx) {
    return kx::scratch_bytes<int>(nx + 1) + kx::scratch_bytes<int>(nx);
  }

  KOKKOS_INLINE_FUNCTION void operator()(const kx::TeamMember& team) const {
    const index_t row = team.league_rank();
    const Label* lab = rows.label_row(row);
    float* out = rows.dist_row(row);
    const int nx = static_cast<int>(rows.rule.nx);
    ScratchView<int> starts(team.team_scratch(level), static_cast<std::size_t>(nx) + 1);
    ScratchView<int> run_of(team.team_scratch(level), static_cast<std::size_t>(nx));
    Kokkos::parallel_scan(Kokkos::TeamThreadRange(team, nx),
                          [&](const int i, int& runs, const bool final) {
                            const int head = (i == 0 || lab[i] != lab[i - 1]) ? 1 : 0;
                            if (final) {
                              if (head) starts(runs) = i;
                              run_of(i) = runs + head - 1;
                              if (i == nx - 1) starts(runs + head) = nx;
                            }
                            runs += head;
                          });
    team.team_barrier();
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, nx), [&](const int i) {
      const int run = run_of(i);
      out[i] = lab[i] == Label(0) ? 0.0f : rows.rule(i, starts(run), starts(run + 1));
    });
  }
};

template <Driver D, class Label>
void row_pass(const Rows<Label>& rows, const index_t n_rows) {
  if constexpr (D == Driver::cpu) {
    Kokkos::parallel_for("grapes::edt::x_pass", kx::LinePolicy(0, n_rows), RowScan<Label>{rows});
  } else {
    const std::size_t bytes = RowTeams<Label>::scratch_bytes(rows.rule.nx);
    const int level = bytes <= kx::kTeamScratchBytes ? 0 : 1;
    kx::TeamPolicy policy(static_cast<int>(n_rows), kx::team_threads());
    policy.set_scratch_size(level, Kokkos::PerTeam(bytes));
    Kokkos::parallel_for("grapes::edt::x_pass", policy, RowTeams<Label>{rows, level});
  }
}

// ---------------------------------------------------------------------------------------
// y and z passes. Element (o, i, x) of the labels is labels[o * l_outer + i * l_line + x],
// likewise for the distances; i runs along the pass axis (length n), o over the other non-x
// axis.
//
// For voxel i, let b be the distance to the nearer zero site of its run (run end next to a
// label change, or the black border). Starting from best = min(f(i), b^2 s2), every site q
// of another run is at least b + 1 away and cannot win (f(q) + k^2 s2 > b^2 s2), so the window
// may take every site at face value: best = min over k of f(i -+ k) + k^2 s2, with no test of
// labels in the inner loop. It stops once k^2 s2 reaches every column's best.
template <class Label>
struct Columns {
  const Label* labels;
  index_t l_outer, l_line, d_outer, d_line;
  index_t nx;
  index_t n_outer;
};

// CPU driver: one work item is a block of kBlock adjacent x-columns of one line, gathered into
// team scratch; teams have one thread, which runs the whole block with short SIMD-friendly
// loops over its columns.
template <class T, class Label, int kBlock>
struct ColumnBlocks {
  static constexpr int kNone = ColumnMath<T>::kNone;
  Columns<Label> cols;
  float* dist;
  ColumnMath<T> math;
  int pad;  // rows of +inf before and after the line in the scratch copy (> window + 1)

  static std::size_t scratch_bytes(int n, int pad) {
    const std::size_t rows = static_cast<std::size_t>(n);
    const std::size_t padded = rows + 2 * static_cast<std::size_t>(pad);
    return ScratchView<T>::shmem_size(padded * kBlock) +        // f, padded with +inf
           ScratchView<int>::shmem_size((rows + 1) * kBlock) +  // steps back to the zero site
           ScratchView<int>::shmem_size(rows + 2) +             // envelope: site positions
           ScratchView<double>::shmem_size(rows + 2) +          // envelope: site values
           ScratchView<int>::shmem_size(rows + 2) +             // envelope: first winning index
           ScratchView<float>::shmem_size(rows * kBlock);       // envelope: results
  }

  // The block's columns as gathered into scratch: f of column c at row r.
  struct GatheredColumns {
    const T* fs;
    KOKKOS_INLINE_FUNCTION T operator()(const int r, const int c) const {
      return fs[r * kBlock + c];
    }
  };

  // Gathers f into fs (rows 0..n-1) and the steps back from each voxel to the zero site before
  // its run into back (kNone if the run reaches an open low face; row n is zeros).
  KOKKOS_INLINE_FUNCTION void gather(const Label* lab, const float* out, const int nc, T* fs,
                                     int* back) const {
    const int n = math.n;
    const bool border_lo = math.border_lo;
    int start[kBlock];
    GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) {
      start[c] = 0;
      back[c] = border_lo ? 1 : kNone;
      fs[c] = c < nc ? static_cast<T>(out[c]) : T(0);
      back[n * kBlock + c] = 0;
    }
    for (int i = 1; i < n; ++i) {
      const Label* lrow = lab + i * cols.l_line;
      const Label* lprev = lrow - cols.l_line;
      const float* drow = out + i * cols.d_line;
      T* fs_row = fs + i * kBlock;
      int* back_row = back + i * kBlock;
      if (nc == kBlock) {
        if (i + kPrefetchRows < n) {
          GRAPES_EDT_PREFETCH(lrow + kPrefetchRows * cols.l_line);
          GRAPES_EDT_PREFETCH(drow + kPrefetchRows * cols.d_line);
        }
        GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) {
          start[c] = lrow[c] != lprev[c] ? i : start[c];
          back_row[c] = (start[c] > 0) | border_lo ? i - start[c] + 1 : kNone;
          fs_row[c] = static_cast<T>(drow[c]);
        }
      } else {
        for (int c = 0; c < kBlock; ++c) {
          start[c] = c < nc && lrow[c] != lprev[c] ? i : start[c];
          back_row[c] = (start[c] > 0) | border_lo ? i - start[c] + 1 : kNone;
          fs_row[c] = c < nc ? static_cast<T>(drow[c]) : T(0);
        }
      }
    }
  }

  // The windowed minimum of every voxel, from the last row back so that the zero site after
  // each run is known; false (rows written so far are rewritten later) on a window overflow.
  KOKKOS_INLINE_FUNCTION bool windowed(const T* fs, const int* back, float* out,
                                       const int nc) const {
    const int n = math.n;
    const GatheredColumns gathered{fs};
    int end[kBlock];  // first row after the run of row i
    GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) end[c] = n;
    for (int i = n - 1; i >= 0; --i) {
      T best[kBlock];
      const T* f_row = fs + i * kBlock;
      const int* back_row = back + i * kBlock;
      const int* back_next = back_row + kBlock;  // row n is zeros
      GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) {
        end[c] = back_next[c] == 1 ? i + 1 : end[c];
        const int ahead = (end[c] < n) | math.border_hi ? end[c] - i : kNone;
        best[c] = math.initial(f_row[c], kx::min(back_row[c], ahead));
      }
      if (!math.window_minimum(best, gathered, i)) return false;
      float* orow = out + i * cols.d_line;
      if (nc == kBlock) {
        GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) orow[c] = static_cast<float>(best[c]);
      } else {
        for (int c = 0; c < nc; ++c) orow[c] = static_cast<float>(best[c]);
      }
    }
    return true;
  }

  // The lower envelope of each column of the block, whole line, into res, then out.
  KOKKOS_INLINE_FUNCTION void envelopes(const kx::TeamMember& team, const T* fs, const int* back,
                                        float* out, const int nc) const {
    const std::size_t rows = static_cast<std::size_t>(math.n);
    ScratchView<int> vpos(team.team_scratch(1), rows + 2);
    ScratchView<double> vf(team.team_scratch(1), rows + 2);
    ScratchView<int> vz(team.team_scratch(1), rows + 2);
    ScratchView<float> res(team.team_scratch(1), rows * kBlock);
    for (int c = 0; c < nc; ++c)
      math.envelope([&](const int q) { return fs[q * kBlock + c]; },
                    [&](const int q) { return back[q * kBlock + c] == 1; },
                    [&](const int i, const float v) { res(i * kBlock + c) = v; }, vpos.data(),
                    vf.data(), vz.data());
    for (int r = 0; r < math.n; ++r) {
      float* orow = out + r * cols.d_line;
      const float* rrow = res.data() + r * kBlock;
      if (nc == kBlock) {
        GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) orow[c] = rrow[c];
      } else {
        for (int c = 0; c < nc; ++c) orow[c] = rrow[c];
      }
    }
  }

  KOKKOS_INLINE_FUNCTION void operator()(const kx::TeamMember& team) const {
    const index_t blocks_x = (cols.nx + kBlock - 1) / kBlock;
    const index_t item = team.league_rank();
    const index_t o = item / blocks_x;
    const index_t x0 = (item - o * blocks_x) * kBlock;
    const int nc = static_cast<int>(kx::min<index_t>(kBlock, cols.nx - x0));
    const std::size_t rows = static_cast<std::size_t>(math.n);
    ScratchView<T> fs_view(team.team_scratch(1), (rows + 2 * pad) * kBlock);
    ScratchView<int> back_view(team.team_scratch(1), (rows + 1) * kBlock);
    T* fs = fs_view.data() + pad * kBlock;  // fs[i * kBlock + c], i in [-pad, n + pad)
    int* back = back_view.data();           // back[i * kBlock + c]
    const Label* lab = cols.labels + o * cols.l_outer + x0;
    float* out = dist + o * cols.d_outer + x0;

    gather(lab, out, nc, fs, back);
    // Beyond the line: +inf, never a winner (the black border is in `back` and `ahead`).
    for (int j = 0; j < pad * kBlock; ++j) {
      fs[j - pad * kBlock] = T(math.infinity);
      fs[math.n * kBlock + j] = T(math.infinity);
    }
    if (!windowed(fs, back, out, nc)) envelopes(team, fs, back, out, nc);
  }
};

// GPU driver: one thread per column (o, x), consecutive threads on consecutive x, reading `src`
// and writing `dst`. The thread walks its column forwards, finding each run's end when it
// enters the run; a column whose window overflows is listed for ColumnEnvelopes.
template <class T, class Label>
struct ColumnThreads {
  static constexpr int kNone = ColumnMath<T>::kNone;
  Columns<Label> cols;
  const float* src;
  float* dst;
  ColumnMath<T> math;
  View1<int> overflow_count;
  View1<index_t> overflow_columns;

  // The column's values f(r), +inf outside the line.
  struct Column {
    const float* f;
    index_t line;
    int n;
    T infinity;
    KOKKOS_INLINE_FUNCTION T operator()(const int r, int) const {
      return r >= 0 && r < n ? static_cast<T>(f[r * line]) : infinity;
    }
  };

  KOKKOS_INLINE_FUNCTION void operator()(const index_t column) const {
    const index_t o = column / cols.nx, x = column - o * cols.nx;
    const Label* lab = cols.labels + o * cols.l_outer + x;
    const Column f{src + o * cols.d_outer + x, cols.d_line, math.n, T(math.infinity)};
    float* out = dst + o * cols.d_outer + x;
    const int n = math.n;
    int start = 0, end = 0;  // the run of row i: [start, end)
    for (int i = 0; i < n; ++i) {
      if (i >= end) {
        const Label value = lab[i * cols.l_line];
        start = i;
        end = i + 1;
        while (end < n && lab[end * cols.l_line] == value) ++end;
      }
      const int back = (start > 0 || math.border_lo) ? i - start + 1 : kNone;
      const int ahead = (end < n || math.border_hi) ? end - i : kNone;
      T best[1] = {math.initial(f(i, 0), kx::min(back, ahead))};
      if (!math.window_minimum(best, f, i)) {
        overflow_columns(Kokkos::atomic_fetch_add(&overflow_count(0), 1)) = column;
        return;
      }
      out[i * cols.d_line] = static_cast<float>(best[0]);
    }
  }
};

// GPU driver, fallback: the lower envelope of the listed columns first .. first + count - 1,
// one thread per column, with its envelope arrays in workspace rows.
template <class T, class Label>
struct ColumnEnvelopes {
  Columns<Label> cols;
  const float* src;
  float* dst;
  ColumnMath<T> math;
  View1<const index_t> columns;
  index_t first;
  View2<int> vpos, vz;
  View2<double> vf;

  KOKKOS_INLINE_FUNCTION void operator()(const index_t j) const {
    const index_t column = columns(first + j);
    const index_t o = column / cols.nx, x = column - o * cols.nx;
    const Label* lab = cols.labels + o * cols.l_outer + x;
    const float* in = src + o * cols.d_outer + x;
    float* out = dst + o * cols.d_outer + x;
    const index_t l_line = cols.l_line, d_line = cols.d_line;
    math.envelope([&](const int q) { return static_cast<T>(in[q * d_line]); },
                  [&](const int q) { return lab[q * l_line] != lab[(q - 1) * l_line]; },
                  [&](const int i, const float v) { out[i * d_line] = v; }, &vpos(j, 0), &vf(j, 0),
                  &vz(j, 0));
  }
};

// The columns of the pass along `axis` (1: y, lines along y, outer index z; 0: z, lines along
// z, outer index y) and its arithmetic.
template <class T, class Label>
void column_setup(const View3<const Label>& labels, const View3<float>& dist, const int axis,
                  const double s2d, const bool border_lo, const bool border_hi, const int window,
                  Columns<Label>& cols, ColumnMath<T>& math) {
  const int outer = axis == 1 ? 0 : 1;
  cols.labels = labels.data();
  cols.l_outer = static_cast<index_t>(labels.stride(outer));
  cols.l_line = static_cast<index_t>(labels.stride(axis));
  cols.d_outer = static_cast<index_t>(dist.stride(outer));
  cols.d_line = static_cast<index_t>(dist.stride(axis));
  cols.nx = static_cast<index_t>(labels.extent(2));
  cols.n_outer = static_cast<index_t>(labels.extent(outer));
  math.n = static_cast<int>(labels.extent(axis));
  math.s2d = s2d;
  math.s2 = static_cast<T>(s2d);
  math.border_lo = border_lo;
  math.border_hi = border_hi;
  math.infinity = std::numeric_limits<float>::infinity();
  math.window = kx::min(kx::max(window, 0), 1 << 14);  // k^2 stays an int
}

template <class T, class Label, int kBlock>
void column_pass_cpu(const View3<const Label>& labels, const View3<float>& dist, const int axis,
                     const double s2d, const bool border_lo, const bool border_hi,
                     const int window) {
  ColumnBlocks<T, Label, kBlock> pass;
  column_setup(labels, dist, axis, s2d, border_lo, border_hi, window, pass.cols, pass.math);
  pass.dist = dist.data();
  pass.pad = pass.math.window + 2;
  const index_t blocks_x = (pass.cols.nx + kBlock - 1) / kBlock;
  kx::TeamPolicy policy(static_cast<int>(pass.cols.n_outer * blocks_x), 1);
  policy.set_scratch_size(
      1, Kokkos::PerTeam(ColumnBlocks<T, Label, kBlock>::scratch_bytes(pass.math.n, pass.pad)));
  Kokkos::parallel_for(axis == 1 ? "grapes::edt::y_pass" : "grapes::edt::z_pass", policy, pass);
}

// Lower envelopes of the `count` listed columns, in groups whose workspace stays modest.
template <class T, class Label>
void column_envelopes_gpu(const ColumnThreads<T, Label>& pass, const index_t count) {
  const index_t entries = static_cast<index_t>(pass.math.n) + 2;
  const index_t group = kx::max<index_t>(1, kx::min<index_t>(count, (index_t(1) << 24) / entries));
  View2<int> vpos(Kokkos::view_alloc("grapes::edt::envelope_pos", Kokkos::WithoutInitializing),
                  group, entries);
  View2<int> vz(Kokkos::view_alloc("grapes::edt::envelope_first", Kokkos::WithoutInitializing),
                group, entries);
  View2<double> vf(Kokkos::view_alloc("grapes::edt::envelope_f", Kokkos::WithoutInitializing),
                   group, entries);
  for (index_t first = 0; first < count; first += group)
    Kokkos::parallel_for("grapes::edt::envelopes", kx::LinePolicy(0, kx::min(group, count - first)),
                         ColumnEnvelopes<T, Label>{pass.cols, pass.src, pass.dst, pass.math,
                                                   pass.overflow_columns, first, vpos, vz, vf});
}

template <class T, class Label>
void column_pass_gpu(const View3<const Label>& labels, const View3<float>& src,
                     const View3<float>& dst, const int axis, const double s2d,
                     const bool border_lo, const bool border_hi, const int window) {
  ColumnThreads<T, Label> pass;
  column_setup(labels, src, axis, s2d, border_lo, border_hi, window, pass.cols, pass.math);
  pass.src = src.data();
  pass.dst = dst.data();
  const index_t columns = pass.cols.n_outer * pass.cols.nx;
  pass.overflow_count = View1<int>("grapes::edt::overflow_count", 1);
  pass.overflow_columns = View1<index_t>(
      Kokkos::view_alloc("grapes::edt::overflow_columns", Kokkos::WithoutInitializing), columns);
  Kokkos::parallel_for(axis == 1 ? "grapes::edt::y_pass" : "grapes::edt::z_pass",
                       kx::LinePolicy(0, columns), pass);
  const index_t overflow =
      Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), pass.overflow_count)(0);
  if (overflow > 0) column_envelopes_gpu(pass, overflow);
}

// ---------------------------------------------------------------------------------------

template <class Label>
void check_arguments(const View3<const Label>& labels, const EdtGeometry& geometry,
                     const View3<float>& dist2) {
  for (int a = 0; a < 3; ++a) {
    if (labels.extent(a) != dist2.extent(a))
      throw std::invalid_argument("squared_edt: label and distance views differ in shape");
    if (!(geometry.spacing[a] > 0.0) || !std::isfinite(geometry.spacing[a]))
      throw std::invalid_argument("squared_edt: spacing must be positive and finite");
    // Scratch rows of the y and z passes are indexed with int.
    if (labels.extent(a) >= (index_t(1) << (a == 2 ? 30 : 24)))
      throw std::invalid_argument("squared_edt: block extent too large (z, y < 2^24, x < 2^30)");
  }
  if (labels.size() != 0 && (labels.stride_2() != 1 || dist2.stride_2() != 1))
    throw std::invalid_argument("squared_edt: x must be the contiguous axis");
}

// The y pass (axis 1) or z pass (axis 0) with driver D in arithmetic T: in place on `dist` (CPU),
// or from `dist` into `other` (GPU).
template <Driver D, class T, class Label>
void column_pass(const View3<const Label>& labels, const View3<float>& dist,
                 const View3<float>& other, const int axis, const double s2d, const bool lo,
                 const bool hi, const int window) {
  if constexpr (D == Driver::gpu)
    column_pass_gpu<T, Label>(labels, dist, other, axis, s2d, lo, hi, window);
  else if (axis == 1)
    column_pass_cpu<T, Label, kBlockY>(labels, dist, axis, s2d, lo, hi, window);
  else
    column_pass_cpu<T, Label, kBlockZ>(labels, dist, axis, s2d, lo, hi, window);
}

template <Driver D, class Label>
void run_squared_edt(const View3<const Label>& labels, const EdtGeometry& geometry,
                     const View3<float>& dist2, int window, detail::EdtPassTimes* times) {
  check_arguments(labels, geometry, dist2);
  if (labels.size() == 0) return;
  // s2 = float(s*s): with 24 significant bits, k^2 * s2 is exact in double.
  double s2[3];
  bool integral = true;
  for (int a = 0; a < 3; ++a) {
    s2[a] = static_cast<double>(static_cast<float>(geometry.spacing[a] * geometry.spacing[a]));
    integral = integral && s2[a] == std::floor(s2[a]) && s2[a] <= 1024.0;
  }
  const index_t nz = labels.extent(0), ny = labels.extent(1), nx = labels.extent(2);
  const Rows<Label> rows{labels.data(),
                         dist2.data(),
                         static_cast<index_t>(labels.stride_0()),
                         static_cast<index_t>(labels.stride_1()),
                         static_cast<index_t>(dist2.stride_0()),
                         static_cast<index_t>(dist2.stride_1()),
                         ny,
                         RowRule{nx, s2[2], geometry.border_lo[2], geometry.border_hi[2],
                                 std::numeric_limits<float>::infinity()}};
  Kokkos::Timer timer;
  auto lap = [&](double* seconds) {
    if (!times) return;
    Kokkos::fence();
    *seconds = timer.seconds();
    timer.reset();
  };
  row_pass<D>(rows, nz * ny);
  lap(times ? &times->x : nullptr);
  // The GPU driver's y pass writes a second array, which the z pass reads back into dist2.
  const View3<float> other =
      D == Driver::gpu
          ? View3<float>(Kokkos::view_alloc("grapes::edt::dist2_y", Kokkos::WithoutInitializing),
                         nz, ny, nx)
          : dist2;
  const auto& lo = geometry.border_lo;
  const auto& hi = geometry.border_hi;
  auto pass = [&](const View3<float>& from, const View3<float>& to, int axis) {
    if (integral)
      column_pass<D, float, Label>(labels, from, to, axis, s2[axis], lo[axis], hi[axis], window);
    else
      column_pass<D, double, Label>(labels, from, to, axis, s2[axis], lo[axis], hi[axis], window);
  };
  pass(dist2, other, 1);
  lap(times ? &times->y : nullptr);
  pass(other, dist2, 0);
  lap(times ? &times->z : nullptr);
  Kokkos::fence();
}

}  // namespace

template <class Label>
void squared_edt(const View3<const Label>& labels, const EdtGeometry& geometry,
                 const View3<float>& dist2) {
  run_squared_edt<kx::kDefaultDriver, Label>(labels, geometry, dist2, detail::kEdtDefaultWindow,
                                             nullptr);
}

namespace detail {
template <class Label>
void squared_edt_tuned(const View3<const Label>& labels, const EdtGeometry& geometry,
                       const View3<float>& dist2, int window, EdtPassTimes* times, Driver driver) {
  with_driver(driver, [&](auto d) {
    run_squared_edt<decltype(d)::value, Label>(labels, geometry, dist2, window, times);
  });
}
}  // namespace detail

#define GRAPES_INSTANTIATE_EDT(Label)                                                             \
  template void squared_edt<Label>(const View3<const Label>&, const EdtGeometry&,                 \
                                   const View3<float>&);                                          \
  template void detail::squared_edt_tuned<Label>(const View3<const Label>&, const EdtGeometry&,   \
                                                 const View3<float>&, int, detail::EdtPassTimes*, \
                                                 Driver);
GRAPES_FOR_EACH_LABEL(GRAPES_INSTANTIATE_EDT)
#undef GRAPES_INSTANTIATE_EDT

}  // namespace grapes
