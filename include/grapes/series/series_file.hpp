#pragma once
// The series file of `grapes series` (docs/OUTPUT.md, "Series files"): each step's tables
// copied from its result file under /steps/<name>, the analysis under /series, the summary
// as a root attribute. Serial: rank 0 reads the step tables and writes the file.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "grapes/output/column_table.hpp"
#include "grapes/output/output.hpp"
#include "grapes/series/exsitu.hpp"
#include "grapes/series/series.hpp"

namespace grapes {

// One step of the series as a result file (tables at its root).
struct StepSource {
  std::string name;
  std::string path;
  std::optional<double> sigma_bg;  // overrides the file's own `sigma_bg` attribute
  // The configuration's soc: written as the series file's step_soc whatever the step file
  // says (a step reused by --resume keeps the soc it was analysed with; soc changes no table).
  std::optional<double> soc;
};

struct SeriesAnalysis {
  std::string mode;                     // "operando" or "exsitu"
  std::map<std::string, Table> tables;  // written as /series/<key>
  // Attributes of a table's group (key as in `tables`), e.g. the ex-situ flat-profile counts.
  std::map<std::string, std::vector<std::pair<std::string, AttributeValue>>> table_attributes;
  std::string summary;
  // Label matching: per step, the reference label of each /particles row (0: unmatched),
  // written as /steps/<name>/particles/reference_label. Empty without matching.
  std::vector<std::vector<std::uint64_t>> reference_labels;
};

// Reads a step's tables (checked against the result layout) and its sigma_bg.
series::StepData read_step(const StepSource& source);

// `min_iou`: match each step's labels to the reference step's by overlap first (the steps'
// /overlaps tables; docs/SERIES.md, "Label matching").
SeriesAnalysis analyse_series_files(const std::vector<StepSource>& sources,
                                    const series::SeriesSettings& settings,
                                    std::optional<double> min_iou = std::nullopt);
SeriesAnalysis analyse_exsitu_files(const std::vector<StepSource>& sources,
                                    const series::ExsituSettings& settings);

// Writes the series file at `path` (through a temporary name) from this process alone.
void write_series_file(const std::string& path, const std::vector<StepSource>& sources,
                       const SeriesAnalysis& analysis, const RunFacts& facts);

}  // namespace grapes
