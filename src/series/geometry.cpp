// Euler numbers and solidity through a series: see geometry.hpp and docs/SERIES.md, "Geometry".
#include "grapes/series/geometry.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include "grapes/series/detail.hpp"
#include "grapes/series/stats.hpp"

namespace grapes::series {

template <class T>
std::optional<std::vector<std::vector<T>>> gather_column(const std::vector<StepData>& steps,
                                                         const std::vector<std::uint64_t>& kept,
                                                         const std::string& name) {
  for (const StepData& step : steps)
    if (!step.particles.find(name)) return std::nullopt;
  std::vector<std::vector<T>> out(steps.size());
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const std::string where = detail::step_where(steps[s].name, "particles");
    const auto rows = detail::label_rows(
        detail::column<std::uint64_t>(steps[s].particles, where, "label"), where);
    const auto& values = detail::column<T>(steps[s].particles, where, name);
    for (std::uint64_t label : kept) out[s].push_back(values[rows.at(label)]);
  }
  return out;
}
template std::optional<std::vector<std::vector<std::int64_t>>> gather_column(
    const std::vector<StepData>&, const std::vector<std::uint64_t>&, const std::string&);
template std::optional<std::vector<std::vector<double>>> gather_column(
    const std::vector<StepData>&, const std::vector<std::uint64_t>&, const std::string&);

namespace {

// The columns of the paired change of solidity against the reference step.
struct SolidityChange {
  std::vector<double>* mean;
  std::vector<double>* se;
  std::vector<double>* p_two;
};

// One step's row: mean, SE and the two-sided paired t test of step - reference.
void add_solidity_change(const std::vector<double>& step, const std::vector<double>& reference,
                         const SolidityChange& out) {
  std::vector<double> deltas;
  for (std::size_t i = 0; i < step.size(); ++i) deltas.push_back(step[i] - reference[i]);
  const double n = static_cast<double>(deltas.size());
  const double mean_delta = mean(deltas);
  const double se = sample_sd(deltas) / std::sqrt(n);  // NaN for n < 2
  // t = mean / SE: 0 / 0 (no particle changed, or the reference itself) is NaN, not 0.
  const double t_value = se > 0 ? mean_delta / se : std::numeric_limits<double>::quiet_NaN();
  out.mean->push_back(mean_delta);
  out.se->push_back(se);
  out.p_two->push_back(p_t_two_tailed(t_value, n - 1));
}

}  // namespace

Table geometry_table(const PerStep& euler_numbers, const PerStepReal& solidity,
                     std::size_t reference) {
  Table t;
  auto& step = t.add<std::int64_t>("step");
  auto& n = t.add<std::int64_t>("n");
  auto& changed = t.add<std::int64_t>("euler_changed");
  SolidityChange change{};
  if (solidity)
    change = {&t.add<double>("delta_solidity_mean"), &t.add<double>("delta_solidity_se"),
              &t.add<double>("p_paired_t_two")};
  if (!euler_numbers) return t;
  const auto& euler = *euler_numbers;
  for (std::size_t s = 0; s < euler.size(); ++s) {
    std::int64_t count = 0;
    for (std::size_t i = 0; i < euler[s].size(); ++i) count += euler[s][i] != euler[reference][i];
    step.push_back(static_cast<std::int64_t>(s));
    n.push_back(static_cast<std::int64_t>(euler[s].size()));
    changed.push_back(count);
    if (solidity) add_solidity_change((*solidity)[s], (*solidity)[reference], change);
  }
  return t;
}

std::string geometry_lines(const std::vector<StepData>& steps, const Table& geometry) {
  std::string text;
  const auto& step = geometry.get<std::int64_t>("step");
  const auto& n = geometry.get<std::int64_t>("n");
  const auto& changed = geometry.get<std::int64_t>("euler_changed");
  const bool solidity = geometry.find("delta_solidity_mean") != nullptr;
  for (std::size_t r = 0; r < geometry.rows(); ++r) {
    text += "Geometry '" + steps.at(static_cast<std::size_t>(step[r])).name +
            "': Euler number changed in " + std::to_string(changed[r]) + " of " +
            std::to_string(n[r]) + " kept particles";
    if (solidity) {
      char line[160];
      std::snprintf(line, sizeof line, "; solidity change %.4g +- %.2g (paired t, p = %.3g)",
                    geometry.get<double>("delta_solidity_mean")[r],
                    geometry.get<double>("delta_solidity_se")[r],
                    geometry.get<double>("p_paired_t_two")[r]);
      text += line;
    }
    text += "\n";
  }
  return text;
}

}  // namespace grapes::series
