#include "grapes/series/summary.hpp"

#include <cmath>
#include <cstdarg>
#include <cstdio>

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

std::string step_lines(const SeriesSettings& settings, const SeriesResult& result) {
  const Table& t = result.tables.at("steps");
  const auto& name = t.get<std::string>("name");
  const auto& n = t.get<std::int64_t>("n");
  const auto& mean = t.get<double>("mean");
  const auto& se_tot = t.get<double>("se_tot");
  const auto& delta = t.get<double>("delta_mean");
  const auto& delta_se_tot = t.get<double>("delta_se_tot");
  const auto& z = t.get<double>("z");
  const auto& p_two = t.get<double>("p_two");
  const double k = settings.error_multiple;
  std::string text = format("Per step (I = mean core grey level; errors +/- %g SE_tot):\n", k);
  text += format("  %-12s %8s %24s %24s %9s %11s\n", "step", "n", "I", "delta I vs reference", "Z",
                 "p(2-tail)");
  for (std::size_t s = 0; s < name.size(); ++s) {
    const std::string level = format("%.3f +/- %.3f", mean[s], k * se_tot[s]);
    const std::string change = format("%.3f +/- %.3f", delta[s], k * delta_se_tot[s]);
    const std::string zs = std::isnan(z[s]) ? "-" : format("%.3f", z[s]);
    const std::string ps = std::isnan(p_two[s]) ? "-" : format("%.3g", p_two[s]);
    text +=
        format("  %-12s %8lld %24s %24s %9s %11s\n", name[s].c_str(), static_cast<long long>(n[s]),
               level.c_str(), change.c_str(), zs.c_str(), ps.c_str());
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
  const std::string& reference = steps.at(settings.reference).name;
  for (const StepData& step : steps)
    if (!step.sigma_bg)
      text +=
          "Step '" + step.name + "': SEM not available (no noise given): SE_tot = SES" +
          (step.name == reference ? " (also for every step's delta)\n" : " (also for its delta)\n");
  for (const std::string& note : notes) text += note + "\n";
  return text;
}

}  // namespace grapes::series
