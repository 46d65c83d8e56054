#pragma once
// Local blocks of the global volume as Kokkos Views, and the one block type every kernel
// takes (docs/ARCHITECTURE.md, "Blocks"). A block covers `local` (global voxel indices): the
// voxels it owns plus a ghost margin, clipped to the image. Element [i][j][k] of its label view
// is global voxel (local.lo[0]+i, local.lo[1]+j, local.lo[2]+k); its grey view covers `owned`.
// The owned part may be a rank's whole box or one slab of it: kernels only ever see a block.
#include <array>
#include <string>

#include "grapes/core/kokkos_compat.hpp"
#include "grapes/core/types.hpp"

namespace grapes {

template <class T>
using View3 = Kokkos::View<T***, Kokkos::LayoutRight, kx::MemSpace>;
template <class T>
using View2 = Kokkos::View<T**, Kokkos::LayoutRight, kx::MemSpace>;
template <class T>
using View1 = Kokkos::View<T*, kx::MemSpace>;

// Asks the kernel to back a fresh, untouched host allocation with huge pages and to map it
// at once: on the virtual machines we measured, faulting in a fresh 1 GB array page by page
// cost about 1 s, against 0.4 s this way (docs/ARCHITECTURE.md, "Memory per rank"). Does
// nothing for small or device allocations, or where the kernel lacks the advice.
void prepare_large_allocation(void* data, std::size_t bytes, bool host_accessible);

template <class T>
View3<T> make_view3(const char* name, const Box& box) {
  View3<T> view(Kokkos::view_alloc(std::string(name), Kokkos::WithoutInitializing), box.extent(0),
                box.extent(1), box.extent(2));
  prepare_large_allocation(view.data(), view.span() * sizeof(T),
                           Kokkos::SpaceAccessibility<Kokkos::HostSpace, kx::MemSpace>::accessible);
  return view;
}

// Where a block lies in the image, computed once (block_geometry) for every kernel.
struct BlockGeometry {
  Box owned;                           // voxels whose records the block produces
  Box local;                           // voxels its label view covers (owned + ghosts)
  Index3 image_shape{0, 0, 0};         // the whole image
  Spacing3 relative_spacing{1, 1, 1};  // voxel size / smallest analysed voxel size (EDT units)
  // Per axis: the low/high face of `local` lies inside the image (a ghost or slab face), so
  // the block cannot see beyond it; otherwise it is an image face.
  std::array<bool, 3> open_lo{false, false, false};
  std::array<bool, 3> open_hi{false, false, false};
  // Per axis: the face is an image face with the black border of the EDT beyond it (never on
  // the singleton z axis of a 2-D image, which is no border).
  std::array<bool, 3> border_lo{true, true, true};
  std::array<bool, 3> border_hi{true, true, true};

  bool planar() const { return image_shape[0] == 1; }
  // Where `owned` starts inside the label view.
  Index3 owned_offset() const {
    return {owned.lo[0] - local.lo[0], owned.lo[1] - local.lo[1], owned.lo[2] - local.lo[2]};
  }
};

// The geometry of a block covering `local` that owns `owned` (inside it), in an image of
// `image_shape` voxels of physical size `voxel_size`. A 2-D image ([1, y, x]) is analysed in
// the plane: its z spacing is left out of the smallest spacing.
BlockGeometry block_geometry(const Box& owned, const Box& local, const Index3& image_shape,
                             const Spacing3& voxel_size);

// The smallest voxel size of the analysed axes (the EDT's unit length).
double min_spacing(const Spacing3& voxel_size, bool planar);

// The voxels of one block: labels over geometry.local, grey over geometry.owned.
template <class Grey, class Label>
struct Block {
  View3<const Grey> grey;
  View3<const Label> labels;
  BlockGeometry geometry;
};

}  // namespace grapes
