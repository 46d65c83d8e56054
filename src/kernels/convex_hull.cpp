// Convex hulls in exact integer geometry (docs/METHOD.md, "Convex hull"). Coordinates are
// kept in half voxels, relative to the label's lowest centre, so every offset point is an
// integer point, every predicate is exact and the count of the voxel centres inside is an
// exact integer.
#include "grapes/kernels/convex_hull.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <stdexcept>
#include <string>

namespace grapes {

namespace {

using Point = std::array<std::int64_t, 3>;                      // half voxels
constexpr std::int64_t kMaxHalfVoxels = std::int64_t(1) << 18;  // see ExactHull

Point minus(const Point& u, const Point& v) {
  return {u[0] - v[0], u[1] - v[1], u[2] - v[2]};
}
Point cross(const Point& u, const Point& v) {
  return {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
}
std::int64_t dot(const Point& u, const Point& v) {
  return u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
}

// A hull triangle: corners counter-clockwise seen from outside, its plane normal . p <= offset
// (exact integers), the neighbour across each edge v[i] -> v[i+1], and the points not yet
// added that lie strictly above it.
struct Face {
  int v[3] = {0, 0, 0};
  int neighbour[3] = {-1, -1, -1};
  Point normal{0, 0, 0};
  std::int64_t offset = 0;
  int outside = -1;  // the first point above it not yet added (a list through next_outside_)
  bool alive = true;
  int seen_by = -1;      // the last point whose visibility was decided here
  bool visible = false;  // ... and the decision
};

// The convex hull of integer points, incremental with conflict lists, every predicate exact
// in int64 (coordinates in [-1, 2^18): normals below 2^39, products below 2^59). A point
// joins only when it lies strictly above a face, so no facet merging (the slow part of a
// floating-point hull on voxel data) is needed; coplanar neighbours simply stay separate
// triangles. Qhull and CGAL took 2-4 ms per particle on such data (a few hundred points,
// most of them coplanar), this about a fifth of that (docs/METHOD.md, "Convex hull").
class ExactHull {
 public:
  // False when the points are coplanar (no 3-D hull).
  bool build(const std::vector<Point>& points);
  const std::vector<Face>& faces() const { return faces_; }
  std::vector<int> vertex_ids() const;

 private:
  bool above(const Face& f, int i) const { return dot(f.normal, at(i)) > f.offset; }
  void push_outside(Face& f, int i) {
    next_outside_[static_cast<std::size_t>(i)] = f.outside;
    f.outside = i;
  }
  const Point& at(int i) const { return (*points_)[static_cast<std::size_t>(i)]; }
  int add_face(int a, int b, int c);
  bool initial_simplex();
  void add_point(int face);

  const std::vector<Point>* points_ = nullptr;
  std::vector<Face> faces_;
  std::vector<int> next_outside_;  // per point: the next point in its face's outside list
  std::vector<int> pending_;       // faces that may have outside points
  std::vector<int> by_start_;      // per point: the new face whose horizon edge starts there
  std::vector<int> by_end_;        // ... ends there
  std::vector<int> seen_;          // the faces one point sees, the horizon and the new fan
  std::vector<std::array<int, 3>> horizon_;  // (a, b, face beyond): edge a -> b of a seen face
  std::vector<int> fan_;
};

int ExactHull::add_face(int a, int b, int c) {
  Face f;
  f.v[0] = a, f.v[1] = b, f.v[2] = c;
  f.normal = cross(minus(at(b), at(a)), minus(at(c), at(a)));
  f.offset = dot(f.normal, at(a));
  faces_.push_back(f);
  return static_cast<int>(faces_.size()) - 1;
}

// Four points not in one plane (false when there are none), as the first tetrahedron, and
// every other point in the outside list of the first face it is above.
bool ExactHull::initial_simplex() {
  const int n = static_cast<int>(points_->size());
  const auto farthest = [&](auto measure) {
    int best = -1;
    double best_value = 0;
    for (int i = 0; i < n; ++i)
      if (const double value = measure(at(i)); value > best_value) best = i, best_value = value;
    return best;
  };
  const int i0 = 0;
  const int i1 = farthest([&](const Point& p) {
    const Point d = minus(p, at(i0));
    return double(d[0]) * d[0] + double(d[1]) * d[1] + double(d[2]) * d[2];
  });
  if (i1 < 0) return false;
  const Point edge = minus(at(i1), at(i0));
  const int i2 = farthest([&](const Point& p) {
    const Point c = cross(edge, minus(p, at(i0)));
    return double(c[0]) * c[0] + double(c[1]) * c[1] + double(c[2]) * c[2];
  });
  if (i2 < 0) return false;
  const Point normal = cross(edge, minus(at(i2), at(i0)));
  const int i3 = farthest(
      [&](const Point& p) { return std::abs(static_cast<double>(dot(normal, minus(p, at(i0))))); });
  if (i3 < 0) return false;
  const bool i3_above = dot(normal, minus(at(i3), at(i0))) > 0;
  const int a = i0, b = i3_above ? i2 : i1, c = i3_above ? i1 : i2;  // (a, b, c) faces away
  add_face(a, b, c);
  add_face(a, i3, b);
  add_face(b, i3, c);
  add_face(c, i3, a);
  for (Face& f : faces_)  // neighbours: the face holding the reversed edge
    for (int e = 0; e < 3; ++e)
      for (int g = 0; g < 4; ++g)
        for (int k = 0; k < 3; ++k)
          if (faces_[g].v[k] == f.v[(e + 1) % 3] && faces_[g].v[(k + 1) % 3] == f.v[e])
            f.neighbour[e] = g;
  for (int i = 0; i < n; ++i) {
    if (i == i0 || i == i1 || i == i2 || i == i3) continue;
    for (Face& f : faces_)
      if (above(f, i)) {
        push_outside(f, i);
        break;
      }
  }
  return true;
}

// Adds the farthest outside point of `face`: the faces it sees go, a fan of new faces joins
// it to their horizon, and the seen faces' outside points move to the new faces they are above
// (a point above none is inside the new hull: it lies in the cone from p over the horizon).
void ExactHull::add_point(int face) {
  int p = -1;
  std::int64_t best = 0;
  for (int i = faces_[face].outside; i >= 0; i = next_outside_[static_cast<std::size_t>(i)])
    if (const std::int64_t h = dot(faces_[face].normal, at(i)) - faces_[face].offset; h > best)
      best = h, p = i;
  std::vector<int>& visible = seen_;
  std::vector<std::array<int, 3>>& horizon = horizon_;
  std::vector<int>& fan = fan_;
  visible.assign(1, face);
  horizon.clear();
  fan.clear();
  faces_[face].seen_by = p;
  faces_[face].visible = true;
  for (std::size_t k = 0; k < visible.size(); ++k) {
    for (int e = 0; e < 3; ++e) {
      const Face& f = faces_[visible[k]];
      const int g = f.neighbour[e];
      if (faces_[g].seen_by != p) {
        faces_[g].seen_by = p;
        faces_[g].visible = above(faces_[g], p);
        if (faces_[g].visible) visible.push_back(g);
      }
      if (!faces_[g].visible) horizon.push_back({f.v[e], f.v[(e + 1) % 3], g});
    }
  }
  for (const auto& [a, b, beyond] : horizon) {
    const int id = add_face(a, b, p);
    fan.push_back(id);
    by_start_[a] = id;
    by_end_[b] = id;
    Face& other = faces_[beyond];
    for (int k = 0; k < 3; ++k)
      if (other.v[k] == b && other.v[(k + 1) % 3] == a) other.neighbour[k] = id;
    faces_[id].neighbour[0] = beyond;
  }
  for (int id : fan) {
    Face& f = faces_[id];
    f.neighbour[1] = by_start_[f.v[1]];  // b -> p is p -> b of the face starting at b
    f.neighbour[2] = by_end_[f.v[0]];    // p -> a is a -> p of the face ending at a
  }
  for (int g : visible) {
    faces_[g].alive = false;
    for (int q = faces_[g].outside, next = -1; q >= 0; q = next) {
      next = next_outside_[static_cast<std::size_t>(q)];
      if (q == p) continue;
      for (int id : fan)
        if (above(faces_[id], q)) {
          push_outside(faces_[id], q);
          break;
        }
    }
    faces_[g].outside = -1;
  }
  pending_.insert(pending_.end(), fan.begin(), fan.end());
}

bool ExactHull::build(const std::vector<Point>& points) {
  points_ = &points;
  faces_.clear();
  next_outside_.assign(points.size(), -1);
  if (points.size() < 4 || !initial_simplex()) return false;
  by_start_.assign(points.size(), -1);
  by_end_.assign(points.size(), -1);
  pending_ = {0, 1, 2, 3};
  while (!pending_.empty()) {
    const int f = pending_.back();
    pending_.pop_back();
    if (faces_[f].alive && faces_[f].outside >= 0) add_point(f);
  }
  return true;
}

std::vector<int> ExactHull::vertex_ids() const {
  std::vector<char> corner(points_->size(), 0);
  for (const Face& f : faces_)
    if (f.alive)
      for (int v : f.v) corner[static_cast<std::size_t>(v)] = 1;
  std::vector<int> ids;
  for (std::size_t i = 0; i < corner.size(); ++i)
    if (corner[i]) ids.push_back(static_cast<int>(i));
  return ids;
}

// A supporting plane normal . p <= offset (half voxels), and the z range (half voxels) of the
// hull triangles on it: only there does it bound the hull's cross-section.
struct Plane {
  Point normal{0, 0, 0};
  std::int64_t offset = 0;
  std::int64_t z_lo = 0, z_hi = 0;
  bool same_plane(const Plane& o) const { return normal == o.normal && offset == o.offset; }
  bool operator<(const Plane& o) const {
    return normal != o.normal ? normal < o.normal : offset < o.offset;
  }
};

// The distinct planes of the hull's triangles (reduced by their gcd, so coplanar triangles
// give one plane), sorted, each with the union of its triangles' z ranges.
std::vector<Plane> hull_planes(const ExactHull& hull, const std::vector<Point>& points) {
  std::vector<Plane> planes;
  for (const Face& f : hull.faces()) {
    if (!f.alive) continue;
    const std::int64_t divisor = std::gcd(std::gcd(f.normal[0], f.normal[1]), f.normal[2]);
    Plane plane;
    for (int k = 0; k < 3; ++k) plane.normal[k] = f.normal[k] / divisor;
    plane.offset = f.offset / divisor;
    plane.z_lo = std::min({points[f.v[0]][0], points[f.v[1]][0], points[f.v[2]][0]});
    plane.z_hi = std::max({points[f.v[0]][0], points[f.v[1]][0], points[f.v[2]][0]});
    planes.push_back(plane);
  }
  std::sort(planes.begin(), planes.end());
  std::vector<Plane> merged;
  for (const Plane& p : planes) {
    if (!merged.empty() && merged.back().same_plane(p)) {
      merged.back().z_lo = std::min(merged.back().z_lo, p.z_lo);
      merged.back().z_hi = std::max(merged.back().z_hi, p.z_hi);
    } else {
      merged.push_back(p);
    }
  }
  return merged;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {  // b > 0
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}
std::int64_t ceil_half(std::int64_t a) {
  return -floor_div(-a, 2);
}

// The lattice points (voxel centres: even half-voxel coordinates) inside or on the hull. The
// cross-section at height z is bounded by the facets that reach z, so each row tests only
// those planes; each gives an exact bound on x.
std::int64_t lattice_points(const std::vector<Plane>& planes, const Point& lo, const Point& hi) {
  std::int64_t count = 0;
  std::vector<const Plane*> active;
  for (std::int64_t z = ceil_half(lo[0]); 2 * z <= hi[0]; ++z) {
    active.clear();
    for (const Plane& p : planes)
      if (p.z_lo <= 2 * z && 2 * z <= p.z_hi) active.push_back(&p);
    for (std::int64_t y = ceil_half(lo[1]); 2 * y <= hi[1]; ++y) {
      std::int64_t x_lo = ceil_half(lo[2]), x_hi = floor_div(hi[2], 2);
      for (const Plane* p : active) {
        const std::int64_t rest = p->offset - p->normal[0] * 2 * z - p->normal[1] * 2 * y;
        if (p->normal[2] > 0) {
          x_hi = std::min(x_hi, floor_div(rest, 2 * p->normal[2]));
        } else if (p->normal[2] < 0) {
          x_lo = std::max(x_lo, -floor_div(rest, -2 * p->normal[2]));
        } else if (rest < 0) {
          x_hi = x_lo - 1;
        }
        if (x_hi < x_lo) break;
      }
      count += std::max<std::int64_t>(0, x_hi - x_lo + 1);
    }
  }
  return count;
}

double largest_distance(const std::vector<Point>& points, const std::vector<int>& ids,
                        const Spacing3& voxel_size) {
  std::vector<std::array<double, 3>> at;
  at.reserve(ids.size());
  for (int id : ids) {
    const Point& p = points[static_cast<std::size_t>(id)];
    at.push_back({0.5 * voxel_size[0] * static_cast<double>(p[0]),
                  0.5 * voxel_size[1] * static_cast<double>(p[1]),
                  0.5 * voxel_size[2] * static_cast<double>(p[2])});
  }
  double largest = 0;
  for (std::size_t i = 0; i < at.size(); ++i)
    for (std::size_t j = i + 1; j < at.size(); ++j) {
      const double dz = at[i][0] - at[j][0], dy = at[i][1] - at[j][1], dx = at[i][2] - at[j][2];
      largest = std::max(largest, dz * dz + dy * dy + dx * dx);
    }
  return std::sqrt(largest);
}

}  // namespace

std::vector<HullPoint> hull_vertices(const std::vector<HullPoint>& sorted_points) {
  std::vector<HullPoint> out;
  out.reserve(sorted_points.size());
  std::vector<Point> points;
  ExactHull hull;  // its buffers serve every label
  for (std::size_t begin = 0, end = 0; begin < sorted_points.size(); begin = end) {
    end = begin;
    points.clear();
    bool one_plane = true;
    while (end < sorted_points.size() && sorted_points[end].label == sorted_points[begin].label) {
      const HullPoint& p = sorted_points[end++];
      points.push_back({p.at[0], p.at[1], p.at[2]});
      one_plane = one_plane && p.at[0] == sorted_points[begin].at[0];
    }
    // A plane's candidates are already the vertices of its 2-D hull.
    std::vector<int> ids;
    if (!one_plane && hull.build(points)) ids = hull.vertex_ids();
    if (ids.empty()) {  // flat (or tiny): every point kept, which is always correct
      out.insert(out.end(), sorted_points.begin() + static_cast<std::ptrdiff_t>(begin),
                 sorted_points.begin() + static_cast<std::ptrdiff_t>(end));
    } else {
      for (int id : ids) out.push_back(sorted_points[begin + static_cast<std::size_t>(id)]);
    }
  }
  return out;
}

HullMeasures hull_measures(const std::vector<std::array<std::int64_t, 3>>& centres,
                           const Spacing3& voxel_size) {
  HullMeasures measures;
  if (centres.empty()) return measures;
  Point origin = centres.front();
  for (const auto& c : centres)
    for (int a = 0; a < 3; ++a) origin[a] = std::min(origin[a], c[a]);
  // The offset points: each centre +-1/2 voxel along each axis (scikit-image's diamond).
  std::vector<Point> points;
  points.reserve(6 * centres.size());
  Point lo{0, 0, 0}, hi{0, 0, 0};
  for (const auto& c : centres) {
    const Point twice{2 * (c[0] - origin[0]), 2 * (c[1] - origin[1]), 2 * (c[2] - origin[2])};
    for (int a = 0; a < 3; ++a)
      for (int side : {-1, 1}) {
        Point p = twice;
        p[a] += side;
        points.push_back(p);
        for (int b = 0; b < 3; ++b) {
          lo[b] = std::min(lo[b], p[b]);
          hi[b] = std::max(hi[b], p[b]);
        }
      }
  }
  if (std::max({hi[0], hi[1], hi[2]}) >= kMaxHalfVoxels)
    throw std::length_error("convex hull: a particle more than " +
                            std::to_string(kMaxHalfVoxels / 2) +
                            " voxels across (the exact hull's int64 bound)");
  // Neither order nor duplicates matter: a duplicate is never above a face through its twin,
  // and the facet planes (with their z ranges) are those of the hull whatever the order.
  ExactHull hull;
  if (!hull.build(points))  // the offset points of any voxel span all three axes
    throw std::logic_error("convex hull: the offset points are coplanar");
  measures.lattice_points = lattice_points(hull_planes(hull, points), lo, hi);
  measures.feret_diameter_max = largest_distance(points, hull.vertex_ids(), voxel_size);
  return measures;
}

}  // namespace grapes
