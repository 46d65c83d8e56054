// The standard statistics of docs/SERIES.md item 8b on hand-made steps of n = 0, 1, 2, 3 and
// 158 kept particles: every new /series/steps column, the quartiles' paired t-test and the
// conditions' Wilson interval against scipy.stats (tests/fixtures/series_small_n_reference.py,
// scipy 1.10.1), and NaN with a warning wherever a value is undefined.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "grapes/series/series.hpp"
#include "test_series_support.hpp"

namespace grapes::series {
namespace {

using testing::P;

// Particle i of n: as particles() of tests/fixtures/series_small_n_reference.py. With
// `no_core`, every particle lacks core voxels in s1 (all are cleaned away: n = 0).
std::vector<StepData> small_n_steps(int n, bool no_core = false) {
  std::vector<P> p0, p1;
  for (int i = 0; i < n; ++i) {
    const double i0 = 150 + (i * 37 % 23) * 0.5;
    const double i1 = i0 - 2 + (i * 13 % 7) * 0.5 - (i % 3);
    const std::int64_t voxels = 50 + (i * 17 % 40) * 10;
    const auto label = static_cast<std::uint64_t>(i + 1);
    const double x = i;  // distinct centroids: quartiles form from n = 4
    p0.push_back({label, 1000, i0, voxels, 0, x});
    p1.push_back({label, 1000, no_core ? NAN : i1, no_core ? 0 : voxels, 0, x});
  }
  return {testing::step("prist", p0, 2.0), testing::step("s1", p1, 3.0)};
}

SeriesSettings small_n_settings() {
  SeriesSettings s = testing::no_cleaning();
  s.conditions = {{"darkens", "prist", "s1", ">"}};
  return s;
}

double at(const SeriesResult& r, const std::string& table, const std::string& column,
          std::size_t row) {
  return r.tables.at(table).get<double>(column).at(row);
}

void expect_relative(double got, double expected, const std::string& what) {
  EXPECT_NEAR(got, expected, 1e-9 * std::fabs(expected)) << what;
}

using Expected = std::map<std::string, double>;

// Pasted from tests/fixtures/series_small_n_reference.py.
const std::map<int, Expected> kScipy = {
    {2,
     {{"sem_of_mean", 0.23500483554019208},
      {"delta_sem_of_mean", 0.2824406615073815},
      {"z", -0.17541160386140586},
      {"df_welch", 1.885739790225396},
      {"p_welch_one", 0.43888414162809264},
      {"p_welch_two", 0.8777682832561853},
      {"z_paired", -1.0},
      {"p_paired_t_one", 0.24999999999999978},
      {"p_paired_t_two", 0.49999999999999956},
      {"ci_low", 0.09453120573423074},
      {"ci_high", 0.9054687942657693}}},
    {3,
     {{"sem_of_mean", 0.16464980142580526},
      {"delta_sem_of_mean", 0.1978844338452349},
      {"z", -0.3486948369706997},
      {"df_welch", 3.7636058165807316},
      {"p_welch_one", 0.3729717566560301},
      {"p_welch_two", 0.7459435133120602},
      {"z_paired", -1.9414506867883021},
      {"p_paired_t_one", 0.09585481156726193},
      {"p_paired_t_two", 0.19170962313452386},
      {"ci_low", 0.20765960080204765},
      {"ci_high", 0.9385080552796037}}},
    {158,
     {{"sem_of_mean", 0.018043916606299802},
      {"delta_sem_of_mean", 0.021686088844736707},
      {"z", -3.8146048066846907},
      {"df_welch", 312.4535954032105},
      {"p_welch_one", 8.219007035207719e-05},
      {"p_welch_two", 0.00016438014070415438},
      {"z_paired", -14.53306279040678},
      {"p_paired_t_one", 3.635628545153613e-31},
      {"p_paired_t_two", 7.271257090307226e-31},
      {"ci_low", 0.7349803557625183},
      {"ci_high", 0.8581927452434448}}},
};

TEST(SeriesSmallN, StandardColumnsEqualScipy) {
  for (const auto& [n, expected] : kScipy) {
    const SeriesResult r = analyse_series(small_n_steps(n), small_n_settings());
    const std::string where = "n = " + std::to_string(n) + " ";
    for (const auto& [column, value] : expected) {
      const bool condition = column == "ci_low" || column == "ci_high";
      expect_relative(at(r, condition ? "conditions" : "steps", column, condition ? 0 : 1), value,
                      where + column);
    }
    EXPECT_EQ(at(r, "steps", "df_paired", 1), n - 1.0) << where;
  }
}

TEST(SeriesSmallN, OneTailedPIsTheFixedAlternative) {
  SeriesSettings s = small_n_settings();
  s.alternative = Alternative::greater;  // s1 is darker: the "greater" p is the large one
  const SeriesResult r = analyse_series(small_n_steps(158), s);
  const Expected& e = kScipy.at(158);
  expect_relative(at(r, "steps", "p_paired_t_one", 1), 1 - e.at("p_paired_t_one"), "paired");
  expect_relative(at(r, "steps", "p_welch_one", 1), 1 - e.at("p_welch_one"), "welch");
  EXPECT_GT(at(r, "steps", "p_one", 1), 0.99);
  const SeriesResult less = analyse_series(small_n_steps(158), small_n_settings());
  EXPECT_LT(at(less, "steps", "p_one", 1), 1e-3);
}

TEST(SeriesSmallN, QuartilePairedTTest) {
  SeriesSettings s = small_n_settings();
  s.quartile_axis = 2;
  const SeriesResult r = analyse_series(small_n_steps(158), s);
  const Table& q = r.tables.at("quartiles");
  ASSERT_EQ(q.rows(), 8u);  // 4 quartiles x 2 steps
  for (std::size_t row = 0; row < q.rows(); ++row) {
    const bool reference = q.get<std::int64_t>("step")[row] == 0;
    const double df = q.get<double>("df_paired")[row];
    EXPECT_EQ(std::isnan(df), reference) << row;
    if (!reference) {
      EXPECT_EQ(df, q.get<std::int64_t>("n")[row] - 1.0);
      EXPECT_LT(q.get<double>("z_paired")[row], 0);
      EXPECT_LT(q.get<double>("p_paired_t_two")[row], 1e-3);
    }
  }
}

TEST(SeriesSmallN, OneParticleIsNaNNotZero) {
  const SeriesResult r = analyse_series(small_n_steps(1), small_n_settings());
  for (const char* column : {"sd", "ses", "se_tot"})
    EXPECT_TRUE(std::isnan(at(r, "steps", column, 1)));
  for (const char* column : {"delta_ses", "delta_se_tot", "z", "z_paired", "df_welch", "df_paired",
                             "p_welch_two", "p_paired_t_two", "p_two"})
    EXPECT_TRUE(std::isnan(at(r, "steps", column, 1))) << column;
  EXPECT_FALSE(std::isnan(at(r, "steps", "delta_mean", 1)));
  EXPECT_EQ(at(r, "steps", "delta_mean", 0), 0.0);  // the reference row: n >= 1
  EXPECT_NE(r.summary.find("Warning: step 's1' (all kept particles, n = 1): undefined (NaN)"),
            std::string::npos)
      << r.summary;
  EXPECT_NE(r.summary.find("n < 5"), std::string::npos);
  EXPECT_NE(r.summary.find("(n < 10: too few particles"), std::string::npos);
}

TEST(SeriesSmallN, AllCleanedAwayIsNaNAndWarned) {
  const SeriesResult r = analyse_series(small_n_steps(5, true), small_n_settings());
  EXPECT_EQ(r.tables.at("values").rows(), 0u);
  for (std::size_t row = 0; row < 2; ++row)
    for (const char* column : {"mean", "delta_mean", "delta_ses", "delta_se_tot", "sem_of_mean"})
      EXPECT_TRUE(std::isnan(at(r, "steps", column, row))) << column << " row " << row;
  EXPECT_TRUE(std::isnan(at(r, "conditions", "fraction", 0)));
  EXPECT_TRUE(std::isnan(at(r, "conditions", "ci_low", 0)));
  EXPECT_FALSE(r.warnings.empty());
  EXPECT_NE(r.summary.find("Warning: step 'prist' (all kept particles, n = 0)"), std::string::npos)
      << r.summary;
}

TEST(SeriesSmallN, SummaryShowsBothErrorModels) {
  SeriesSettings s = small_n_settings();
  const SeriesResult paper = analyse_series(small_n_steps(158), s);
  s.standard_error_bars = true;
  const SeriesResult standard = analyse_series(small_n_steps(158), s);
  for (const SeriesResult* r : {&paper, &standard}) {
    EXPECT_NE(r->summary.find("the paper's errors"), std::string::npos);
    EXPECT_NE(r->summary.find("standard errors"), std::string::npos);
    EXPECT_NE(r->summary.find("p(paired t)"), std::string::npos);
  }
  EXPECT_LT(paper.summary.find("the paper's errors"), paper.summary.find("standard errors"));
  EXPECT_LT(standard.summary.find("standard errors"), standard.summary.find("the paper's errors"));
  char bar[64];  // +/- 3 delta SES of s1
  std::snprintf(bar, sizeof bar, "+/- %.3f", 3 * at(standard, "steps", "delta_ses", 1));
  EXPECT_NE(standard.summary.find(bar), std::string::npos) << bar << "\n" << standard.summary;
  EXPECT_EQ(paper.warnings.size(), 0u) << paper.summary;
}

}  // namespace
}  // namespace grapes::series
