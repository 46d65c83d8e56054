// Label matching, distributed part (docs/SERIES.md, "Label matching"): the voxel overlaps of
// every (reference label, step label) pair counted over each rank's box and merged equal a
// brute-force count for every grid of 1-4 ranks (pairs split across ranks included), and
// hand-built cases come out as expected: a one-voxel shift and two particles swapping voxels
// at their contact stay matched; a particle cut in three is a split, three merged into one a
// merge; a vanished and a new particle are unmatched.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstring>
#include <map>
#include <vector>

#include "grapes/kernels/accumulate.hpp"
#include "grapes/parallel/comm.hpp"
#include "grapes/parallel/grid.hpp"
#include "grapes/parallel/merge_records.hpp"
#include "grapes/series/matching.hpp"

namespace grapes {
namespace {

const Index3 kShape{12, 11, 14};

struct Volumes {
  std::vector<std::uint16_t> reference, step;
  std::size_t index(index_t z, index_t y, index_t x) const {
    return static_cast<std::size_t>((z * kShape[1] + y) * kShape[2] + x);
  }
};

void fill(std::vector<std::uint16_t>& v, const Box& b, std::uint16_t label) {
  for (index_t z = b.lo[0]; z < b.hi[0]; ++z)
    for (index_t y = b.lo[1]; y < b.hi[1]; ++y)
      for (index_t x = b.lo[2]; x < b.hi[2]; ++x)
        v[static_cast<std::size_t>((z * kShape[1] + y) * kShape[2] + x)] = label;
}

// Reference labels 1-9 and step labels 101-109 (see the file comment).
Volumes hand_built() {
  Volumes v;
  v.reference.assign(voxel_count(kShape), 0);
  v.step.assign(voxel_count(kShape), 0);
  fill(v.reference, {{1, 1, 1}, {5, 5, 5}}, 1);  // shifted by one voxel along x
  fill(v.step, {{1, 1, 2}, {5, 5, 6}}, 101);
  fill(v.reference, {{1, 6, 1}, {5, 10, 10}}, 2);  // cut in three along x
  fill(v.step, {{1, 6, 1}, {5, 10, 4}}, 102);
  fill(v.step, {{1, 6, 4}, {5, 10, 7}}, 103);
  fill(v.step, {{1, 6, 7}, {5, 10, 10}}, 104);
  fill(v.reference, {{6, 1, 1}, {10, 5, 4}}, 3);  // three merged into one
  fill(v.reference, {{6, 1, 4}, {10, 5, 7}}, 4);
  fill(v.reference, {{6, 1, 7}, {10, 5, 10}}, 5);
  fill(v.step, {{6, 1, 1}, {10, 5, 10}}, 105);
  fill(v.reference, {{6, 6, 1}, {9, 9, 4}}, 6);     // vanishes
  fill(v.step, {{6, 6, 11}, {9, 9, 14}}, 106);      // new
  fill(v.reference, {{10, 6, 1}, {12, 11, 7}}, 7);  // two touching boxes ...
  fill(v.reference, {{10, 6, 7}, {12, 11, 13}}, 8);
  fill(v.step, {{10, 6, 1}, {12, 11, 7}}, 107);  // ... swapping the voxels at their contact
  fill(v.step, {{10, 6, 7}, {12, 11, 13}}, 108);
  fill(v.step, {{10, 6, 6}, {12, 11, 7}}, 108);
  fill(v.step, {{10, 6, 7}, {12, 11, 8}}, 107);
  return v;
}

std::map<std::pair<std::uint64_t, std::uint64_t>, std::int64_t> brute_force(const Volumes& v) {
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::int64_t> out;
  for (std::size_t i = 0; i < v.reference.size(); ++i)
    if (v.reference[i] && v.step[i]) ++out[{v.reference[i], v.step[i]}];
  return out;
}

template <class T>
View3<T> owned_view(const std::vector<T>& values, const Box& box) {
  View3<T> view = make_view3<T>("test", box);
  auto host = Kokkos::create_mirror_view(view);
  for (index_t z = box.lo[0]; z < box.hi[0]; ++z)
    for (index_t y = box.lo[1]; y < box.hi[1]; ++y)
      for (index_t x = box.lo[2]; x < box.hi[2]; ++x)
        host(z - box.lo[0], y - box.lo[1], x - box.lo[2]) =
            values[static_cast<std::size_t>((z * kShape[1] + y) * kShape[2] + x)];
  Kokkos::deep_copy(view, host);
  return view;
}

// Every rank's merged slice, gathered on every rank in rank order.
std::vector<OverlapRecord> distributed_overlaps(const Volumes& v, const std::array<int, 3>& dims) {
  const Grid grid(kShape, dims);
  const Box owned = grid.owned_box(comm_rank(MPI_COMM_WORLD));
  const BlockGeometry geometry = block_geometry(owned, owned, kShape, {1, 1, 1});
  std::vector<OverlapRecord> mine =
      merge_overlaps(accumulate_overlaps<std::uint16_t, std::uint16_t>(
                         owned_view(v.reference, owned), owned_view(v.step, owned), geometry, 4),
                     MPI_COMM_WORLD);
  std::vector<char> bytes(mine.size() * sizeof(OverlapRecord));
  if (!bytes.empty()) std::memcpy(bytes.data(), mine.data(), bytes.size());
  std::vector<OverlapRecord> all;
  for (const auto& part : allgather_bytes(MPI_COMM_WORLD, bytes)) {
    const std::size_t at = all.size();
    all.resize(at + part.size() / sizeof(OverlapRecord));
    if (!part.empty()) std::memcpy(all.data() + at, part.data(), part.size());
  }
  return all;
}

std::vector<std::array<int, 3>> all_grids(int count) {
  std::vector<std::array<int, 3>> grids;
  for (int z = 1; z <= count; ++z)
    for (int y = 1; y <= count; ++y)
      if (count % (z * y) == 0) grids.push_back({z, y, count / (z * y)});
  return grids;
}

TEST(Overlaps, EveryGridEqualsTheBruteForceCountSorted) {
  const Volumes v = hand_built();
  const auto expected = brute_force(v);
  for (const auto& dims : all_grids(comm_size(MPI_COMM_WORLD))) {
    const auto got = distributed_overlaps(v, dims);
    ASSERT_EQ(got.size(), expected.size()) << dims[0] << dims[1] << dims[2];
    std::size_t i = 0;
    for (const auto& [pair, voxels] : expected) {  // std::map order: sorted by pair
      EXPECT_EQ(got[i].reference_label, pair.first);
      EXPECT_EQ(got[i].step_label, pair.second);
      EXPECT_EQ(got[i].voxels, voxels) << pair.first << "," << pair.second;
      ++i;
    }
  }
}

TEST(Overlaps, HandBuiltCasesMatchAsDocumented) {
  const Volumes v = hand_built();
  series::LabelSizes reference, step;
  for (std::uint16_t l : v.reference)
    if (l) ++reference[l];
  for (std::uint16_t l : v.step)
    if (l) ++step[l];
  std::vector<series::Overlap> overlaps;
  for (const OverlapRecord& r :
       distributed_overlaps(v, Grid::auto_dims(kShape, comm_size(MPI_COMM_WORLD))))
    overlaps.push_back({r.reference_label, r.step_label, r.voxels});
  const series::Matching m = series::match_labels(overlaps, reference, step, 0.5, 1);
  const std::map<std::uint64_t, std::uint64_t> expected_matches = {{101, 1}, {107, 7}, {108, 8}};
  EXPECT_EQ(m.step_to_reference, expected_matches);
  const auto& ref = m.table.get<std::uint64_t>("reference_label");
  const auto& lab = m.table.get<std::uint64_t>("step_label");
  const auto& status = m.table.get<std::string>("status");
  std::map<std::uint64_t, std::string> by_reference, by_step;
  for (std::size_t r = 0; r < status.size(); ++r) {
    if (ref[r]) by_reference[ref[r]] = status[r];
    if (lab[r]) by_step[lab[r]] = status[r];
  }
  EXPECT_EQ(by_reference[2], "split");
  for (std::uint64_t piece : {102, 103, 104}) EXPECT_EQ(by_step[piece], "split") << piece;
  for (std::uint64_t part : {3, 4, 5}) EXPECT_EQ(by_reference[part], "merged") << part;
  EXPECT_EQ(by_step[105], "merged");
  EXPECT_EQ(by_reference[6], "unmatched");
  EXPECT_EQ(by_step[106], "unmatched");
}

}  // namespace
}  // namespace grapes
