#pragma once
// The convex hull of a particle, as scikit-image's regionprops builds it (docs/METHOD.md,
// "Convex hull"): the hull of the voxel centres, each offset by +-1/2 voxel along each axis.
// Host code, not a Kokkos kernel: the hulls are small (hundreds of vertices) and irregular.
// Only with analysis.convex_hull (docs/CONFIG.md), for its cost.
//
// Three steps, so that only hull vertices travel between ranks:
//   hull_candidates   each rank, each block: per label and z plane, the vertices of the plane's
//                     2-D hull of the label's owned voxel centres (every 3-D hull vertex is one)
//   hull_vertices     each rank: those candidates reduced to their 3-D hull's vertices
//   hull_measures     the label's owner: the hull of all ranks' vertices, offset, with exact
//                     integer planes; the lattice points inside counted row by row, exactly
//                     (integers, so bit-identical at any decomposition), and the largest
//                     distance between the hull's vertices
#include <array>
#include <cstdint>
#include <vector>

#include "grapes/core/types.hpp"
#include "grapes/core/volume.hpp"

namespace grapes {

// One candidate hull point: a voxel centre of `label`, global indices. Trivially copyable
// (travels as bytes); ordered by (label, z, y, x), equal points merge into one.
struct HullPoint {
  std::uint64_t label = 0;
  std::int32_t at[3] = {0, 0, 0};  // z, y, x
  std::int32_t unused = 0;
  void merge(const HullPoint&) {}
};

struct ByLabelAndPoint {
  bool operator()(const HullPoint& p, const HullPoint& q) const {
    if (p.label != q.label) return p.label < q.label;
    for (int a = 0; a < 3; ++a)
      if (p.at[a] != q.at[a]) return p.at[a] < q.at[a];
    return false;
  }
};

// The candidates of the owned voxels of a block (host copy of its labels), sorted by
// (label, z, y, x).
template <class Label>
std::vector<HullPoint> hull_candidates(const View3<const Label>& labels,
                                       const BlockGeometry& geometry);

// Per label, the points that are vertices of the label's 3-D hull (all of a label's points
// when they are coplanar, where the hull is flat). Input and output sorted by (label, point).
std::vector<HullPoint> hull_vertices(const std::vector<HullPoint>& sorted_points);

struct HullMeasures {
  std::int64_t lattice_points = 0;  // voxel centres inside or on the offset hull
  double feret_diameter_max = 0.0;  // largest distance between its vertices (physical)
};

// `centres`: a label's voxel centres (every vertex of its hull among them), any order, any
// duplicates, global indices.
HullMeasures hull_measures(const std::vector<std::array<std::int64_t, 3>>& centres,
                           const Spacing3& voxel_size);

}  // namespace grapes
