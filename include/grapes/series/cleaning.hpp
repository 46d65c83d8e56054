#pragma once
// Data cleaning of an operando series (docs/SERIES.md, "Cleaning": rules 1-5; paper §2.4).
#include <cstdint>
#include <string>
#include <vector>

#include "grapes/series/series.hpp"

namespace grapes::series {

// The rule names, in the order they are applied.
const std::vector<std::string>& cleaning_rules();

struct Removal {
  std::uint64_t label;
  std::string rule;
  std::int64_t step;  // step index where the rule fired, -1 when not step specific
};

struct Cleaning {
  std::vector<std::uint64_t> kept;  // ascending
  std::vector<Removal> removed;     // rule order, then label
  // Labels present in some steps but not all (rule 1's set; rule 2 uses it even when rule 1
  // is off, and a run with rule 1 off must have none).
  std::vector<std::uint64_t> inconsistent;
};

// Applies rules 1, 2, 3, no_core and 4 in that order; each label is removed once, under the
// first rule that removes it. Throws InputError for missing columns or duplicate labels.
Cleaning clean_labels(const std::vector<StepData>& steps, const SeriesSettings& settings);

}  // namespace grapes::series
