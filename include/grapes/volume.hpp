#pragma once
// Local blocks of the global volume as Kokkos Views. A block covers `local` (global voxel
// indices): the rank's owned box plus its ghost margin, clipped to the image. Element
// [i][j][k] of the view is global voxel (local.lo[0]+i, local.lo[1]+j, local.lo[2]+k).
#include "grapes/kokkos_compat.hpp"
#include "grapes/types.hpp"

namespace grapes {

template <class T>
using View3 = Kokkos::View<T***, Kokkos::LayoutRight, kx::MemSpace>;
template <class T>
using View2 = Kokkos::View<T**, Kokkos::LayoutRight, kx::MemSpace>;
template <class T>
using View1 = Kokkos::View<T*, kx::MemSpace>;

template <class T>
View3<T> make_view3(const char* name, const Box& box) {
  return View3<T>(Kokkos::view_alloc(std::string(name), Kokkos::WithoutInitializing), box.extent(0),
                  box.extent(1), box.extent(2));
}

}  // namespace grapes
