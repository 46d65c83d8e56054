#pragma once
// Multi-label anisotropic Euclidean distance transform of a block (docs/METHOD.md, "Distance").
//
// For a voxel v with label L != 0, the result is the squared distance from v's centre to the
// nearest voxel centre that is not labelled L, where:
//  - a face of the block marked as an image border has a black border beyond it (the voxel
//    one step outside counts as "not L"), exactly as edt.edt(..., black_border=True);
//  - a face marked open (a ghost face inside the image) has nothing beyond it: the transform
//    simply does not look past it. Distances that would need data beyond it come out too
//    large (possibly +inf); the caller proves exactness separately.
// Background voxels (label 0) get 0.
//
// Units: `spacing` is relative (physical spacing / smallest spacing), so the isotropic case
// works in whole voxels and every squared distance is an exact integer in float (exact below
// 2^24, i.e. distances under 4096 voxels). Multiply by min_spacing^2 for physical units.
// Any spacing whose squares are integers (e.g. {2, 1, 1}) is exact in the same way.
//
// Anisotropic spacing: each pass writes float(f + k^2 * s^2) of the winning site, summed in
// double with s^2 rounded to float first (so k^2 * s^2 is exact); the result agrees with a
// double brute force to a few float roundings (~3e-7 relative). The value written is the
// rounding of the exact minimum over the sites the block can see, so it is bit-identical
// however the image is cut into blocks, wherever the nearest non-L voxel (and every voxel
// about as near) lies inside the block, e.g. when the distance is <= the ghost width.
//
// Cost: the y and z passes search a window around each voxel as wide as its distance; a
// block of columns whose window would pass 64 steps falls back to the Felzenszwalb–Huttenlocher
// lower envelope (linear per line, same bits). See src/kernels/edt.cpp. Requires x to be the
// contiguous axis (LayoutRight views), z and y extents < 2^24 and x extents < 2^30.
#include <array>

#include "grapes/core/volume.hpp"

namespace grapes {

struct EdtGeometry {
  Spacing3 spacing{1.0, 1.0, 1.0};                  // relative spacing per axis (z, y, x)
  std::array<bool, 3> border_lo{true, true, true};  // low face of axis a is an image face
  std::array<bool, 3> border_hi{true, true, true};  // high face of axis a is an image face
};

// The EDT geometry of a block: its relative spacing and which faces carry the black border.
inline EdtGeometry edt_geometry(const BlockGeometry& block) {
  return EdtGeometry{block.relative_spacing, block.border_lo, block.border_hi};
}

// Writes squared distances for every voxel of `labels` into `dist2` (same extents).
template <class Label>
void squared_edt(const View3<const Label>& labels, const EdtGeometry& geometry,
                 const View3<float>& dist2);

}  // namespace grapes
