#pragma once
// Ex-situ comparison (docs/SERIES.md item 11, paper §3 case study 1): datasets without shared
// labels, compared through mean radial profiles as GRAPES's radial_layers_quartiles and
// radial_layers_deciles compute them.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "grapes/series/series.hpp"

namespace grapes::series {

struct ExsituSettings {
  std::string profile = "graylevel_normed";  // the /layers column that is averaged
  // With profile graylevel_normed: leave flat profiles (every graylevel_normed row 0: the
  // radial_max denominator was <= 0, nothing to normalise by) out of every group's means.
  bool exclude_flat = true;
  // Restricts the "all" group to particles with volume > the pandas quantile(volume_quantile)
  // of the dataset's volumes (0.75: the largest quartile, paper Fig. 7); nullopt: no limit.
  std::optional<double> volume_quantile;
  bool clean_border = true;  // drop particles touching the image border (paper §2.4)
  // (a, b) dataset names for radial_z; empty: the first dataset against each other one.
  std::vector<std::pair<std::string, std::string>> comparisons;
};

struct ExsituResult {
  // "radial/<dataset>": group, layer, mean, std, se, n; "radial_z": dataset_a, dataset_b,
  // layer, z, df, p_two (Welch's t per layer).
  std::map<std::string, Table> tables;
  std::vector<std::pair<std::string, std::int64_t>> border_removed;  // per dataset
  // Per dataset: border-kept particles with a flat profile, and how many of them were left
  // out of the means (all of them with exclude_flat and graylevel_normed, else 0).
  std::vector<std::pair<std::string, std::int64_t>> flat_profiles;
  std::vector<std::pair<std::string, std::int64_t>> flat_excluded;
};

// Throws InputError naming the dataset, column or setting for unusable input.
ExsituResult analyse_exsitu(const std::vector<StepData>& datasets, const ExsituSettings& settings);

}  // namespace grapes::series
