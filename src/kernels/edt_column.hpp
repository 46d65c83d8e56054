#pragma once
// The per-line steps of the EDT (src/kernels/edt.cpp) that both drivers share (kernel_drivers.hpp):
// the x value of a voxel of a run, and for the y and z passes the windowed minimum over a
// voxel's column and the Felzenszwalb–Huttenlocher lower envelope of a whole line. They read
// the line through small accessors, so the CPU driver hands them its team-scratch copy of a
// block of columns and the GPU driver the device arrays of one column; the arithmetic, and so
// every bit of the result, is the same (see the top of src/kernels/edt.cpp).
#include "grapes/core/kokkos_compat.hpp"
#include "grapes/core/types.hpp"

// GCC fully unrolls the short loops over the columns of a block before its loop vectoriser sees
// them, and then vectorises little of the straight-line code; keeping them loops lets each
// become a few SIMD instructions. Other compilers (and GPU builds) do not need the hint.
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__) && !defined(__HIPCC__)
#define GRAPES_EDT_COLUMNS _Pragma("GCC unroll 1")
#else
#define GRAPES_EDT_COLUMNS
#endif

namespace grapes::edt {

// The x pass value of voxel i of the run [lo, hi) of a non-zero label along a row of nx voxels:
// f = k^2 s2 for the step k to the nearer zero site (lo - 1 or hi: a label change, or the black
// border beyond an image face); +inf when both ends are open faces.
struct RowRule {
  index_t nx = 0;
  double s2 = 1.0;
  bool border_lo = true, border_hi = true;
  float infinity = 0.0f;

  KOKKOS_INLINE_FUNCTION float operator()(const index_t i, const index_t lo,
                                          const index_t hi) const {
    // nx + 1 when absent is larger than any real step.
    const index_t none = nx + 1;
    const index_t base_lo = (lo > 0 || border_lo) ? lo - 1 : -none;
    const index_t base_hi = (hi < nx || border_hi) ? hi : 2 * none;
    const index_t k = kx::min(i - base_lo, base_hi - i);
    return k >= none ? infinity : static_cast<float>(static_cast<double>(k * k) * s2);
  }
};

// The y and z passes along a line of n voxels, in the pass arithmetic T (float when every s2 is
// an integer, else double). C is the number of adjacent columns a caller works on at once (the
// CPU driver's block, 1 on the GPU); Rows is an accessor rows(r, c) -> T of the line's values
// f(r) in column c, +inf for r outside [0, n) (r may reach window + 1 steps past either end).
template <class T>
struct ColumnMath {
  static constexpr int kNone = 1 << 30;  // "no zero site on this side"

  int n = 0;  // line length
  double s2d = 1.0;
  T s2 = 1;
  bool border_lo = true, border_hi = true;
  float infinity = 0.0f;
  int window = 0;  // largest window step before the line falls back to the lower envelope

  // k^2 s2 in the pass arithmetic (exact).
  KOKKOS_INLINE_FUNCTION T step_value(const int k) const {
    return static_cast<T>(static_cast<index_t>(k) * k) * s2;
  }

  // The start of the window search of a voxel with value f whose nearer zero site is b steps
  // away (kNone: none). T(b) * T(b) rounds b^2 once, as T(b^2) does; for b = kNone it is a huge
  // finite value (a float select here would stop GCC vectorising the CPU loop): a column whose
  // best stays that large never ends the window, so it goes to the lower envelope.
  KOKKOS_INLINE_FUNCTION T initial(const T f, const int b) const {
    return kx::min(f, static_cast<T>(b) * static_cast<T>(b) * s2);
  }

  // Whether any column's best is above t (an OR reduction, which vectorises).
  template <int C>
  KOKKOS_INLINE_FUNCTION static bool any_above(const T (&best)[C], const T t) {
    int any = 0;
    GRAPES_EDT_COLUMNS for (int c = 0; c < C; ++c) any |= t < best[c];
    return any != 0;
  }

  // best[c] = min(best[c], f(r) + t) for the sites of row r.
  template <int C, class Rows>
  KOKKOS_INLINE_FUNCTION static void relax(T (&best)[C], const Rows& rows, const int r, const T t) {
    GRAPES_EDT_COLUMNS for (int c = 0; c < C; ++c) best[c] = kx::min(best[c], rows(r, c) + t);
  }

  // Voxel i's windowed minimum (see the top of src/kernels/edt.cpp): best = min over k of
  // f(i -+ k) + k^2 s2, stopping once k^2 s2 reaches every column's best. False when the window
  // would pass `window` steps (the caller falls back to the lower envelope).
  template <int C, class Rows>
  KOKKOS_INLINE_FUNCTION bool window_minimum(T (&best)[C], const Rows& rows, const int i) const {
    // Two steps per test: the test is a horizontal reduction and a hard-to-predict branch.
    for (int k = 1;; k += 2) {
      const T t = static_cast<T>(k * k) * s2;
      if (!any_above(best, t)) return true;
      if (k > window) return false;
      relax(best, rows, i - k, t);
      relax(best, rows, i + k, t);
      const T t2 = static_cast<T>((k + 1) * (k + 1)) * s2;
      relax(best, rows, i - k - 1, t2);
      relax(best, rows, i + k + 1, t2);
    }
  }

  // First i in [lo, hi] at which site q (> p) is at least as good as site p; hi if none:
  // the smallest i with i*D >= N (see the top of src/kernels/edt.cpp), from the rounded quotient,
  // which is within one of it, and then decided exactly.
  KOKKOS_INLINE_FUNCTION int threshold(const int p, const double fp, const int q, const double fq,
                                       const int lo, const int hi) const {
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

  // The lower envelope of one line, whole: out(i, value) for every i in [0, n), from f(q) -> T
  // and starts(q) (q >= 1: a run of equal labels starts at q, i.e. a zero site just before it).
  // vpos, vf and vz hold n + 2 entries each (the envelope's sites, values and first indices).
  template <class F, class Starts, class Out>
  KOKKOS_INLINE_FUNCTION void envelope(const F& f, const Starts& starts, const Out& out, int* vpos,
                                       double* vf, int* vz) const {
    int lo = 0;
    while (lo < n) {
      int hi = lo + 1;
      while (hi < n && !starts(hi)) ++hi;
      // Sites of the run [lo, hi) in increasing position.
      int top = -1;
      auto push = [&](const int q, const double fq) {
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
        const T fq = f(q);
        if (fq < T(infinity)) push(q, static_cast<double>(fq));
      }
      if (hi < n || border_hi) push(hi, 0.0);
      if (top < 0) {
        for (int i = lo; i < hi; ++i) out(i, infinity);
      } else {
        int k = 0;
        for (int i = lo; i < hi; ++i) {
          while (k < top && vz[k + 1] <= i) ++k;
          const int step = i - vpos[k];
          out(i, static_cast<float>(static_cast<T>(vf[k]) + step_value(step < 0 ? -step : step)));
        }
      }
      lo = hi;
    }
  }
};

}  // namespace grapes::edt
