// Multi-label anisotropic squared Euclidean distance transform (docs/METHOD.md, "Distance").
//
// Three separable passes over a LayoutRight block (x fastest):
//  1. x pass: per row, the distance to the nearest label change (or black border): a plain
//     run scan, f = k^2 * s_x^2.
//  2. y pass and 3. z pass: per column, f'(i) = min over sites q of f(q) + (i-q)^2 * s^2, where
//     the sites are the voxels of i's run of equal labels plus, as zero sites, the voxel just
//     outside each end of the run (a label change, or the black border beyond an image face).
//     An open face ends a run with no zero site. Work items are blocks of adjacent
//     x-columns (contiguous in memory), gathered into per-team scratch.
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
// The y and z passes search a window (see ColumnPass) and fall back, per block of columns,
// to the lower envelope below when a window would pass `window` steps (default 64); both give
// the same bits (tested), so the result does not depend on which one ran.
//
// Lower envelopes are computed in the integer domain: for sites p < q the first integer i
// where q is at least as good as p is the smallest i with i*D >= N, where
// N = f(q) - f(p) + s2 (q^2 - p^2) and D = 2 s2 (q - p). N and i*D are exact in double for
// the ranges we use (f >= 1 or 0 as floats below 2^29, i.e. relative spacings >= 1, and lines
// shorter than 2^14), so the envelope is the exact one, ties included. (Longer lines are still
// correct to rounding; only the bit-for-bit agreement with the window is then unproven.)
#include "grapes/edt.hpp"

#include "grapes/edt_detail.hpp"
#include "grapes/instantiate.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace grapes {
namespace {

// Adjacent x-columns per work item: 16 for the y pass. The z pass, whose rows are a whole
// plane apart, waits on memory more: with 256-bit or wider SIMD (cheap window steps) 32
// columns, so that each visit to a row uses more of what was fetched, else 16.
constexpr int kBlockY = 16;
#if defined(__AVX2__) || defined(__AVX512F__) || defined(__ARM_FEATURE_SVE)
constexpr int kBlockZ = 32;
#else
constexpr int kBlockZ = 16;
#endif

// GCC fully unrolls the short loops over the kBlock columns before its loop vectoriser sees
// them, and then vectorises little of the straight-line code; keeping them loops lets each
// become a few SIMD instructions. Other compilers (and GPU builds) do not need the hint.
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__) && !defined(__HIPCC__)
#define GRAPES_EDT_COLUMNS _Pragma("GCC unroll 1")
#else
#define GRAPES_EDT_COLUMNS
#endif

// The column gather walks rows a whole line apart; the hardware prefetchers miss much of it.
#if defined(__GNUC__) && !defined(__CUDA_ARCH__) && !defined(__HIP_DEVICE_COMPILE__)
#define GRAPES_EDT_PREFETCH(address) __builtin_prefetch(address)
#else
#define GRAPES_EDT_PREFETCH(address) ((void)0)
#endif
constexpr int kPrefetchRows = 12;

using ScratchSpace = kx::ExecSpace::scratch_memory_space;
template <class T>
using ScratchView = Kokkos::View<T*, ScratchSpace, Kokkos::MemoryTraits<Kokkos::Unmanaged>>;

// ---------------------------------------------------------------------------------------
// x pass: distance to the nearest label change along each row.
template <class Label>
struct RowPass {
  const Label* labels;
  float* dist;
  index_t l_stride0, l_stride1;  // label strides of z and y
  index_t d_stride0, d_stride1;  // distance strides of z and y
  index_t ny, nx;
  double s2;
  bool border_lo, border_hi;
  float infinity;

  KOKKOS_INLINE_FUNCTION void operator()(const index_t row) const {
    const index_t z = row / ny;
    const index_t y = row - z * ny;
    const Label* lab = labels + z * l_stride0 + y * l_stride1;
    float* out = dist + z * d_stride0 + y * d_stride1;
    index_t lo = 0;
    while (lo < nx) {
      const Label value = lab[lo];
      index_t hi = lo + 1;
      while (hi < nx && lab[hi] == value) ++hi;
      if (value == Label(0)) {
        for (index_t i = lo; i < hi; ++i) out[i] = 0.0f;
      } else {
        // Steps to the zero site before the run (lo - 1) and after it (hi); nx + 1 when absent
        // is larger than any real step.
        const index_t none = nx + 1;
        const index_t base_lo = (lo > 0 || border_lo) ? lo - 1 : -none;
        const index_t base_hi = (hi < nx || border_hi) ? hi : 2 * none;
        for (index_t i = lo; i < hi; ++i) {
          const index_t k = kx::min(i - base_lo, base_hi - i);
          out[i] = k >= none ? infinity : static_cast<float>(static_cast<double>(k * k) * s2);
        }
      }
      lo = hi;
    }
  }
};

// ---------------------------------------------------------------------------------------
// y and z passes: one work item is a block of kBlock adjacent x-columns of one line.
//
// Element (o, i, x) of the labels is labels[o * l_outer + i * l_line + x], likewise for the
// distances; i runs along the pass axis (length n), o over the other non-x axis.
//
// For voxel i, let b be the distance to the nearer zero site of its run (run end next to a
// label change, or the black border). Starting from best = min(f(i), b^2 s2), every site q
// of another run is at least b + 1 away and cannot win (f(q) + k^2 s2 > b^2 s2), so the window
// may take every site at face value: best = min over k of f(i -+ k) + k^2 s2, with no test of
// labels in the inner loop. It stops once k^2 s2 reaches every column's best.
//
// Teams have one thread, which runs the whole block with short SIMD-friendly loops over its
// columns: right for CPU backends, correct but slow on a GPU (where one thread per column,
// e.g. a ThreadVectorRange over the block, would be the mapping to try).
template <class T, class Label, int kBlock>
struct ColumnPass {
  using Member = Kokkos::TeamPolicy<kx::ExecSpace>::member_type;
  static constexpr int kNone = 1 << 30;  // "no zero site on this side"

  const Label* labels;
  float* dist;
  index_t l_outer, l_line, d_outer, d_line;
  index_t n_blocks_x;  // blocks of kBlock columns along x
  index_t nx;
  int n;  // line length
  double s2d;
  T s2;
  bool border_lo, border_hi;
  float infinity;
  int window;  // largest window step before the block falls back to the lower envelope
  int pad;     // rows of +inf before and after the line in the scratch copy (> window + 1)

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

  // First i in [lo, hi] at which site q (> p) is at least as good as site p; hi if none:
  // the smallest i with i*D >= N (see the top of the file), from the rounded quotient, which
  // is within one of it, and then decided exactly.
  KOKKOS_INLINE_FUNCTION int threshold(int p, double fp, int q, double fq, int lo, int hi) const {
    const double num = (fq - fp) + s2d * static_cast<double>(static_cast<index_t>(q) * q -
                                                             static_cast<index_t>(p) * p);
    const index_t two_dq = 2 * static_cast<index_t>(q - p);
    double guess = num / (s2d * static_cast<double>(two_dq));
    guess = kx::max(guess, static_cast<double>(lo));
    guess = kx::min(guess, static_cast<double>(hi));
    int c = static_cast<int>(guess);      // guess >= lo >= 0: truncation is floor
    c += static_cast<double>(c) < guess;  // ceil
    if (c > lo && s2d * static_cast<double>(two_dq * (c - 1)) >= num)
      --c;
    else if (c < hi && !(s2d * static_cast<double>(two_dq * c) >= num))
      ++c;
    return c;
  }

  // k^2 s2 in the pass arithmetic (exact).
  KOKKOS_INLINE_FUNCTION T step_value(int k) const {
    return static_cast<T>(static_cast<index_t>(k) * k) * s2;
  }

  // Felzenszwalb–Huttenlocher lower envelope of column c, whole line, into res[i * kBlock + c].
  // A run starts where back[i] == 1 (a zero site just before it) or at i = 0.
  KOKKOS_INLINE_FUNCTION void envelope_column(const T* fs, const int* back, int c, int* vpos,
                                              double* vf, int* vz, float* res) const {
    int lo = 0;
    while (lo < n) {
      int hi = lo + 1;
      while (hi < n && back[hi * kBlock + c] != 1) ++hi;
      // Sites of the run [lo, hi) in increasing position.
      int top = -1;
      auto push = [&](int q, double fq) {
        while (top >= 0) {
          const int first = threshold(vpos[top], vf[top], q, fq, lo, hi);
          if (first <= vz[top]) {
            --top;
            continue;
          }
          ++top;
          vpos[top] = q;
          vf[top] = fq;
          vz[top] = first;
          return;
        }
        top = 0;
        vpos[0] = q;
        vf[0] = fq;
        vz[0] = lo;
      };
      if (lo > 0 || border_lo) push(lo - 1, 0.0);
      for (int q = lo; q < hi; ++q) {
        const T f = fs[q * kBlock + c];
        if (f < T(infinity)) push(q, static_cast<double>(f));
      }
      if (hi < n || border_hi) push(hi, 0.0);
      if (top < 0) {
        for (int i = lo; i < hi; ++i) res[i * kBlock + c] = infinity;
      } else {
        int k = 0;
        for (int i = lo; i < hi; ++i) {
          while (k < top && vz[k + 1] <= i) ++k;
          const int step = i - vpos[k];
          res[i * kBlock + c] =
              static_cast<float>(static_cast<T>(vf[k]) + step_value(step < 0 ? -step : step));
        }
      }
      lo = hi;
    }
  }

  // Whether any column's best is above t (an OR reduction, which vectorises).
  KOKKOS_INLINE_FUNCTION static bool any_above(const T* best, T t) {
    int any = 0;
    GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) any |= t < best[c];
    return any != 0;
  }

  // best[c] = min(best[c], f + t) for the sites of one row.
  KOKKOS_INLINE_FUNCTION static void relax(T* best, const T* site, T t) {
    GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) best[c] = kx::min(best[c], site[c] + t);
  }

  KOKKOS_INLINE_FUNCTION void operator()(const Member& team) const {
    const index_t item = team.league_rank();
    const index_t o = item / n_blocks_x;
    const index_t x0 = (item - o * n_blocks_x) * kBlock;
    const int nc = static_cast<int>(kx::min<index_t>(kBlock, nx - x0));
    const std::size_t rows = static_cast<std::size_t>(n);
    ScratchView<T> fs_view(team.team_scratch(1), (rows + 2 * pad) * kBlock);
    ScratchView<int> back_view(team.team_scratch(1), (rows + 1) * kBlock);
    ScratchView<int> vpos_view(team.team_scratch(1), rows + 2);
    ScratchView<double> vf_view(team.team_scratch(1), rows + 2);
    ScratchView<int> vz_view(team.team_scratch(1), rows + 2);
    ScratchView<float> res_view(team.team_scratch(1), rows * kBlock);
    T* fs = fs_view.data() + pad * kBlock;  // fs[i * kBlock + c], i in [-pad, n + pad)
    int* back = back_view.data();           // back[i * kBlock + c]

    const Label* lab = labels + o * l_outer + x0;
    float* out = dist + o * d_outer + x0;

    // Gather f, and the steps back from each voxel to the zero site before its run (kNone if
    // the run reaches an open low face).
    int start[kBlock];
    GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) {
      start[c] = 0;
      back[c] = border_lo ? 1 : kNone;
      fs[c] = c < nc ? static_cast<T>(out[c]) : T(0);
      back[n * kBlock + c] = 0;
    }
    for (int i = 1; i < n; ++i) {
      const Label* lrow = lab + i * l_line;
      const Label* lprev = lrow - l_line;
      const float* drow = out + i * d_line;
      T* fs_row = fs + i * kBlock;
      int* back_row = back + i * kBlock;
      if (nc == kBlock) {
        if (i + kPrefetchRows < n) {
          GRAPES_EDT_PREFETCH(lrow + kPrefetchRows * l_line);
          GRAPES_EDT_PREFETCH(drow + kPrefetchRows * d_line);
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
    // Beyond the line: +inf, never a winner (the black border is in `back` and `ahead`).
    for (int j = 0; j < pad * kBlock; ++j) {
      fs[j - pad * kBlock] = T(infinity);
      fs[n * kBlock + j] = T(infinity);
    }

    // Windowed minimum, from the last row back so that the zero site after each run is known.
    int end[kBlock];  // first row after the run of row i
    GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) end[c] = n;
    for (int i = n - 1; i >= 0; --i) {
      T best[kBlock];
      const T* f_row = fs + i * kBlock;
      const int* back_row = back + i * kBlock;
      const int* back_next = back_row + kBlock;  // row n is zeros
      GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) {
        end[c] = back_next[c] == 1 ? i + 1 : end[c];
        const int ahead = (end[c] < n) | border_hi ? end[c] - i : kNone;
        const int b = kx::min(back_row[c], ahead);
        // T(b) * T(b) rounds b^2 once, as T(b^2) does; for b = kNone it is a huge finite value
        // (a float select here would stop GCC vectorising the loop): a column whose best stays
        // that large never ends the window, so such a block goes to the lower envelope.
        best[c] = kx::min(f_row[c], static_cast<T>(b) * static_cast<T>(b) * s2);
      }
      bool overflow = false;
      // Two steps per test: the test is a horizontal reduction and a hard-to-predict branch.
      for (int k = 1;; k += 2) {
        const T t = static_cast<T>(k * k) * s2;
        if (!any_above(best, t)) break;
        if (k > window) {
          overflow = true;
          break;
        }
        relax(best, fs + (i - k) * kBlock, t);
        relax(best, fs + (i + k) * kBlock, t);
        const T t2 = static_cast<T>((k + 1) * (k + 1)) * s2;
        relax(best, fs + (i - k - 1) * kBlock, t2);
        relax(best, fs + (i + k + 1) * kBlock, t2);
      }
      if (overflow) {
        // The lower envelope of each column, whole line (rows written so far are rewritten
        // with the same values).
        float* res = res_view.data();
        for (int c = 0; c < nc; ++c)
          envelope_column(fs, back, c, vpos_view.data(), vf_view.data(), vz_view.data(), res);
        for (int r = 0; r < n; ++r) {
          float* orow = out + r * d_line;
          const float* rrow = res + r * kBlock;
          if (nc == kBlock) {
            GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) orow[c] = rrow[c];
          } else {
            for (int c = 0; c < nc; ++c) orow[c] = rrow[c];
          }
        }
        return;
      }
      float* orow = out + i * d_line;
      if (nc == kBlock) {
        GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) orow[c] = static_cast<float>(best[c]);
      } else {
        for (int c = 0; c < nc; ++c) orow[c] = static_cast<float>(best[c]);
      }
    }
  }
};

template <class T, class Label, int kBlock>
void column_pass(const View3<const Label>& labels, const View3<float>& dist, int axis, double s2d,
                 bool border_lo, bool border_hi, int window) {
  const index_t nz = labels.extent(0), ny = labels.extent(1), nx = labels.extent(2);
  ColumnPass<T, Label, kBlock> pass;
  pass.labels = labels.data();
  pass.dist = dist.data();
  index_t n_outer = 0;
  if (axis == 1) {  // lines along y, outer index z
    pass.l_outer = static_cast<index_t>(labels.stride_0());
    pass.l_line = static_cast<index_t>(labels.stride_1());
    pass.d_outer = static_cast<index_t>(dist.stride_0());
    pass.d_line = static_cast<index_t>(dist.stride_1());
    pass.n = static_cast<int>(ny);
    n_outer = nz;
  } else {  // lines along z, outer index y
    pass.l_outer = static_cast<index_t>(labels.stride_1());
    pass.l_line = static_cast<index_t>(labels.stride_0());
    pass.d_outer = static_cast<index_t>(dist.stride_1());
    pass.d_line = static_cast<index_t>(dist.stride_0());
    pass.n = static_cast<int>(nz);
    n_outer = ny;
  }
  pass.n_blocks_x = (nx + kBlock - 1) / kBlock;
  pass.nx = nx;
  pass.s2d = s2d;
  pass.s2 = static_cast<T>(s2d);
  pass.border_lo = border_lo;
  pass.border_hi = border_hi;
  pass.infinity = std::numeric_limits<float>::infinity();
  pass.window = kx::min(kx::max(window, 0), 1 << 14);  // k^2 stays an int
  pass.pad = pass.window + 2;

  Kokkos::TeamPolicy<kx::ExecSpace> policy(n_outer * pass.n_blocks_x, 1);
  policy.set_scratch_size(
      1, Kokkos::PerTeam(ColumnPass<T, Label, kBlock>::scratch_bytes(pass.n, pass.pad)));
  Kokkos::parallel_for(axis == 1 ? "grapes::edt::y_pass" : "grapes::edt::z_pass", policy, pass);
}

template <class Label>
void run_squared_edt(const View3<const Label>& labels, const EdtGeometry& geometry,
                     const View3<float>& dist2, int window, detail::EdtPassTimes* times) {
  for (int a = 0; a < 3; ++a) {
    if (labels.extent(a) != dist2.extent(a))
      throw std::invalid_argument("squared_edt: label and distance views differ in shape");
    if (!(geometry.spacing[a] > 0.0) || !std::isfinite(geometry.spacing[a]))
      throw std::invalid_argument("squared_edt: spacing must be positive and finite");
    // Scratch rows of the y and z passes are indexed with int.
    if (labels.extent(a) >= (index_t(1) << (a == 2 ? 30 : 24)))
      throw std::invalid_argument("squared_edt: block extent too large (z, y < 2^24, x < 2^30)");
  }
  if (labels.size() == 0) return;
  if (labels.stride_2() != 1 || dist2.stride_2() != 1)
    throw std::invalid_argument("squared_edt: x must be the contiguous axis");

  // s2 = float(s*s): with 24 significant bits, k^2 * s2 is exact in double.
  double s2[3];
  bool integral = true;
  for (int a = 0; a < 3; ++a) {
    s2[a] = static_cast<double>(static_cast<float>(geometry.spacing[a] * geometry.spacing[a]));
    integral = integral && s2[a] == std::floor(s2[a]) && s2[a] <= 1024.0;
  }

  const index_t nz = labels.extent(0), ny = labels.extent(1), nx = labels.extent(2);
  RowPass<Label> rows;
  rows.labels = labels.data();
  rows.dist = dist2.data();
  rows.l_stride0 = static_cast<index_t>(labels.stride_0());
  rows.l_stride1 = static_cast<index_t>(labels.stride_1());
  rows.d_stride0 = static_cast<index_t>(dist2.stride_0());
  rows.d_stride1 = static_cast<index_t>(dist2.stride_1());
  rows.ny = ny;
  rows.nx = nx;
  rows.s2 = s2[2];
  rows.border_lo = geometry.border_lo[2];
  rows.border_hi = geometry.border_hi[2];
  rows.infinity = std::numeric_limits<float>::infinity();
  Kokkos::Timer timer;
  auto lap = [&](double* seconds) {
    if (!times) return;
    Kokkos::fence();
    *seconds = timer.seconds();
    timer.reset();
  };
  Kokkos::parallel_for("grapes::edt::x_pass", Kokkos::RangePolicy<kx::ExecSpace>(0, nz * ny), rows);
  lap(times ? &times->x : nullptr);
  const double s2y = s2[1], s2z = s2[0];
  const auto& lo = geometry.border_lo;
  const auto& hi = geometry.border_hi;
  if (integral)
    column_pass<float, Label, kBlockY>(labels, dist2, 1, s2y, lo[1], hi[1], window);
  else
    column_pass<double, Label, kBlockY>(labels, dist2, 1, s2y, lo[1], hi[1], window);
  lap(times ? &times->y : nullptr);
  if (integral)
    column_pass<float, Label, kBlockZ>(labels, dist2, 0, s2z, lo[0], hi[0], window);
  else
    column_pass<double, Label, kBlockZ>(labels, dist2, 0, s2z, lo[0], hi[0], window);
  lap(times ? &times->z : nullptr);
  Kokkos::fence();
}

}  // namespace

template <class Label>
void squared_edt(const View3<const Label>& labels, const EdtGeometry& geometry,
                 const View3<float>& dist2) {
  run_squared_edt<Label>(labels, geometry, dist2, detail::kEdtDefaultWindow, nullptr);
}

namespace detail {
template <class Label>
void squared_edt_tuned(const View3<const Label>& labels, const EdtGeometry& geometry,
                       const View3<float>& dist2, int window, EdtPassTimes* times) {
  run_squared_edt<Label>(labels, geometry, dist2, window, times);
}
}  // namespace detail

#define GRAPES_INSTANTIATE_EDT(Label)                                                           \
  template void squared_edt<Label>(const View3<const Label>&, const EdtGeometry&,               \
                                   const View3<float>&);                                        \
  template void detail::squared_edt_tuned<Label>(const View3<const Label>&, const EdtGeometry&, \
                                                 const View3<float>&, int, detail::EdtPassTimes*);
GRAPES_FOR_EACH_LABEL(GRAPES_INSTANTIATE_EDT)
#undef GRAPES_INSTANTIATE_EDT

}  // namespace grapes
