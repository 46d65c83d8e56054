#pragma once
// Marching-cubes surface area per label (docs/METHOD.md, "Surface area"), counted over the
// cells a block owns, so that counts added up over ranks and slabs are complete and never
// double counted.
//
// Cells: the 2x2x2 cell with lowest corner c (c[a] in [-1, shape[a]-1]) has corners c..c+1;
// corners outside the image are padding (label 0), which is np.pad(mask, 1). A cell belongs to
// the block whose owned box contains clamp(c, 0, shape-1) per axis, i.e. a block owns cells
// with c[a] in [owned.lo[a], owned.hi[a]) plus c[a] = -1 when owned.lo[a] == 0. The label view
// must therefore reach one voxel past owned.hi on every axis where owned.hi < shape.
//
// Exact and decomposition independent: on a binary mask at level 0.5 every vertex is an edge
// midpoint or the cell centre, so the triangles a cell gives a label depend only on which of its
// 8 corners carry the label (the configuration). Configurations whose triangles have the same
// shapes (the same integer cross products) have the same area for any spacing; they form a
// class. A record counts a label's cells per class as integers; the area, sum over classes of
// count x class area, is formed once from the merged counts, in class order: every rank count,
// grid and slab size gives the same bits.
//
// The triangles are scikit-image's (Lewiner) for every binary cell configuration
// (marching_cubes_tables.hpp), so areas equal skimage's up to its float32 vertices (~1e-7
// relative); the classic Lorensen table would be off by several % on touching particles.
#include <array>
#include <cstdint>
#include <vector>

#include "grapes/core/records.hpp"
#include "grapes/core/volume.hpp"

namespace grapes {

// The class of each of the 256 cell configurations (see above) and how many classes there are.
// A class also fixes the cell's contribution to the label's Euler number (docs/METHOD.md,
// "Euler number"), so the same counts give both.
struct SurfaceClasses {
  std::array<std::uint8_t, 256> class_of{};
  std::array<int, kSurfaceClasses> representative{};  // a configuration of each class
  std::array<int, kSurfaceClasses> euler_eighths{};   // 8 x the Euler contribution of a cell
  int count = 0;
};
const SurfaceClasses& surface_classes();

// The marching-cubes area of each class's triangles, spacing applied (physical units).
std::array<double, kSurfaceClasses> class_areas(const Spacing3& spacing);

// The label's area (physical units) from its cell counts, summed in class order.
double surface_area(const SurfaceRecord& record, const std::array<double, kSurfaceClasses>& areas);

// The label's Euler number (26-connected) from its merged cell counts, an exact integer.
// Throws std::logic_error when the counts are not a whole label's.
std::int64_t euler_number(const SurfaceRecord& record);

// One record per label with at least one owned cell, sorted by label. `labels` covers
// geometry.local. Throws std::invalid_argument when the boxes leave the image, the view's
// extents differ from `local`, or `local` lacks the voxel past owned.hi.
template <class Label>
std::vector<SurfaceRecord> surface_cells(const View3<const Label>& labels,
                                         const BlockGeometry& geometry);

}  // namespace grapes
