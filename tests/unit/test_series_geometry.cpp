// /series/geometry (docs/SERIES.md, "Geometry"): Euler-number changes counted against the
// reference step, and the paired t test of the solidity changes against scipy.stats.ttest_rel
// (scipy 1.10.1), with NaN wherever the test is undefined (the reference, no change, n < 2).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "grapes/series/geometry.hpp"

namespace grapes::series {
namespace {

TEST(SeriesGeometry, EulerChangesAndPairedSolidityTest) {
  const PerStep euler = std::vector<std::vector<std::int64_t>>{{1, 1, 1}, {1, 1, 1}, {1, 2, 0}};
  const PerStepReal solidity =
      std::vector<std::vector<double>>{{0.9, 0.8, 0.7}, {0.9, 0.8, 0.7}, {0.8, 0.6, 0.4}};
  const Table t = geometry_table(euler, solidity, 0);
  EXPECT_EQ(t.get<std::int64_t>("euler_changed"), (std::vector<std::int64_t>{0, 0, 2}));
  EXPECT_EQ(t.get<std::int64_t>("n"), (std::vector<std::int64_t>{3, 3, 3}));
  const auto& mean = t.get<double>("delta_solidity_mean");
  const auto& se = t.get<double>("delta_solidity_se");
  const auto& p = t.get<double>("p_paired_t_two");
  // scipy: ttest_rel([0.8, 0.6, 0.4], [0.9, 0.8, 0.7]).pvalue (t distribution, 2 df).
  EXPECT_NEAR(mean[2], -0.19999999999999998, 1e-15);
  EXPECT_NEAR(se[2], 0.05773502691896257, 1e-15);
  EXPECT_NEAR(p[2], 0.0741799002274485, 1e-12);
  // No change (the reference itself, and a step with the same solidity): 0 / 0 is NaN.
  for (int s : {0, 1}) {
    EXPECT_EQ(mean[s], 0.0);
    EXPECT_EQ(se[s], 0.0);
    EXPECT_TRUE(std::isnan(p[s]));
  }
}

TEST(SeriesGeometry, OneParticleHasNoStandardError) {
  const Table t = geometry_table(std::vector<std::vector<std::int64_t>>{{1}, {0}},
                                 std::vector<std::vector<double>>{{0.9}, {0.5}}, 0);
  EXPECT_NEAR(t.get<double>("delta_solidity_mean")[1], -0.4, 1e-15);
  EXPECT_TRUE(std::isnan(t.get<double>("delta_solidity_se")[1]));
  EXPECT_TRUE(std::isnan(t.get<double>("p_paired_t_two")[1]));
}

TEST(SeriesGeometry, WithoutSolidityNoSolidityColumns) {
  const Table t = geometry_table(std::vector<std::vector<std::int64_t>>{{1}, {2}}, std::nullopt, 0);
  EXPECT_EQ(t.rows(), 2u);
  EXPECT_EQ(t.find("delta_solidity_mean"), nullptr);
  EXPECT_EQ(t.find("p_paired_t_two"), nullptr);
  // Without Euler numbers (older files) no rows at all.
  EXPECT_EQ(geometry_table(std::nullopt, std::nullopt, 0).rows(), 0u);
}

}  // namespace
}  // namespace grapes::series
