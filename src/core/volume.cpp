#include "grapes/core/volume.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace grapes {

void prepare_large_allocation(void* data, std::size_t bytes, bool host_accessible) {
  constexpr std::size_t kLarge = std::size_t(32) << 20;
  if (!host_accessible || data == nullptr || bytes < kLarge) return;
  // GRAPES_PREFAULT=0 leaves the kernel's defaults (for comparisons, or a kernel that
  // misbehaves with huge pages).
  const char* prefault = std::getenv("GRAPES_PREFAULT");
  if (prefault && std::string(prefault) == "0") return;
  // madvise wants page-aligned ranges: the whole pages inside the allocation.
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + page - 1) / page * page;
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) / page * page;
  if (end <= begin) return;
  void* start = reinterpret_cast<void*>(begin);
  const std::size_t length = end - begin;
#ifdef MADV_HUGEPAGE
  madvise(start, length, MADV_HUGEPAGE);  // advice only: an error changes nothing
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14; older kernels answer EINVAL, harmlessly
#endif
  madvise(start, length, MADV_POPULATE_WRITE);
}

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
