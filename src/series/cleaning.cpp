#include "grapes/series/cleaning.hpp"

#include <cmath>
#include <map>
#include <set>
#include <unordered_set>

#include "grapes/core/error.hpp"
#include "grapes/series/detail.hpp"
#include "grapes/series/stats.hpp"

namespace grapes::series {

namespace {

using detail::column;
using detail::step_where;
using LabelSet = std::unordered_set<std::uint64_t>;

// Per step: label -> row of its particle table.
std::vector<std::unordered_map<std::uint64_t, std::size_t>> rows_of_steps(
    const std::vector<StepData>& steps) {
  std::vector<std::unordered_map<std::uint64_t, std::size_t>> rows;
  for (const StepData& step : steps) {
    const std::string where = step_where(step.name, "particles");
    rows.push_back(
        detail::label_rows(column<std::uint64_t>(step.particles, where, "label"), where));
  }
  return rows;
}

// Removes from `alive` every label for which `fired(label)` gives a step >= -1 (a value
// below -1 means "keep"), recording it under `rule`.
template <class Fired>
void apply_rule(const std::string& rule, std::set<std::uint64_t>& alive, Fired fired,
                std::vector<Removal>& removed) {
  for (auto it = alive.begin(); it != alive.end();) {
    const std::int64_t step = fired(*it);
    if (step < -1) {
      ++it;
      continue;
    }
    removed.push_back({*it, rule, step});
    it = alive.erase(it);
  }
}

constexpr std::int64_t kKeep = -2;

// Rule 2: first step in which `label` is face-adjacent to an inconsistent label.
std::map<std::uint64_t, std::int64_t> next_to_inconsistent(const std::vector<StepData>& steps,
                                                           const LabelSet& inconsistent) {
  std::map<std::uint64_t, std::int64_t> first_step;
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const std::string where = step_where(steps[s].name, "adjacency");
    const auto& a = column<std::uint64_t>(steps[s].adjacency, where, "label_a");
    const auto& b = column<std::uint64_t>(steps[s].adjacency, where, "label_b");
    for (std::size_t i = 0; i < a.size(); ++i) {
      const bool a_bad = inconsistent.count(a[i]) > 0, b_bad = inconsistent.count(b[i]) > 0;
      if (a_bad == b_bad) continue;
      first_step.emplace(a_bad ? b[i] : a[i], static_cast<std::int64_t>(s));  // keeps the first
    }
  }
  return first_step;
}

// First step whose particle row of `label` satisfies `hit(step, row)`, else kKeep.
template <class Hit>
std::int64_t first_step_where(
    const std::vector<std::unordered_map<std::uint64_t, std::size_t>>& rows, std::uint64_t label,
    Hit hit) {
  for (std::size_t s = 0; s < rows.size(); ++s)
    if (hit(s, rows[s].at(label))) return static_cast<std::int64_t>(s);
  return kKeep;
}

// What every rule reads: the steps and, per step, label -> particle row.
struct Context {
  const std::vector<StepData>& steps;
  std::vector<std::unordered_map<std::uint64_t, std::size_t>> rows;
};

void remove_inconsistent(const Context& c, const SeriesSettings& settings,
                         std::set<std::uint64_t>& alive, Cleaning& out) {
  // The first step in which the label is missing.
  auto first_missing = [&](std::uint64_t label) {
    for (std::size_t s = 0; s < c.rows.size(); ++s)
      if (!c.rows[s].count(label)) return static_cast<std::int64_t>(s);
    return kKeep;
  };
  for (std::uint64_t label : alive)
    if (first_missing(label) != kKeep) out.inconsistent.push_back(label);
  if (!settings.clean_inconsistent && !out.inconsistent.empty()) {
    const std::uint64_t label = out.inconsistent.front();
    throw InputError("series.clean.inconsistent is off but label " + std::to_string(label) +
                     " is missing in step '" + c.steps[first_missing(label)].name +
                     "': a series tracks only labels present in every step");
  }
  apply_rule("inconsistent", alive, first_missing, out.removed);
}

void remove_next_to_inconsistent(const Context& c, std::set<std::uint64_t>& alive, Cleaning& out) {
  const LabelSet bad(out.inconsistent.begin(), out.inconsistent.end());
  const auto neighbours = next_to_inconsistent(c.steps, bad);
  auto fired = [&](std::uint64_t label) {
    const auto it = neighbours.find(label);
    return it == neighbours.end() ? kKeep : it->second;
  };
  apply_rule("next_to_inconsistent", alive, fired, out.removed);
}

void remove_border(const Context& c, std::set<std::uint64_t>& alive, Cleaning& out) {
  std::vector<const std::vector<std::uint8_t>*> border;
  for (const StepData& step : c.steps)
    border.push_back(&column<std::uint8_t>(step.particles, step_where(step.name, "particles"),
                                           "touches_border"));
  auto fired = [&](std::uint64_t label) {
    return first_step_where(c.rows, label,
                            [&](std::size_t s, std::size_t r) { return (*border[s])[r] != 0; });
  };
  apply_rule("border", alive, fired, out.removed);
}

// Always on: without core voxels the particle has no value I_p,s.
void remove_no_core(const Context& c, std::set<std::uint64_t>& alive, Cleaning& out) {
  std::vector<const std::vector<std::int64_t>*> voxels;
  std::vector<const std::vector<double>*> means;
  for (const StepData& step : c.steps) {
    const std::string where = step_where(step.name, "particles");
    voxels.push_back(&column<std::int64_t>(step.particles, where, "core_voxels"));
    means.push_back(&column<double>(step.particles, where, "core_mean"));
  }
  auto fired = [&](std::uint64_t label) {
    return first_step_where(c.rows, label, [&](std::size_t s, std::size_t r) {
      return (*voxels[s])[r] <= 0 || std::isnan((*means[s])[r]);
    });
  };
  apply_rule("no_core", alive, fired, out.removed);
}

// Rule 4, the pandas idiom v > v.quantile(f) over the labels still alive; fires at the
// reference step, whose volume it tests.
void remove_small(const Context& c, const SeriesSettings& settings, std::set<std::uint64_t>& alive,
                  Cleaning& out) {
  if (alive.empty()) return;
  const std::size_t ref = settings.reference;
  const auto& ref_rows = c.rows[ref];
  const auto& volume = column<std::int64_t>(c.steps[ref].particles,
                                            step_where(c.steps[ref].name, "particles"), "volume");
  std::vector<double> volumes;
  for (std::uint64_t label : alive)
    volumes.push_back(static_cast<double>(volume[ref_rows.at(label)]));
  const double threshold = pandas_quantile(volumes, settings.small_fraction);
  auto fired = [&](std::uint64_t label) {
    const double v = static_cast<double>(volume[ref_rows.at(label)]);
    return v <= threshold ? static_cast<std::int64_t>(ref) : kKeep;
  };
  apply_rule("small", alive, fired, out.removed);
}

}  // namespace

const std::vector<std::string>& cleaning_rules() {
  static const std::vector<std::string> rules = {"inconsistent", "next_to_inconsistent", "border",
                                                 "no_core", "small"};
  return rules;
}

Cleaning clean_labels(const std::vector<StepData>& steps, const SeriesSettings& settings) {
  if (settings.reference >= steps.size())
    throw InputError("series.reference: step index " + std::to_string(settings.reference) +
                     " is out of range for " + std::to_string(steps.size()) + " steps");
  if (!(settings.small_fraction >= 0 && settings.small_fraction < 1))
    throw InputError("series.clean.small_fraction must be in [0, 1), got " +
                     std::to_string(settings.small_fraction));
  const Context c{steps, rows_of_steps(steps)};
  std::set<std::uint64_t> alive;
  for (const auto& step_rows : c.rows)
    for (const auto& entry : step_rows) alive.insert(entry.first);

  Cleaning out;
  remove_inconsistent(c, settings, alive, out);
  if (settings.clean_next_to_inconsistent) remove_next_to_inconsistent(c, alive, out);
  if (settings.clean_border) remove_border(c, alive, out);
  remove_no_core(c, alive, out);
  if (settings.small_fraction > 0) remove_small(c, settings, alive, out);
  out.kept.assign(alive.begin(), alive.end());
  return out;
}

}  // namespace grapes::series
