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
  EXPECT_NEAR(p_one_tailed(z, Alternative::less), 3.52e-8, 0.01e-8);
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
  EXPECT_NEAR(p_one_tailed(-1.6448536269514722, Alternative::less), 0.05, 1e-15);
  EXPECT_NEAR(p_one_tailed(2.3263478740408408, Alternative::greater), 0.01, 1e-15);
  // The alternative is fixed: the observed sign does not choose the tail.
  EXPECT_NEAR(p_one_tailed(2.3263478740408408, Alternative::less), 0.99, 1e-15);
  EXPECT_NEAR(p_one_tailed(-1.6448536269514722, Alternative::greater), 0.95, 1e-15);
  EXPECT_DOUBLE_EQ(p_two_tailed(0.0), 1.0);
  EXPECT_DOUBLE_EQ(p_one_tailed(0.0, Alternative::less), 0.5);
  EXPECT_DOUBLE_EQ(p_two_tailed(INFINITY), 0.0);
  EXPECT_TRUE(std::isnan(p_two_tailed(NAN)));
}

// scipy.stats.t (tests/fixtures/series_small_n_reference.py): t, df, t.sf, t.cdf, 2 t.sf(|t|).
TEST(SeriesStats, StudentTTailsEqualScipy) {
  struct Case {
    double t, df, sf, cdf, two;
  };
  const Case cases[] = {
      {-19.9, 1, 0.9840179718316634, 0.015982028168336538, 0.031964056336673076},
      {2.0, 3, 0.06966298427942155, 0.9303370157205785, 0.1393259685588431},
      {-1.5, 157, 0.9321886685821468, 0.06781133141785328, 0.13562266283570656},
      {0.5, 2.5, 0.3288489599348574, 0.6711510400651426, 0.6576979198697148},
      {0.001, 1000000.0, 0.49960105788582454, 0.5003989421141755, 0.9992021157716491}};
  for (const Case& c : cases) {
    EXPECT_NEAR(p_t_one_tailed(c.t, c.df, Alternative::greater), c.sf, 1e-9 * c.sf) << c.t;
    EXPECT_NEAR(p_t_one_tailed(c.t, c.df, Alternative::less), c.cdf, 1e-9 * c.cdf) << c.t;
    EXPECT_NEAR(p_t_two_tailed(c.t, c.df), c.two, 1e-9 * c.two) << c.t;
  }
  // The n = 2 case: Z_paired = -19.9 is p = 6.6e-88 under the normal, 0.032 under t.
  EXPECT_LT(p_two_tailed(-19.9), 1e-87);
  EXPECT_TRUE(std::isnan(p_t_two_tailed(NAN, 3)));
  EXPECT_TRUE(std::isnan(p_t_two_tailed(1.0, NAN)));
  EXPECT_TRUE(std::isnan(p_t_two_tailed(1.0, 0)));
  EXPECT_EQ(p_t_two_tailed(-INFINITY, 4), 0.0);
  EXPECT_EQ(p_t_one_tailed(-INFINITY, 4, Alternative::less), 0.0);
  EXPECT_EQ(p_t_one_tailed(-INFINITY, 4, Alternative::greater), 1.0);
}

TEST(SeriesStats, WelchDegreesOfFreedom) {
  // sd 2 and 1, n 5 and 10: a = 0.8, b = 0.1 -> 0.81 / (0.64 / 4 + 0.01 / 9).
  EXPECT_NEAR(welch_df(2, 5, 1, 10), 0.81 / (0.16 + 0.01 / 9), 1e-12);
  EXPECT_NEAR(welch_df(3, 50, 3, 50), 98.0, 1e-12);  // equal sd and n: 2 (n - 1)
  EXPECT_TRUE(std::isnan(welch_df(2, 1, 1, 10)));
  EXPECT_TRUE(std::isnan(welch_df(0, 5, 0, 5)));
}

// The closed form of the 95 % Wilson interval, written out in
// tests/fixtures/series_small_n_reference.py.
TEST(SeriesStats, WilsonIntervalClosedForm) {
  struct Case {
    double k, n, low, high;
  };
  const Case cases[] = {{0, 5, 0.0, 0.43448246478317476},
                        {5, 5, 0.5655175352168251, 1.0},
                        {3, 10, 0.10779126740630099, 0.6032218525388546},
                        {80, 158, 0.4291525517284712, 0.5832052212091531}};
  for (const Case& c : cases) {
    const Interval ci = wilson_interval(c.k, c.n);
    EXPECT_NEAR(ci.low, c.low, 1e-12) << c.k << " of " << c.n;
    EXPECT_NEAR(ci.high, c.high, 1e-12) << c.k << " of " << c.n;
  }
  EXPECT_TRUE(std::isnan(wilson_interval(0, 0).low));
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
  EXPECT_DOUBLE_EQ(sem_of_mean_over_n({3, 4}), 5.0 / 2);
  EXPECT_TRUE(std::isnan(sem_of_mean_over_n({})));
  EXPECT_TRUE(std::isnan(sem_of_mean_over_n({3, NAN})));
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
