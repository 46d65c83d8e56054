// Cleaning rules 1-5 of SPEC §6 on hand-built label sets: each removed label once, under the
// first rule that removed it, with the step where that rule fired.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "grapes/core/error.hpp"
#include "grapes/series/cleaning.hpp"
#include "grapes/series/series.hpp"
#include "test_series_support.hpp"

namespace grapes::series {
namespace {

using testing::P;
using testing::step;

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
  const Cleaning c = clean_labels(testing::rule_steps(), SeriesSettings{});
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
  const Cleaning c = clean_labels(testing::rule_steps(), s);
  expect_removed(c, {{9, "inconsistent", 1},
                     {10, "inconsistent", 1},
                     {11, "inconsistent", 0},
                     {6, "no_core", 2}});
  EXPECT_EQ(c.kept, (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 7, 8, 12, 13}));

  // Without rule 2, label 5 falls to the border rule (fired in s2) instead.
  s.clean_border = true;
  const Cleaning border = clean_labels(testing::rule_steps(), s);
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
    clean_labels(testing::rule_steps(), s);
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
  std::vector<StepData> steps = testing::rule_steps();
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
