#pragma once
// Operando series analysis (docs/SERIES.md, paper §2.4, §3, §3.1): per-step particle tables in,
// the /series tables and the plain-text summary out. Pure: no MPI, no Kokkos, no files.
// docs/SERIES.md states every rule, formula and column as implemented here.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "grapes/output/column_table.hpp"
#include "grapes/series/stats.hpp"

namespace grapes::series {

// One time step (or one ex-situ dataset) as the tables of a `grapes run` output file.
struct StepData {
  std::string name;
  // /particles: label (uint64), volume (int64), centroid-0..2 (double), core_mean (double,
  // NaN without core), core_voxels (int64), touches_border (uint8), ...
  Table particles;
  // /layers: label (uint64), layer (int64), count (int64), graylevel, graylevel_normed (double)
  Table layers;
  // /adjacency: label_a < label_b (uint64), shared_faces (int64)
  Table adjacency;
  // Background noise std of this step; nullopt: SEM is NaN and SE_tot = SES.
  std::optional<double> sigma_bg;
};

// Fraction of kept particles with I_a op I_b; a and b are step names, op ">" or "<".
struct Condition {
  std::string name, a, b, op;
};

struct SeriesSettings {
  std::size_t reference = 0;  // index of the reference (pristine) step
  bool clean_inconsistent = true, clean_next_to_inconsistent = true, clean_border = true;
  double small_fraction = 0.25;  // rule 4 quantile; 0 disables rule 4
  std::vector<Condition> conditions;
  std::optional<int> quartile_axis;  // 0, 1, 2 (z, y, x); nullopt: no /series/quartiles rows
  bool collector_high = true;        // current collector at the high end of the axis
  double error_multiple = 3.0;       // k in the summary's "+/- k SE_tot" (or "+/- k SES")
  // The one-tailed alternative of every *_one column (docs/SERIES.md item 8).
  Alternative alternative = Alternative::less;
  // What the summary prints: the paper's +/- k SE_tot with the normal Z (false) or the
  // standard +/- k SES with the t-tests (true) (docs/SERIES.md item 8b).
  bool standard_error_bars = false;
};

struct SeriesResult {
  // "steps", "values", "removed", "conditions", "quartiles", "radial_delta", "geometry"
  std::map<std::string, Table> tables;
  // (rule, labels removed by it), rules in the order of docs/SERIES.md, every rule listed (0
  // when off)
  std::vector<std::pair<std::string, std::int64_t>> removed_per_rule;
  // Undefined (NaN) printed values and small n, naming step, subset and n (docs/SERIES.md
  // 8b); in the summary as "Warning: ..." lines.
  std::vector<std::string> warnings;
  std::string summary;
};

// Throws InputError (naming the step, column, label or setting) for unusable input.
SeriesResult analyse_series(const std::vector<StepData>& steps, const SeriesSettings& settings);

}  // namespace grapes::series
