// The hull candidates of a block (convex_hull.hpp): per z plane, the runs of each label along
// x give each row's first and last voxel; the vertices of the 2-D hull of those (Andrew's
// monotone chain, the rows already in order) are the candidates. Any vertex of the label's
// 3-D hull is a vertex of its plane's 2-D hull, so nothing is lost; a ball of 10^4 voxels
// keeps a few hundred points.
#include <Kokkos_Core.hpp>
#include <algorithm>

#include "grapes/core/instantiate.hpp"
#include "grapes/kernels/convex_hull.hpp"

namespace grapes {

namespace {

struct RowRun {
  std::uint64_t label;
  std::int32_t y, x_first, x_last;
};

using Point2 = std::array<std::int64_t, 2>;  // (y, x)

// > 0 when o -> a -> b turns left.
std::int64_t turn(const Point2& o, const Point2& a, const Point2& b) {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

// The strict hull vertices of points sorted by (y, x) (monotone chain).
void hull_2d(const std::vector<Point2>& sorted, std::vector<Point2>& hull) {
  hull.clear();
  if (sorted.size() <= 2) {
    hull = sorted;
    return;
  }
  hull.resize(2 * sorted.size());
  std::size_t k = 0;
  for (const Point2& p : sorted) {  // lower chain
    while (k >= 2 && turn(hull[k - 2], hull[k - 1], p) <= 0) --k;
    hull[k++] = p;
  }
  for (std::size_t i = sorted.size() - 1, lower = k + 1; i-- > 0;) {  // upper chain
    while (k >= lower && turn(hull[k - 2], hull[k - 1], sorted[i]) <= 0) --k;
    hull[k++] = sorted[i];
  }
  hull.resize(k - 1);  // the last point is the first
}

// One plane's runs, sorted by label (stable: rows stay in y order, runs in x order), to
// candidates.
void plane_candidates(std::vector<RowRun>& runs, std::int32_t z, std::vector<HullPoint>& out) {
  std::stable_sort(runs.begin(), runs.end(),
                   [](const RowRun& a, const RowRun& b) { return a.label < b.label; });
  std::vector<Point2> points, hull;
  for (std::size_t begin = 0, end = 0; begin < runs.size(); begin = end) {
    points.clear();
    for (end = begin; end < runs.size() && runs[end].label == runs[begin].label; ++end) {
      const RowRun& r = runs[end];
      // A row's first and last voxel: the first run's start, the last run's end.
      if (!points.empty() && points.back()[0] == r.y) {
        points.back()[1] = r.x_last;
      } else {
        points.push_back({r.y, r.x_first});
        points.push_back({r.y, r.x_last});
      }
    }
    points.erase(std::unique(points.begin(), points.end()), points.end());
    hull_2d(points, hull);
    for (const Point2& p : hull) {
      HullPoint h;
      h.label = runs[begin].label;
      h.at[0] = z;
      h.at[1] = static_cast<std::int32_t>(p[0]);
      h.at[2] = static_cast<std::int32_t>(p[1]);
      out.push_back(h);
    }
  }
}

}  // namespace

template <class Label>
std::vector<HullPoint> hull_candidates(const View3<const Label>& labels,
                                       const BlockGeometry& geometry) {
  // The labels themselves when they are in host memory (no copy), else a host copy.
  const auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), labels);
  const Box& owned = geometry.owned;
  const Index3 at = geometry.owned_offset();
  std::vector<HullPoint> out;
  std::vector<RowRun> runs;
  for (index_t z = 0; z < owned.extent(0); ++z) {
    runs.clear();
    for (index_t y = 0; y < owned.extent(1); ++y) {
      const Label* row = &host(at[0] + z, at[1] + y, at[2]);
      const auto global_y = static_cast<std::int32_t>(owned.lo[1] + y);
      for (index_t x = 0, nx = owned.extent(2); x < nx;) {
        const Label label = row[x];
        const index_t first = x;
        while (x < nx && row[x] == label) ++x;
        if (label != 0)
          runs.push_back({static_cast<std::uint64_t>(label), global_y,
                          static_cast<std::int32_t>(owned.lo[2] + first),
                          static_cast<std::int32_t>(owned.lo[2] + x - 1)});
      }
    }
    plane_candidates(runs, static_cast<std::int32_t>(owned.lo[0] + z), out);
  }
  std::sort(out.begin(), out.end(), ByLabelAndPoint{});
  return out;
}

#define GRAPES_HULL_CANDIDATES(Label) \
  template std::vector<HullPoint> hull_candidates(const View3<const Label>&, const BlockGeometry&);
GRAPES_FOR_EACH_LABEL(GRAPES_HULL_CANDIDATES)
#undef GRAPES_HULL_CANDIDATES

}  // namespace grapes
