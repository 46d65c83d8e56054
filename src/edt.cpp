// Multi-label anisotropic squared Euclidean distance transform (SPEC §2, §4).
//
// Three separable passes over a LayoutRight block (x fastest):
//  1. x pass: per row, the distance to the nearest label change (or black border): a plain
//     run scan, f = k^2 * s_x^2.
//  2. y pass and 3. z pass: per column, f'(i) = min over sites q of f(q) + (i-q)^2 * s^2, where
//     the sites are the voxels of i's run of equal labels plus, as zero sites, the voxel just
//     outside each end of the run (a label change, or the black border beyond an image face).
//     An open face ends a run with no zero site. Work items are blocks of kBlock adjacent
//     x-columns (contiguous in memory), gathered into per-team scratch.
//
// Arithmetic: every pass writes float(D(f(q) + k^2 * s2)) of the winning site, where f(q) is
// the float written by the previous pass, s2 = float(s*s) and D is one rounding to double.
// k^2 * s2 is exact in double, and float(D(.)) is monotone, so the value written is the
// rounding of the exact minimum over the site set: it does not depend on which algorithm
// found the minimum, nor on the line's extent, only on whether the minimising site is in the
// block. When every s2 is an integer the values are integers and the passes run in float,
// which is then exact (below 2^24) and gives the same bits.
//
// Lower envelopes are computed in the integer domain: for sites p < q the first integer i
// where q is at least as good as p is the smallest i with i*D >= N, where
// N = f(q) - f(p) + s2 (q^2 - p^2) and D = 2 s2 (q - p). N and i*D are exact in double for
// the ranges we use (f >= 1 or 0 as floats below 2^29, lines shorter than 2^14), so the
// envelope is the exact one, ties included.
#include "grapes/edt.hpp"

#include "grapes/edt_detail.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace grapes {
namespace {

constexpr int kBlock = 16;  // adjacent x-columns per work item of the y and z passes

// GCC fully unrolls the short loops over the kBlock columns before its loop vectoriser sees
// them, and then vectorises little of the straight-line code; keeping them loops lets each
// become a few SIMD instructions. Other compilers (and GPU builds) do not need the hint.
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__) && !defined(__HIPCC__)
#define GRAPES_EDT_COLUMNS _Pragma("GCC unroll 1")
#else
#define GRAPES_EDT_COLUMNS
#endif

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
template <class T, class Label>
struct ColumnPass {
  using Member = Kokkos::TeamPolicy<kx::ExecSpace>::member_type;

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

  static std::size_t scratch_bytes(int n) {
    const std::size_t rows = static_cast<std::size_t>(n);
    return ScratchView<T>::shmem_size((rows + 2) * kBlock) +  // f * parity sign
           ScratchView<T>::shmem_size(rows * kBlock) +        // parity sign (+1 / -1)
           ScratchView<int>::shmem_size(rows + 2) +           // envelope: site positions
           ScratchView<double>::shmem_size(rows + 2) +        // envelope: site values
           ScratchView<int>::shmem_size(rows + 2);            // envelope: first winning index
  }

  // First i in [lo, hi] at which site q (> p) is at least as good as site p; hi if none.
  KOKKOS_INLINE_FUNCTION int threshold(int p, double fp, int q, double fq, int lo, int hi) const {
    const double num = (fq - fp) + s2d * static_cast<double>(static_cast<index_t>(q) * q -
                                                             static_cast<index_t>(p) * p);
    const index_t two_dq = 2 * static_cast<index_t>(q - p);
    double guess = num / (s2d * static_cast<double>(two_dq));
    guess = kx::max(guess, static_cast<double>(lo));
    guess = kx::min(guess, static_cast<double>(hi));
    int c = static_cast<int>(guess);
    // i*D >= N, exactly.
    while (c > lo && s2d * static_cast<double>(two_dq * (c - 1)) >= num) --c;
    while (c < hi && !(s2d * static_cast<double>(two_dq * c) >= num)) ++c;
    return c;
  }

  // Value of site (position q, value f) at index i, in the pass arithmetic.
  KOKKOS_INLINE_FUNCTION T site_value(T f, int q, int i) const {
    const int k = i - q;
    return f + static_cast<T>(static_cast<index_t>(k) * k) * s2;
  }

  // Felzenszwalb–Huttenlocher lower envelope of column c, whole line.
  KOKKOS_INLINE_FUNCTION void envelope_column(const T* fs, const T* sg, int c, int* vpos,
                                              double* vf, int* vz, float* out) const {
    int lo = 0;
    while (lo < n) {
      const T sign = sg[lo * kBlock + c];
      int hi = lo + 1;
      while (hi < n && sg[hi * kBlock + c] == sign) ++hi;
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
        const T f = fs[q * kBlock + c] * sign;
        if (f < T(infinity)) push(q, static_cast<double>(f));
      }
      if (hi < n || border_hi) push(hi, 0.0);
      if (top < 0) {
        for (int i = lo; i < hi; ++i) out[i * d_line + c] = infinity;
      } else {
        int k = 0;
        for (int i = lo; i < hi; ++i) {
          while (k < top && vz[k + 1] <= i) ++k;
          out[i * d_line + c] = static_cast<float>(site_value(static_cast<T>(vf[k]), vpos[k], i));
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

  // best[c] = min(best[c], f + t) for the sites of one row, a site of another run giving t.
  KOKKOS_INLINE_FUNCTION static void relax(T* best, const T* site, const T* sv, T t) {
    GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) best[c] =
        kx::min(best[c], kx::max(site[c] * sv[c], T(0)) + t);
  }

  KOKKOS_INLINE_FUNCTION void operator()(const Member& team) const {
    const index_t item = team.league_rank();
    const index_t o = item / n_blocks_x;
    const index_t x0 = (item - o * n_blocks_x) * kBlock;
    const int nc = static_cast<int>(kx::min<index_t>(kBlock, nx - x0));
    const std::size_t rows = static_cast<std::size_t>(n);
    // fs has one row of zeros before and after the line: the black border's zero sites.
    ScratchView<T> fs_view(team.team_scratch(1), (rows + 2) * kBlock);
    ScratchView<T> sg_view(team.team_scratch(1), rows * kBlock);
    ScratchView<int> vpos_view(team.team_scratch(1), rows + 2);
    ScratchView<double> vf_view(team.team_scratch(1), rows + 2);
    ScratchView<int> vz_view(team.team_scratch(1), rows + 2);
    T* fs = fs_view.data() + kBlock;  // fs[i * kBlock + c], i in [-1, n]
    T* sg = sg_view.data();

    const Label* lab = labels + o * l_outer + x0;
    float* out = dist + o * d_outer + x0;

    // Gather: fs = f * sign, where the sign flips at every label change along the column. Two
    // voxels of a column are in the same run iff their signs agree up to the first flip, and
    // sites past the first flip never win (the zero site at the flip is nearer).
    Label prev[kBlock];
    T sign[kBlock];
    GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) {
      prev[c] = c < nc ? lab[c] : Label(0);
      sign[c] = T(1);
      fs[-kBlock + c] = T(0);
      fs[n * kBlock + c] = T(0);
    }
    if (nc == kBlock) {
      for (int i = 0; i < n; ++i) {
        const Label* lrow = lab + i * l_line;
        const float* drow = out + i * d_line;
        GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) {
          const Label value = lrow[c];
          sign[c] = value != prev[c] ? -sign[c] : sign[c];
          prev[c] = value;
          sg[i * kBlock + c] = sign[c];
          fs[i * kBlock + c] = static_cast<T>(drow[c]) * sign[c];
        }
      }
    } else {
      for (int i = 0; i < n; ++i) {
        const Label* lrow = lab + i * l_line;
        const float* drow = out + i * d_line;
        GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) {
          const Label value = c < nc ? lrow[c] : Label(0);
          const T f = c < nc ? static_cast<T>(drow[c]) : T(0);
          sign[c] = value != prev[c] ? -sign[c] : sign[c];
          prev[c] = value;
          sg[i * kBlock + c] = sign[c];
          fs[i * kBlock + c] = f * sign[c];
        }
      }
    }

    // Windowed minimum: for each voxel, min over k of f(i -+ k) + k^2 s2 over its run (a site
    // of another run counts as a zero site), stopping once k^2 s2 reaches every column's best.
    const int lo_limit = border_lo ? -1 : 0;
    const int hi_limit = border_hi ? n : n - 1;
    for (int i = 0; i < n; ++i) {
      T best[kBlock], sv[kBlock];
      GRAPES_EDT_COLUMNS for (int c = 0; c < kBlock; ++c) {
        sv[c] = sg[i * kBlock + c];
        best[c] = fs[i * kBlock + c] * sv[c];
      }
      bool overflow = false;
      for (int k = 1;; ++k) {
        const T t = static_cast<T>(static_cast<index_t>(k) * k) * s2;
        if (!any_above(best, t)) break;
        const bool down = i - k >= lo_limit;
        const bool up = i + k <= hi_limit;
        if (!down && !up) break;
        if (k > window) {
          overflow = true;
          break;
        }
        if (down) relax(best, fs + (i - k) * kBlock, sv, t);
        if (up) relax(best, fs + (i + k) * kBlock, sv, t);
      }
      if (overflow) {
        // The lower envelope of each column, whole line (rows written so far are rewritten
        // with the same values).
        for (int c = 0; c < nc; ++c)
          envelope_column(fs, sg, c, vpos_view.data(), vf_view.data(), vz_view.data(), out);
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

template <class T, class Label>
void column_pass(const View3<const Label>& labels, const View3<float>& dist, int axis, double s2d,
                 bool border_lo, bool border_hi, int window) {
  const index_t nz = labels.extent(0), ny = labels.extent(1), nx = labels.extent(2);
  ColumnPass<T, Label> pass;
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
  pass.window = window;

  Kokkos::TeamPolicy<kx::ExecSpace> policy(n_outer * pass.n_blocks_x, 1);
  policy.set_scratch_size(1, Kokkos::PerTeam(ColumnPass<T, Label>::scratch_bytes(pass.n)));
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
    if (labels.extent(a) >= (index_t(1) << 30))
      throw std::invalid_argument("squared_edt: block extent must be below 2^30");
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
  for (int axis = 1; axis >= 0; --axis) {
    if (integral)
      column_pass<float, Label>(labels, dist2, axis, s2[axis], geometry.border_lo[axis],
                                geometry.border_hi[axis], window);
    else
      column_pass<double, Label>(labels, dist2, axis, s2[axis], geometry.border_lo[axis],
                                 geometry.border_hi[axis], window);
    lap(times ? (axis == 1 ? &times->y : &times->z) : nullptr);
  }
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

template void squared_edt<std::uint8_t>(const View3<const std::uint8_t>&, const EdtGeometry&,
                                        const View3<float>&);
template void squared_edt<std::uint16_t>(const View3<const std::uint16_t>&, const EdtGeometry&,
                                         const View3<float>&);
template void squared_edt<std::uint32_t>(const View3<const std::uint32_t>&, const EdtGeometry&,
                                         const View3<float>&);
template void squared_edt<std::uint64_t>(const View3<const std::uint64_t>&, const EdtGeometry&,
                                         const View3<float>&);

template void detail::squared_edt_tuned<std::uint8_t>(const View3<const std::uint8_t>&,
                                                      const EdtGeometry&, const View3<float>&, int,
                                                      detail::EdtPassTimes*);
template void detail::squared_edt_tuned<std::uint16_t>(const View3<const std::uint16_t>&,
                                                       const EdtGeometry&, const View3<float>&, int,
                                                       detail::EdtPassTimes*);
template void detail::squared_edt_tuned<std::uint32_t>(const View3<const std::uint32_t>&,
                                                       const EdtGeometry&, const View3<float>&, int,
                                                       detail::EdtPassTimes*);
template void detail::squared_edt_tuned<std::uint64_t>(const View3<const std::uint64_t>&,
                                                       const EdtGeometry&, const View3<float>&, int,
                                                       detail::EdtPassTimes*);

}  // namespace grapes
