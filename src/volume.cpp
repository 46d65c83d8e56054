#include "grapes/volume.hpp"

#include <algorithm>

namespace grapes {

double min_spacing(const Spacing3& voxel_size, bool planar) {
  return planar ? std::min(voxel_size[1], voxel_size[2])
                : std::min({voxel_size[0], voxel_size[1], voxel_size[2]});
}

BlockGeometry block_geometry(const Box& owned, const Box& local, const Index3& image_shape,
                             const Spacing3& voxel_size) {
  BlockGeometry g;
  g.owned = owned;
  g.local = local;
  g.image_shape = image_shape;
  const double unit = min_spacing(voxel_size, g.planar());
  for (int a = 0; a < 3; ++a) {
    g.relative_spacing[a] = voxel_size[a] / unit;
    g.open_lo[a] = local.lo[a] > 0;
    g.open_hi[a] = local.hi[a] < image_shape[a];
    const bool analysed = !(g.planar() && a == 0);
    g.border_lo[a] = analysed && !g.open_lo[a];
    g.border_hi[a] = analysed && !g.open_hi[a];
  }
  return g;
}

}  // namespace grapes
