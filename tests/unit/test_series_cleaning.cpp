// Cleaning rules 1-5 of SPEC §6 on hand-built label sets: each removed label once, under the
// first rule that removed it, with the step where that rule fired.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "grapes/error.hpp"
#include "grapes/series/cleaning.hpp"
#include "grapes/series/series.hpp"
#include "test_series_support.hpp"

namespace grapes::series {
namespace {

using testing::P;
using testing::step;

// Three steps. Labels 1, 2, 7, 8, 12, 13 are clean; the others each trip a rule:
//  9 missing in s1 (inconsistent, step 1); 10 only in the reference (inconsistent, step 1);
//  11 only in s2 (inconsistent, step 0); 3 adjacent to 9 in s2 only (next_to_inconsistent,
//  step 2); 5 adjacent to 10 in the reference and on the border in s2 (next_to_inconsistent,
//  step 0: the first rule wins); 4 on the border in s1 (border, step 1); 6 without core in s2
//  (no_core, step 2). Rule 4 then sees volumes 100..600 of 1, 2, 7, 8, 12, 13 only: quantile
//  0.25 = 225 (index 1.25), so 1 and 2 go (small, step 0). Had label 6 (volume 50) still been
//  there, the quantile would be 150 and label 2 would stay.
std::vector<StepData> labelled_steps() {
  const std::vector<P> common = {{1, 100}, {2, 200}, {3, 1000}, {4, 1000}, {5, 1000},
                                 {6, 50},  {7, 300}, {8, 400},  {12, 500}, {13, 600}};
  std::vector<P> prist = common, s1 = common, s2 = common;
  prist.push_back({9});
  prist.push_back({10});
  s2.push_back({9});
  s2.push_back({11});
  s1[3].border = 1;       // label 4
  s2[4].border = 1;       // label 5
  s2[5].core_voxels = 0;  // label 6
  s2[5].core_mean = NAN;
  return {step("prist", prist, std::nullopt, {}, {{5, 10}, {9, 10}}),
          step("s1", s1, std::nullopt, {}, {{1, 2}}),
          step("s2", s2, std::nullopt, {}, {{3, 9}, {9, 11}})};
}

struct Expected {
  std::uint64_t label;
  const char* rule;
  std::int64_t step;
};

void expect_removed(const Cleaning& c, const std::vector<Expected>& expected) {
  ASSERT_EQ(c.removed.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(c.removed[i].label, expected[i].label) << i;
    EXPECT_EQ(c.removed[i].rule, expected[i].rule) << i;
    EXPECT_EQ(c.removed[i].step, expected[i].step) << i;
  }
}

TEST(SeriesCleaning, EveryRuleInOrderEachLabelOnce) {
  const Cleaning c = clean_labels(labelled_steps(), SeriesSettings{});
  EXPECT_EQ(c.inconsistent, (std::vector<std::uint64_t>{9, 10, 11}));
  expect_removed(c, {{9, "inconsistent", 1},
                     {10, "inconsistent", 1},
                     {11, "inconsistent", 0},
                     {3, "next_to_inconsistent", 2},
                     {5, "next_to_inconsistent", 0},
                     {4, "border", 1},
                     {6, "no_core", 2},
                     {1, "small", 0},
                     {2, "small", 0}});
  EXPECT_EQ(c.kept, (std::vector<std::uint64_t>{7, 8, 12, 13}));
}

TEST(SeriesCleaning, RulesSwitchOff) {
  SeriesSettings s;
  s.clean_next_to_inconsistent = false;
  s.clean_border = false;
  s.small_fraction = 0;
  const Cleaning c = clean_labels(labelled_steps(), s);
  expect_removed(c, {{9, "inconsistent", 1},
                     {10, "inconsistent", 1},
                     {11, "inconsistent", 0},
                     {6, "no_core", 2}});
  EXPECT_EQ(c.kept, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 7, 8, 12, 13}));

  // Without rule 2, label 5 falls to the border rule (fired in s2) instead.
  s.clean_border = true;
  const Cleaning border = clean_labels(labelled_steps(), s);
  ASSERT_EQ(border.removed.size(), 6u);
  EXPECT_EQ(border.removed[3].label, 4u);
  EXPECT_EQ(border.removed[4].label, 5u);
  EXPECT_EQ(border.removed[4].rule, "border");
  EXPECT_EQ(border.removed[4].step, 2);
}

TEST(SeriesCleaning, SmallFractionUsesReferenceStepVolumes) {
  // Reference volumes 10, 20, 30, 40 (quantile 0.5 = 25); the other step's volumes are
  // reversed and must not matter.
  std::vector<StepData> steps = {
      step("a", {{1, 10}, {2, 20}, {3, 30}, {4, 40}}),
      step("b", {{1, 40}, {2, 30}, {3, 20}, {4, 10}}),
  };
  SeriesSettings s;
  s.small_fraction = 0.5;
  EXPECT_EQ(clean_labels(steps, s).kept, (std::vector<std::uint64_t>{3, 4}));
  s.reference = 1;  // now step b is the reference: its 40, 30 stay
  const Cleaning c = clean_labels(steps, s);
  EXPECT_EQ(c.kept, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(c.removed[0].step, 1);
  // A volume equal to the quantile is removed (v > q keeps the rest): 10, 20, 20, 30 -> 20.
  steps = {step("a", {{1, 10}, {2, 20}, {3, 20}, {4, 30}})};
  s.reference = 0;
  EXPECT_EQ(clean_labels(steps, s).kept, (std::vector<std::uint64_t>{4}));
}

TEST(SeriesCleaning, InconsistentOffNeedsConsistentLabels) {
  SeriesSettings s;
  s.clean_inconsistent = false;
  try {
    clean_labels(labelled_steps(), s);
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("label 9"), std::string::npos) << message;
    EXPECT_NE(message.find("'s1'"), std::string::npos) << message;
  }
  // Consistent labels: switching rule 1 off is allowed and changes nothing. (Rule 4 off: with
  // equal volumes every label is <= the quantile and would go, as with pandas.)
  s.small_fraction = 0;
  const std::vector<StepData> steps = {step("a", {{1}, {2}}), step("b", {{2}, {1}})};
  EXPECT_EQ(clean_labels(steps, s).kept, (std::vector<std::uint64_t>{1, 2}));
}

TEST(SeriesCleaning, BadInputNamesStepAndColumn) {
  std::vector<StepData> steps = labelled_steps();
  steps[1].particles.columns.pop_back();  // touches_border
  try {
    clean_labels(steps, SeriesSettings{});
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "step 's1' particles has no column 'touches_border'");
  }
  steps = {step("a", {{1}, {1}})};
  EXPECT_THROW(clean_labels(steps, SeriesSettings{}), InputError);  // repeated label
  SeriesSettings s;
  s.reference = 1;
  EXPECT_THROW(clean_labels({step("a", {{1}})}, s), InputError);
  s.reference = 0;
  s.small_fraction = 1.0;
  EXPECT_THROW(clean_labels({step("a", {{1}})}, s), InputError);
}

}  // namespace
}  // namespace grapes::series
