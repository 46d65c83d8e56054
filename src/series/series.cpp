#include "grapes/series/series.hpp"

#include <cmath>
#include <limits>
#include <set>
#include <string>

#include "grapes/core/error.hpp"
#include "grapes/series/cleaning.hpp"
#include "grapes/series/detail.hpp"
#include "grapes/series/geometry.hpp"
#include "grapes/series/radial.hpp"
#include "grapes/series/stats.hpp"
#include "grapes/series/summary.hpp"

namespace grapes::series {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using Subset = std::vector<std::size_t>;  // positions in the kept-label list

std::size_t step_index(const std::vector<StepData>& steps, const std::string& name,
                       const std::string& key) {
  for (std::size_t s = 0; s < steps.size(); ++s)
    if (steps[s].name == name) return s;
  throw InputError(key + ": no step named '" + name + "'");
}

void validate(const std::vector<StepData>& steps, const SeriesSettings& settings) {
  if (steps.empty()) throw InputError("series.steps: no steps given");
  std::set<std::string> names;
  for (const StepData& step : steps) {
    if (step.name.empty()) throw InputError("series.steps: a step has an empty name");
    if (!names.insert(step.name).second)
      throw InputError("series.steps: two steps are named '" + step.name + "'");
    if (step.sigma_bg && !(std::isfinite(*step.sigma_bg) && *step.sigma_bg >= 0))
      throw InputError("series.steps: step '" + step.name + "' noise must be a number >= 0");
  }
  if (settings.quartile_axis && (*settings.quartile_axis < 0 || *settings.quartile_axis > 2))
    throw InputError("series.quartiles.axis must be 0, 1 or 2, got " +
                     std::to_string(*settings.quartile_axis));
  if (!(std::isfinite(settings.error_multiple) && settings.error_multiple >= 0))
    throw InputError("series.error_multiple must be a number >= 0");
  for (const Condition& c : settings.conditions) {
    const std::string key = "series.conditions '" + c.name + "'";
    step_index(steps, c.a, key);
    step_index(steps, c.b, key);
    if (c.op != ">" && c.op != "<")
      throw InputError(key + ": op must be \">\" or \"<\", got \"" + c.op + "\"");
  }
}

// Per step, per kept particle (in label order): I_p,s, n_p,s and SEM_P (NaN without noise).
struct StepValues {
  std::vector<double> value, sem;
  std::vector<std::int64_t> voxels;
};

std::vector<StepValues> gather_values(const std::vector<StepData>& steps,
                                      const std::vector<std::uint64_t>& kept) {
  std::vector<StepValues> out(steps.size());
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const std::string where = detail::step_where(steps[s].name, "particles");
    const auto& labels = detail::column<std::uint64_t>(steps[s].particles, where, "label");
    const auto rows = detail::label_rows(labels, where);
    const auto& core_mean = detail::column<double>(steps[s].particles, where, "core_mean");
    const auto& voxels = detail::column<std::int64_t>(steps[s].particles, where, "core_voxels");
    const double sigma = steps[s].sigma_bg.value_or(kNaN);
    for (std::uint64_t label : kept) {
      const std::size_t r = rows.at(label);
      out[s].value.push_back(core_mean[r]);
      out[s].voxels.push_back(voxels[r]);
      out[s].sem.push_back(sigma / std::sqrt(static_cast<double>(voxels[r])));
    }
  }
  return out;
}

Subset all_of(std::size_t n) {
  Subset subset(n);
  for (std::size_t i = 0; i < n; ++i) subset[i] = i;
  return subset;
}

// Mean with its sampling, measurement and total errors: the paper's (sem, se_tot) and the
// standard measurement error of the mean (sem_n = sqrt(sum SEM_P^2) / n), docs/SERIES.md 8b.
struct MeanError {
  double mean = 0, sd = 0, ses = 0, sem = 0, se_tot = 0, sem_n = 0;
};

MeanError mean_error(const std::vector<double>& values, const std::vector<double>& sems) {
  MeanError e;
  e.mean = mean(values);
  e.sd = sample_sd(values);
  e.ses = e.sd / std::sqrt(static_cast<double>(values.size()));
  e.sem = sem_of_mean(sems);
  e.se_tot = se_total(e.ses, e.sem);
  e.sem_n = sem_of_mean_over_n(sems);
  return e;
}

MeanError level_error(const StepValues& s, const Subset& subset) {
  std::vector<double> values, sems;
  for (std::size_t i : subset) {
    values.push_back(s.value[i]);
    sems.push_back(s.sem[i]);
  }
  return mean_error(values, sems);
}

std::vector<double> deltas(const StepValues& s, const StepValues& ref, const Subset& subset) {
  std::vector<double> d;
  for (std::size_t i : subset) d.push_back(s.value[i] - ref.value[i]);
  return d;
}

// Delta_I statistics; for the reference step itself zero by definition, but only when there
// is a particle to take the difference of (n = 0: NaN, docs/SERIES.md 8b).
MeanError delta_error(const StepValues& s, const StepValues& ref, const Subset& subset,
                      bool is_reference) {
  if (is_reference)
    return subset.empty() ? MeanError{kNaN, kNaN, kNaN, kNaN, kNaN, kNaN} : MeanError{};
  std::vector<double> sems;
  for (std::size_t i : subset) sems.push_back(std::hypot(ref.sem[i], s.sem[i]));
  return mean_error(deltas(s, ref, subset), sems);
}

// The tests of one step against the reference (docs/SERIES.md items 8 and 8b); all NaN for
// the reference itself (no test of a step against itself).
struct StepTests {
  double z = kNaN, p_one = kNaN, p_two = kNaN, z_paired = kNaN, p_paired = kNaN;
  double df_welch = kNaN, p_welch_one = kNaN, p_welch_two = kNaN;
  double df_paired = kNaN, p_paired_t_one = kNaN, p_paired_t_two = kNaN;
};

StepTests step_tests(const MeanError& e, const MeanError& e0, const std::vector<double>& delta,
                     Alternative alternative) {
  StepTests t;
  const double n = static_cast<double>(delta.size());
  t.z = z_unpaired(e.mean, e.sd, n, e0.mean, e0.sd, n);
  t.p_one = p_one_tailed(t.z, alternative);
  t.p_two = p_two_tailed(t.z);
  t.z_paired = z_paired(delta);
  t.p_paired = p_two_tailed(t.z_paired);
  t.df_welch = welch_df(e.sd, n, e0.sd, n);
  t.p_welch_one = p_t_one_tailed(t.z, t.df_welch, alternative);
  t.p_welch_two = p_t_two_tailed(t.z, t.df_welch);
  t.df_paired = n >= 2 ? n - 1 : kNaN;
  t.p_paired_t_one = p_t_one_tailed(t.z_paired, t.df_paired, alternative);
  t.p_paired_t_two = p_t_two_tailed(t.z_paired, t.df_paired);
  return t;
}

// /series/steps: the paper's columns (items 6-8), then the standard ones (item 8b).
Table steps_table(const std::vector<StepData>& steps, const std::vector<StepValues>& values,
                  const SeriesSettings& settings) {
  Table t;
  auto& step = t.add<std::int64_t>("step");
  auto& name = t.add<std::string>("name");
  auto& n = t.add<std::int64_t>("n");
  const char* const stat_names[] = {"mean",
                                    "sd",
                                    "ses",
                                    "sem",
                                    "se_tot",
                                    "delta_mean",
                                    "delta_ses",
                                    "delta_sem",
                                    "delta_se_tot",
                                    "z",
                                    "p_one",
                                    "p_two",
                                    "z_paired",
                                    "p_paired",
                                    "sem_of_mean",
                                    "delta_sem_of_mean",
                                    "df_welch",
                                    "p_welch_one",
                                    "p_welch_two",
                                    "df_paired",
                                    "p_paired_t_one",
                                    "p_paired_t_two"};
  std::vector<std::vector<double>*> stat;
  for (const char* column : stat_names) stat.push_back(&t.add<double>(column));
  const std::size_t reference = settings.reference;
  const StepValues& ref = values[reference];
  const Subset subset = all_of(ref.value.size());
  const MeanError e0 = level_error(ref, subset);
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const bool is_ref = s == reference;
    const MeanError e = level_error(values[s], subset);
    const MeanError d = delta_error(values[s], ref, subset, is_ref);
    const StepTests x =
        is_ref ? StepTests{}
               : step_tests(e, e0, deltas(values[s], ref, subset), settings.alternative);
    const double row[] = {e.mean,
                          e.sd,
                          e.ses,
                          e.sem,
                          e.se_tot,
                          d.mean,
                          d.ses,
                          d.sem,
                          d.se_tot,
                          x.z,
                          x.p_one,
                          x.p_two,
                          x.z_paired,
                          x.p_paired,
                          e.sem_n,
                          d.sem_n,
                          x.df_welch,
                          x.p_welch_one,
                          x.p_welch_two,
                          x.df_paired,
                          x.p_paired_t_one,
                          x.p_paired_t_two};
    step.push_back(static_cast<std::int64_t>(s));
    name.push_back(steps[s].name);
    n.push_back(static_cast<std::int64_t>(subset.size()));
    for (std::size_t c = 0; c < stat.size(); ++c) stat[c]->push_back(row[c]);
  }
  return t;
}

// `euler`, `solidity`: per step the kept particles' values, when every step has them.
Table values_table(const std::vector<StepData>& steps, const std::vector<std::uint64_t>& kept,
                   const std::vector<StepValues>& values, const PerStep& euler,
                   const PerStepReal& solidity) {
  Table t;
  t.add<std::uint64_t>("label") = kept;
  for (std::size_t s = 0; s < steps.size(); ++s) {
    t.add<double>("I_" + steps[s].name) = values[s].value;
    t.add<std::int64_t>("n_" + steps[s].name) = values[s].voxels;
    if (euler) t.add<std::int64_t>("euler_" + steps[s].name) = (*euler)[s];
    if (solidity) t.add<double>("solidity_" + steps[s].name) = (*solidity)[s];
  }
  return t;
}

Table removed_table(const Cleaning& cleaning) {
  Table t;
  auto& label = t.add<std::uint64_t>("label");
  auto& rule = t.add<std::string>("rule");
  auto& step = t.add<std::int64_t>("step");
  for (const Removal& r : cleaning.removed) {
    label.push_back(r.label);
    rule.push_back(r.rule);
    step.push_back(r.step);
  }
  return t;
}

Table conditions_table(const std::vector<StepData>& steps, const SeriesSettings& settings,
                       const std::vector<StepValues>& values) {
  Table t;
  auto& name = t.add<std::string>("name");
  auto& step_a = t.add<std::string>("step_a");
  auto& step_b = t.add<std::string>("step_b");
  auto& op = t.add<std::string>("op");
  auto& fraction = t.add<double>("fraction");
  auto& se = t.add<double>("se");
  auto& ci_low = t.add<double>("ci_low");
  auto& ci_high = t.add<double>("ci_high");
  for (const Condition& c : settings.conditions) {
    const auto& a = values[step_index(steps, c.a, c.name)].value;
    const auto& b = values[step_index(steps, c.b, c.name)].value;
    std::size_t hits = 0;
    for (std::size_t i = 0; i < a.size(); ++i) hits += c.op == ">" ? a[i] > b[i] : a[i] < b[i];
    const double n = static_cast<double>(a.size());
    const double f = a.empty() ? kNaN : static_cast<double>(hits) / n;
    name.push_back(c.name);
    step_a.push_back(c.a);
    step_b.push_back(c.b);
    op.push_back(c.op);
    fraction.push_back(f);
    se.push_back(binomial_se(f, n));
    const Interval ci = wilson_interval(static_cast<double>(hits), n);
    ci_low.push_back(ci.low);
    ci_high.push_back(ci.high);
  }
  return t;
}

// Spatial quartiles of the reference centroid (item 10); `note` explains an empty table.
Table quartiles_table(const std::vector<StepData>& steps, const SeriesSettings& settings,
                      const std::vector<std::uint64_t>& kept, const std::vector<StepValues>& values,
                      std::string& note) {
  Table t;
  auto& quartile = t.add<std::int64_t>("quartile");
  auto& step = t.add<std::int64_t>("step");
  auto& n = t.add<std::int64_t>("n");
  auto& delta_mean = t.add<double>("delta_mean");
  auto& delta_se_tot = t.add<double>("delta_se_tot");
  auto& z_paired_column = t.add<double>("z_paired");
  auto& df_paired = t.add<double>("df_paired");
  auto& p_paired_t_two = t.add<double>("p_paired_t_two");
  if (!settings.quartile_axis) return t;
  const std::size_t ref = settings.reference;
  const std::string axis = "centroid-" + std::to_string(*settings.quartile_axis);
  const std::string where = detail::step_where(steps[ref].name, "particles");
  const auto rows = detail::label_rows(
      detail::column<std::uint64_t>(steps[ref].particles, where, "label"), where);
  const auto& centroid = detail::column<double>(steps[ref].particles, where, axis);
  std::vector<double> position;
  for (std::uint64_t label : kept) position.push_back(centroid[rows.at(label)]);
  const Qcut bins = qcut(position, 4);
  if (bins.bins() != 4) {
    note = "quartiles: not formed, the " + std::to_string(kept.size()) +
           " kept particles do not give 4 distinct " + axis + " quartile edges";
    return t;
  }
  std::vector<Subset> members(4);
  for (std::size_t i = 0; i < position.size(); ++i) {
    const int b = bins.bin[i];  // 0 = lowest coordinates
    members[settings.collector_high ? b : 3 - b].push_back(i);
  }
  for (std::size_t q = 0; q < 4; ++q)
    for (std::size_t s = 0; s < steps.size(); ++s) {
      const MeanError d = delta_error(values[s], values[ref], members[q], s == ref);
      const double m = static_cast<double>(members[q].size());
      const double zp = s == ref ? kNaN : z_paired(deltas(values[s], values[ref], members[q]));
      const double df = s != ref && m >= 2 ? m - 1 : kNaN;
      quartile.push_back(static_cast<std::int64_t>(q + 1));
      step.push_back(static_cast<std::int64_t>(s));
      n.push_back(static_cast<std::int64_t>(members[q].size()));
      delta_mean.push_back(d.mean);
      delta_se_tot.push_back(d.se_tot);
      z_paired_column.push_back(zp);
      df_paired.push_back(df);
      p_paired_t_two.push_back(p_t_two_tailed(zp, df));
    }
  return t;
}

// The printed values of a steps row that are NaN (docs/SERIES.md 8b); the tests only for
// steps other than the reference.
std::string undefined_columns(const Table& t, std::size_t row, bool is_reference) {
  static const char* const levels[] = {"mean",       "ses",       "se_tot",
                                       "delta_mean", "delta_ses", "delta_se_tot"};
  static const char* const tests[] = {"z",         "p_two",          "z_paired",
                                      "df_paired", "p_paired_t_two", "p_welch_two"};
  std::string text;
  const auto add = [&](const char* column) {
    if (std::isnan(t.get<double>(column)[row]))
      text += (text.empty() ? "" : ", ") + std::string(column);
  };
  for (const char* column : levels) add(column);
  if (!is_reference)
    for (const char* column : tests) add(column);
  return text;
}

// Warnings naming step, subset and n wherever n < 5 or a printed value is undefined.
std::vector<std::string> statistics_warnings(const SeriesResult& out, std::size_t reference) {
  std::vector<std::string> warnings;
  const Table& steps = out.tables.at("steps");
  const auto& name = steps.get<std::string>("name");
  const auto& n = steps.get<std::int64_t>("n");
  for (std::size_t s = 0; s < steps.rows(); ++s) {
    const std::string where =
        "step '" + name[s] + "' (all kept particles, n = " + std::to_string(n[s]) + ")";
    const std::string undefined = undefined_columns(steps, s, s == reference);
    if (!undefined.empty()) warnings.push_back(where + ": undefined (NaN): " + undefined);
    if (n[s] < 5 && s != reference)
      warnings.push_back(where + ": n < 5, read the t-tests' p, not the normal Z's");
  }
  const Table& quartiles = out.tables.at("quartiles");
  for (std::size_t r = 0; r < quartiles.rows(); ++r) {
    const std::int64_t m = quartiles.get<std::int64_t>("n")[r];
    if (quartiles.get<std::int64_t>("step")[r] == static_cast<std::int64_t>(reference) && m < 5)
      warnings.push_back("quartile Q" + std::to_string(quartiles.get<std::int64_t>("quartile")[r]) +
                         " (every step, n = " + std::to_string(m) +
                         "): n < 5, its delta errors are unreliable or NaN");
  }
  const Table& geometry = out.tables.at("geometry");
  if (geometry.find("p_paired_t_two"))
    for (std::size_t r = 0; r < geometry.rows(); ++r) {
      const auto s = static_cast<std::size_t>(geometry.get<std::int64_t>("step")[r]);
      if (s != reference && std::isnan(geometry.get<double>("p_paired_t_two")[r]))
        warnings.push_back("step '" + name[s] +
                           "' geometry: p_paired_t_two undefined (NaN): fewer than 2 kept "
                           "particles, or no solidity differs from the reference step's");
    }
  return warnings;
}

}  // namespace

SeriesResult analyse_series(const std::vector<StepData>& steps, const SeriesSettings& settings) {
  validate(steps, settings);
  const Cleaning cleaning = clean_labels(steps, settings);
  const std::vector<StepValues> values = gather_values(steps, cleaning.kept);
  const PerStep euler = gather_column<std::int64_t>(steps, cleaning.kept, "euler_number");
  const PerStepReal solidity = gather_column<double>(steps, cleaning.kept, "solidity");
  const std::size_t ref = settings.reference;

  SeriesResult out;
  out.tables["steps"] = steps_table(steps, values, settings);
  out.tables["values"] = values_table(steps, cleaning.kept, values, euler, solidity);
  out.tables["removed"] = removed_table(cleaning);
  out.tables["conditions"] = conditions_table(steps, settings, values);
  std::string quartile_note;
  out.tables["quartiles"] = quartiles_table(steps, settings, cleaning.kept, values, quartile_note);
  out.tables["radial_delta"] = radial_delta(steps, cleaning.kept, ref);
  out.tables["geometry"] = geometry_table(euler, solidity, ref);
  for (const std::string& rule : cleaning_rules()) {
    std::int64_t count = 0;
    for (const Removal& r : cleaning.removed) count += r.rule == rule;
    out.removed_per_rule.emplace_back(rule, count);
  }
  std::vector<std::string> notes;
  if (!quartile_note.empty()) notes.push_back(quartile_note);
  if (!euler)
    notes.push_back(
        "geometry: not formed, a step's file has no euler_number column (written "
        "before the shape columns)");
  out.warnings = statistics_warnings(out, ref);
  out.summary = format_summary(steps, settings, out, notes);
  return out;
}

}  // namespace grapes::series
