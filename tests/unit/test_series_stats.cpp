// The series statistics helpers against the paper's worked example, normal-table values and
// quantiles / qcut bins worked out by hand (numpy's linear rule: index (n-1) q).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "grapes/series/stats.hpp"

namespace grapes::series {
namespace {

TEST(SeriesStats, PaperWorkedExampleZ) {
  // Paper §3.1: I = 173.00 vs 174.41, sigma = 11.27 vs 11.08, n = 3650 each: Z = -5.40 there;
  // the exact value of those rounded inputs is -5.390.
  const double z = z_unpaired(173.00, 11.27, 3650, 174.41, 11.08, 3650);
  EXPECT_NEAR(z, -5.39, 0.005);
  EXPECT_NEAR(z, -1.41 / std::sqrt((11.27 * 11.27 + 11.08 * 11.08) / 3650.0), 1e-12);
  // Well beyond the paper's 5-sigma one-tailed critical value of -5.01.
  EXPECT_LT(z, -5.01);
  EXPECT_NEAR(p_one_tailed(z), 3.52e-8, 0.01e-8);
}

TEST(SeriesStats, MeanAndStandardDeviations) {
  const std::vector<double> v = {2, 4, 4, 4, 5, 5, 7, 9};  // mean 5, squared deviations 32
  EXPECT_DOUBLE_EQ(mean(v), 5.0);
  EXPECT_DOUBLE_EQ(population_sd(v), 2.0);
  EXPECT_DOUBLE_EQ(sample_sd(v), std::sqrt(32.0 / 7.0));
  EXPECT_TRUE(std::isnan(mean({})));
  EXPECT_TRUE(std::isnan(population_sd({})));
  EXPECT_TRUE(std::isnan(sample_sd({3.0})));
  EXPECT_DOUBLE_EQ(population_sd({3.0}), 0.0);
}

TEST(SeriesStats, NormalTailsMatchTables) {
  EXPECT_NEAR(p_two_tailed(1.959963984540054), 0.05, 1e-15);
  EXPECT_NEAR(p_two_tailed(-1.959963984540054), 0.05, 1e-15);
  EXPECT_NEAR(p_two_tailed(1.0), 0.31731050786291415, 1e-15);
  EXPECT_NEAR(p_two_tailed(3.0), 0.0026997960632601866, 1e-17);
  EXPECT_NEAR(p_one_tailed(-1.6448536269514722), 0.05, 1e-15);
  EXPECT_NEAR(p_one_tailed(2.3263478740408408), 0.01, 1e-15);
  EXPECT_DOUBLE_EQ(p_two_tailed(0.0), 1.0);
  EXPECT_DOUBLE_EQ(p_one_tailed(0.0), 0.5);
  EXPECT_DOUBLE_EQ(p_two_tailed(INFINITY), 0.0);
  EXPECT_TRUE(std::isnan(p_two_tailed(NAN)));
}

TEST(SeriesStats, PairedZ) {
  // d = 1, 2, 3: mean 2, sample sd 1, Z = 2 / (1 / sqrt 3).
  EXPECT_DOUBLE_EQ(z_paired({1, 2, 3}), 2.0 * std::sqrt(3.0));
  EXPECT_TRUE(std::isnan(z_paired({1.0})));
}

TEST(SeriesStats, ErrorCombinations) {
  EXPECT_DOUBLE_EQ(binomial_se(0.25, 100), std::sqrt(0.25 * 0.75 / 100));
  EXPECT_DOUBLE_EQ(binomial_se(1.0, 5), 0.0);
  EXPECT_TRUE(std::isnan(binomial_se(0.5, 0)));
  EXPECT_DOUBLE_EQ(sem_of_mean({3, 4}), std::sqrt(12.5));
  EXPECT_TRUE(std::isnan(sem_of_mean({3, NAN})));
  EXPECT_DOUBLE_EQ(se_total(3, 4), 5.0);
  EXPECT_DOUBLE_EQ(se_total(3, NAN), 3.0);
}

TEST(SeriesStats, NumpyLinearQuantile) {
  // {1,2,3,4}: index 3q. q = 0.25 -> 0.75 -> 1.75; q = 0.5 -> 1.5 -> 2.5.
  EXPECT_DOUBLE_EQ(numpy_quantile({4, 1, 3, 2}, 0.25), 1.75);
  EXPECT_DOUBLE_EQ(numpy_quantile({4, 1, 3, 2}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(numpy_quantile({4, 1, 3, 2}, 0.0), 1.0);
  EXPECT_DOUBLE_EQ(numpy_quantile({4, 1, 3, 2}, 1.0), 4.0);
  // Index 4 * 0.25 = 1 exactly: the value itself.
  EXPECT_DOUBLE_EQ(numpy_quantile({50, 10, 40, 20, 30}, 0.25), 20.0);
  // {100..600}: index 5 * 0.25 = 1.25 -> 200 + 0.25 * 100.
  EXPECT_DOUBLE_EQ(pandas_quantile({100, 200, 300, 400, 500, 600}, 0.25), 225.0);
  EXPECT_DOUBLE_EQ(numpy_quantile({7.0}, 0.3), 7.0);
  EXPECT_TRUE(std::isnan(numpy_quantile({}, 0.5)));
}

TEST(SeriesStats, QcutQuartilesRightClosed) {
  // 1..8: index 7q -> edges 1, 2.75, 4.5, 6.25, 8.
  const Qcut c = qcut({1, 2, 3, 4, 5, 6, 7, 8}, 4);
  EXPECT_EQ(c.edges, (std::vector<double>{1, 2.75, 4.5, 6.25, 8}));
  EXPECT_EQ(c.bin, (std::vector<int>{0, 0, 1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(c.bins(), 4);
}

TEST(SeriesStats, QcutTiesAtTheQuantile) {
  // {1,2,2,2,3,4,5,6,7}: index 8q = 2, 4, 6 -> edges 1, 2, 3, 5, 7. The 2s equal an edge and
  // go to the bin below it (right-closed); the minimum joins bin 0 (lowest edge included).
  const Qcut c = qcut({1, 2, 2, 2, 3, 4, 5, 6, 7}, 4);
  EXPECT_EQ(c.edges, (std::vector<double>{1, 2, 3, 5, 7}));
  EXPECT_EQ(c.bin, (std::vector<int>{0, 0, 0, 0, 1, 2, 2, 3, 3}));
}

TEST(SeriesStats, QcutDropsDuplicateEdges) {
  // {1,1,1,1,1,2,3,4}: index 7q = 0, 1.75, 3.5, 5.25, 7 -> 1, 1, 1, 2.25, 4 -> 1, 2.25, 4.
  const Qcut c = qcut({1, 1, 1, 1, 1, 2, 3, 4}, 4);
  EXPECT_EQ(c.edges, (std::vector<double>{1, 2.25, 4}));
  EXPECT_EQ(c.bins(), 2);
  EXPECT_EQ(c.bin, (std::vector<int>{0, 0, 0, 0, 0, 0, 1, 1}));
  // All equal: one edge, no bin (pandas gives NaN for every value).
  const Qcut flat = qcut({5, 5, 5}, 4);
  EXPECT_EQ(flat.bins(), 0);
  EXPECT_EQ(flat.bin, (std::vector<int>{-1, -1, -1}));
}

TEST(SeriesStats, QcutNanAndDeciles) {
  const Qcut c = qcut({3, NAN, 1, 2, 4}, 4);  // NaN is left out of the edges and gets -1
  EXPECT_EQ(c.edges, (std::vector<double>{1, 1.75, 2.5, 3.25, 4}));
  EXPECT_EQ(c.bin, (std::vector<int>{2, -1, 0, 1, 3}));
  // Deciles of 1..11: index 10q; linspace's 0.6000000000000001 gives numpy's edge
  // 7.000000000000001 (checked against numpy 1.24), the others are the integers 1..11.
  const Qcut d = qcut({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 10);
  ASSERT_EQ(d.edges.size(), 11u);
  for (int i = 0; i <= 10; ++i)
    if (i != 6) {
      EXPECT_EQ(d.edges[i], i + 1.0) << i;
    }
  EXPECT_EQ(d.edges[6], 7.000000000000001);
  EXPECT_EQ(d.bin, (std::vector<int>{0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

}  // namespace
}  // namespace grapes::series
