#pragma once
// Marching-cubes surface area per label (SPEC §3, issue 5), summed over the cells this rank
// owns, so that areas added up over ranks are complete and never double counted.
//
// Cells: the 2x2x2 cell with lowest corner c (c[a] in [-1, shape[a]-1]) has corners c..c+1;
// corners outside the image are padding (label 0), which is np.pad(mask, 1). A cell belongs to
// the rank whose owned box contains clamp(c, 0, shape-1) per axis, i.e. a rank owns cells with
// c[a] in [owned.lo[a], owned.hi[a]) plus c[a] = -1 when owned.lo[a] == 0. The block must
// therefore reach one voxel past owned.hi on every axis where owned.hi < shape.
//
// The triangles are scikit-image's (Lewiner) for every binary cell configuration
// (marching_cubes_tables.hpp), so areas equal skimage's up to its float32 vertices (~1e-7
// relative); the classic Lorensen table would be off by several % on touching particles.
#include <cstdint>
#include <vector>

#include "grapes/volume.hpp"

namespace grapes {

struct SurfaceRecord {
  std::uint64_t label = 0;
  double area = 0.0;  // physical units (spacing applied)
  void merge(const SurfaceRecord& other) { area += other.area; }  // partial areas of one label
};

// `labels` covers `local` (global indices); returns one record per label with a non-zero area
// contribution from the owned cells, sorted by label. Throws std::invalid_argument when the
// boxes leave the image, the view's extents differ from `local`, or `local` lacks the ghost.
template <class Label>
std::vector<SurfaceRecord> surface_areas(const View3<const Label>& labels, const Box& local,
                                         const Box& owned, const Index3& image_shape,
                                         const Spacing3& spacing);

}  // namespace grapes
