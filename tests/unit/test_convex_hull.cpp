// Convex hulls (docs/METHOD.md, "Convex hull"): the voxel centres inside the hull of the
// offset centres and the largest vertex distance, against closed forms and a brute-force
// reference (every plane through three offset points that has all of them on one side), and
// the same whatever boxes the label volume is cut into.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "grapes/kernels/convex_hull.hpp"

namespace grapes {
namespace {

using Centre = std::array<std::int64_t, 3>;

// The brute-force reference: offset points in half voxels, supporting planes from all
// triples, lattice points of the box tested against every one of them.
HullMeasures brute_force(const std::vector<Centre>& centres, const Spacing3& spacing) {
  std::vector<Centre> points;
  for (const Centre& c : centres)
    for (int a = 0; a < 3; ++a)
      for (int side : {-1, 1}) {
        Centre p{2 * c[0], 2 * c[1], 2 * c[2]};
        p[a] += side;
        points.push_back(p);
      }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  struct Plane {
    Centre n;
    std::int64_t d;
  };
  std::vector<Plane> planes;
  const std::size_t n = points.size();
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      for (std::size_t k = j + 1; k < n; ++k) {
        Centre u, v;
        for (int a = 0; a < 3; ++a) {
          u[a] = points[j][a] - points[i][a];
          v[a] = points[k][a] - points[i][a];
        }
        Centre normal{u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2],
                      u[0] * v[1] - u[1] * v[0]};
        if (normal == Centre{0, 0, 0}) continue;
        const auto dot = [&](const Centre& p) {
          return normal[0] * p[0] + normal[1] * p[1] + normal[2] * p[2];
        };
        const std::int64_t d = dot(points[i]);
        bool below = true, above = true;
        for (const Centre& p : points) {
          below = below && dot(p) <= d;
          above = above && dot(p) >= d;
        }
        if (below) planes.push_back({normal, d});
        if (above) planes.push_back({{-normal[0], -normal[1], -normal[2]}, -d});
      }
  Centre lo = centres[0], hi = centres[0];
  for (const Centre& c : centres)
    for (int a = 0; a < 3; ++a) {
      lo[a] = std::min(lo[a], c[a]);
      hi[a] = std::max(hi[a], c[a]);
    }
  HullMeasures m;
  for (std::int64_t z = lo[0] - 1; z <= hi[0] + 1; ++z)
    for (std::int64_t y = lo[1] - 1; y <= hi[1] + 1; ++y)
      for (std::int64_t x = lo[2] - 1; x <= hi[2] + 1; ++x) {
        bool inside = true;
        for (const Plane& p : planes)
          inside = inside && p.n[0] * 2 * z + p.n[1] * 2 * y + p.n[2] * 2 * x <= p.d;
        m.lattice_points += inside ? 1 : 0;
      }
  double largest = 0;
  for (const Centre& p : points)
    for (const Centre& q : points) {
      double s = 0;
      for (int a = 0; a < 3; ++a) s += std::pow(0.5 * spacing[a] * double(p[a] - q[a]), 2);
      largest = std::max(largest, s);
    }
  m.feret_diameter_max = std::sqrt(largest);
  return m;
}

std::vector<Centre> box_centres(const Centre& lo, const Centre& extent) {
  std::vector<Centre> out;
  for (std::int64_t z = 0; z < extent[0]; ++z)
    for (std::int64_t y = 0; y < extent[1]; ++y)
      for (std::int64_t x = 0; x < extent[2]; ++x) out.push_back({lo[0] + z, lo[1] + y, lo[2] + x});
  return out;
}

TEST(ConvexHull, BoxesHoldExactlyTheirVoxels) {
  // The offset hull reaches 1/2 voxel beyond the outer centres: no further centre is inside.
  for (const Centre& extent :
       {Centre{1, 1, 1}, Centre{1, 1, 7}, Centre{3, 4, 5}, Centre{2, 9, 1}}) {
    const HullMeasures m = hull_measures(box_centres({5, -3, 100}, extent), {1, 1, 1});
    EXPECT_EQ(m.lattice_points, extent[0] * extent[1] * extent[2]);
    // Farthest vertices: opposite corners, one of them offset along the axis k.
    double want = 0;
    for (int k = 0; k < 3; ++k) {
      double s = 0;
      for (int a = 0; a < 3; ++a) s += std::pow(double(a == k ? extent[a] : extent[a] - 1), 2);
      want = std::max(want, s);
    }
    EXPECT_DOUBLE_EQ(m.feret_diameter_max, std::sqrt(want));
  }
}

TEST(ConvexHull, SpacingScalesTheDiameter) {
  // A line of 6 voxels along z, voxels 2 x 1 x 1: from z = -1/2 to 5 + 1/2, i.e. 6 x 2.
  const HullMeasures m = hull_measures(box_centres({0, 0, 0}, {6, 1, 1}), {2.0, 1.0, 1.0});
  EXPECT_EQ(m.lattice_points, 6);
  EXPECT_DOUBLE_EQ(m.feret_diameter_max, 12.0);
}

TEST(ConvexHull, FillsConcavities) {
  // A ring of 8 voxels in one plane around a hole: the hole's centre is inside the hull.
  std::vector<Centre> ring;
  for (std::int64_t y = 0; y < 3; ++y)
    for (std::int64_t x = 0; x < 3; ++x)
      if (y != 1 || x != 1) ring.push_back({0, y, x});
  EXPECT_EQ(hull_measures(ring, {1, 1, 1}).lattice_points, 9);
  // Two voxels at opposite corners of a 3 x 3 x 3 cube: the centre (1, 1, 1) on the segment
  // between them is inside; nothing else is (the hull is a thin double cone).
  EXPECT_EQ(hull_measures({{0, 0, 0}, {2, 2, 2}}, {1, 1, 1}).lattice_points, 3);
}

TEST(ConvexHull, AgreesWithBruteForceOnRandomSets) {
  std::mt19937 random(7);
  for (int trial = 0; trial < 60; ++trial) {
    std::uniform_int_distribution<int> count(1, 9), coordinate(0, 4);
    std::vector<Centre> centres;
    const int n = count(random);
    for (int i = 0; i < n; ++i)
      centres.push_back(
          {coordinate(random), coordinate(random), trial % 5 == 0 ? 2 : coordinate(random)});
    const Spacing3 spacing{1.0 + 0.5 * (trial % 3), 1.0, 0.75};
    const HullMeasures got = hull_measures(centres, spacing);
    const HullMeasures want = brute_force(centres, spacing);
    EXPECT_EQ(got.lattice_points, want.lattice_points) << "trial " << trial;
    EXPECT_NEAR(got.feret_diameter_max, want.feret_diameter_max, 1e-12 * want.feret_diameter_max)
        << "trial " << trial;
  }
}

// Random labels in a small volume; candidates from the blocks of a cut into boxes.
struct Volume {
  Index3 shape;
  std::vector<std::uint16_t> values;
  std::uint16_t at(index_t z, index_t y, index_t x) const {
    return values[static_cast<std::size_t>((z * shape[1] + y) * shape[2] + x)];
  }
};

std::vector<HullPoint> block_candidates(const Volume& v, const Box& box) {
  View3<std::uint16_t> labels = make_view3<std::uint16_t>("labels", box);
  auto host = Kokkos::create_mirror_view(labels);
  for (index_t z = 0; z < box.extent(0); ++z)
    for (index_t y = 0; y < box.extent(1); ++y)
      for (index_t x = 0; x < box.extent(2); ++x)
        host(z, y, x) = v.at(box.lo[0] + z, box.lo[1] + y, box.lo[2] + x);
  Kokkos::deep_copy(labels, host);
  return hull_candidates<std::uint16_t>(labels, block_geometry(box, box, v.shape, {1, 1, 1}));
}

std::map<std::uint64_t, HullMeasures> measures_of(const std::vector<HullPoint>& points) {
  std::map<std::uint64_t, std::vector<Centre>> centres;
  for (const HullPoint& p : points) centres[p.label].push_back({p.at[0], p.at[1], p.at[2]});
  std::map<std::uint64_t, HullMeasures> out;
  for (const auto& [label, list] : centres) out[label] = hull_measures(list, {1, 1, 1});
  return out;
}

TEST(ConvexHull, CandidatesGiveTheSameHullsInAnyCut) {
  std::mt19937 random(11);
  Volume v{{6, 7, 9}, {}};
  std::uniform_int_distribution<int> label(0, 5);
  for (index_t i = 0; i < voxel_count(v.shape); ++i)
    v.values.push_back(static_cast<std::uint16_t>(label(random) > 2 ? label(random) : 0));
  // The reference: every voxel's centre of each label, brute force.
  std::map<std::uint64_t, std::vector<Centre>> all;
  for (index_t z = 0; z < v.shape[0]; ++z)
    for (index_t y = 0; y < v.shape[1]; ++y)
      for (index_t x = 0; x < v.shape[2]; ++x)
        if (v.at(z, y, x)) all[v.at(z, y, x)].push_back({z, y, x});
  const auto whole = measures_of(hull_vertices(block_candidates(v, whole_box(v.shape))));
  ASSERT_EQ(whole.size(), all.size());
  for (const auto& [l, centres] : all) {
    const HullMeasures want = brute_force(centres, {1, 1, 1});
    EXPECT_EQ(whole.at(l).lattice_points, want.lattice_points) << "label " << l;
    EXPECT_NEAR(whole.at(l).feret_diameter_max, want.feret_diameter_max, 1e-12) << "label " << l;
  }
  // Cut along each axis (and into eight): the union of the parts' hull vertices.
  const std::vector<std::vector<Box>> cuts = {
      {{{0, 0, 0}, {3, 7, 9}}, {{3, 0, 0}, {6, 7, 9}}},
      {{{0, 0, 0}, {6, 2, 9}}, {{0, 2, 0}, {6, 7, 9}}},
      {{{0, 0, 0}, {6, 7, 1}}, {{0, 0, 1}, {6, 7, 5}}, {{0, 0, 5}, {6, 7, 9}}}};
  for (const auto& boxes : cuts) {
    std::vector<HullPoint> points;
    for (const Box& b : boxes) {
      const auto part = hull_vertices(block_candidates(v, b));
      points.insert(points.end(), part.begin(), part.end());
    }
    const auto got = measures_of(points);
    for (const auto& [l, m] : whole) {
      EXPECT_EQ(got.at(l).lattice_points, m.lattice_points) << "label " << l;
      EXPECT_EQ(got.at(l).feret_diameter_max, m.feret_diameter_max) << "label " << l;
    }
  }
}

TEST(ConvexHull, CandidatesOfABallAreFew) {
  // Only plane hull vertices leave a block: a ball of radius 12 (7,000 voxels) keeps few.
  Volume v{{27, 27, 27}, std::vector<std::uint16_t>(27 * 27 * 27, 0)};
  for (index_t z = 0; z < 27; ++z)
    for (index_t y = 0; y < 27; ++y)
      for (index_t x = 0; x < 27; ++x)
        if ((z - 13) * (z - 13) + (y - 13) * (y - 13) + (x - 13) * (x - 13) <= 144)
          v.values[static_cast<std::size_t>((z * 27 + y) * 27 + x)] = 1;
  const auto candidates = block_candidates(v, whole_box(v.shape));
  const auto vertices = hull_vertices(candidates);
  EXPECT_LT(candidates.size(), 700u);
  EXPECT_LT(vertices.size(), candidates.size());
  std::vector<Centre> ball;
  for (index_t i = 0; i < voxel_count(v.shape); ++i)
    if (v.values[static_cast<std::size_t>(i)]) ball.push_back({i / 729, (i / 27) % 27, i % 27});
  EXPECT_EQ(measures_of(vertices).at(1).lattice_points,
            hull_measures(ball, {1, 1, 1}).lattice_points);
}

}  // namespace
}  // namespace grapes
