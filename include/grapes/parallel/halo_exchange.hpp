#pragma once
// Ghost exchange: fill the margin of a local block from whichever ranks own those voxels,
// for any ghost width — also wider than a neighbour's box (then several ranks along an axis
// contribute). Pattern and plan as in Cabana::Grid's halo: the plan (which box goes to and
// comes from which rank) is built once from the grid; the exchange posts receives, packs
// with Kokkos, sends and unpacks.
#include <mpi.h>

#include <vector>

#include "grapes/core/volume.hpp"
#include "grapes/parallel/grid.hpp"

namespace grapes {

// The local block of `rank`: its owned box grown by `ghost_width` voxels per axis, clipped.
Box local_box(const Grid& grid, int rank, const Index3& ghost_width);

struct HaloPlan {
  struct Transfer {
    int rank = 0;
    Box box;  // global indices of the voxels moved
  };
  Box local;                       // this rank's block (owned + ghosts, clipped to the image)
  std::vector<Transfer> sends;     // parts of my owned box that other ranks need
  std::vector<Transfer> receives;  // parts of my ghost margin and who owns them

  HaloPlan(const Grid& grid, int rank, const Index3& ghost_width);
};

// Fills the ghost margin of `block` (extents = plan.local) whose owned part is already set.
// Collective over `comm` (every rank of the grid must call it).
template <class T>
void exchange_ghosts(const HaloPlan& plan, MPI_Comm comm, const View3<T>& block);

// Stage "ghosts": the view of plan.local with the owned voxels taken from `owned_view` (which
// covers `owned`) and the margin filled from the ranks that own it. Collective. Without a
// margin the owned view itself comes back; otherwise the caller's moved-in owned view is
// released here, before the distance transform allocates.
template <class T>
View3<T> ghosted_view(const HaloPlan& plan, const Box& owned, View3<T>&& owned_view, MPI_Comm comm);

}  // namespace grapes
