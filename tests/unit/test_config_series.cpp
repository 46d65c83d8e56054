// The series block of the configuration (SPEC §6, §7; grapes series): steps, cleaning rules,
// conditions, quartiles, matching, the ex-situ mode, their errors and --set.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <set>
#include <string>
#include <vector>

#include "config_test_helpers.hpp"
#include "grapes/config/config.hpp"
#include "grapes/core/error.hpp"
#include "grapes/run/series_run.hpp"

namespace grapes {
namespace {

using config_test::error_of;
using config_test::expect_same_source;
using config_test::parse;

// Two phantom steps: no files needed.
const std::string kPhantomSeries =
    "series:\n"
    "  steps:\n"
    "    - {name: prist, phantom: {shape: [32, 32, 32]}}\n"
    "    - {name: charged, phantom: {shape: [32, 32, 32]}}\n";

// The example of SPEC §7, on files.
const std::string kFileSeries =
    "series:\n"
    "  reference: prist\n"
    "  steps:\n"
    "    - {name: prist, grey: {path: s0.h5, dataset: /grey}, labels: {path: s0.h5, dataset: "
    "/labels},\n"
    "       noise: {box: [[0, 20], [0, 20], [0, 20]]}}\n"
    "    - {name: \"4.4V\", soc: 4.4, grey: {path: s1.h5, dataset: /grey},\n"
    "       labels: {path: s1.h5, dataset: /labels}, noise: 2.5}\n"
    "  clean: {inconsistent: true, next_to_inconsistent: true, border: true, small_fraction: "
    "0.25}\n"
    "  conditions: [{name: charge_darkens, a: prist, op: \">\", b: \"4.4V\"}]\n"
    "  quartiles: {axis: 2, collector: high}\n"
    "  error_multiple: 3\n"
    "  match: none\n";

// A series whose step 2 is "4.4V", with `step2` as that step's text (a flow mapping's body).
std::string three_steps(const std::string& step2, const std::string& rest = "") {
  return "series:\n  steps:\n"
         "    - {name: prist, phantom: {}}\n"
         "    - {name: \"4.0V\", phantom: {}}\n"
         "    - {name: \"4.4V\", " +
         step2 + "}\n" + rest;
}

void expect_same_step(const StepSpec& a, const StepSpec& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.soc, b.soc);
  EXPECT_EQ(a.use_phantom, b.use_phantom);
  expect_same_source(a.grey, b.grey);
  expect_same_source(a.labels, b.labels);
  EXPECT_EQ(a.phantom.shape, b.phantom.shape);
  EXPECT_EQ(a.phantom.seed, b.phantom.seed);
  EXPECT_EQ(a.phantom.damage_depth, b.phantom.damage_depth);
  EXPECT_EQ(a.phantom_step, b.phantom_step);
  EXPECT_EQ(a.noise.kind, b.noise.kind);
  EXPECT_EQ(a.noise.sigma, b.noise.sigma);
  EXPECT_EQ(a.noise.box, b.noise.box);
}

void expect_same_series(const SeriesSpec& a, const SeriesSpec& b) {
  EXPECT_EQ(a.reference, b.reference);
  ASSERT_EQ(a.steps.size(), b.steps.size());
  for (std::size_t i = 0; i < a.steps.size(); ++i) expect_same_step(a.steps[i], b.steps[i]);
  EXPECT_EQ(a.clean.inconsistent, b.clean.inconsistent);
  EXPECT_EQ(a.clean.next_to_inconsistent, b.clean.next_to_inconsistent);
  EXPECT_EQ(a.clean.border, b.clean.border);
  EXPECT_EQ(a.clean.no_core, b.clean.no_core);
  EXPECT_EQ(a.clean.small_fraction, b.clean.small_fraction);
  ASSERT_EQ(a.conditions.size(), b.conditions.size());
  for (std::size_t i = 0; i < a.conditions.size(); ++i) {
    EXPECT_EQ(a.conditions[i].name, b.conditions[i].name);
    EXPECT_EQ(a.conditions[i].a, b.conditions[i].a);
    EXPECT_EQ(a.conditions[i].b, b.conditions[i].b);
    EXPECT_EQ(a.conditions[i].op, b.conditions[i].op);
  }
  ASSERT_EQ(a.quartiles.has_value(), b.quartiles.has_value());
  if (a.quartiles) {
    EXPECT_EQ(a.quartiles->axis, b.quartiles->axis);
    EXPECT_EQ(a.quartiles->collector, b.quartiles->collector);
  }
  EXPECT_EQ(a.error_multiple, b.error_multiple);
  ASSERT_EQ(a.match.has_value(), b.match.has_value());
  if (a.match) {
    EXPECT_EQ(a.match->method, b.match->method);
    EXPECT_EQ(a.match->min_iou, b.match->min_iou);
  }
  EXPECT_EQ(a.error_bars, b.error_bars);
  EXPECT_EQ(a.alternative, b.alternative);
  EXPECT_EQ(a.mode, b.mode);
  EXPECT_EQ(a.exsitu_volume_quantile, b.exsitu_volume_quantile);
  EXPECT_EQ(a.exsitu_profile, b.exsitu_profile);
  EXPECT_EQ(a.exsitu_exclude_flat, b.exsitu_exclude_flat);
}

// parse(resolved) gives the same series and the same text again.
void expect_round_trip(const Config& config) {
  SCOPED_TRACE(config.yaml_text);
  ASSERT_TRUE(config.is_series());
  const Config again = parse_config(config.yaml_text, "<string>");
  ASSERT_TRUE(again.is_series());
  expect_same_series(*config.series, *again.series);
  EXPECT_EQ(config.yaml_text, again.yaml_text);
}

// ---- Valid series ----------------------------------------------------------------------------

TEST(ConfigSeries, DefaultsMatchTheHeader) {
  const Config c = parse(kPhantomSeries);
  ASSERT_TRUE(c.is_series());
  EXPECT_FALSE(c.use_phantom);
  const SeriesSpec& s = *c.series;
  const SeriesSpec header;  // the member initialisers of config.hpp
  EXPECT_EQ(s.mode, header.mode);
  EXPECT_EQ(s.reference, "prist");  // the first step
  EXPECT_EQ(s.clean.inconsistent, header.clean.inconsistent);
  EXPECT_EQ(s.clean.next_to_inconsistent, header.clean.next_to_inconsistent);
  EXPECT_EQ(s.clean.border, header.clean.border);
  EXPECT_EQ(s.clean.no_core, header.clean.no_core);
  EXPECT_EQ(s.clean.small_fraction, header.clean.small_fraction);
  EXPECT_TRUE(s.conditions.empty());
  ASSERT_TRUE(s.quartiles.has_value());
  EXPECT_EQ(s.quartiles->axis, header.quartiles->axis);
  EXPECT_EQ(s.quartiles->collector, header.quartiles->collector);
  EXPECT_EQ(s.error_multiple, header.error_multiple);
  EXPECT_EQ(s.match.has_value(), header.match.has_value());
  EXPECT_EQ(s.exsitu_volume_quantile, header.exsitu_volume_quantile);
  EXPECT_EQ(s.error_bars, header.error_bars);
  EXPECT_EQ(s.alternative, header.alternative);
  EXPECT_EQ(s.exsitu_profile, header.exsitu_profile);
  EXPECT_EQ(s.exsitu_exclude_flat, header.exsitu_exclude_flat);
  ASSERT_EQ(s.steps.size(), 2u);
  const StepSpec step;
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_TRUE(s.steps[i].use_phantom);
    EXPECT_EQ(s.steps[i].phantom_step, static_cast<int>(i));  // default: the position
    EXPECT_EQ(s.steps[i].noise.kind, step.noise.kind);
    EXPECT_FALSE(s.steps[i].soc.has_value());
    EXPECT_EQ(s.steps[i].phantom.shape, (Index3{32, 32, 32}));
    EXPECT_EQ(s.steps[i].phantom.seed, PhantomSpec{}.seed);
  }
  EXPECT_EQ(s.reference_index(), 0u);
  // The numbers as the SPEC gives them.
  EXPECT_EQ(s.mode, SeriesMode::operando);
  EXPECT_EQ(s.clean.small_fraction, 0.25);
  EXPECT_EQ(s.quartiles->axis, 2);
  EXPECT_EQ(s.quartiles->collector, CollectorSide::high);
  EXPECT_EQ(s.error_multiple, 3.0);
  EXPECT_EQ(s.error_bars, ErrorBars::paper);        // the paper's Fig. 8
  EXPECT_EQ(s.alternative, TestAlternative::less);  // H_A: the grey level falls
  EXPECT_EQ(s.steps[0].noise.kind, NoiseSpec::Kind::none);
  // The other sections are read as for grapes run.
  EXPECT_EQ(c.core_exclude_layers, 5);
  EXPECT_EQ(c.output_path, "results/grapes.h5");
  expect_round_trip(c);
}

TEST(ConfigSeries, TheSpecExample) {
  const Config c = parse(kFileSeries);
  const SeriesSpec& s = *c.series;
  EXPECT_EQ(s.reference, "prist");
  ASSERT_EQ(s.steps.size(), 2u);
  const StepSpec& prist = s.steps[0];
  EXPECT_FALSE(prist.use_phantom);
  EXPECT_EQ(prist.grey.kind, SourceKind::hdf5);
  EXPECT_EQ(prist.grey.path, "s0.h5");
  EXPECT_EQ(prist.grey.dataset, "/grey");
  EXPECT_EQ(prist.labels.dataset, "/labels");
  EXPECT_EQ(prist.grey.key, "series.steps[0] (\"prist\").grey");
  EXPECT_EQ(prist.labels.key, "series.steps[0] (\"prist\").labels");
  EXPECT_EQ(prist.noise.kind, NoiseSpec::Kind::box);
  EXPECT_EQ(prist.noise.box, (Box{{0, 0, 0}, {20, 20, 20}}));
  const StepSpec& charged = s.steps[1];
  EXPECT_EQ(charged.name, "4.4V");
  EXPECT_EQ(charged.soc, 4.4);
  EXPECT_EQ(charged.noise.kind, NoiseSpec::Kind::sigma);
  EXPECT_EQ(charged.noise.sigma, 2.5);
  ASSERT_EQ(s.conditions.size(), 1u);
  EXPECT_EQ(s.conditions[0].name, "charge_darkens");
  EXPECT_EQ(s.conditions[0].a, "prist");
  EXPECT_EQ(s.conditions[0].b, "4.4V");
  EXPECT_EQ(s.conditions[0].op, ConditionOp::greater);
  EXPECT_FALSE(s.match.has_value());
  expect_round_trip(c);
}

TEST(ConfigSeries, EveryKeyGiven) {
  const Config c = parse(
      "series:\n"
      "  mode: operando\n"
      "  reference: b\n"
      "  steps:\n"
      "    - {name: a, soc: -1.5, phantom: {seed: 7, step: 4}, noise: none}\n"
      "    - name: b\n"
      "      grey: {path: g.raw, shape: [2, 3, 4], dtype: '>u2', header_bytes: 8}\n"
      "      labels: {path: labels/}\n"
      "      noise: {box: [[1, 2], [3, 5], [0, 9]]}\n"
      "  clean: {inconsistent: false, next_to_inconsistent: False, border: FALSE,\n"
      "          no_core: true, small_fraction: 0}\n"
      "  conditions:\n"
      "    - {name: darker, a: a, op: '<', b: b}\n"
      "    - {name: brighter, a: b, op: '>', b: a}\n"
      "  quartiles: {axis: 0, collector: low}\n"
      "  error_multiple: 1.5\n"
      "  error_bars: standard\n"
      "  alternative: greater\n"
      "  match: {method: overlap, min_iou: 1}\n");
  const SeriesSpec& s = *c.series;
  EXPECT_EQ(s.reference, "b");
  EXPECT_EQ(s.reference_index(), 1u);
  EXPECT_EQ(s.steps[0].soc, -1.5);
  EXPECT_EQ(s.steps[0].phantom.seed, 7u);
  EXPECT_EQ(s.steps[0].phantom_step, 4);
  EXPECT_EQ(s.steps[0].noise.kind, NoiseSpec::Kind::none);
  EXPECT_EQ(s.steps[1].grey.kind, SourceKind::raw);
  EXPECT_EQ(s.steps[1].grey.dtype, DType::u16);
  EXPECT_TRUE(s.steps[1].grey.big_endian);
  EXPECT_EQ(s.steps[1].grey.header_bytes, 8);
  EXPECT_EQ(s.steps[1].labels.kind, SourceKind::tiff);
  EXPECT_EQ(s.steps[1].noise.box, (Box{{1, 3, 0}, {2, 5, 9}}));
  EXPECT_FALSE(s.clean.inconsistent);
  EXPECT_FALSE(s.clean.next_to_inconsistent);
  EXPECT_FALSE(s.clean.border);
  EXPECT_TRUE(s.clean.no_core);
  EXPECT_EQ(s.clean.small_fraction, 0.0);
  ASSERT_EQ(s.conditions.size(), 2u);
  EXPECT_EQ(s.conditions[0].op, ConditionOp::less);
  EXPECT_EQ(s.conditions[1].op, ConditionOp::greater);
  EXPECT_EQ(s.quartiles->axis, 0);
  EXPECT_EQ(s.quartiles->collector, CollectorSide::low);
  EXPECT_EQ(s.error_multiple, 1.5);
  EXPECT_EQ(s.error_bars, ErrorBars::standard);
  EXPECT_EQ(s.alternative, TestAlternative::greater);
  EXPECT_HAS(c.yaml_text,
             "  error_multiple: 1.5\n  error_bars: standard\n  alternative: greater\n");
  ASSERT_TRUE(s.match.has_value());
  EXPECT_EQ(s.match->method, MatchMethod::overlap);
  EXPECT_EQ(s.match->min_iou, 1.0);
  expect_round_trip(c);
  // Defaults inside a given mapping.
  const Config d = parse(kPhantomSeries + "  match: {}\n  quartiles: {collector: low}\n");
  EXPECT_EQ(d.series->match->min_iou, 0.5);
  EXPECT_EQ(d.series->quartiles->axis, 2);
  EXPECT_EQ(d.series->quartiles->collector, CollectorSide::low);
  expect_round_trip(d);
  EXPECT_FALSE(parse(kPhantomSeries + "  quartiles: none\n").series->quartiles.has_value());
  expect_round_trip(parse(kPhantomSeries + "  quartiles: none\n"));
}

TEST(ConfigSeries, ExSitu) {
  const Config c = parse(kPhantomSeries + "  mode: exsitu\n  exsitu: {volume_quantile: 0.75}\n");
  const SeriesSpec& s = *c.series;
  EXPECT_EQ(s.mode, SeriesMode::exsitu);
  EXPECT_EQ(s.exsitu_volume_quantile, 0.75);
  EXPECT_EQ(s.reference, "");
  EXPECT_FALSE(s.quartiles.has_value());
  EXPECT_TRUE(s.conditions.empty());
  EXPECT_EQ(c.yaml_text.find("reference"), std::string::npos) << c.yaml_text;
  EXPECT_EQ(c.yaml_text.find("clean"), std::string::npos) << c.yaml_text;
  EXPECT_EQ(c.yaml_text.find("error_bars"), std::string::npos) << c.yaml_text;
  EXPECT_EQ(c.yaml_text.find("alternative"), std::string::npos) << c.yaml_text;
  EXPECT_HAS(c.yaml_text,
             "  exsitu:\n    volume_quantile: 0.75\n    profile: graylevel_normed\n"
             "    exclude_flat: true\n");
  EXPECT_EQ(s.exsitu_profile, "graylevel_normed");
  EXPECT_TRUE(s.exsitu_exclude_flat);
  expect_round_trip(c);
  const Config d = parse(kPhantomSeries + "  mode: exsitu\n");
  EXPECT_FALSE(d.series->exsitu_volume_quantile.has_value());
  EXPECT_HAS(d.yaml_text, "  exsitu:\n    volume_quantile: none\n");
  EXPECT_EQ(parse(kPhantomSeries + "  mode: exsitu\n  exsitu: {volume_quantile: 0}\n")
                .series->exsitu_volume_quantile,
            0.0);
  expect_round_trip(d);
  // Flat profiles kept; the raw grey level (exclude_flat is kept but acts on graylevel_normed
  // only, so --set series.exsitu.profile=graylevel works on any ex-situ config).
  const Config e = parse(kPhantomSeries + "  mode: exsitu\n  exsitu: {exclude_flat: false}\n");
  EXPECT_FALSE(e.series->exsitu_exclude_flat);
  expect_round_trip(e);
  const Config g = parse(kPhantomSeries + "  mode: exsitu\n  exsitu: {profile: graylevel}\n");
  EXPECT_EQ(g.series->exsitu_profile, "graylevel");
  EXPECT_TRUE(g.series->exsitu_exclude_flat);
  EXPECT_HAS(g.yaml_text, "    profile: graylevel\n    exclude_flat: true\n");
  expect_round_trip(g);
  expect_round_trip(parse(kPhantomSeries +
                          "  mode: exsitu\n  exsitu: {profile: graylevel, exclude_flat: true}\n"));
}

TEST(ConfigSeries, OneStepAndOddNames) {
  const Config c = parse(
      "series:\n  steps:\n    - {name: '2.5V (discharged)', phantom: {}}\n"
      "    - {name: 'true', phantom: {}}\n    - {name: '123', phantom: {}}\n");
  EXPECT_EQ(c.series->steps[0].name, "2.5V (discharged)");
  EXPECT_EQ(c.series->steps[1].name, "true");
  EXPECT_EQ(c.series->steps[2].name, "123");
  expect_round_trip(c);
  EXPECT_EQ(parse("series: {steps: [{name: only, phantom: {}}]}\n").series->steps.size(), 1u);
}

// ---- The resolved YAML of a series -------------------------------------------------------------

TEST(ConfigSeries, ResolvedText) {
  // Checked by eye: every key that applies in schema order, the reference made explicit,
  // steps and conditions as block lists of mappings, the noise box in flow style.
  const std::string sources0 =
      "      grey:\n        path: s0.h5\n        format: hdf5\n        dataset: /grey\n"
      "      labels:\n        path: s0.h5\n        format: hdf5\n        dataset: /labels\n";
  const std::string sources1 =
      "      grey:\n        path: s1.h5\n        format: hdf5\n        dataset: /grey\n"
      "      labels:\n        path: s1.h5\n        format: hdf5\n        dataset: /labels\n";
  EXPECT_EQ(parse(kFileSeries).yaml_text,
            "series:\n"
            "  mode: operando\n"
            "  reference: prist\n"
            "  steps:\n"
            "    - name: prist\n" +
                sources0 +
                "      noise:\n"
                "        box: [[0, 20], [0, 20], [0, 20]]\n"
                "    - name: 4.4V\n"
                "      soc: 4.4\n" +
                sources1 +
                "      noise: 2.5\n"
                "  clean:\n"
                "    inconsistent: true\n"
                "    next_to_inconsistent: true\n"
                "    border: true\n"
                "    no_core: true\n"
                "    small_fraction: 0.25\n"
                "  conditions:\n"
                "    - name: charge_darkens\n"
                "      a: prist\n"
                "      op: \">\"\n"
                "      b: 4.4V\n"
                "  quartiles:\n"
                "    axis: 2\n"
                "    collector: high\n"
                "  error_multiple: 3\n"
                "  error_bars: paper\n"
                "  alternative: less\n"
                "  match: none\n"
                "voxel_size: [1, 1, 1]\n"
                "analysis:\n"
                "  normalise: radial_max\n"
                "  core_exclude_layers: 5\n"
                "  layer_width: min_spacing\n"
                "  convex_hull: false\n"
                "decomposition:\n"
                "  grid: auto\n"
                "  ghost: auto\n"
                "  max_block_growth: 8\n"
                "  memory_per_rank: none\n"
                "output:\n"
                "  path: results/grapes.h5\n"
                "  volumes: []\n");
  // A phantom step records its operando step; no conditions is an empty flow list.
  const Config c = parse(kPhantomSeries);
  EXPECT_HAS(c.yaml_text, "    - name: charged\n      phantom:\n        shape: [32, 32, 32]\n");
  EXPECT_HAS(c.yaml_text, "        label_dtype: uint16\n        step: 1\n      noise: none\n");
  EXPECT_HAS(c.yaml_text, "  conditions: []\n");
}

// ---- Errors ---------------------------------------------------------------------------------

TEST(ConfigSeriesErrors, InputAndSeries) {
  EXPECT_EQ(error_of("input: {phantom: {}}\n" + kPhantomSeries),
            "config.yaml: the configuration has both 'input' (for grapes run) and 'series' (for "
            "grapes series): give one of them");
  EXPECT_EQ(error_of("voxel_size: 1\n"),
            "config.yaml: missing key 'input' (give input.phantom, or input.grey and "
            "input.labels)");
  EXPECT_FALSE(parse("input: {phantom: {}}\n").is_series());
  EXPECT_EQ(error_of("series:\n"), "config.yaml: missing key 'series.steps'");
  EXPECT_EQ(error_of("series: {steps: []}\n"),
            "config.yaml: key 'series.steps' must be a non-empty list of steps like {name: ..., "
            "grey: {...}, labels: {...}}, got '[]'");
  EXPECT_HAS(error_of("series: {steps: {name: a}}\n"), "key 'series.steps' must be a non-empty");
  EXPECT_EQ(error_of("series: {steps: [{name: a, phantom: {}}, b]}\n"),
            "config.yaml: key 'series.steps[1]' must be a mapping, got 'b'");
  EXPECT_EQ(error_of("series: 3\n"),
            "config.yaml: key 'series' must be a mapping of keys, got '3'");
}

TEST(ConfigSeriesErrors, StepNames) {
  EXPECT_EQ(error_of("series: {steps: [{name: a, phantom: {}}, {phantom: {}}]}\n"),
            "config.yaml: missing key 'series.steps[1].name'");
  EXPECT_EQ(error_of("series: {steps: [{name: a/b, phantom: {}}]}\n"),
            "config.yaml: key 'series.steps[0] (\"a/b\").name' must be a non-empty name without "
            "'/', not . or .., got 'a/b'");
  EXPECT_HAS(error_of("series: {steps: [{name: ., phantom: {}}]}\n"),
             "key 'series.steps[0] (\".\").name' must be a non-empty name without '/'");
  EXPECT_EQ(error_of("series: {steps: [{name: '', phantom: {}}]}\n"),
            "config.yaml: key 'series.steps[0] (\"\").name' must be a non-empty name without "
            "'/', not . or .., got ''");
  EXPECT_HAS(error_of("series: {steps: [{name: '..', phantom: {}}]}\n"),
             "key 'series.steps[0] (\"..\").name' must be a non-empty name without '/', not . or "
             "..");
  const std::string long_name(253, 'x');
  EXPECT_HAS(error_of("series: {steps: [{name: " + long_name + ", phantom: {}}]}\n"),
             ".name': the step name is 253 bytes long; it becomes the file name <name>.h5, so it "
             "may be at most 252 bytes");
  EXPECT_NO_THROW(parse("series: {steps: [{name: " + long_name.substr(1) + ", phantom: {}}]}\n"));
  EXPECT_HAS(error_of("series: {steps: [{name: [a], phantom: {}}]}\n"),
             "key 'series.steps[0].name' must be a non-empty name");
  EXPECT_EQ(error_of(three_steps("phantom: {}", "    - {name: \"4.0V\", phantom: {}}\n")),
            "config.yaml: key 'series.steps[3] (\"4.0V\").name': the step name '4.0V' is already "
            "used by series.steps[1] (\"4.0V\")");
}

TEST(ConfigSeriesErrors, StepVolumes) {
  EXPECT_EQ(error_of(three_steps("soc: 4.4")),
            "config.yaml: key 'series.steps[2] (\"4.4V\")' needs either 'phantom' or both 'grey' "
            "and 'labels'");
  EXPECT_EQ(error_of(three_steps("phantom: {}, grey: {path: a.h5, dataset: /g}")),
            "config.yaml: key 'series.steps[2] (\"4.4V\")' has both 'phantom' and 'grey': give "
            "either series.steps[2] (\"4.4V\").phantom or series.steps[2] (\"4.4V\").grey and "
            "series.steps[2] (\"4.4V\").labels");
  EXPECT_EQ(error_of(three_steps("grey: {path: a.h5, dataset: /g}")),
            "config.yaml: missing key 'series.steps[2] (\"4.4V\").labels' (a step from files "
            "needs both series.steps[2] (\"4.4V\").grey and series.steps[2] (\"4.4V\").labels)");
  EXPECT_EQ(error_of(three_steps("grey: {dataset: /g}, labels: {path: l.tif}")),
            "config.yaml: missing key 'series.steps[2] (\"4.4V\").grey.path'");
  EXPECT_EQ(error_of(three_steps("grey: {path: g.h5}, labels: {path: l.tif}")),
            "config.yaml: missing key 'series.steps[2] (\"4.4V\").grey.dataset' (the dataset "
            "inside the HDF5 file 'g.h5')");
  EXPECT_EQ(error_of(three_steps("grey: {path: g.dat}, labels: {path: l.tif}")),
            "config.yaml: cannot tell the format of 'series.steps[2] (\"4.4V\").grey' from its "
            "path 'g.dat': add format: hdf5, tiff or raw");
  EXPECT_HAS(error_of(three_steps("grey: {path: g.tif, dataset: /g}, labels: {path: l.tif}")),
             "key 'series.steps[2] (\"4.4V\").grey.dataset' applies only to hdf5 sources, and "
             "'series.steps[2] (\"4.4V\").grey' is tiff");
  EXPECT_EQ(error_of(three_steps("grey: {path: g.raw, shape: [1, 1, 1], dtype: u3}, "
                                 "labels: {path: l.tif}")),
            "config.yaml: key 'series.steps[2] (\"4.4V\").grey.dtype' must be a dtype (uint8, "
            "uint16, uint32, uint64, int8, int16, int32, int64, float32, float64, or u1, u2, u4, "
            "u8, i1, i2, i4, i8, f4, f8), got 'u3'");
  EXPECT_EQ(error_of(three_steps("phantom: {packing: 2}")),
            "config.yaml: key 'series.steps[2] (\"4.4V\").phantom.packing' must be a number "
            "between 0 and 1 (both excluded), got '2'");
  EXPECT_EQ(error_of(three_steps("phantom: {step: -1}")),
            "config.yaml: key 'series.steps[2] (\"4.4V\").phantom.step' must be a non-negative "
            "integer, got '-1'");
  EXPECT_HAS(error_of(three_steps("phantom: {step: 3e9}")),
             "phantom.step' must be a non-negative integer up to 2147483647");
  EXPECT_EQ(error_of(three_steps("phantom: {label_dtype: int32}")),
            "config.yaml: key 'series.steps[2] (\"4.4V\").phantom.label_dtype' must be an "
            "unsigned integer dtype (uint8, uint16, uint32, uint64, or u1, u2, u4, u8), got "
            "'int32'");
  EXPECT_EQ(error_of(three_steps("soc: high, phantom: {}")),
            "config.yaml: key 'series.steps[2] (\"4.4V\").soc' must be a number, got 'high'");
}

TEST(ConfigSeriesErrors, UnknownKeysInAStep) {
  EXPECT_EQ(error_of(three_steps("gery: {path: a.h5}")),
            "config.yaml: unknown key 'series.steps[2] (\"4.4V\").gery' (did you mean "
            "'series.steps[2] (\"4.4V\").grey'?)");
  EXPECT_EQ(error_of(three_steps("grey: {path: a.h5, datset: /g}, labels: {path: l.tif}")),
            "config.yaml: unknown key 'series.steps[2] (\"4.4V\").grey.datset' (did you mean "
            "'series.steps[2] (\"4.4V\").grey.dataset'?)");
  EXPECT_EQ(error_of(three_steps("phantom: {stepp: 2}")),
            "config.yaml: unknown key 'series.steps[2] (\"4.4V\").phantom.stepp' (did you mean "
            "'series.steps[2] (\"4.4V\").phantom.step'?)");
  EXPECT_EQ(error_of(three_steps("phantom: {}, noise: {bx: [[0, 1], [0, 1], [0, 1]]}")),
            "config.yaml: unknown key 'series.steps[2] (\"4.4V\").noise.bx' (did you mean "
            "'series.steps[2] (\"4.4V\").noise.box'?)");
  // Without a name the item is named by its index alone.
  EXPECT_EQ(error_of("series: {steps: [{nme: a, phantom: {}}]}\n"),
            "config.yaml: unknown key 'series.steps[0].nme' (did you mean "
            "'series.steps[0].name'?)");
  EXPECT_EQ(error_of(kPhantomSeries + "  conditions: [{name: c, a: prist, b: charged, opp: <}]\n"),
            "config.yaml: unknown key 'series.conditions[0] (\"c\").opp' (did you mean "
            "'series.conditions[0] (\"c\").op'?)");
  EXPECT_EQ(error_of(kPhantomSeries + "  refrence: prist\n"),
            "config.yaml: unknown key 'series.refrence' (did you mean 'series.reference'?)");
  EXPECT_EQ(error_of(kPhantomSeries + "  clean: {borders: false}\n"),
            "config.yaml: unknown key 'series.clean.borders' (did you mean "
            "'series.clean.border'?)");
  EXPECT_EQ(error_of(three_steps("phantom: {}", "    - {name: x, phantom: {}, noise: 1}\n") +
                     "  steps: []\n"),
            "config.yaml: duplicate key 'series.steps'");
}

TEST(ConfigSeriesErrors, Noise) {
  const std::string key = "config.yaml: key 'series.steps[2] (\"4.4V\").noise";
  const std::string box_kind =
      " must be a list [[z0, z1], [y0, y1], [x0, x1]] of integers with 0 <= z0 < z1, 0 <= y0 "
      "< y1, 0 <= x0 < x1, got '";
  EXPECT_EQ(error_of(three_steps("phantom: {}, noise: {box: [[5, 5], [0, 1], [0, 1]]}")),
            key + ".box'" + box_kind + "[[5, 5], [0, 1], [0, 1]]': z0 = 5 is not less than z1 = 5");
  EXPECT_EQ(error_of(three_steps("phantom: {}, noise: {box: [[0, 1], [0, 1], [9, 3]]}")),
            key + ".box'" + box_kind + "[[0, 1], [0, 1], [9, 3]]': x0 = 9 is not less than x1 = 3");
  EXPECT_EQ(error_of(three_steps("phantom: {}, noise: {box: [[0, 1], [0, 1]]}")),
            key + ".box'" + box_kind + "[[0, 1], [0, 1]]'");
  EXPECT_EQ(error_of(three_steps("phantom: {}, noise: {box: [[-1, 1], [0, 1], [0, 1]]}")),
            key + ".box'" + box_kind + "[[-1, 1], [0, 1], [0, 1]]'");
  EXPECT_EQ(error_of(three_steps("phantom: {}, noise: {box: [[0, 1.5], [0, 1], [0, 1]]}")),
            key + ".box'" + box_kind + "[[0, 1.5], [0, 1], [0, 1]]'");
  EXPECT_EQ(error_of(three_steps("phantom: {}, noise: {box: [[0, 1, 2], [0, 1], [0, 1]]}")),
            key + ".box'" + box_kind + "[[0, 1, 2], [0, 1], [0, 1]]'");
  EXPECT_EQ(error_of(three_steps("phantom: {}, noise: {}")),
            "config.yaml: missing key "
            "'series.steps[2] (\"4.4V\").noise."
            "box'");
  const std::string noise_kind =
      "' must be none, a non-negative number (sigma_bg) or a mapping {box: [[z0, z1], [y0, y1], "
      "[x0, x1]]}, got '";
  EXPECT_EQ(error_of(three_steps("phantom: {}, noise: -2")), key + noise_kind + "-2'");
  EXPECT_EQ(error_of(three_steps("phantom: {}, noise: loud")), key + noise_kind + "loud'");
  EXPECT_EQ(error_of(three_steps("phantom: {}, noise: [1, 2]")), key + noise_kind + "[1, 2]'");
  EXPECT_EQ(parse(three_steps("phantom: {}, noise: 0")).series->steps[2].noise.sigma, 0.0);
}

TEST(ConfigSeriesErrors, ReferenceAndConditions) {
  EXPECT_EQ(error_of(kPhantomSeries + "  reference: prst\n"),
            "config.yaml: key 'series.reference' names no step: 'prst' (did you mean 'prist'?); "
            "the steps are prist, charged");
  EXPECT_EQ(error_of(kPhantomSeries + "  reference: zzzzzz\n"),
            "config.yaml: key 'series.reference' names no step: 'zzzzzz'; the steps are prist, "
            "charged");
  EXPECT_EQ(error_of(kPhantomSeries + "  conditions: [{name: c, a: prist, op: '>', b: chargd}]\n"),
            "config.yaml: key 'series.conditions[0] (\"c\").b' names no step: 'chargd' (did you "
            "mean 'charged'?); the steps are prist, charged");
  EXPECT_EQ(error_of(kPhantomSeries + "  conditions: [{name: c, a: x, op: '>', b: prist}]\n"),
            "config.yaml: key 'series.conditions[0] (\"c\").a' names no step: 'x'; the steps are "
            "prist, charged");
  EXPECT_EQ(
      error_of(kPhantomSeries + "  conditions: [{name: c, a: prist, op: '>=', b: charged}]\n"),
      "config.yaml: key 'series.conditions[0] (\"c\").op' must be one of >, <, got '>='");
  EXPECT_EQ(error_of(kPhantomSeries + "  conditions: [{name: c, a: prist, b: charged}]\n"),
            "config.yaml: missing key 'series.conditions[0] (\"c\").op'");
  EXPECT_EQ(error_of(kPhantomSeries + "  conditions: [{a: prist, op: '<', b: charged}]\n"),
            "config.yaml: missing key 'series.conditions[0].name'");
  EXPECT_EQ(error_of(kPhantomSeries + "  conditions: [{name: c, a: prist, op: '<', b: prist}]\n"),
            "config.yaml: key 'series.conditions[0] (\"c\")' compares step 'prist' with itself: "
            "a and b must be different steps");
  EXPECT_EQ(
      error_of(kPhantomSeries + "  conditions:\n    - {name: c, a: prist, op: '<', b: charged}\n"
                                "    - {name: c, a: charged, op: '<', b: prist}\n"),
      "config.yaml: key 'series.conditions[1] (\"c\").name': the condition name 'c' is "
      "already used by series.conditions[0] (\"c\")");
  EXPECT_EQ(error_of(kPhantomSeries + "  conditions: {name: c}\n"),
            "config.yaml: key 'series.conditions' must be a list of conditions like {name: ..., "
            "a: ..., op: \">\", b: ...}, got '{name: c}'");
}

TEST(ConfigSeriesErrors, CleanQuartilesMatchErrorMultiple) {
  const std::string p = kPhantomSeries;
  EXPECT_EQ(error_of(p + "  clean: {border: yes}\n"),
            "config.yaml: key 'series.clean.border' must be true or false, got 'yes'");
  EXPECT_EQ(error_of(p + "  clean: {small_fraction: 1}\n"),
            "config.yaml: key 'series.clean.small_fraction' must be a number from 0 up to, not "
            "including, 1, got '1'");
  EXPECT_HAS(error_of(p + "  clean: {small_fraction: -0.1}\n"), "series.clean.small_fraction");
  EXPECT_EQ(error_of(p + "  clean: off\n"),
            "config.yaml: key 'series.clean' must be a mapping of keys, got 'off'");
  EXPECT_EQ(error_of(p + "  quartiles: {axis: 3}\n"),
            "config.yaml: key 'series.quartiles.axis' must be one of 0, 1, 2, got '3'");
  EXPECT_EQ(error_of(p + "  quartiles: {collector: left}\n"),
            "config.yaml: key 'series.quartiles.collector' must be one of low, high, got 'left'");
  EXPECT_EQ(error_of(p + "  quartiles: x\n"),
            "config.yaml: key 'series.quartiles' must be none or a mapping like {axis: 2, "
            "collector: high}, got 'x'");
  EXPECT_EQ(error_of(p + "  error_multiple: 0\n"),
            "config.yaml: key 'series.error_multiple' must be a positive number, got '0'");
  EXPECT_HAS(error_of(p + "  error_multiple: -3\n"), "key 'series.error_multiple'");
  EXPECT_EQ(error_of(p + "  match: {min_iou: 0}\n"),
            "config.yaml: key 'series.match.min_iou' must be a number greater than 0 and at most "
            "1, got '0'");
  EXPECT_HAS(error_of(p + "  match: {min_iou: 1.5}\n"), "key 'series.match.min_iou'");
  EXPECT_EQ(error_of(p + "  match: {method: labels}\n"),
            "config.yaml: key 'series.match.method' must be one of overlap, got 'labels'");
  EXPECT_EQ(error_of(p + "  match: overlap\n"),
            "config.yaml: key 'series.match' must be none or a mapping like {method: overlap, "
            "min_iou: 0.5}, got 'overlap'");
  EXPECT_EQ(error_of(p + "  mode: insitu\n"),
            "config.yaml: key 'series.mode' must be one of operando, exsitu, got 'insitu'");
  EXPECT_EQ(error_of(p + "  error_bars: normal\n"),
            "config.yaml: key 'series.error_bars' must be one of paper, standard, got 'normal'");
  EXPECT_EQ(error_of(p + "  alternative: two-sided\n"),
            "config.yaml: key 'series.alternative' must be one of less, greater, got "
            "'two-sided'");
  EXPECT_HAS(error_of(p + "  alternative: [less]\n"), "key 'series.alternative'");
  // no_core cannot be switched off (docs/SERIES.md, Cleaning).
  EXPECT_EQ(error_of(p + "  clean: {no_core: false}\n"),
            "config.yaml: key 'series.clean.no_core' cannot be false: a particle without core "
            "voxels has no value I_p,s, so rule no_core always applies; leave the key out or "
            "set it to true");
  EXPECT_HAS(error_of(p, {"series.clean.no_core=false"}), "key 'series.clean.no_core'");
}

TEST(ConfigSeriesErrors, ModeSpecificKeys) {
  const std::string p = kPhantomSeries + "  mode: exsitu\n";
  for (const char* key : {"reference: prist", "clean: {}", "conditions: []", "quartiles: none"})
    EXPECT_EQ(error_of(p + "  " + key + "\n"),
              "config.yaml: key 'series." + std::string(key).substr(0, std::string(key).find(':')) +
                  "' applies only to series.mode: operando, and this series is exsitu");
  EXPECT_EQ(error_of(kPhantomSeries + "  exsitu: {volume_quantile: 0.5}\n"),
            "config.yaml: key 'series.exsitu' applies only to series.mode: exsitu");
  EXPECT_EQ(error_of(p + "  exsitu: {volume_quantile: 1}\n"),
            "config.yaml: key 'series.exsitu.volume_quantile' must be none or a number from 0 up "
            "to, not including, 1, got '1'");
  EXPECT_HAS(error_of(p + "  exsitu: {volume_quantile: all}\n"), "series.exsitu.volume_quantile");
  for (const char* key : {"error_bars: standard", "alternative: greater"})
    EXPECT_EQ(error_of(p + "  " + key + "\n"),
              "config.yaml: key 'series." + std::string(key).substr(0, std::string(key).find(':')) +
                  "' applies only to series.mode: operando, and this series is exsitu");
  EXPECT_EQ(error_of(p + "  exsitu: {profile: graylevel_relative}\n"),
            "config.yaml: key 'series.exsitu.profile' must be one of graylevel_normed, graylevel, "
            "got 'graylevel_relative'");
  EXPECT_EQ(error_of(p + "  exsitu: {exclude_flat: maybe}\n"),
            "config.yaml: key 'series.exsitu.exclude_flat' must be true or false, got 'maybe'");
}

// ---- --set ------------------------------------------------------------------------------------

TEST(ConfigSeriesOverrides, SetSeriesKeys) {
  const Config c = parse(kFileSeries, {"series.error_multiple=2", "series.reference=4.4V",
                                       "series.match={min_iou: 0.8}", "series.clean.border=false"});
  EXPECT_EQ(c.series->error_multiple, 2.0);
  EXPECT_EQ(c.series->reference, "4.4V");
  EXPECT_EQ(c.series->reference_index(), 1u);
  EXPECT_EQ(c.series->match->min_iou, 0.8);
  EXPECT_FALSE(c.series->clean.border);
  EXPECT_HAS(c.yaml_text, "  reference: 4.4V\n");
  expect_round_trip(c);
  const Config t = parse(kFileSeries, {"series.alternative=greater", "series.error_bars=standard"});
  EXPECT_EQ(t.series->alternative, TestAlternative::greater);
  EXPECT_EQ(t.series->error_bars, ErrorBars::standard);
  expect_round_trip(t);
  const Config x = parse(kPhantomSeries + "  mode: exsitu\n",
                         {"series.exsitu.profile=graylevel", "series.exsitu.volume_quantile=0.5"});
  EXPECT_EQ(x.series->exsitu_profile, "graylevel");
  EXPECT_EQ(x.series->exsitu_volume_quantile, 0.5);
  EXPECT_HAS(error_of(kFileSeries, {"series.reference=5V"}),
             "key 'series.reference' names no step: '5V'");
  // A whole list can be replaced.
  const Config d =
      parse(kPhantomSeries, {"series.steps=[{name: a, phantom: {}}, {name: b, phantom: {}}, "
                             "{name: c, phantom: {step: 9}}]"});
  ASSERT_EQ(d.series->steps.size(), 3u);
  EXPECT_EQ(d.series->steps[2].phantom_step, 9);
  EXPECT_EQ(d.series->reference, "a");
  // A key inside a list item cannot be set.
  EXPECT_EQ(error_of(kPhantomSeries, {"series.steps[0].noise=2"}),
            "config.yaml: --set 'series.steps[0].noise=2': cannot set a key inside an item of the "
            "list 'series.steps'; set the whole list instead, e.g. --set 'series.steps=[...]'");
  EXPECT_HAS(error_of(kPhantomSeries, {"series.steps.noise=2"}),
             "cannot set a key inside an item of the list 'series.steps'");
  EXPECT_HAS(error_of(kPhantomSeries, {"series.conditions[].name=x"}),
             "cannot set a key inside an item of the list 'series.conditions'");
  EXPECT_EQ(error_of(kPhantomSeries, {"series.error_multipel=2"}),
            "config.yaml: --set 'series.error_multipel=2': unknown key 'series.error_multipel' "
            "(did you mean 'series.error_multiple'?)");
  // A run config turned into a series one, and back.
  EXPECT_HAS(error_of("input: {phantom: {}}\n", {"series.steps=[{name: a, phantom: {}}]"}),
             "has both 'input' (for grapes run) and 'series'");
}

// The step fingerprint of `--resume` (docs/SERIES.md, "Resume") takes the resolved YAML but
// a fixed list of keys: every other key of the schema, and any key added later, is in it.
TEST(ConfigSeries, EveryKeyIsInTheStepFingerprintUnlessListedOut) {
  const Config c = parse(kFileSeries);
  const YAML::Node settings = YAML::Load(step_settings_text(c));
  const std::set<std::string> left_out = {"decomposition.grid", "decomposition.max_block_growth",
                                          "decomposition.memory_per_rank", "output.path"};
  int walked = 0;
  for (const ConfigKey& key : config_schema()) {
    const std::string& k = key.key;
    if (k.rfind("series", 0) == 0 || k.rfind("input", 0) == 0) continue;  // left out whole
    YAML::Node node;
    node.reset(settings);
    std::string rest = k;
    for (std::size_t dot; node.IsMap() && (dot = rest.find('.')) != std::string::npos;
         rest = rest.substr(dot + 1))
      node.reset(node[rest.substr(0, dot)]);
    const bool present = node.IsMap() && node[rest].IsDefined();
    EXPECT_EQ(present, left_out.count(k) == 0) << k;
    ++walked;
  }
  EXPECT_GT(walked, 10);
  EXPECT_FALSE(YAML::Load(step_settings_text(c))["series"].IsDefined());
  // A table setting changes the text; a decomposition or output path does not.
  const std::string base = step_settings_text(c);
  EXPECT_NE(step_settings_text(parse(kFileSeries, {"analysis.convex_hull=true"})), base);
  EXPECT_NE(step_settings_text(parse(kFileSeries, {"output.volumes=[edt]"})), base);
  EXPECT_EQ(step_settings_text(parse(kFileSeries, {"decomposition.grid=[1,2,1]"})), base);
  EXPECT_EQ(step_settings_text(parse(kFileSeries, {"output.path=elsewhere.h5"})), base);
  EXPECT_EQ(step_settings_text(parse(kFileSeries, {"series.error_multiple=2"})), base);
}

}  // namespace
}  // namespace grapes
