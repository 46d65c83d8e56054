#pragma once
// Particle geometry through a series (docs/SERIES.md, "Geometry"): the kept particles' Euler
// numbers per step and, per step, how many differ from the reference step's. At voxel sizes
// that resolve them, a crack through a particle, a void that opens or a tunnel changes the
// particle's topology, which the grey level alone cannot tell apart from other changes.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "grapes/output/column_table.hpp"
#include "grapes/series/series.hpp"

namespace grapes::series {

// Per step, per kept label (in `kept` order): its euler_number. nullopt when a step's file has
// no euler_number column (written before the shape columns, docs/OUTPUT.md).
std::optional<std::vector<std::vector<std::int64_t>>> gather_euler(
    const std::vector<StepData>& steps, const std::vector<std::uint64_t>& kept);

// /series/geometry: step, n (kept particles), euler_changed (kept particles whose Euler number
// differs from the reference step's). No rows without Euler numbers.
Table geometry_table(const std::optional<std::vector<std::vector<std::int64_t>>>& euler,
                     std::size_t reference);

// One summary line per step of a geometry table with rows ("" for an empty one).
std::string geometry_lines(const std::vector<StepData>& steps, const Table& geometry);

}  // namespace grapes::series
