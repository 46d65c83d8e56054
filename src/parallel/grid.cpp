#include "grapes/parallel/grid.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "grapes/core/error.hpp"

namespace grapes {

Grid::Grid(const Index3& shape, const std::array<int, 3>& dims) : shape_(shape), dims_(dims) {
  for (int a = 0; a < 3; ++a) {
    if (dims_[a] < 1)
      throw InputError("decomposition.grid: every entry must be >= 1, got " +
                       std::to_string(dims_[a]));
    // Even split: box i is [i*n/p, (i+1)*n/p), so extents differ by at most one voxel.
    cuts_[a].resize(static_cast<std::size_t>(dims_[a]) + 1);
    for (int i = 0; i <= dims_[a]; ++i) cuts_[a][i] = shape_[a] * i / dims_[a];
  }
}

std::array<int, 3> Grid::auto_dims(const Index3& shape, int ranks) {
  // Among all factorisations pz*py*px = ranks, take the one with the smallest total area of
  // cut faces (the ghost traffic), preferring those that leave no box empty. Ties go to cuts
  // along the slow axes (z, then y): whole x rows per rank read contiguously from files and
  // keep the line kernels' rows long.
  std::array<int, 3> best{ranks, 1, 1};
  double best_cost = std::numeric_limits<double>::infinity();
  bool best_fits = false;
  for (int pz = 1; pz <= ranks; ++pz) {
    if (ranks % pz) continue;
    for (int py = 1; py <= ranks / pz; ++py) {
      if ((ranks / pz) % py) continue;
      const int px = ranks / pz / py;
      const std::array<int, 3> dims{pz, py, px};
      bool fits = true;
      double cost = 0;
      for (int a = 0; a < 3; ++a) {
        if (dims[a] > shape[a]) fits = false;
        const int b = (a + 1) % 3, c = (a + 2) % 3;
        cost += double(dims[a] - 1) * double(shape[b]) * double(shape[c]);
      }
      const bool slower_axes = dims[0] > best[0] || (dims[0] == best[0] && dims[1] > best[1]);
      const bool tie = std::abs(cost - best_cost) <= 1e-9 * cost;
      if ((fits && !best_fits) ||
          (fits == best_fits && (cost < best_cost * (1 - 1e-12) || (tie && slower_axes)))) {
        best = dims;
        best_cost = cost;
        best_fits = fits;
      }
    }
  }
  return best;
}

std::array<int, 3> Grid::coords(int rank) const {
  return {rank / (dims_[1] * dims_[2]), (rank / dims_[2]) % dims_[1], rank % dims_[2]};
}

int Grid::rank_of(const std::array<int, 3>& c) const {
  return (c[0] * dims_[1] + c[1]) * dims_[2] + c[2];
}

Box Grid::owned_box(int rank) const {
  const std::array<int, 3> c = coords(rank);
  Box box;
  for (int a = 0; a < 3; ++a) {
    box.lo[a] = cuts_[a][c[a]];
    box.hi[a] = cuts_[a][c[a] + 1];
  }
  return box;
}

}  // namespace grapes
