// Label matching by voxel overlap (SPEC §6 item 12): permuted labels, split, merge, vanished
// and new particles, ties, and the relabelling of a step's tables.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "grapes/core/error.hpp"
#include "grapes/series/matching.hpp"
#include "test_series_support.hpp"

namespace grapes::series {
namespace {

using Row = std::tuple<std::uint64_t, std::uint64_t, std::int64_t, std::string>;

std::vector<Row> rows_of(const Table& t) {
  std::vector<Row> rows;
  for (std::size_t i = 0; i < t.rows(); ++i)
    rows.emplace_back(t.get<std::uint64_t>("reference_label")[i],
                      t.get<std::uint64_t>("step_label")[i], t.get<std::int64_t>("overlap")[i],
                      t.get<std::string>("status")[i]);
  return rows;
}

double iou_of(const Table& t, std::uint64_t a, std::uint64_t b) {
  for (std::size_t i = 0; i < t.rows(); ++i)
    if (t.get<std::uint64_t>("reference_label")[i] == a &&
        t.get<std::uint64_t>("step_label")[i] == b)
      return t.get<double>("iou")[i];
  ADD_FAILURE() << "no row (" << a << ", " << b << ")";
  return -1;
}

TEST(SeriesMatching, IntersectionOverUnion) {
  EXPECT_DOUBLE_EQ(intersection_over_union(95, 100, 100), 95.0 / 105);
  EXPECT_DOUBLE_EQ(intersection_over_union(100, 100, 100), 1.0);
}

TEST(SeriesMatching, EveryStatus) {
  // Reference 1-3 reappear as 9, 8, 7 (permuted); 4 splits into 11 + 12; 5 and 6 merge into
  // 13; 20 vanishes; 14 is new.
  const LabelSizes ref = {{1, 100}, {2, 200}, {3, 300}, {4, 200}, {5, 100}, {6, 100}, {20, 50}};
  const LabelSizes now = {{7, 290}, {8, 210}, {9, 100}, {11, 100}, {12, 100}, {13, 200}, {14, 40}};
  const std::vector<Overlap> o = {{1, 9, 95},  {2, 8, 190}, {3, 7, 280}, {2, 7, 5},
                                  {4, 11, 90}, {4, 12, 80}, {5, 13, 90}, {6, 13, 85}};
  const Matching m = match_labels(o, ref, now, 0.5, 3);
  // The small overlap (2, 7) gets no row: 2 and 7 are each listed once, as matched.
  const std::vector<Row> expected = {
      {0, 14, 0, "unmatched"}, {1, 9, 95, "matched"}, {2, 8, 190, "matched"},
      {3, 7, 280, "matched"},  {4, 11, 90, "split"},  {4, 12, 80, "split"},
      {5, 13, 90, "merged"},   {6, 13, 85, "merged"}, {20, 0, 0, "unmatched"}};
  EXPECT_EQ(rows_of(m.table), expected);
  EXPECT_EQ(m.step_to_reference, (std::map<std::uint64_t, std::uint64_t>{{7, 3}, {8, 2}, {9, 1}}));
  EXPECT_DOUBLE_EQ(iou_of(m.table, 1, 9), 95.0 / 105);
  EXPECT_DOUBLE_EQ(iou_of(m.table, 4, 11), 90.0 / 210);
  EXPECT_EQ(iou_of(m.table, 20, 0), 0.0);
  for (std::int64_t s : m.table.get<std::int64_t>("step")) EXPECT_EQ(s, 3);
}

TEST(SeriesMatching, TiesGoToTheSmallerLabel) {
  // Reference 8 overlaps step 15 and 16 equally (60 each, IoU 60 / 140 = 0.43): with
  // min_iou 0.4 it matches the smaller, 15; 16 stays unmatched beside it.
  const LabelSizes ref = {{8, 100}, {9, 100}, {10, 100}};
  const LabelSizes now = {{15, 100}, {16, 100}, {17, 100}};
  // Step 17 overlaps reference 9 and 10 equally: it chooses 9, and 9 chooses it back.
  const std::vector<Overlap> o = {{8, 16, 60}, {8, 15, 60}, {10, 17, 70}, {9, 17, 70}};
  const Matching m = match_labels(o, ref, now, 0.4, 1);
  EXPECT_EQ(m.step_to_reference, (std::map<std::uint64_t, std::uint64_t>{{15, 8}, {17, 9}}));
  // 10 chose 17 too but 17 is matched, so no merge; 16 chose 8, matched, so no split.
  const std::vector<Row> expected = {{8, 15, 60, "matched"},
                                     {8, 16, 60, "unmatched"},
                                     {9, 17, 70, "matched"},
                                     {10, 17, 70, "unmatched"}};
  EXPECT_EQ(rows_of(m.table), expected);
}

TEST(SeriesMatching, MatchedBeatsSliverAndLowIouIsUnmatched) {
  // 21 covers 90 of reference 20 (IoU 90 / 105): matched although sliver 22 also chooses 20.
  // 30 and 31 choose each other but IoU 40 / 160 is below 0.5.
  const LabelSizes ref = {{20, 100}, {30, 100}};
  const LabelSizes now = {{21, 95}, {22, 10}, {31, 100}};
  const Matching m = match_labels({{20, 21, 90}, {20, 22, 5}, {30, 31, 40}}, ref, now, 0.5, 1);
  EXPECT_EQ(m.step_to_reference, (std::map<std::uint64_t, std::uint64_t>{{21, 20}}));
  const std::vector<Row> expected = {
      {20, 21, 90, "matched"}, {20, 22, 5, "unmatched"}, {30, 31, 40, "unmatched"}};
  EXPECT_EQ(rows_of(m.table), expected);
}

TEST(SeriesMatching, BadOverlapsAreInputErrors) {
  const LabelSizes ref = {{1, 10}}, now = {{2, 10}};
  EXPECT_THROW(match_labels({{1, 3, 5}}, ref, now, 0.5, 1), InputError);   // unknown label
  EXPECT_THROW(match_labels({{1, 2, 11}}, ref, now, 0.5, 1), InputError);  // > either size
  EXPECT_THROW(match_labels({{1, 2, 5}, {1, 2, 5}}, ref, now, 0.5, 1), InputError);
  EXPECT_THROW(match_labels({{0, 2, 5}}, ref, now, 0.5, 1), InputError);  // background
  try {
    match_labels({{1, 3, 5}}, ref, now, 0.5, 1);
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("step label 3"), std::string::npos) << e.what();
  }
}

TEST(SeriesMatching, LabelSizesFromParticles) {
  const Table t = testing::particles({{4, 40}, {2, 20}});
  EXPECT_EQ(label_sizes(t, "step 'a' particles"), (LabelSizes{{2, 20}, {4, 40}}));
  EXPECT_THROW(label_sizes(testing::particles({{4}, {4}}), "x"), InputError);
}

using testing::L;
using testing::P;

TEST(SeriesMatching, RelabelStepRewritesEveryTable) {
  // Step labels 7, 8, 9 are reference 3, 2, 1; 14 is new and goes.
  StepData s = testing::step("s1", {{7, 70}, {8, 80}, {9, 90}, {14, 140}}, 1.0,
                             {{9, 1, 5, 1.0}, {7, 1, 3, 2.0}, {7, 2, 1, 3.0}, {14, 1, 1, 4.0}},
                             {{7, 8}, {7, 9}, {7, 14}});
  relabel_step(s, {{7, 3}, {8, 2}, {9, 1}});
  EXPECT_EQ(s.particles.get<std::uint64_t>("label"), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(s.particles.get<std::uint64_t>("step_label"), (std::vector<std::uint64_t>{9, 8, 7}));
  EXPECT_EQ(s.particles.get<std::int64_t>("volume"), (std::vector<std::int64_t>{90, 80, 70}));
  EXPECT_EQ(s.layers.get<std::uint64_t>("label"), (std::vector<std::uint64_t>{1, 3, 3}));
  EXPECT_EQ(s.layers.get<std::int64_t>("layer"), (std::vector<std::int64_t>{1, 1, 2}));
  EXPECT_EQ(s.layers.get<double>("graylevel"), (std::vector<double>{1, 2, 3}));
  // (7, 8) -> (2, 3); (7, 9) -> (1, 3) re-ordered; (7, 14) dropped.
  EXPECT_EQ(s.adjacency.get<std::uint64_t>("label_a"), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(s.adjacency.get<std::uint64_t>("label_b"), (std::vector<std::uint64_t>{3, 3}));
  EXPECT_THROW(relabel_step(s, {{1, 1}}), InputError);  // already relabelled
  StepData t = testing::step("s2", {{1}, {2}});
  EXPECT_THROW(relabel_step(t, {{1, 5}, {2, 5}}), InputError);  // not one to one
}

TEST(SeriesMatching, MatchedSeriesEndToEnd) {
  // Reference 1, 2, 3; the step segmented on its own calls them 30, 10, 20 and loses 3.
  const std::vector<P> ref_particles = {{1, 100, 150}, {2, 100, 160}, {3, 100, 170}};
  StepData ref = testing::step("prist", ref_particles, 1.0, {}, {{2, 3}});
  StepData now = testing::step("s1", {{10, 100, 158}, {20, 100, 140}, {30, 100, 149}}, 1.0);
  const Matching m = match_labels({{1, 30, 90}, {2, 10, 95}}, label_sizes(ref.particles, "ref"),
                                  label_sizes(now.particles, "s1"), 0.5, 1);
  relabel_step(now, m.step_to_reference);
  SeriesSettings s = testing::no_cleaning();
  s.clean_next_to_inconsistent = false;
  const SeriesResult r = analyse_series({ref, now}, s);
  EXPECT_EQ(r.tables.at("values").get<std::uint64_t>("label"), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(r.tables.at("values").get<double>("I_s1"), (std::vector<double>{149, 158}));
  EXPECT_EQ(r.removed_per_rule[0].second, 1);  // reference 3 is missing in s1
}

}  // namespace
}  // namespace grapes::series
