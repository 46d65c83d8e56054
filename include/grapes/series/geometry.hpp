#pragma once
// Particle geometry through a series (docs/SERIES.md, "Geometry"): the kept particles' Euler
// numbers and solidity per step and, per step against the reference step, how many Euler
// numbers differ and the paired change of solidity. At voxel sizes that resolve them, a crack
// through a particle, a void that opens or a tunnel changes the particle's topology and
// convexity, which the grey level alone cannot tell apart from other changes.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "grapes/output/column_table.hpp"
#include "grapes/series/series.hpp"

namespace grapes::series {

// Per step, per kept label (in `kept` order): the /particles column `name` (euler_number,
// int64; solidity, float64). nullopt when a step's file has no such column (euler_number:
// written before the shape columns; solidity: analysis.convex_hull off, docs/OUTPUT.md).
template <class T>
std::optional<std::vector<std::vector<T>>> gather_column(const std::vector<StepData>& steps,
                                                         const std::vector<std::uint64_t>& kept,
                                                         const std::string& name);

using PerStep = std::optional<std::vector<std::vector<std::int64_t>>>;
using PerStepReal = std::optional<std::vector<std::vector<double>>>;

// /series/geometry: step, n (kept particles), euler_changed (kept particles whose Euler number
// differs from the reference step's); with solidity also delta_solidity_mean,
// delta_solidity_se (the mean and standard error of the per-particle change against the
// reference step) and p_paired_t_two (the paired t test of that change, two-sided, n - 1
// degrees of freedom; NaN where undefined: the reference step, n < 2, no variation). No rows
// without Euler numbers.
Table geometry_table(const PerStep& euler, const PerStepReal& solidity, std::size_t reference);

// One summary line per step of a geometry table with rows ("" for an empty one).
std::string geometry_lines(const std::vector<StepData>& steps, const Table& geometry);

}  // namespace grapes::series
