// decomposition.memory_per_rank: a rank's box processed as slabs gives tables bit-identical to
// the unlimited run, for budgets that force 2, 3 and many slabs, every grid, anisotropic
// spacing, auto and fixed ghosts; the exactness check still stops a too-small ghost; the
// refusals (budget too small, memory not available) name the figures and keys. Runs under
// mpiexec at 1, 2, 3 and 4 ranks.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "grapes/config/config.hpp"
#include "grapes/core/error.hpp"
#include "grapes/output/output.hpp"
#include "grapes/parallel/comm.hpp"
#include "grapes/parallel/grid.hpp"
#include "grapes/parallel/memory.hpp"
#include "grapes/parallel/slabs.hpp"
#include "grapes/run/pipeline.hpp"
#include "support/memory_source.hpp"
#include "support/random_volume.hpp"

namespace grapes {
namespace {

int ranks() {
  return comm_size(MPI_COMM_WORLD);
}

// A fresh result path (collective): rank 0 removes what an earlier run left there, so a run
// that writes nothing fails its checks instead of reading the old file.
std::string output_name(const std::string& tag) {
  const std::string path = "slabs_np" + std::to_string(ranks()) + "_" + tag + ".h5";
  if (comm_rank(MPI_COMM_WORLD) == 0) std::remove(path.c_str());
  MPI_Barrier(MPI_COMM_WORLD);
  return path;
}

Config make_config(const test::RefVolume& v, const std::array<int, 3>& grid,
                   const std::string& ghost, const std::string& output,
                   const std::string& budget = "none") {
  std::ostringstream yaml;
  yaml << "input: {phantom: {shape: [4, 4, 4]}}\n"
       << "voxel_size: [" << v.spacing[0] << ", " << v.spacing[1] << ", " << v.spacing[2] << "]\n"
       << "analysis: {core_exclude_layers: 1}\n"
       << "decomposition: {grid: [" << grid[0] << ", " << grid[1] << ", " << grid[2]
       << "], ghost: " << ghost << ", memory_per_rank: " << budget << "}\n"
       << "output: {path: " << output << "}\n";
  return parse_config(yaml.str(), "<test>");
}

RunSummary run_on(const test::RefVolume& v, const Config& config) {
  const Index3 shape{v.shape[0], v.shape[1], v.shape[2]};
  std::vector<std::uint16_t> grey(v.grey.begin(), v.grey.end());
  return run_analysis(config, test::memory_source<std::uint16_t>(shape, std::move(grey)),
                      test::memory_source<std::uint32_t>(shape, v.labels), MPI_COMM_WORLD,
                      Logger::silent());
}

std::int64_t slabs_of(const std::string& path) {
  for (const ResultAttribute& a : read_attributes(path))
    if (a.name == "slabs_per_rank") return std::stoll(a.text);
  return -1;
}

// Every column of every table, byte for byte.
void expect_identical(const std::string& expected_path, const std::string& actual_path) {
  for (const char* group : {"/particles", "/layers", "/adjacency"}) {
    const Table expected = read_table(expected_path, group);
    const Table actual = read_table(actual_path, group);
    ASSERT_EQ(expected.columns.size(), actual.columns.size()) << group;
    for (std::size_t c = 0; c < expected.columns.size(); ++c) {
      const Column& e = expected.columns[c];
      const Column& a = actual.columns[c];
      ASSERT_EQ(e.name, a.name);
      EXPECT_TRUE(e.values == a.values ||
                  [&] {  // NaN == NaN by bits
                    const auto* x = std::get_if<std::vector<double>>(&e.values);
                    const auto* y = std::get_if<std::vector<double>>(&a.values);
                    return x && y && x->size() == y->size() &&
                           std::memcmp(x->data(), y->data(), x->size() * sizeof(double)) == 0;
                  }())
          << actual_path << " " << group << "/" << e.name;
    }
  }
}

// Budgets (bytes) for which the second pass of this volume cuts the busiest box into 2, 3 and
// the most slabs, found with the planner the pipeline uses (the same ghost width).
std::vector<std::uint64_t> budgets_for(const test::RefVolume& v, const std::array<int, 3>& dims,
                                       index_t ghost) {
  const Index3 shape{v.shape[0], v.shape[1], v.shape[2]};
  const Grid grid(shape, dims);
  const Box owned = grid.owned_box(comm_rank(MPI_COMM_WORLD));
  std::map<std::size_t, std::uint64_t> by_count;  // slabs -> the largest budget giving them
  for (std::uint64_t extra = 0; extra < (1u << 18); extra += 64) {
    const std::uint64_t budget = kFixedBytes + extra;
    try {
      const SlabPlan plan =
          plan_slabs(owned, {ghost, ghost, ghost}, shape, {2, 4}, true, budget, MPI_COMM_WORLD);
      by_count[plan.owned.size()] = budget;
    } catch (const InputError&) {
    }
  }
  std::vector<std::uint64_t> out;
  for (const auto& [count, budget] : by_count)
    if (count == 2 || count == 3 || count == by_count.rbegin()->first) out.push_back(budget);
  return out;
}

struct Case {
  std::array<long, 3> shape;
  std::array<double, 3> spacing;
  unsigned seed;
};

class SlabsMatchUnlimited : public ::testing::TestWithParam<Case> {};

TEST_P(SlabsMatchUnlimited, EveryBudgetEveryGridSameTables) {
  const Case c = GetParam();
  const test::RefVolume v = test::random_volume(c.shape, c.seed, c.spacing, 4000);
  int variant = 0;
  std::set<std::int64_t> seen;  // slab counts run, over every variant
  for (const auto& dims : {Grid::auto_dims({c.shape[0], c.shape[1], c.shape[2]}, ranks()),
                           std::array<int, 3>{1, ranks(), 1}}) {
    for (const std::string ghost : {"auto", "3"}) {
      const std::string unlimited = output_name("none_" + std::to_string(variant++));
      const RunSummary base = run_on(v, make_config(v, dims, ghost, unlimited));
      EXPECT_EQ(slabs_of(unlimited), 1);
      const index_t width = base.volume.ghost_width[2];
      for (const std::uint64_t budget : budgets_for(v, dims, width)) {
        const std::string path = output_name("budget_" + std::to_string(variant++));
        ASSERT_NO_THROW(run_on(v, make_config(v, dims, ghost, path, std::to_string(budget))));
        seen.insert(slabs_of(path));
        expect_identical(unlimited, path);
      }
    }
  }
  EXPECT_TRUE(seen.count(2) && seen.count(3)) << "2 and 3 slabs per rank";
  EXPECT_GE(*seen.rbegin(), 6) << "many slabs per rank";
}

INSTANTIATE_TEST_SUITE_P(RandomVolumes, SlabsMatchUnlimited,
                         ::testing::Values(Case{{24, 9, 11}, {1, 1, 1}, 21},
                                           Case{{22, 10, 12}, {2, 1, 1}, 22},
                                           Case{{26, 7, 9}, {1, 1.5, 1}, 23}));

TEST(Slabs, ExactnessCheckStillCatchesATooSmallGhost) {
  // A ball of radius 5 through the middle: every slab boundary cuts it.
  test::RefVolume v = test::random_volume({14, 12, 12}, 31, {1, 1, 1}, 255);
  for (long z = 0; z < 14; ++z)
    for (long y = 0; y < 12; ++y)
      for (long x = 0; x < 12; ++x)
        v.labels[v.index(z, y, x)] =
            (z - 6.5) * (z - 6.5) + (y - 5.5) * (y - 5.5) + (x - 5.5) * (x - 5.5) <= 25 ? 9 : 0;
  const std::array<int, 3> dims = Grid::auto_dims({14, 12, 12}, ranks());
  const auto budgets = budgets_for(v, dims, 1);
  ASSERT_FALSE(budgets.empty());
  try {
    run_on(v, make_config(v, dims, "1", output_name("tight"), std::to_string(budgets.front())));
    FAIL() << "a ghost of 1 should be too small";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("decomposition.ghost = 1 is too small"), std::string::npos)
        << e.what();
  }
}

TEST(Slabs, TooSmallABudgetNamesTheSmallestThatWorks) {
  const test::RefVolume v = test::random_volume({10, 10, 10}, 32, {1, 1, 1}, 255);
  const std::array<int, 3> dims = Grid::auto_dims({10, 10, 10}, ranks());
  try {
    run_on(v, make_config(v, dims, "auto", output_name("small"), "1MiB"));
    FAIL() << "1 MiB cannot hold the fixed part";
  } catch (const InputError& e) {
    const std::string text = e.what();
    EXPECT_NE(text.find("decomposition.memory_per_rank = 1.0 MiB is too small"), std::string::npos)
        << text;
    EXPECT_NE(text.find("the smallest budget that works is"), std::string::npos) << text;
  }
}

TEST(Slabs, MemoryNotAvailableNamesFiguresAndKeys) {
  const test::RefVolume v = test::random_volume({10, 10, 10}, 33, {1, 1, 1}, 255);
  const std::array<int, 3> dims = Grid::auto_dims({10, 10, 10}, ranks());
  setenv("GRAPES_TEST_MEMORY_AVAILABLE", "1000000", 1);  // 1 MB per rank
  std::string text;
  try {
    run_on(v, make_config(v, dims, "auto", output_name("offered")));
  } catch (const InputError& e) {
    text = e.what();
  }
  std::string budget_text;
  try {
    run_on(v, make_config(v, dims, "auto", output_name("offered2"), "2GiB"));
  } catch (const InputError& e) {
    budget_text = e.what();
  }
  unsetenv("GRAPES_TEST_MEMORY_AVAILABLE");
  const std::string node = memory_offered_per_rank(MPI_COMM_WORLD).node;
  EXPECT_NE(text.find("the node " + node + " ("), std::string::npos) << text;
  EXPECT_NE(text.find(") offers 976.6 KiB per rank"), std::string::npos) << text;
  EXPECT_NE(text.find("decomposition.memory_per_rank"), std::string::npos) << text;
  EXPECT_NE(text.find("more ranks"), std::string::npos) << text;
  EXPECT_NE(budget_text.find("decomposition.memory_per_rank = 2.00 GiB is more than the node "),
            std::string::npos)
      << budget_text;
}

// The probe itself (every other test replaces it): /proc/meminfo's MemAvailable over the ranks
// on this node, the same on every rank, never more than the node has.
TEST(Slabs, MemoryProbeReadsThisNode) {
  unsetenv("GRAPES_TEST_MEMORY_AVAILABLE");
  const MemoryOffer offer = memory_offered_per_rank(MPI_COMM_WORLD);
  std::ifstream meminfo("/proc/meminfo");
  std::string key, unit;
  std::uint64_t total_kib = 0;
  while (meminfo >> key >> total_kib >> unit && key != "MemTotal:") {
  }
  ASSERT_EQ(key, "MemTotal:");
  EXPECT_GT(offer.per_rank, 0u);
  EXPECT_LE(offer.per_rank, total_kib * 1024 / static_cast<std::uint64_t>(ranks()));
  EXPECT_EQ(offer.ranks_on_node, ranks());  // the tests run on one host
  EXPECT_EQ(offer.nodes, 1);
  const auto mine = static_cast<std::int64_t>(offer.per_rank);
  EXPECT_EQ(allreduce_max(MPI_COMM_WORLD, mine), mine);
}

// The fullest rank's offer wins and names its node: the last rank pretends to have 1 MiB.
TEST(Slabs, MemoryOfferIsTheSmallestOverRanks) {
  if (comm_rank(MPI_COMM_WORLD) == ranks() - 1)
    setenv("GRAPES_TEST_MEMORY_AVAILABLE", "1048576", 1);
  else
    setenv("GRAPES_TEST_MEMORY_AVAILABLE", "1073741824", 1);
  const MemoryOffer offer = memory_offered_per_rank(MPI_COMM_WORLD);
  unsetenv("GRAPES_TEST_MEMORY_AVAILABLE");
  EXPECT_EQ(offer.per_rank, 1048576u);
  EXPECT_EQ(offer.describe(), "the node " + offer.node + " (" + std::to_string(ranks()) +
                                  (ranks() == 1 ? " rank" : " ranks") +
                                  ") offers 1.0 MiB per rank");
}

}  // namespace
}  // namespace grapes
