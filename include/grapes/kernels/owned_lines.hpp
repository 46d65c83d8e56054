#pragma once
// Geometry shared by the per-voxel line kernels: they run over the x-lines of the owned box,
// one line (z, y) per work item, reading a label view that covers a larger local block.
#include "grapes/core/volume.hpp"

namespace grapes {

// Owned-region geometry shared by the line kernels: line l = (z, y) of the owned box.
struct OwnedLines {
  Index3 owned_lo;      // global
  Index3 label_offset;  // owned.lo - local.lo (where the owned box starts in the label view)
  index_t ny = 0, nx = 0;
  index_t lines = 0;

  explicit OwnedLines(const BlockGeometry& geometry)
      : owned_lo(geometry.owned.lo), label_offset(geometry.owned_offset()) {
    ny = geometry.owned.extent(1);
    nx = geometry.owned.extent(2);
    lines = geometry.owned.extent(0) * ny;
  }
};

}  // namespace grapes
