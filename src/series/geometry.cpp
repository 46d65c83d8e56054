// Euler numbers through a series: see geometry.hpp and docs/SERIES.md, "Geometry".
#include "grapes/series/geometry.hpp"

#include "grapes/series/detail.hpp"

namespace grapes::series {

std::optional<std::vector<std::vector<std::int64_t>>> gather_euler(
    const std::vector<StepData>& steps, const std::vector<std::uint64_t>& kept) {
  for (const StepData& step : steps)
    if (!step.particles.find("euler_number")) return std::nullopt;
  std::vector<std::vector<std::int64_t>> out(steps.size());
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const std::string where = detail::step_where(steps[s].name, "particles");
    const auto rows = detail::label_rows(
        detail::column<std::uint64_t>(steps[s].particles, where, "label"), where);
    const auto& euler = detail::column<std::int64_t>(steps[s].particles, where, "euler_number");
    for (std::uint64_t label : kept) out[s].push_back(euler[rows.at(label)]);
  }
  return out;
}

Table geometry_table(const std::optional<std::vector<std::vector<std::int64_t>>>& euler_numbers,
                     std::size_t reference) {
  Table t;
  auto& step = t.add<std::int64_t>("step");
  auto& n = t.add<std::int64_t>("n");
  auto& changed = t.add<std::int64_t>("euler_changed");
  if (!euler_numbers) return t;
  const auto& euler = *euler_numbers;
  for (std::size_t s = 0; s < euler.size(); ++s) {
    std::int64_t count = 0;
    for (std::size_t i = 0; i < euler[s].size(); ++i) count += euler[s][i] != euler[reference][i];
    step.push_back(static_cast<std::int64_t>(s));
    n.push_back(static_cast<std::int64_t>(euler[s].size()));
    changed.push_back(count);
  }
  return t;
}

std::string geometry_lines(const std::vector<StepData>& steps, const Table& geometry) {
  std::string text;
  const auto& step = geometry.get<std::int64_t>("step");
  const auto& n = geometry.get<std::int64_t>("n");
  const auto& changed = geometry.get<std::int64_t>("euler_changed");
  for (std::size_t r = 0; r < geometry.rows(); ++r)
    text += "Geometry '" + steps.at(static_cast<std::size_t>(step[r])).name +
            "': Euler number changed in " + std::to_string(changed[r]) + " of " +
            std::to_string(n[r]) + " kept particles\n";
  return text;
}

}  // namespace grapes::series
