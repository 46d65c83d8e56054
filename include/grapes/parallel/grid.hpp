#pragma once
// The global volume split into a 3-D Cartesian grid of boxes, one per MPI rank.
#include <array>
#include <vector>

#include "grapes/core/types.hpp"

namespace grapes {

class Grid {
 public:
  // `dims` = ranks per axis (z, y, x); their product must equal `ranks`.
  Grid(const Index3& shape, const std::array<int, 3>& dims);

  // Chooses dims for `ranks` ranks that keep boxes as close to cubes as possible
  // (smallest total cut area), never more ranks along an axis than voxels on it.
  static std::array<int, 3> auto_dims(const Index3& shape, int ranks);

  const Index3& shape() const { return shape_; }
  const std::array<int, 3>& dims() const { return dims_; }
  int ranks() const { return dims_[0] * dims_[1] * dims_[2]; }
  Box image() const { return whole_box(shape_); }

  // Rank r's owned box (row-major over the grid: x fastest). May be empty when an axis has
  // fewer voxels than ranks along it is impossible by construction, but shape 0 is allowed.
  Box owned_box(int rank) const;
  std::array<int, 3> coords(int rank) const;
  int rank_of(const std::array<int, 3>& coords) const;

 private:
  Index3 shape_;
  std::array<int, 3> dims_;
  // Split points per axis: box i along axis a is [cuts_[a][i], cuts_[a][i+1]).
  std::array<std::vector<index_t>, 3> cuts_;
};

}  // namespace grapes
