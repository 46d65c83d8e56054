// Ex-situ radial profiles (SPEC §6 item 11) as GRAPES's radial_layers_quartiles/deciles form
// them: per layer, mean / std (ddof 0) / SE / n over the particles that have the layer,
// grouped by pandas.qcut of the volume; flat profiles left out and counted; and the per-layer
// Welch t-test between datasets.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "grapes/core/error.hpp"
#include "grapes/series/exsitu.hpp"
#include "test_series_support.hpp"

namespace grapes::series {
namespace {

using testing::L;
using testing::P;

// Labels 1..8 with volumes 10..80; label 9 (volume 1000) touches the border. graylevel_normed:
// layer 1 = 0; layer 2 = i / 10, except label 1 whose layer 2 is empty (count 0) with the
// value -0.5 that GRAPES gives an empty layer (it still counts, as in GRAPES); layer 3 = i / 8
// for even labels only.
StepData dataset_a() {
  std::vector<P> ps;
  std::vector<L> ls;
  for (std::uint64_t i = 1; i <= 8; ++i) {
    ps.push_back({i, static_cast<std::int64_t>(10 * i)});
    ls.push_back({i, 1, 10, 0, 0.0});
    ls.push_back({i, 2, i == 1 ? 0 : 5, 0, i == 1 ? -0.5 : i / 10.0});
    if (i % 2 == 0) ls.push_back({i, 3, 1, 0, i / 8.0});
  }
  ps.push_back({9, 1000, 100, 100, 1});
  for (std::int64_t k = 1; k <= 4; ++k) ls.push_back({9, k, 1, 0, 5.0});
  return testing::step("A", ps, std::nullopt, ls);
}

// The same particles, layer 2 raised by 0.1 and layer 3 = 0.5 0.5 0.5 0.75, plus label 10
// (volume 45) without any layer rows.
StepData dataset_b() {
  StepData b = dataset_a();
  b.name = "B";
  auto& normed = const_cast<std::vector<double>&>(b.layers.get<double>("graylevel_normed"));
  const auto& layer = b.layers.get<std::int64_t>("layer");
  const auto& label = b.layers.get<std::uint64_t>("label");
  for (std::size_t r = 0; r < normed.size(); ++r) {
    if (label[r] == 9) continue;
    if (layer[r] == 2) normed[r] += 0.1;
    if (layer[r] == 3) normed[r] = label[r] == 8 ? 0.75 : 0.5;
  }
  auto& plabel = const_cast<std::vector<std::uint64_t>&>(b.particles.get<std::uint64_t>("label"));
  auto& volume = const_cast<std::vector<std::int64_t>&>(b.particles.get<std::int64_t>("volume"));
  auto& border =
      const_cast<std::vector<std::uint8_t>&>(b.particles.get<std::uint8_t>("touches_border"));
  plabel.push_back(10);
  volume.push_back(45);
  border.push_back(0);
  for (auto& c : b.particles.columns)  // pad the other columns
    std::visit([](auto& v) { v.resize(v.size() < 10 ? 10 : v.size()); }, c.values);
  return b;
}

double population(const std::vector<double>& v, double* mean_out) {
  double m = 0;
  for (double x : v) m += x;
  m /= v.size();
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  *mean_out = m;
  return std::sqrt(ss / v.size());
}

// Rows of `group` in a radial table, expected per layer as the list of values.
void expect_group(const Table& t, const std::string& group,
                  const std::vector<std::vector<double>>& by_layer) {
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < t.rows(); ++i)
    if (t.get<std::string>("group")[i] == group) rows.push_back(i);
  ASSERT_EQ(rows.size(), by_layer.size()) << group;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const std::size_t i = rows[k];
    double m = 0;
    const double sd = population(by_layer[k], &m);
    EXPECT_EQ(t.get<std::int64_t>("layer")[i], static_cast<std::int64_t>(k + 1)) << group;
    EXPECT_EQ(t.get<std::int64_t>("n")[i], static_cast<std::int64_t>(by_layer[k].size()))
        << group << " layer " << k + 1;
    EXPECT_NEAR(t.get<double>("mean")[i], m, 1e-15) << group << " layer " << k + 1;
    EXPECT_NEAR(t.get<double>("std")[i], sd, 1e-15) << group << " layer " << k + 1;
    if (by_layer[k].size() < 2)  // one particle: no standard error
      EXPECT_TRUE(std::isnan(t.get<double>("se")[i])) << group << " layer " << k + 1;
    else
      EXPECT_NEAR(t.get<double>("se")[i], sd / std::sqrt(by_layer[k].size()), 1e-15) << group;
  }
}

TEST(SeriesExsitu, AllAndVolumeQuartiles) {
  const ExsituResult r = analyse_exsitu({dataset_a()}, ExsituSettings{});
  const Table& t = r.tables.at("radial/A");
  expect_group(t, "all",
               {{0, 0, 0, 0, 0, 0, 0, 0}, {-0.5, .2, .3, .4, .5, .6, .7, .8}, {.25, .5, .75, 1}});
  // Volumes 10..80: edges 10, 27.5, 45, 62.5, 80 (index 7q).
  expect_group(t, "volume_q1", {{0, 0}, {-0.5, .2}, {.25}});
  expect_group(t, "volume_q2", {{0, 0}, {.3, .4}, {.5}});
  expect_group(t, "volume_q3", {{0, 0}, {.5, .6}, {.75}});
  expect_group(t, "volume_q4", {{0, 0}, {.7, .8}, {1}});
  EXPECT_EQ(r.border_removed, (std::vector<std::pair<std::string, std::int64_t>>{{"A", 1}}));
}

TEST(SeriesExsitu, VolumeDecilesSkipEmptyBins) {
  // Decile edges of 10..80 (index 7q): 10 17 24 31 38 45 52 59 66 73 80, so 40 falls in the
  // 5th bin, 60 in the 8th, and bins 4 and 7 hold nobody (GRAPES lists no rows for them).
  const Table t = analyse_exsitu({dataset_a()}, ExsituSettings{}).tables.at("radial/A");
  std::vector<std::string> groups;
  for (const std::string& g : t.get<std::string>("group"))
    if (g.rfind("volume_d", 0) == 0 && (groups.empty() || groups.back() != g)) groups.push_back(g);
  EXPECT_EQ(groups,
            (std::vector<std::string>{"volume_d1", "volume_d2", "volume_d3", "volume_d5",
                                      "volume_d6", "volume_d8", "volume_d9", "volume_d10"}));
  expect_group(t, "volume_d5", {{0}, {.4}, {.5}});   // label 4
  expect_group(t, "volume_d8", {{0}, {.6}, {.75}});  // label 6
}

TEST(SeriesExsitu, VolumeQuantileRestrictsAll) {
  ExsituSettings s;
  s.volume_quantile = 0.75;  // volume > 62.5: labels 7 and 8
  const Table t = analyse_exsitu({dataset_a()}, s).tables.at("radial/A");
  expect_group(t, "all", {{0, 0}, {.7, .8}, {1}});
  expect_group(t, "volume_q1", {{0, 0}, {-0.5, .2}, {.25}});  // groups are not restricted
  s.volume_quantile.reset();
  s.clean_border = false;  // label 9 joins: 9 particles, 4 layers
  const ExsituResult r = analyse_exsitu({dataset_a()}, s);
  const Table& all = r.tables.at("radial/A");
  EXPECT_EQ(all.get<std::int64_t>("n")[0], 9);
  EXPECT_EQ(all.get<std::int64_t>("layer")[3], 4);
  EXPECT_EQ(r.border_removed[0].second, 0);
}

double direct_z(const std::vector<double>& a, const std::vector<double>& b) {
  auto mean_var = [](const std::vector<double>& v, double& m, double& var) {
    m = 0;
    for (double x : v) m += x;
    m /= v.size();
    var = 0;
    for (double x : v) var += (x - m) * (x - m);
    var /= v.size() - 1;
  };
  double ma, va, mb, vb;
  mean_var(a, ma, va);
  mean_var(b, mb, vb);
  return (mb - ma) / std::sqrt(va / a.size() + vb / b.size());
}

TEST(SeriesExsitu, PerLayerZBetweenDatasets) {
  const ExsituResult r = analyse_exsitu({dataset_a(), dataset_b()}, ExsituSettings{});
  // Label 10 of B has no layers: in no layer's n.
  EXPECT_EQ(r.tables.at("radial/B").get<std::int64_t>("n")[0], 8);
  const Table& z = r.tables.at("radial_z");
  ASSERT_EQ(z.rows(), 3u);
  EXPECT_EQ(z.get<std::string>("dataset_a"), (std::vector<std::string>{"A", "A", "A"}));
  EXPECT_EQ(z.get<std::string>("dataset_b"), (std::vector<std::string>{"B", "B", "B"}));
  EXPECT_EQ(z.get<std::int64_t>("layer"), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_TRUE(std::isnan(z.get<double>("z")[0]));  // all zeros in both: 0 / 0
  const std::vector<double> a2 = {-0.5, .2, .3, .4, .5, .6, .7, .8};
  std::vector<double> b2 = a2;
  for (double& x : b2) x += 0.1;
  EXPECT_NEAR(z.get<double>("z")[1], direct_z(a2, b2), 1e-12);
  const double z3 = direct_z({.25, .5, .75, 1}, {.5, .5, .5, .75});
  EXPECT_NEAR(z.get<double>("z")[2], z3, 1e-12);
  // Welch's t: scipy.stats.ttest_ind(b, a, equal_var=False) gives t and p.
  EXPECT_NEAR(z.get<double>("z")[1], 0.49236596391733084, 1e-12);
  EXPECT_NEAR(z.get<double>("p_two")[1], 0.6300919588892847, 1e-12);
  EXPECT_NEAR(z.get<double>("z")[2], -0.36115755925730764, 1e-12);
  EXPECT_NEAR(z.get<double>("p_two")[2], 0.7367834520281038, 1e-12);
  EXPECT_NEAR(z.get<double>("df")[1], 14.0, 1e-9);  // equal spreads, n 8 + 8
  EXPECT_TRUE(std::isnan(z.get<double>("df")[0]));  // no spread at all
  EXPECT_TRUE(std::isnan(z.get<double>("p_two")[0]));
  EXPECT_EQ(z.columns[4].name, "df");
}

// Labels 1..4 (volume 100 each): 1 is flat over three layers (graylevel 100, 90, 80), 4 is
// flat with a single layer; 2 and 3 rise to 1 (layer 2 or 3).
StepData flat_dataset(const std::string& name) {
  std::vector<P> ps;
  for (std::uint64_t i = 1; i <= 4; ++i) ps.push_back({i, 100});
  const std::vector<L> ls = {
      {1, 1, 5, 100, 0}, {1, 2, 5, 90, 0}, {1, 3, 5, 80, 0}, {2, 1, 5, 10, 0},  {2, 2, 5, 15, .5},
      {2, 3, 5, 20, 1},  {3, 1, 5, 10, 0}, {3, 2, 5, 20, 1}, {3, 3, 5, 15, .5}, {4, 1, 5, 50, 0}};
  return testing::step(name, ps, std::nullopt, ls);
}

TEST(SeriesExsitu, FlatProfilesLeftOutAndCounted) {
  const ExsituResult r = analyse_exsitu({flat_dataset("F")}, ExsituSettings{});
  expect_group(r.tables.at("radial/F"), "all", {{0, 0}, {.5, 1}, {1, .5}});
  EXPECT_EQ(r.flat_profiles, (std::vector<std::pair<std::string, std::int64_t>>{{"F", 2}}));
  EXPECT_EQ(r.flat_excluded, (std::vector<std::pair<std::string, std::int64_t>>{{"F", 2}}));
  ExsituSettings keep;
  keep.exclude_flat = false;  // GRAPES: flat profiles averaged in as zeros
  const ExsituResult k = analyse_exsitu({flat_dataset("F")}, keep);
  expect_group(k.tables.at("radial/F"), "all", {{0, 0, 0, 0}, {0, .5, 1}, {0, 1, .5}});
  EXPECT_EQ(k.flat_profiles[0].second, 2);
  EXPECT_EQ(k.flat_excluded[0].second, 0);
  ExsituSettings grey;
  grey.profile = "graylevel";  // the raw grey level: every particle counts
  const ExsituResult g = analyse_exsitu({flat_dataset("F")}, grey);
  expect_group(g.tables.at("radial/F"), "all", {{100, 10, 10, 50}, {90, 15, 20}, {80, 20, 15}});
  EXPECT_EQ(g.flat_profiles[0].second, 2);
  EXPECT_EQ(g.flat_excluded[0].second, 0);
}

// n = 0 (every profile flat), n = 1 and n = 2 in one layer: NaN where undefined, never 0.
TEST(SeriesExsitu, SmallNIsNaN) {
  StepData empty = testing::step("E", {{1, 100}, {2, 100}}, std::nullopt,
                                 {{1, 1, 5, 10, 0}, {1, 2, 5, 9, 0}, {2, 1, 5, 10, 0}});
  StepData one = testing::step("O", {{1, 100}}, std::nullopt, {{1, 1, 5, 10, 0}, {1, 2, 5, 12, 1}});
  StepData two =
      testing::step("T", {{1, 100}, {2, 100}}, std::nullopt,
                    {{1, 1, 5, 0, 0}, {1, 2, 5, 0, 1}, {2, 1, 5, 0, 0}, {2, 2, 5, 0, 2}});
  StepData three = testing::step("H", {{1, 100}, {2, 100}, {3, 100}}, std::nullopt,
                                 {{1, 1, 5, 0, 0},
                                  {1, 2, 5, 0, 2},
                                  {2, 1, 5, 0, 0},
                                  {2, 2, 5, 0, 4},
                                  {3, 1, 5, 0, 0},
                                  {3, 2, 5, 0, 6}});
  ExsituSettings s;
  s.comparisons = {{"E", "O"}, {"O", "T"}, {"T", "H"}};
  const ExsituResult r = analyse_exsitu({empty, one, two, three}, s);
  EXPECT_EQ(r.tables.at("radial/E").rows(), 0u);  // n = 0: no rows at all
  EXPECT_EQ(r.flat_excluded[0].second, 2);
  const Table& o = r.tables.at("radial/O");
  EXPECT_EQ(o.get<std::int64_t>("n")[1], 1);
  EXPECT_EQ(o.get<double>("std")[1], 0.0);  // ddof 0, as GRAPES
  EXPECT_TRUE(std::isnan(o.get<double>("se")[1]));
  const Table& t = r.tables.at("radial/T");
  EXPECT_NEAR(t.get<double>("se")[1], 0.5 / std::sqrt(2.0), 1e-15);
  const Table& z = r.tables.at("radial_z");
  // E has no layers: no rows; O vs T: n = 1 on one side, NaN; T vs H: Welch at n = 2 and 3.
  ASSERT_EQ(z.rows(), 4u);
  EXPECT_EQ(z.get<std::string>("dataset_a")[0], "O");
  for (std::size_t row = 0; row < 2; ++row)
    for (const char* column : {"z", "df", "p_two"})
      EXPECT_TRUE(std::isnan(z.get<double>(column)[row])) << column << " row " << row;
  // scipy.stats.ttest_ind([2, 4, 6], [1, 2], equal_var=False), layer 2.
  EXPECT_NEAR(z.get<double>("z")[3], 1.9867985355975657, 1e-12);
  EXPECT_NEAR(z.get<double>("df")[3], 2.6350364963503647, 1e-12);
  EXPECT_NEAR(z.get<double>("p_two")[3], 0.15369452810242576, 1e-12);
}

TEST(SeriesExsitu, ComparisonsAndErrors) {
  ExsituSettings s;
  s.comparisons = {{"B", "A"}};
  const Table z = analyse_exsitu({dataset_a(), dataset_b()}, s).tables.at("radial_z");
  EXPECT_EQ(z.get<std::string>("dataset_a")[0], "B");
  const double z3 = direct_z({.5, .5, .5, .75}, {.25, .5, .75, 1});
  EXPECT_NEAR(z.get<double>("z")[2], z3, 1e-12);

  s.comparisons = {{"A", "C"}};
  EXPECT_THROW(analyse_exsitu({dataset_a(), dataset_b()}, s), InputError);
  StepData twin = dataset_a();
  EXPECT_THROW(analyse_exsitu({dataset_a(), twin}, ExsituSettings{}), InputError);
  s = ExsituSettings{};
  s.profile = "graylevel_relative";
  try {
    analyse_exsitu({dataset_a()}, s);
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "dataset 'A' layers has no column 'graylevel_relative'");
  }
  s = ExsituSettings{};
  s.volume_quantile = 1.5;
  EXPECT_THROW(analyse_exsitu({dataset_a()}, s), InputError);
}

}  // namespace
}  // namespace grapes::series
