#pragma once
// Radial change of an operando series (docs/SERIES.md, item 13): per step, the mean over kept
// particles of the layer grey change g_k,s - g_k,0, by layer and by relative depth.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "grapes/series/series.hpp"

namespace grapes::series {

// Relative-depth bin of layer k of a particle with K0 reference layers: floor(10 (k-1) /
// (K0-1)) in integers, capped at 9 (so 1.0 joins [0.9, 1.0]); K0 = 1 gives bin 0.
std::int64_t relative_depth_bin(std::int64_t k, std::int64_t k0);

// /series/radial_delta: step, depth_kind ("layer" | "relative"), depth, n, delta_mean,
// delta_se for the `kept` labels (each present in every step), `reference` the step index.
Table radial_delta(const std::vector<StepData>& steps, const std::vector<std::uint64_t>& kept,
                   std::size_t reference);

}  // namespace grapes::series
