// input.grey.rescale: the mapping of rescaled_source.hpp (rounding, clamping, NaN, the ends),
// the wrapping source over every input dtype, the z-parts, and the config keys. Expected levels
// are written out by hand or come from the rule's arithmetic spelled out here in long form.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "config_test_helpers.hpp"
#include "grapes/core/format.hpp"
#include "grapes/io/box_parts.hpp"
#include "grapes/io/rescaled_source.hpp"
#include "support/memory_source.hpp"

namespace grapes {
namespace {

using config_test::error_of;
using config_test::parse;

GreyRescale rule(double lo, double hi, DType to = DType::u8) {
  GreyRescale r;
  r.to = to;
  r.lo = lo;
  r.hi = hi;
  return r;
}

TEST(RescaleLevel, EndsMapToZeroAndTop) {
  EXPECT_EQ(rescale_level(-1.0, rule(-1.0, 3.0)), 0);
  EXPECT_EQ(rescale_level(3.0, rule(-1.0, 3.0)), 255);
  EXPECT_EQ(rescale_level(-1.0, rule(-1.0, 3.0, DType::u16)), 0);
  EXPECT_EQ(rescale_level(3.0, rule(-1.0, 3.0, DType::u16)), 65535);
}

TEST(RescaleLevel, ClampsOutsideTheRange) {
  const GreyRescale r = rule(0.0, 1.0);
  EXPECT_EQ(rescale_level(-0.5, r), 0);
  EXPECT_EQ(rescale_level(-1e30, r), 0);
  EXPECT_EQ(rescale_level(1.5, r), 255);
  EXPECT_EQ(rescale_level(1e30, r), 255);
  EXPECT_EQ(rescale_level(std::numeric_limits<double>::infinity(), r), 255);
  EXPECT_EQ(rescale_level(-std::numeric_limits<double>::infinity(), r), 0);
  EXPECT_EQ(rescale_level(std::numeric_limits<double>::quiet_NaN(), r), 0);
  EXPECT_EQ(rescale_level(70000.0, rule(0.0, 65535.0, DType::u16)), 65535);
}

TEST(RescaleLevel, RoundsToNearestWithTiesUp) {
  // range [0, 255]: t = v exactly.
  const GreyRescale r = rule(0.0, 255.0);
  EXPECT_EQ(rescale_level(10.49, r), 10);
  EXPECT_EQ(rescale_level(10.5, r), 11);  // tie: up (not to even, which would give 10)
  EXPECT_EQ(rescale_level(11.5, r), 12);  // tie: up (to even would also give 12)
  EXPECT_EQ(rescale_level(10.51, r), 11);
  EXPECT_EQ(rescale_level(254.5, r), 255);
  EXPECT_EQ(rescale_level(0.49, r), 0);
  EXPECT_EQ(rescale_level(0.5, r), 1);
  // A range of width 2: t = v / 2 * 255.
  EXPECT_EQ(rescale_level(0.5, rule(0.0, 2.0)), 64);   // t = 63.75
  EXPECT_EQ(rescale_level(1.0, rule(0.0, 2.0)), 128);  // t = 127.5, tie up
}

TEST(RescaleLevel, MatchesTheRuleInLongForm) {
  const GreyRescale r = rule(-0.0021, 0.0083);
  for (int i = -50; i <= 1300; ++i) {
    const double v = -0.0021 + i * 0.00001;
    double t = (v - r.lo) / (r.hi - r.lo) * 255.0;
    t = t < 0 ? 0 : t > 255 ? 255 : t;
    EXPECT_EQ(rescale_level(v, r), static_cast<int>(std::floor(t + 0.5))) << v;
  }
}

// A float32 volume made from 8-bit levels g as lo + g/255 * (hi - lo) comes back as g.
TEST(RescaledSource, Float32FromEightBitLevelsRoundTrips) {
  const Index3 shape{3, 4, 23};
  const double lo = -0.002, hi = 0.008;
  std::vector<std::uint8_t> levels(static_cast<std::size_t>(voxel_count(shape)));
  std::vector<float> values(levels.size());
  for (std::size_t i = 0; i < levels.size(); ++i) {
    levels[i] = static_cast<std::uint8_t>((i * 37) % 256);
    values[i] = static_cast<float>(lo + levels[i] / 255.0 * (hi - lo));
  }
  auto source = make_rescaled_source(test::memory_source<float>(shape, values), rule(lo, hi));
  EXPECT_EQ(source->dtype(), DType::u8);
  EXPECT_EQ(source->shape(), shape);
  EXPECT_EQ(source->describe(), "memory rescaled float32 [-0.002, 0.008] -> uint8");
  std::vector<std::uint8_t> out(levels.size());
  source->read_box(whole_box(shape), out.data());
  EXPECT_EQ(out, levels);
}

// A box read through the wrapper equals the levels of its voxels, for boxes of every size
// (thinner in z than the number of parts, empty, offset).
TEST(RescaledSource, AnyBoxOfAnyDtype) {
  const Index3 shape{9, 3, 5};
  std::vector<std::int16_t> values(static_cast<std::size_t>(voxel_count(shape)));
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<std::int16_t>(static_cast<int>(i) * 211 % 3000 - 1000);
  const GreyRescale r = rule(-500.0, 1500.0, DType::u16);
  auto source = make_rescaled_source(
      std::make_unique<test::MemorySource<std::int16_t>>(shape, values, DType::i16), r);
  for (const Box& box : {Box{{0, 0, 0}, {9, 3, 5}}, Box{{2, 1, 1}, {5, 3, 4}},
                         Box{{4, 0, 0}, {5, 3, 5}}, Box{{3, 1, 1}, {3, 2, 2}}}) {
    std::vector<std::uint16_t> out(static_cast<std::size_t>(box.voxels()));
    source->read_box(box, out.data());
    std::size_t k = 0;
    for (index_t z = box.lo[0]; z < box.hi[0]; ++z)
      for (index_t y = box.lo[1]; y < box.hi[1]; ++y)
        for (index_t x = box.lo[2]; x < box.hi[2]; ++x, ++k) {
          const double v = values[static_cast<std::size_t>((z * 3 + y) * 5 + x)];
          double t = (v + 500.0) / 2000.0 * 65535.0;
          t = t < 0 ? 0 : t > 65535 ? 65535 : t;
          ASSERT_EQ(out[k], static_cast<std::uint16_t>(std::floor(t + 0.5))) << box_text(box);
        }
  }
}

TEST(RescaledSource, RefusesABadRule) {
  EXPECT_THROW(make_rescaled_source(test::memory_source<float>({1, 1, 1}, {0.f}), rule(1, 1)),
               std::invalid_argument);
  EXPECT_THROW(
      make_rescaled_source(test::memory_source<float>({1, 1, 1}, {0.f}), rule(0, 1, DType::f32)),
      std::invalid_argument);
}

TEST(BoxParts, CoverTheBoxInOrder) {
  const Box box{{3, 1, 2}, {10, 4, 6}};
  for (int parts : {1, 3, 7, 10, 16}) {
    index_t next = box.lo[0];
    index_t voxels = 0;
    for (int p = 0; p < parts; ++p) {
      const Box piece = z_part(box, p, parts);
      EXPECT_EQ(piece.lo[0], next);
      EXPECT_EQ(piece.lo[1], 1);
      EXPECT_EQ(piece.hi[2], 6);
      next = piece.hi[0];
      voxels += piece.voxels();
    }
    EXPECT_EQ(next, box.hi[0]);
    EXPECT_EQ(voxels, box.voxels());
  }
}

// ---- The config keys -------------------------------------------------------------------------

TEST(RescaleConfig, InputGreyAndSeriesSteps) {
  const Config run = parse(
      "input:\n  grey: {path: g.h5, dataset: /data, rescale: {range: [-0.002, 0.008]}}\n"
      "  labels: {path: l.h5, dataset: /labels}\n");
  ASSERT_TRUE(run.grey.rescale.has_value());
  EXPECT_EQ(run.grey.rescale->to, DType::u8);
  EXPECT_EQ(run.grey.rescale->lo, -0.002);
  EXPECT_EQ(run.grey.rescale->hi, 0.008);
  EXPECT_FALSE(run.labels.rescale.has_value());
  EXPECT_HAS(run.yaml_text, "rescale:\n      to: uint8\n      range: [-0.002, 0.008]");

  const Config series = parse(
      "series:\n  steps:\n"
      "    - {name: a, grey: {path: a.h5, dataset: /d, rescale: {to: uint16, range: [0, 2]}},"
      " labels: {path: l.h5, dataset: /l}}\n"
      "    - {name: b, grey: {path: b.h5, dataset: /d, rescale: none},"
      " labels: {path: l.h5, dataset: /l}}\n");
  ASSERT_TRUE(series.series->steps[0].grey.rescale.has_value());
  EXPECT_EQ(series.series->steps[0].grey.rescale->to, DType::u16);
  EXPECT_EQ(series.series->steps[0].grey.rescale->hi, 2.0);
  EXPECT_FALSE(series.series->steps[1].grey.rescale.has_value());
}

TEST(RescaleConfig, NotGivenLeavesTheResolvedYamlAsBefore) {
  const Config run =
      parse("input:\n  grey: {path: g.h5, dataset: /g}\n  labels: {path: l.h5, dataset: /l}\n");
  EXPECT_FALSE(run.grey.rescale.has_value());
  EXPECT_EQ(run.yaml_text.find("rescale"), std::string::npos);
}

TEST(RescaleConfig, ErrorsNameTheKey) {
  const std::string files = "  labels: {path: l.h5, dataset: /l}\n";
  EXPECT_HAS(error_of("input:\n  grey: {path: g.h5, dataset: /g, rescale: {to: uint8}}\n" + files),
             "missing key 'input.grey.rescale.range'");
  EXPECT_HAS(
      error_of("input:\n  grey: {path: g.h5, dataset: /g, rescale: {range: [2, 1]}}\n" + files),
      "key 'input.grey.rescale.range' must be a list [lo, hi] of two finite numbers with "
      "lo < hi");
  EXPECT_HAS(
      error_of("input:\n  grey: {path: g.h5, dataset: /g, rescale: {range: [0, .nan]}}\n" + files),
      "input.grey.rescale.range");
  // Each end finite, but hi - lo overflows: the map would make every grey level 0.
  EXPECT_HAS(error_of("input:\n  grey: {path: g.h5, dataset: /g, rescale: {range: [-1e308, "
                      "1e308]}}\n" +
                      files),
             "key 'input.grey.rescale.range' must be a list [lo, hi] of two finite numbers with "
             "lo < hi (the width hi - lo must be a finite number), got '[-1e308, 1e308]'");
  EXPECT_HAS(
      error_of("input:\n  grey: {path: g.h5, dataset: /g, rescale: {range: auto}}\n" + files),
      "'input.grey.rescale.range': auto is not supported");
  EXPECT_HAS(error_of("input:\n  grey: {path: g.h5, dataset: /g, rescale: {to: int8, range: "
                      "[0, 1]}}\n" +
                      files),
             "key 'input.grey.rescale.to' must be one of uint8, uint16");
  EXPECT_HAS(error_of("input:\n  grey: {path: g.h5, dataset: /g, rescale: yes}\n" + files),
             "key 'input.grey.rescale' must be none or a mapping");
  EXPECT_HAS(error_of("input:\n  grey: {path: g.h5, dataset: /g}\n  labels: {path: l.h5, "
                      "dataset: /l, rescale: {range: [0, 1]}}\n"),
             "unknown key 'input.labels.rescale'");
}

}  // namespace
}  // namespace grapes
