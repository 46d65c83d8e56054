#include "grapes/series_file.hpp"

#include <cmath>
#include <cstdarg>
#include <cstdio>

#include "grapes/error.hpp"
#include "grapes/tables.hpp"

namespace grapes {

namespace {

std::optional<double> file_sigma(const std::string& path) {
  for (const ResultAttribute& attribute : read_attributes(path))
    if (attribute.name == "sigma_bg") return std::stod(attribute.text);
  return std::nullopt;
}

std::string line(const char* format, ...) {
  char text[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(text, sizeof text, format, args);
  va_end(args);
  return std::string(text) + "\n";
}

// The ex-situ summary: per dataset the particles used, then the per-layer Z of each pair.
std::string exsitu_summary(const std::vector<series::StepData>& datasets,
                           const series::ExsituResult& result) {
  std::string text = line("GRAPES-HPC ex-situ comparison: %zu datasets", datasets.size());
  for (const auto& [name, removed] : result.border_removed)
    text += line("  %-16s border particles removed: %lld", name.c_str(),
                 static_cast<long long>(removed));
  const auto found = result.tables.find("radial_z");
  if (found == result.tables.end() || found->second.rows() == 0) return text;
  const Table& z = found->second;
  const auto& a = z.get<std::string>("dataset_a");
  const auto& b = z.get<std::string>("dataset_b");
  const auto& layer = z.get<std::int64_t>("layer");
  const auto& value = z.get<double>("z");
  const auto& p = z.get<double>("p_two");
  text += "Per layer: Z of the mean profile (b - a) and its two-tailed p:\n";
  for (std::size_t r = 0; r < z.rows(); ++r) {
    if (std::isnan(value[r]))  // e.g. layer 1 of radial_max profiles: 0 in every particle
      text += line("  %s vs %s  layer %3lld  Z        -  (no spread)", a[r].c_str(), b[r].c_str(),
                   static_cast<long long>(layer[r]));
    else
      text += line("  %s vs %s  layer %3lld  Z %8.3f  p %.3g", a[r].c_str(), b[r].c_str(),
                   static_cast<long long>(layer[r]), value[r], p[r]);
  }
  return text;
}

std::vector<series::StepData> read_steps(const std::vector<StepSource>& sources) {
  std::vector<series::StepData> steps;
  for (const StepSource& source : sources) steps.push_back(read_step(source));
  return steps;
}

}  // namespace

series::StepData read_step(const StepSource& source) {
  check_result_file(source.path);
  const ParticleTables layout = build_tables(MergedRecords{}, TableSettings{});
  series::StepData step;
  step.name = source.name;
  step.particles = read_table(source.path, "/particles", layout.particles);
  step.layers = read_table(source.path, "/layers", layout.layers);
  step.adjacency = read_table(source.path, "/adjacency", layout.adjacency);
  step.sigma_bg = source.sigma_bg ? source.sigma_bg : file_sigma(source.path);
  return step;
}

SeriesAnalysis analyse_series_files(const std::vector<StepSource>& sources,
                                    const series::SeriesSettings& settings) {
  series::SeriesResult result = series::analyse_series(read_steps(sources), settings);
  return {"operando", std::move(result.tables), std::move(result.summary)};
}

SeriesAnalysis analyse_exsitu_files(const std::vector<StepSource>& sources,
                                    const series::ExsituSettings& settings) {
  const std::vector<series::StepData> datasets = read_steps(sources);
  series::ExsituResult result = series::analyse_exsitu(datasets, settings);
  std::string summary = exsitu_summary(datasets, result);
  return {"exsitu", std::move(result.tables), std::move(summary)};
}

void write_series_file(const std::string& path, const std::vector<StepSource>& sources,
                       const SeriesAnalysis& analysis, const RunFacts& facts) {
  ResultFile file(path, MPI_COMM_SELF);
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const std::string group = "/steps/" + sources[i].name;
    for (const char* table : kTableGroups)
      file.copy_object(sources[i].path, std::string("/") + table, group + "/" + table);
    if (has_group(sources[i].path, "/volumes"))
      file.copy_object(sources[i].path, "/volumes", group + "/volumes");
    file.copy_attributes(sources[i].path, "/", group);
    file.attribute("step_index", static_cast<std::int64_t>(i), group);
  }
  for (const auto& [name, table] : analysis.tables) file.write_table("/series/" + name, table);
  write_run_facts(file, facts);
  file.attribute("series_mode", analysis.mode);
  file.attribute("summary", analysis.summary);
  file.commit();
}

}  // namespace grapes
