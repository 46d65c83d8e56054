// analyse_series on small hand-made steps: every /series/steps column, the values,
// conditions, quartiles and radial_delta tables and the summary, each checked against a
// direct computation written here (never against the module's own helpers).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "grapes/core/error.hpp"
#include "grapes/series/radial.hpp"
#include "grapes/series/series.hpp"
#include "test_series_support.hpp"

namespace grapes::series {
namespace {

using testing::L;
using testing::P;
using testing::step;

double direct_mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s / v.size();
}

double direct_sd(const std::vector<double>& v) {  // ddof = 1
  const double m = direct_mean(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / (v.size() - 1));
}

// I per step and core voxels; label 6 has no core in s1 and must be dropped (no_core).
const std::vector<double> kI0 = {170, 172, 175, 178, 180}, kI1 = {168, 171, 172, 179, 176},
                          kI2 = {171, 170, 174, 176, 181};
const std::vector<std::int64_t> kN0 = {100, 400, 900, 1600, 2500}, kN1 = {64, 400, 900, 1600, 2500};

std::vector<P> particles_of(const std::vector<double>& I, const std::vector<std::int64_t>& n,
                            std::int64_t label6_voxels) {
  std::vector<P> ps;
  for (std::size_t i = 0; i < I.size(); ++i) ps.push_back({i + 1, 1000, I[i], n[i]});
  ps.push_back({6, 1000, label6_voxels ? 150.0 : NAN, label6_voxels});
  return ps;
}

std::vector<StepData> three_steps() {
  return {step("prist", particles_of(kI0, kN0, 10), 2.0),
          step("s1", particles_of(kI1, kN1, 0), 4.0),
          step("s2", particles_of(kI2, kN0, 10), std::nullopt)};
}

SeriesSettings three_step_settings() {
  SeriesSettings s = testing::no_cleaning();
  s.conditions = {{"charge_darkens", "prist", "s1", ">"}, {"recovers", "s1", "s2", "<"}};
  return s;
}

double column_at(const Table& t, const std::string& name, std::size_t row) {
  return t.get<double>(name).at(row);
}

TEST(SeriesAnalysis, StepLevelsAndErrors) {
  const SeriesResult r = analyse_series(three_steps(), three_step_settings());
  const Table& t = r.tables.at("steps");
  ASSERT_EQ(t.rows(), 3u);
  EXPECT_EQ(t.get<std::string>("name"), (std::vector<std::string>{"prist", "s1", "s2"}));
  EXPECT_EQ(t.get<std::int64_t>("step"), (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(t.get<std::int64_t>("n"), (std::vector<std::int64_t>{5, 5, 5}));
  // Reference: mean 875 / 5 = 175, deviations -5 -3 0 3 5 -> sd sqrt(68 / 4).
  EXPECT_DOUBLE_EQ(column_at(t, "mean", 0), 175.0);
  EXPECT_DOUBLE_EQ(column_at(t, "sd", 0), std::sqrt(17.0));
  EXPECT_DOUBLE_EQ(column_at(t, "ses", 0), std::sqrt(17.0 / 5));
  // SEM = sqrt(mean_p (2 / sqrt n_p)^2).
  const double sem0 = std::sqrt((4.0 / 100 + 4.0 / 400 + 4.0 / 900 + 4.0 / 1600 + 4.0 / 2500) / 5);
  EXPECT_NEAR(column_at(t, "sem", 0), sem0, 1e-15);
  EXPECT_NEAR(column_at(t, "se_tot", 0), std::sqrt(17.0 / 5 + sem0 * sem0), 1e-13);
  // s1: sigma_bg 4, its own voxel counts.
  EXPECT_DOUBLE_EQ(column_at(t, "mean", 1), 866.0 / 5);
  EXPECT_NEAR(column_at(t, "sd", 1), direct_sd(kI1), 1e-13);
  double sum = 0;
  for (std::int64_t n : kN1) sum += 16.0 / n;
  EXPECT_NEAR(column_at(t, "sem", 1), std::sqrt(sum / 5), 1e-15);
  // s2 has no noise: SEM NaN and SE_tot = SES.
  EXPECT_TRUE(std::isnan(column_at(t, "sem", 2)));
  EXPECT_DOUBLE_EQ(column_at(t, "se_tot", 2), direct_sd(kI2) / std::sqrt(5.0));
}

TEST(SeriesAnalysis, DeltasAndZTests) {
  const SeriesResult r = analyse_series(three_steps(), three_step_settings());
  const Table& t = r.tables.at("steps");
  // s1 - prist = -2 -1 -3 1 -4: mean -1.8.
  const std::vector<double> d1 = {-2, -1, -3, 1, -4};
  EXPECT_DOUBLE_EQ(column_at(t, "delta_mean", 1), -1.8);
  EXPECT_NEAR(column_at(t, "delta_ses", 1), direct_sd(d1) / std::sqrt(5.0), 1e-14);
  double sum = 0;  // SEM_dP^2 = (2^2 / n0 + 4^2 / n1)
  for (std::size_t i = 0; i < 5; ++i) sum += 4.0 / kN0[i] + 16.0 / kN1[i];
  const double delta_sem = std::sqrt(sum / 5);
  EXPECT_NEAR(column_at(t, "delta_sem", 1), delta_sem, 1e-15);
  EXPECT_NEAR(column_at(t, "delta_se_tot", 1),
              std::sqrt(std::pow(direct_sd(d1), 2) / 5 + delta_sem * delta_sem), 1e-14);
  // Unpaired Z of s1 against prist, and its p-values (one-tailed: the lower tail, z < 0).
  const double z = (866.0 / 5 - 175.0) /
                   std::sqrt(std::pow(direct_sd(kI1), 2) / 5 + std::pow(direct_sd(kI0), 2) / 5);
  EXPECT_NEAR(column_at(t, "z", 1), z, 1e-13);
  EXPECT_NEAR(column_at(t, "p_two", 1), std::erfc(std::fabs(z) / std::sqrt(2.0)), 1e-14);
  EXPECT_NEAR(column_at(t, "p_one", 1), 0.5 * std::erfc(-z / std::sqrt(2.0)), 1e-14);
  EXPECT_NEAR(column_at(t, "p_one", 1), column_at(t, "p_two", 1) / 2, 1e-16);
  // Paired Z on the deltas.
  const double zp = -1.8 / (direct_sd(d1) / std::sqrt(5.0));
  EXPECT_NEAR(column_at(t, "z_paired", 1), zp, 1e-13);
  EXPECT_NEAR(column_at(t, "p_paired", 1), std::erfc(std::fabs(zp) / std::sqrt(2.0)), 1e-14);
  // s2 lacks noise, so SEM_dP is unknown: delta SE_tot = delta SES.
  const std::vector<double> d2 = {1, -2, -1, -2, 1};
  EXPECT_TRUE(std::isnan(column_at(t, "delta_sem", 2)));
  EXPECT_NEAR(column_at(t, "delta_se_tot", 2), direct_sd(d2) / std::sqrt(5.0), 1e-14);
}

TEST(SeriesAnalysis, ReferenceRowDeltasZeroTestsNaN) {
  const SeriesResult r = analyse_series(three_steps(), three_step_settings());
  const Table& t = r.tables.at("steps");
  for (const char* c : {"delta_mean", "delta_ses", "delta_sem", "delta_se_tot"})
    EXPECT_EQ(column_at(t, c, 0), 0.0) << c;
  for (const char* c : {"z", "p_one", "p_two", "z_paired", "p_paired"})
    EXPECT_TRUE(std::isnan(column_at(t, c, 0))) << c;
}

TEST(SeriesAnalysis, ValuesAndConditions) {
  const SeriesResult r = analyse_series(three_steps(), three_step_settings());
  const Table& v = r.tables.at("values");
  EXPECT_EQ(v.get<std::uint64_t>("label"), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(v.get<double>("I_prist"), kI0);
  EXPECT_EQ(v.get<double>("I_s1"), kI1);
  EXPECT_EQ(v.get<std::int64_t>("n_s1"), kN1);
  ASSERT_EQ(v.columns.size(), 7u);
  ASSERT_EQ(r.removed_per_rule[3], (std::pair<std::string, std::int64_t>{"no_core", 1}));
  // prist > s1 for 4 of 5; s1 < s2 for 3 of 5.
  const Table& c = r.tables.at("conditions");
  EXPECT_EQ(c.get<std::string>("name"), (std::vector<std::string>{"charge_darkens", "recovers"}));
  EXPECT_EQ(c.get<std::string>("step_a"), (std::vector<std::string>{"prist", "s1"}));
  EXPECT_EQ(c.get<std::string>("step_b"), (std::vector<std::string>{"s1", "s2"}));
  EXPECT_EQ(c.get<std::string>("op"), (std::vector<std::string>{">", "<"}));
  EXPECT_DOUBLE_EQ(column_at(c, "fraction", 0), 0.8);
  EXPECT_DOUBLE_EQ(column_at(c, "se", 0), std::sqrt(0.8 * 0.2 / 5));
  EXPECT_DOUBLE_EQ(column_at(c, "fraction", 1), 0.6);
  EXPECT_DOUBLE_EQ(column_at(c, "se", 1), std::sqrt(0.6 * 0.4 / 5));
}

TEST(SeriesAnalysis, RemovedTableFromRules) {
  const SeriesResult r = analyse_series(testing::rule_steps(), SeriesSettings{});
  const std::vector<std::pair<std::string, std::int64_t>> counts = {{"inconsistent", 3},
                                                                    {"next_to_inconsistent", 2},
                                                                    {"border", 1},
                                                                    {"no_core", 1},
                                                                    {"small", 2}};
  EXPECT_EQ(r.removed_per_rule, counts);
  const Table& removed = r.tables.at("removed");
  EXPECT_EQ(removed.get<std::uint64_t>("label"),
            (std::vector<std::uint64_t>{9, 10, 11, 3, 5, 4, 6, 1, 2}));
  EXPECT_EQ(removed.get<std::string>("rule")[3], "next_to_inconsistent");
  EXPECT_EQ(removed.get<std::int64_t>("step"),
            (std::vector<std::int64_t>{1, 1, 0, 2, 0, 1, 2, 0, 0}));
  EXPECT_EQ(r.tables.at("values").get<std::uint64_t>("label"),
            (std::vector<std::uint64_t>{7, 8, 12, 13}));
}

// Eight particles, label i at x = (3 i) mod 8 (so label order is not x order), with
// delta_i = -i in s1; sigma_bg 1 and 2, core voxels 100 and 400.
std::vector<StepData> quartile_steps() {
  std::vector<P> p0, p1;
  for (std::uint64_t i = 1; i <= 8; ++i) {
    const double x = static_cast<double>((3 * i) % 8);
    p0.push_back({i, 1000, 150.0, 100, 0, x});
    p1.push_back({i, 1000, 150.0 - static_cast<double>(i), 400, 0, x + 0.5});  // ref x counts
  }
  return {step("prist", p0, 1.0), step("s1", p1, 2.0)};
}

TEST(SeriesAnalysis, SpatialQuartiles) {
  // x = 3 6 1 4 7 2 5 0 for labels 1..8; edges of 0..7 are 0, 1.75, 3.5, 5.25, 7, so the
  // lowest quartile is x 0, 1 = labels 8, 3; then 2, 3 = labels 6, 1; 4, 5 = 4, 7; 6, 7 = 2, 5.
  const std::vector<std::vector<double>> low_to_high = {{-8, -3}, {-6, -1}, {-4, -7}, {-2, -5}};
  SeriesSettings s = testing::no_cleaning();
  s.quartile_axis = 2;
  for (bool collector_high : {true, false}) {
    s.collector_high = collector_high;
    const Table q = analyse_series(quartile_steps(), s).tables.at("quartiles");
    ASSERT_EQ(q.rows(), 8u);  // quartile-major, then step
    for (std::size_t k = 0; k < 4; ++k) {
      // Q1 is farthest from the collector: the lowest x when the collector is high.
      const auto& d = low_to_high[collector_high ? k : 3 - k];
      const std::size_t row = 2 * k + 1;
      EXPECT_EQ(q.get<std::int64_t>("quartile")[row], static_cast<std::int64_t>(k + 1));
      EXPECT_EQ(q.get<std::int64_t>("step")[row], 1);
      EXPECT_EQ(q.get<std::int64_t>("n")[row], 2);
      EXPECT_DOUBLE_EQ(column_at(q, "delta_mean", row), (d[0] + d[1]) / 2);
      const double ses = direct_sd(d) / std::sqrt(2.0);
      const double sem = std::sqrt(1.0 / 100 + 4.0 / 400);  // same for every particle
      EXPECT_NEAR(column_at(q, "delta_se_tot", row), std::sqrt(ses * ses + sem * sem), 1e-14);
      EXPECT_EQ(column_at(q, "delta_mean", row - 1), 0.0);  // the reference row
    }
  }
}

TEST(SeriesAnalysis, QuartilesNotFormedWithTiedPositions) {
  std::vector<StepData> steps = quartile_steps();
  // Reference x: 0 0 0 0 0 0 1 1 -> edges 0, 0, 0, 0.25, 1: only 2 distinct bins.
  auto& x = const_cast<std::vector<double>&>(steps[0].particles.get<double>("centroid-2"));
  x = {0, 0, 0, 0, 0, 0, 1, 1};
  SeriesSettings s = testing::no_cleaning();
  s.quartile_axis = 2;
  const SeriesResult r = analyse_series(steps, s);
  EXPECT_EQ(r.tables.at("quartiles").rows(), 0u);
  // quartile, step, n, delta_mean, delta_se_tot, z_paired, df_paired, p_paired_t_two
  EXPECT_EQ(r.tables.at("quartiles").columns.size(), 8u);
  EXPECT_NE(r.summary.find("quartiles: not formed"), std::string::npos) << r.summary;
}

TEST(SeriesRadial, RelativeDepthBins) {
  EXPECT_EQ(relative_depth_bin(1, 1), 0);
  EXPECT_EQ(relative_depth_bin(1, 11), 0);
  EXPECT_EQ(relative_depth_bin(2, 11), 1);   // 0.1 -> [0.1, 0.2)
  EXPECT_EQ(relative_depth_bin(10, 11), 9);  // 0.9
  EXPECT_EQ(relative_depth_bin(11, 11), 9);  // 1.0 joins the last bin
  EXPECT_EQ(relative_depth_bin(2, 12), 0);   // 1/11
  EXPECT_EQ(relative_depth_bin(3, 12), 1);   // 2/11
  EXPECT_EQ(relative_depth_bin(2, 3), 5);    // 0.5
  EXPECT_EQ(relative_depth_bin(4, 31), 1);   // 3/30 = 0.1 exactly, no rounding below
}

// Four particles' layers (label, layer, count, grey) in the reference and in s1:
//  1: K0 = 3; s1 has no voxels in layer 3 -> deltas k1 -2, k2 -5.
//  2: K0 = 2; s1 grew a layer 3 (not in the reference) -> k1 +1, k2 +2.
//  3: K0 = 1 -> k1 +4, relative bin 0.
//  4: K0 = 12; only layers 1 and 2 have voxels in s1 -> k1 -1, k2 -3, both in bin 0.
std::vector<StepData> radial_steps() {
  std::vector<L> l0 = {{1, 1, 10, 100}, {1, 2, 5, 110}, {1, 3, 1, 120},
                       {2, 1, 8, 90},   {2, 2, 2, 95},  {3, 1, 5, 80}};
  std::vector<L> l1 = {{1, 1, 10, 98}, {1, 2, 5, 105}, {1, 3, 0, 0}, {2, 1, 8, 91},
                       {2, 2, 2, 97},  {2, 3, 1, 99},  {3, 1, 5, 84}};
  for (std::int64_t k = 1; k <= 12; ++k) {
    l0.push_back({4, k, 3, 60.0 + k});
    l1.push_back({4, k, k <= 2 ? 3 : 0, k == 1 ? 60.0 : k == 2 ? 59.0 : 0.0});
  }
  const std::vector<P> ps = {{1}, {2}, {3}, {4}};
  return {step("prist", ps, 1.0, l0), step("s1", ps, 1.0, l1)};
}

struct Row {
  const char* kind;
  std::int64_t depth;
  std::vector<double> deltas;  // one per particle
};

TEST(SeriesRadial, LayerAndRelativeDepthChange) {
  const Table t = radial_delta(radial_steps(), {1, 2, 3, 4}, 0);
  // Bin 0 of particle 4 is the mean of its layers 1 and 2: -2.
  const std::vector<Row> expected = {{"layer", 1, {-2, 1, 4, -1}},
                                     {"layer", 2, {-5, 2, -3}},
                                     {"relative", 0, {-2, 1, 4, -2}},
                                     {"relative", 5, {-5}},
                                     {"relative", 9, {2}}};
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < t.rows(); ++i)
    if (t.get<std::int64_t>("step")[i] == 1) rows.push_back(i);
  ASSERT_EQ(rows.size(), expected.size());
  for (std::size_t j = 0; j < expected.size(); ++j) {
    const std::size_t i = rows[j];
    const Row& e = expected[j];
    EXPECT_EQ(t.get<std::string>("depth_kind")[i], e.kind) << j;
    EXPECT_EQ(t.get<std::int64_t>("depth")[i], e.depth) << j;
    EXPECT_EQ(t.get<std::int64_t>("n")[i], static_cast<std::int64_t>(e.deltas.size())) << j;
    EXPECT_NEAR(column_at(t, "delta_mean", i), direct_mean(e.deltas), 1e-14) << j;
    if (e.deltas.size() < 2)
      EXPECT_TRUE(std::isnan(column_at(t, "delta_se", i))) << j;
    else
      EXPECT_NEAR(column_at(t, "delta_se", i),
                  direct_sd(e.deltas) / std::sqrt(static_cast<double>(e.deltas.size())), 1e-14)
          << j;
  }
  // Hand values of layer 1: deltas -2 1 4 -1, mean 0.5, sd sqrt(21 / 3).
  EXPECT_DOUBLE_EQ(column_at(t, "delta_mean", rows[0]), 0.5);
  EXPECT_NEAR(column_at(t, "delta_se", rows[0]), std::sqrt(7.0) / 2, 1e-15);
  // The reference step against itself: zero change with the same counts.
  EXPECT_EQ(t.get<std::int64_t>("step")[0], 0);
  EXPECT_EQ(t.get<std::int64_t>("n")[0], 4);
  EXPECT_EQ(column_at(t, "delta_mean", 0), 0.0);
}

TEST(SeriesRadial, AnalyseSeriesUsesKeptParticles) {
  std::vector<StepData> steps = radial_steps();
  steps[1].particles = testing::particles({{1}, {2}, {3}, {4, 1000, 100.0, 0}});  // 4: no core
  const SeriesResult r = analyse_series(steps, testing::no_cleaning());
  const Table& t = r.tables.at("radial_delta");
  bool seen = false;
  for (std::size_t i = 0; i < t.rows(); ++i)
    if (t.get<std::int64_t>("step")[i] == 1 && t.get<std::int64_t>("depth")[i] == 1 &&
        t.get<std::string>("depth_kind")[i] == "layer") {
      EXPECT_EQ(t.get<std::int64_t>("n")[i], 3);
      EXPECT_DOUBLE_EQ(column_at(t, "delta_mean", i), 1.0);  // -2 1 4
      seen = true;
    }
  EXPECT_TRUE(seen);
}

TEST(SeriesSummary, CountsStepsAndMissingNoise) {
  SeriesSettings s = three_step_settings();
  s.error_multiple = 2;
  const SeriesResult r = analyse_series(three_steps(), s);
  const std::string& text = r.summary;
  auto has = [&](const std::string& needle) {
    EXPECT_NE(text.find(needle), std::string::npos) << "no '" << needle << "' in\n" << text;
  };
  has("reference 'prist' (step 0)");
  has("no_core                       1");
  has("small                         0  (off)");
  has("kept                          5 of 6 labels");
  has("+/- 2 SE_tot");
  // s1: mean 173.2 +/- 2 SE_tot; delta -1.8 +/- 2 delta SE_tot.
  const Table& t = r.tables.at("steps");
  char level[64], change[64];
  std::snprintf(level, sizeof level, "173.200 +/- %.3f", 2 * column_at(t, "se_tot", 1));
  std::snprintf(change, sizeof change, "-1.800 +/- %.3f", 2 * column_at(t, "delta_se_tot", 1));
  has(level);
  has(change);
  has("Step 's2': SEM not available (no noise given): SE_tot = SES");
  EXPECT_EQ(text.find("Step 'prist': SEM not available"), std::string::npos);
  EXPECT_EQ(text.find("Step 's1': SEM not available"), std::string::npos);
}

std::string error_of(const std::vector<StepData>& steps, const SeriesSettings& s) {
  try {
    analyse_series(steps, s);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError";
  return "";
}

TEST(SeriesAnalysis, InputErrorsNameTheProblem) {
  SeriesSettings s = three_step_settings();
  s.conditions.push_back({"bad", "prist", "4.4V", ">"});
  EXPECT_EQ(error_of(three_steps(), s), "series.conditions 'bad': no step named '4.4V'");
  s = three_step_settings();
  s.conditions[0].op = ">=";
  EXPECT_NE(error_of(three_steps(), s).find("op must be"), std::string::npos);
  s = three_step_settings();
  s.quartile_axis = 3;
  EXPECT_NE(error_of(three_steps(), s).find("series.quartiles.axis"), std::string::npos);
  s = three_step_settings();
  s.reference = 3;
  EXPECT_NE(error_of(three_steps(), s).find("series.reference"), std::string::npos);
  std::vector<StepData> steps = three_steps();
  steps[2].name = "s1";
  EXPECT_EQ(error_of(steps, three_step_settings()), "series.steps: two steps are named 's1'");
  steps = three_steps();
  steps[1].sigma_bg = -1.0;
  EXPECT_NE(error_of(steps, three_step_settings()).find("'s1' noise"), std::string::npos);
  EXPECT_EQ(error_of({}, three_step_settings()), "series.steps: no steps given");
  steps = three_steps();
  steps[2].layers = Table{};
  EXPECT_EQ(error_of(steps, three_step_settings()), "step 's2' layers has no column 'label'");
}

}  // namespace
}  // namespace grapes::series
