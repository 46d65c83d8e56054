#include "grapes/series/series_file.hpp"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <sstream>

#include "grapes/core/error.hpp"
#include "grapes/output/particle_tables.hpp"
#include "grapes/series/matching.hpp"

namespace grapes {

namespace {

std::optional<double> file_sigma(const std::string& path) {
  for (const ResultAttribute& attribute : read_attributes(path))
    if (attribute.name == "sigma_bg") return std::stod(attribute.text);
  return std::nullopt;
}

// "Warning: ..." lines of the warnings a step's analysis recorded (attribute step_warnings).
std::string file_warnings(const std::string& path) {
  std::string text;
  for (const ResultAttribute& attribute : read_attributes(path)) {
    if (attribute.name != "step_warnings") continue;
    std::istringstream lines(attribute.text);
    for (std::string warning; std::getline(lines, warning);) text += "Warning: " + warning + "\n";
  }
  return text;
}

std::string line(const char* format, ...) {
  char text[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(text, sizeof text, format, args);
  va_end(args);
  return std::string(text) + "\n";
}

// The ex-situ summary: per dataset the particles used (border, flat profiles), then the
// per-layer Welch t of each pair (docs/SERIES.md item 11).
std::string exsitu_summary(const std::vector<series::StepData>& datasets,
                           const series::ExsituSettings& settings,
                           const series::ExsituResult& result) {
  std::string text = line("GRAPES-HPC ex-situ comparison: %zu datasets, profile %s",
                          datasets.size(), settings.profile.c_str());
  for (std::size_t d = 0; d < result.border_removed.size(); ++d) {
    const long long flat = result.flat_profiles[d].second;
    const bool excluded = result.flat_excluded[d].second > 0;
    text += line(
        "  %-16s border particles removed: %lld; flat profiles (graylevel_normed all "
        "0): %lld%s",
        result.border_removed[d].first.c_str(),
        static_cast<long long>(result.border_removed[d].second), flat,
        flat == 0  ? ""
        : excluded ? ", left out of the means"
                   : ", kept in the means");
  }
  const auto found = result.tables.find("radial_z");
  if (found == result.tables.end() || found->second.rows() == 0) return text;
  const Table& z = found->second;
  const auto& a = z.get<std::string>("dataset_a");
  const auto& b = z.get<std::string>("dataset_b");
  const auto& layer = z.get<std::int64_t>("layer");
  const auto& value = z.get<double>("z");
  const auto& df = z.get<double>("df");
  const auto& p = z.get<double>("p_two");
  text += "Per layer: Welch's t of the mean profile (b - a), its df and two-tailed p:\n";
  for (std::size_t r = 0; r < z.rows(); ++r) {
    if (std::isnan(value[r]) || std::isnan(p[r]))  // e.g. layer 1 of radial_max: 0 everywhere
      text += line("  %s vs %s  layer %3lld  t %8s  -  (undefined: n < 2 or no spread)",
                   a[r].c_str(), b[r].c_str(), static_cast<long long>(layer[r]),
                   std::isnan(value[r]) ? "-" : std::to_string(value[r]).c_str());
    else
      text += line("  %s vs %s  layer %3lld  t %8.3f  df %6.1f  p %.3g", a[r].c_str(), b[r].c_str(),
                   static_cast<long long>(layer[r]), value[r], df[r], p[r]);
  }
  return text;
}

// Appends `from`'s rows to `to` (the same columns; `to` empty takes them as they are).
void append_rows(Table& to, const Table& from) {
  if (to.columns.empty()) {
    to = from;
    return;
  }
  for (std::size_t c = 0; c < to.columns.size(); ++c)
    std::visit(
        [&](auto& values) {
          const auto& more = std::get<std::decay_t<decltype(values)>>(from.columns[c].values);
          values.insert(values.end(), more.begin(), more.end());
        },
        to.columns[c].values);
}

std::vector<series::Overlap> read_overlaps(const StepSource& source) {
  const Table table = read_table(source.path, "/overlaps");
  if (table.columns.empty())
    throw InputError(source.path +
                     " has no /overlaps table: label matching needs step result "
                     "files made by grapes series with series.match set");
  const auto& reference = table.get<std::uint64_t>("reference_label");
  const auto& step = table.get<std::uint64_t>("step_label");
  const auto& voxels = table.get<std::int64_t>("voxels");
  std::vector<series::Overlap> out;
  for (std::size_t r = 0; r < reference.size(); ++r)
    out.push_back({reference[r], step[r], voxels[r]});
  return out;
}

struct MatchedSteps {
  Table table;                                               // /series/matching
  std::vector<std::vector<std::uint64_t>> reference_labels;  // per step, per particle row
  std::string summary;
};

std::string status_counts(const std::string& name, const Table& matching) {
  std::map<std::string, long long> counts;
  for (const std::string& status : matching.get<std::string>("status")) ++counts[status];
  return line("  %-12s matched %lld, split %lld, merged %lld, unmatched %lld", name.c_str(),
              counts["matched"], counts["split"], counts["merged"], counts["unmatched"]);
}

// Every step other than the reference relabelled to reference labels (series::relabel_step).
MatchedSteps match_steps(const std::vector<StepSource>& sources,
                         std::vector<series::StepData>& steps, std::size_t reference,
                         double min_iou) {
  MatchedSteps out;
  out.summary = line("Label matching (overlap, min IoU %g):", min_iou);
  const series::LabelSizes reference_sizes =
      series::label_sizes(steps[reference].particles, "step '" + steps[reference].name + "'");
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const auto& labels = steps[s].particles.get<std::uint64_t>("label");
    if (s == reference) {
      out.reference_labels.push_back(labels);
      continue;
    }
    const series::Matching m = series::match_labels(
        read_overlaps(sources[s]), reference_sizes,
        series::label_sizes(steps[s].particles, "step '" + steps[s].name + "'"), min_iou,
        static_cast<std::int64_t>(s));
    std::vector<std::uint64_t> mapped;
    for (std::uint64_t label : labels) {
      const auto it = m.step_to_reference.find(label);
      mapped.push_back(it == m.step_to_reference.end() ? 0 : it->second);
    }
    out.reference_labels.push_back(std::move(mapped));
    out.summary += status_counts(steps[s].name, m.table);
    append_rows(out.table, m.table);
    series::relabel_step(steps[s], m.step_to_reference);
  }
  return out;
}

std::vector<series::StepData> read_steps(const std::vector<StepSource>& sources) {
  std::vector<series::StepData> steps;
  for (const StepSource& source : sources) steps.push_back(read_step(source));
  return steps;
}

}  // namespace

series::StepData read_step(const StepSource& source) {
  check_result_file(source.path);
  const ParticleTables layout = required_layout();
  series::StepData step;
  step.name = source.name;
  step.particles = read_table(source.path, "/particles", layout.particles);
  step.layers = read_table(source.path, "/layers", layout.layers);
  step.adjacency = read_table(source.path, "/adjacency", layout.adjacency);
  step.sigma_bg = source.sigma_bg ? source.sigma_bg : file_sigma(source.path);
  return step;
}

SeriesAnalysis analyse_series_files(const std::vector<StepSource>& sources,
                                    const series::SeriesSettings& settings,
                                    std::optional<double> min_iou) {
  std::vector<series::StepData> steps = read_steps(sources);
  SeriesAnalysis analysis;
  analysis.mode = "operando";
  std::string matching_summary;
  if (min_iou) {
    MatchedSteps matched = match_steps(sources, steps, settings.reference, *min_iou);
    analysis.reference_labels = std::move(matched.reference_labels);
    analysis.tables["matching"] = std::move(matched.table);
    matching_summary = std::move(matched.summary);
  }
  series::SeriesResult result = series::analyse_series(steps, settings);
  for (auto& [name, table] : result.tables) analysis.tables[name] = std::move(table);
  analysis.summary = result.summary + matching_summary;
  for (const StepSource& source : sources) analysis.summary += file_warnings(source.path);
  return analysis;
}

SeriesAnalysis analyse_exsitu_files(const std::vector<StepSource>& sources,
                                    const series::ExsituSettings& settings) {
  const std::vector<series::StepData> datasets = read_steps(sources);
  series::ExsituResult result = series::analyse_exsitu(datasets, settings);
  std::string summary = exsitu_summary(datasets, settings, result);
  SeriesAnalysis analysis;
  analysis.mode = "exsitu";
  for (std::size_t d = 0; d < result.flat_profiles.size(); ++d)
    analysis.table_attributes["radial/" + result.flat_profiles[d].first] = {
        {"profile", settings.profile},
        {"border_removed", result.border_removed[d].second},
        {"flat_profiles", result.flat_profiles[d].second},
        {"flat_profiles_excluded", result.flat_excluded[d].second}};
  analysis.tables = std::move(result.tables);
  analysis.summary = std::move(summary);
  for (const StepSource& source : sources) analysis.summary += file_warnings(source.path);
  return analysis;
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
    file.attribute("step_name", sources[i].name, group);
    if (sources[i].soc) file.attribute("step_soc", *sources[i].soc, group);
    if (sources.size() == analysis.reference_labels.size()) {
      Table column;
      column.add<std::uint64_t>("reference_label") = analysis.reference_labels[i];
      file.write_table(group + "/particles", column);
    }
  }
  for (const auto& [name, table] : analysis.tables) file.write_table("/series/" + name, table);
  for (const auto& [name, attributes] : analysis.table_attributes)
    for (const auto& [key, value] : attributes) file.attribute(key, value, "/series/" + name);
  write_run_facts(file, facts);
  file.attribute("series_mode", analysis.mode);
  file.attribute("summary", analysis.summary);
  file.commit();
}

}  // namespace grapes
