#pragma once
// The plain-text summary of a series run (the root attribute `summary`), formed from the
// result's tables so it always says what the tables hold.
#include <string>
#include <vector>

#include "grapes/series/series.hpp"

namespace grapes::series {

// Cleaning counts, then per step: name, n, mean +/- k SE_tot, delta +/- k SE_tot, Z and the
// two-tailed p (k = settings.error_multiple), then a line per step without noise and `notes`.
std::string format_summary(const std::vector<StepData>& steps, const SeriesSettings& settings,
                           const SeriesResult& result, const std::vector<std::string>& notes);

}  // namespace grapes::series
