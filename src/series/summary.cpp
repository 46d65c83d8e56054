#include "grapes/series/summary.hpp"

#include <cmath>
#include <cstdarg>
#include <cstdio>

#include "grapes/series/geometry.hpp"

namespace grapes::series {

namespace {

// printf-style formatting into a std::string.
std::string format(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  va_list copy;
  va_copy(copy, args);
  const int size = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  std::string text(size > 0 ? static_cast<std::size_t>(size) : 0, '\0');
  if (size > 0) std::vsnprintf(text.data(), text.size() + 1, fmt, args);
  va_end(args);
  return text;
}

bool rule_enabled(const std::string& rule, const SeriesSettings& s) {
  if (rule == "next_to_inconsistent") return s.clean_next_to_inconsistent;
  if (rule == "border") return s.clean_border;
  if (rule == "small") return s.small_fraction > 0;
  return true;  // inconsistent (an error when off and needed) and no_core are always applied
}

std::string cleaning_lines(const SeriesSettings& settings, const SeriesResult& result) {
  std::string text = "Cleaning (labels removed, each under the first rule that removed it):\n";
  std::int64_t removed = 0;
  for (const auto& [rule, count] : result.removed_per_rule) {
    removed += count;
    std::string line = format("  %-22s %8lld", rule.c_str(), static_cast<long long>(count));
    if (!rule_enabled(rule, settings)) line += "  (off)";
    if (rule == "small" && settings.small_fraction > 0)
      line += format("  (reference volume <= quantile %g)", settings.small_fraction);
    text += line + "\n";
  }
  const std::size_t kept = result.tables.at("values").rows();
  text += format("  %-22s %8zu of %lld labels\n", "kept", kept,
                 static_cast<long long>(kept + static_cast<std::size_t>(removed)));
  return text;
}

// "-" for an undefined value, so a NaN is never printed as a number.
std::string value_or_dash(double value, const char* fmt) {
  return std::isnan(value) ? std::string("-") : format(fmt, value);
}

std::string plus_minus(double value, double error) {
  return format("%.3f +/- %.3f", value, error);
}

// The paper's error model (docs/SERIES.md items 6-8): +/- k SE_tot and the normal Z, with the
// paired t-test's p beside it.
std::string paper_lines(const SeriesSettings& settings, const Table& t) {
  const auto& name = t.get<std::string>("name");
  const auto& n = t.get<std::int64_t>("n");
  const double k = settings.error_multiple;
  std::string text = format(
      "Per step, the paper's errors (I = mean core grey level; errors +/- %g SE_tot; Z normal):\n",
      k);
  text += format("  %-12s %8s %24s %24s %9s %11s %11s\n", "step", "n", "I", "delta I vs reference",
                 "Z", "p(2-tail)", "p(paired t)");
  for (std::size_t s = 0; s < name.size(); ++s)
    text += format(
        "  %-12s %8lld %24s %24s %9s %11s %11s\n", name[s].c_str(), static_cast<long long>(n[s]),
        plus_minus(t.get<double>("mean")[s], k * t.get<double>("se_tot")[s]).c_str(),
        plus_minus(t.get<double>("delta_mean")[s], k * t.get<double>("delta_se_tot")[s]).c_str(),
        value_or_dash(t.get<double>("z")[s], "%.3f").c_str(),
        value_or_dash(t.get<double>("p_two")[s], "%.3g").c_str(),
        value_or_dash(t.get<double>("p_paired_t_two")[s], "%.3g").c_str());
  return text;
}

// The standard error model (item 8b): +/- k SES (which holds the measurement noise), the
// measurement error of the mean beside it, and the t-tests.
std::string standard_lines(const SeriesSettings& settings, const Table& t) {
  const auto& name = t.get<std::string>("name");
  const auto& n = t.get<std::int64_t>("n");
  const double k = settings.error_multiple;
  std::string text = format(
      "Per step, standard errors (errors +/- %g SES = sd/sqrt(n); SEM = measurement error of the "
      "mean; t-tests):\n",
      k);
  text +=
      format("  %-12s %8s %24s %24s %9s %9s %7s %11s %11s\n", "step", "n", "I",
             "delta I vs reference", "delta SEM", "t paired", "df", "p(paired t)", "p(Welch t)");
  for (std::size_t s = 0; s < name.size(); ++s)
    text += format(
        "  %-12s %8lld %24s %24s %9s %9s %7s %11s %11s\n", name[s].c_str(),
        static_cast<long long>(n[s]),
        plus_minus(t.get<double>("mean")[s], k * t.get<double>("ses")[s]).c_str(),
        plus_minus(t.get<double>("delta_mean")[s], k * t.get<double>("delta_ses")[s]).c_str(),
        value_or_dash(t.get<double>("delta_sem_of_mean")[s], "%.3f").c_str(),
        value_or_dash(t.get<double>("z_paired")[s], "%.3f").c_str(),
        value_or_dash(t.get<double>("df_paired")[s], "%.0f").c_str(),
        value_or_dash(t.get<double>("p_paired_t_two")[s], "%.3g").c_str(),
        value_or_dash(t.get<double>("p_welch_two")[s], "%.3g").c_str());
  return text;
}

std::string step_lines(const SeriesSettings& settings, const SeriesResult& result) {
  const Table& t = result.tables.at("steps");
  const bool standard = settings.standard_error_bars;
  std::string text = format("Error bars: series.error_bars: %s (the other model follows it)\n",
                            standard ? "standard" : "paper");
  text += standard ? standard_lines(settings, t) + paper_lines(settings, t)
                   : paper_lines(settings, t) + standard_lines(settings, t);
  text +=
      format("  One-tailed p (*_one columns) of H_A: the grey level %s (series.alternative: %s)\n",
             settings.alternative == Alternative::less ? "falls" : "rises",
             settings.alternative == Alternative::less ? "less" : "greater");
  return text;
}

// The conditions' fractions with their 95 % Wilson intervals; n < 10 flagged.
std::string condition_lines(const SeriesResult& result) {
  const Table& t = result.tables.at("conditions");
  if (t.rows() == 0) return "";
  const std::int64_t n = static_cast<std::int64_t>(result.tables.at("values").rows());
  std::string text = "Conditions (fraction of kept particles, 95 % Wilson interval):\n";
  for (std::size_t r = 0; r < t.rows(); ++r) {
    text += format("  %-20s %s %s %s: %s [%s, %s] of n = %lld",
                   t.get<std::string>("name")[r].c_str(), t.get<std::string>("step_a")[r].c_str(),
                   t.get<std::string>("op")[r].c_str(), t.get<std::string>("step_b")[r].c_str(),
                   value_or_dash(t.get<double>("fraction")[r], "%.3f").c_str(),
                   value_or_dash(t.get<double>("ci_low")[r], "%.3f").c_str(),
                   value_or_dash(t.get<double>("ci_high")[r], "%.3f").c_str(),
                   static_cast<long long>(n));
    text += n < 10 ? "  (n < 10: too few particles to read a fraction)\n" : "\n";
  }
  return text;
}

}  // namespace

std::string format_summary(const std::vector<StepData>& steps, const SeriesSettings& settings,
                           const SeriesResult& result, const std::vector<std::string>& notes) {
  std::string text =
      format("GRAPES-HPC operando series: %zu steps, reference '%s' (step %zu)\n", steps.size(),
             steps.at(settings.reference).name.c_str(), settings.reference);
  text += cleaning_lines(settings, result);
  text += step_lines(settings, result);
  text += condition_lines(result);
  text += geometry_lines(steps, result.tables.at("geometry"));
  const std::string& reference = steps.at(settings.reference).name;
  for (const StepData& step : steps)
    if (!step.sigma_bg)
      text +=
          "Step '" + step.name + "': SEM not available (no noise given): SE_tot = SES" +
          (step.name == reference ? " (also for every step's delta)\n" : " (also for its delta)\n");
  for (const std::string& note : notes) text += note + "\n";
  for (const std::string& warning : result.warnings) text += "Warning: " + warning + "\n";
  return text;
}

}  // namespace grapes::series
