// Ghost exchange of any width: after the exchange every voxel of every rank's block holds the
// value of the global voxel it stands for, whatever the grid and the width (also wider than
// a neighbour's box, so several ranks along an axis contribute).
#include <gtest/gtest.h>
#include <mpi.h>

#include "grapes/parallel/comm.hpp"
#include "grapes/parallel/grid.hpp"
#include "grapes/parallel/halo_exchange.hpp"

namespace grapes {
namespace {

int rank_count() {
  return grapes::comm_size(MPI_COMM_WORLD);
}
int this_rank() {
  return grapes::comm_rank(MPI_COMM_WORLD);
}
std::uint32_t encode(const Index3& shape, index_t z, index_t y, index_t x) {
  return static_cast<std::uint32_t>((z * shape[1] + y) * shape[2] + x + 1);
}

void check_exchange(const Index3& shape, const std::array<int, 3>& dims, const Index3& width) {
  const Grid grid(shape, dims);
  const HaloPlan plan(grid, this_rank(), width);
  const Box owned = grid.owned_box(this_rank());
  auto block = make_view3<std::uint32_t>("block", plan.local);
  auto host = Kokkos::create_mirror_view(block);
  for (index_t z = plan.local.lo[0]; z < plan.local.hi[0]; ++z)
    for (index_t y = plan.local.lo[1]; y < plan.local.hi[1]; ++y)
      for (index_t x = plan.local.lo[2]; x < plan.local.hi[2]; ++x)
        host(z - plan.local.lo[0], y - plan.local.lo[1], x - plan.local.lo[2]) =
            owned.contains({z, y, x}) ? encode(shape, z, y, x) : 0;  // ghosts start empty
  Kokkos::deep_copy(block, host);
  exchange_ghosts(plan, MPI_COMM_WORLD, block);
  Kokkos::deep_copy(host, block);
  long wrong = 0;
  for (index_t z = plan.local.lo[0]; z < plan.local.hi[0]; ++z)
    for (index_t y = plan.local.lo[1]; y < plan.local.hi[1]; ++y)
      for (index_t x = plan.local.lo[2]; x < plan.local.hi[2]; ++x)
        wrong += host(z - plan.local.lo[0], y - plan.local.lo[1], x - plan.local.lo[2]) !=
                 encode(shape, z, y, x);
  EXPECT_EQ(wrong, 0) << "grid " << dims[0] << "x" << dims[1] << "x" << dims[2] << " width "
                      << width[0] << "," << width[1] << "," << width[2];
  // The block is the owned box grown by the width, clipped to the image (a rank with an
  // empty box, more ranks than voxels along an axis, has no block).
  EXPECT_TRUE(plan.local == (owned.empty() ? owned : owned.grow(width, grid.image())));
}

TEST(Halo, AnyGridAnyWidthFillsEveryGhost) {
  const int ranks = rank_count();
  const Index3 shapes[] = {{9, 10, 11}, {4, 3, 17}, {13, 1, 5}};
  const Index3 widths[] = {{1, 1, 1}, {2, 0, 3}, {5, 5, 5}, {20, 20, 20}};
  for (const Index3& shape : shapes)
    for (int z = 1; z <= ranks; ++z)
      for (int y = 1; y <= ranks; ++y) {
        if (ranks % (z * y)) continue;
        const std::array<int, 3> dims{z, y, ranks / (z * y)};
        for (const Index3& width : widths) check_exchange(shape, dims, width);
      }
}

TEST(Halo, OneVoxelThinBoxesReachSeveralNeighboursAway) {
  // 4 voxels over up to 4 ranks along x: 1-voxel boxes; width 3 needs three ranks' data.
  const int ranks = rank_count();
  check_exchange({3, 2, ranks}, {1, 1, ranks}, {0, 0, 3});
  check_exchange({ranks, 3, 2}, {ranks, 1, 1}, {3, 1, 1});
}

TEST(Grid, BoxesPartitionTheImage) {
  const Index3 shape{7, 5, 3};
  for (int ranks = 1; ranks <= 8; ++ranks) {
    const auto dims = Grid::auto_dims(shape, ranks);
    EXPECT_EQ(dims[0] * dims[1] * dims[2], ranks);
    const Grid grid(shape, dims);
    std::vector<int> owner(7 * 5 * 3, 0);
    for (int r = 0; r < ranks; ++r) {
      const Box box = grid.owned_box(r);
      EXPECT_EQ(grid.rank_of(grid.coords(r)), r);
      for (index_t z = box.lo[0]; z < box.hi[0]; ++z)
        for (index_t y = box.lo[1]; y < box.hi[1]; ++y)
          for (index_t x = box.lo[2]; x < box.hi[2]; ++x) ++owner[(z * 5 + y) * 3 + x];
    }
    for (int count : owner) EXPECT_EQ(count, 1) << ranks << " ranks";
  }
  // Slabs along the longest axis for 2 ranks; no empty box when avoidable.
  EXPECT_EQ(Grid::auto_dims({100, 10, 10}, 2), (std::array<int, 3>{2, 1, 1}));
  EXPECT_EQ(Grid::auto_dims({10, 10, 100}, 4), (std::array<int, 3>{1, 1, 4}));
  EXPECT_EQ(Grid::auto_dims({64, 64, 64}, 8), (std::array<int, 3>{2, 2, 2}));
  EXPECT_EQ(Grid::auto_dims({1, 64, 64}, 4), (std::array<int, 3>{1, 2, 2}));
  // Equal cut areas: slabs along z rather than x (contiguous reads, long rows).
  EXPECT_EQ(Grid::auto_dims({750, 750, 750}, 2), (std::array<int, 3>{2, 1, 1}));
  EXPECT_EQ(Grid::auto_dims({64, 64, 64}, 4), (std::array<int, 3>{2, 2, 1}));
}

}  // namespace
}  // namespace grapes
