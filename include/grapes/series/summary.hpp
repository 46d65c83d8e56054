#pragma once
// The plain-text summary of a series run (the root attribute `summary`), formed from the
// result's tables so it always says what the tables hold.
#include <string>
#include <vector>

#include "grapes/series/series.hpp"

namespace grapes::series {

// Cleaning counts, then per step the chosen error model (paper: mean and delta +/- k SE_tot,
// Z, its p and the paired t-test's p; standard: +/- k SES with the t-tests) and the other
// model's rows, the conditions with their Wilson intervals, a line per step without noise,
// `notes` and the result's warnings (docs/SERIES.md 8b).
std::string format_summary(const std::vector<StepData>& steps, const SeriesSettings& settings,
                           const SeriesResult& result, const std::vector<std::string>& notes);

}  // namespace grapes::series
