#include "grapes/run/series_run.hpp"

#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>

#include "grapes/core/error.hpp"
#include "grapes/core/format.hpp"
#include "grapes/kernels/noise.hpp"
#include "grapes/output/output.hpp"
#include "grapes/output/output_lock.hpp"
#include "grapes/parallel/comm.hpp"
#include "grapes/run/pipeline.hpp"
#include "grapes/run/progress.hpp"
#include "grapes/series/exsitu.hpp"
#include "grapes/series/series.hpp"
#include "grapes/series/series_file.hpp"

namespace grapes {

namespace {

// ---- Step result files ------------------------------------------------------------------

// "<output without .h5>.steps": the folder of the step result files.
std::string steps_folder(const std::string& output_path) {
  std::string stem = output_path;
  const std::string extension = std::filesystem::path(output_path).extension().string();
  if (extension == ".h5" || extension == ".hdf5") stem.resize(stem.size() - extension.size());
  return stem + ".steps";
}

std::string step_file(const std::string& output_path, const std::string& step_name) {
  return steps_folder(output_path) + "/" + step_name + ".h5";
}

// "path size mtime" of an input file (a TIFF folder: of every entry), so that a replaced
// input changes the step's fingerprint.
std::string file_stamp(const std::string& path) {
  std::ostringstream text;
  const auto stamp_one = [&](const std::string& file) {
    struct stat info {};
    if (stat(file.c_str(), &info) != 0) {
      text << file << " missing;";
      return;
    }
    text << file << " " << info.st_size << " " << info.st_mtim.tv_sec << "." << info.st_mtim.tv_nsec
         << ";";
  };
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    for (const auto& entry : std::filesystem::directory_iterator(path, error))
      stamp_one(entry.path().string());
  } else {
    stamp_one(path);
  }
  return text.str();
}

std::string source_text(const SourceSpec& s) {
  std::ostringstream text;
  text << "path=" << s.path << " dataset=" << s.dataset << " kind=" << int(s.kind)
       << " shape=" << shape_text(s.shape) << " dtype=" << dtype_name(s.dtype)
       << " big_endian=" << s.big_endian << " header=" << s.header_bytes << " stamp={"
       << file_stamp(s.path) << "}";
  if (s.rescale) {  // input.grey.rescale changes every grey value
    text.precision(17);
    text << " rescale=" << dtype_name(s.rescale->to) << "[" << s.rescale->lo << "," << s.rescale->hi
         << "]";
  }
  return text.str();
}

std::string phantom_text(const PhantomSpec& p, int step) {
  std::ostringstream text;
  text.precision(17);
  text << "phantom step=" << step << " shape=" << shape_text(p.shape) << " seed=" << p.seed
       << " radius=" << p.radius_mean << "," << p.radius_sd << " packing=" << p.packing
       << " elongation=" << p.elongation << " grey=" << p.grey_mean << "," << p.grey_sd
       << " background=" << p.background << " noise=" << p.noise_sd
       << " boundary=" << p.boundary_blur << "," << p.phase_fringe << "," << p.phase_fringe_width
       << " damage=" << p.damage_fraction << "," << p.damage_depth
       << " dtypes=" << dtype_name(p.grey_dtype) << "," << dtype_name(p.label_dtype)
       << " damage_scale=" << p.damage_scale.value_or(-1.0) << " drop=" << p.drop_fraction
       << " permute=" << p.permute_labels
       << " clear=" << (p.clear_box ? box_text(*p.clear_box) : std::string("none"));
  return text.str();
}

// The resolved settings that cannot change a step's file: how the work is split (the tables
// are bit-identical at any decomposition), where the series file goes, the series section
// (its statistics come after the steps; the step's own entry is fingerprinted by value below)
// and input (a series' steps name their own). Every other key of the resolved YAML is part of
// the fingerprint, a key added later included (docs/SERIES.md, "Resume").
const std::vector<std::string> kNotInStepFingerprint = {"series",
                                                        "input",
                                                        "decomposition.grid",
                                                        "decomposition.max_block_growth",
                                                        "decomposition.memory_per_rank",
                                                        "output.path"};

// What a step's result depends on: its inputs (with their sizes and modification times), its
// noise, and every setting of the resolved configuration but kNotInStepFingerprint.
std::string step_fingerprint(const Config& config, const StepSpec& step) {
  std::ostringstream text;
  text.precision(17);
  text << "step=" << step.name << "\n";
  const SeriesSpec& series = *config.series;
  const StepSpec& reference = series.steps[series.reference_index()];
  if (series.match && reference.name != step.name)  // the overlaps read the reference labels
    text << "matched to: "
         << (reference.use_phantom ? phantom_text(reference.phantom, reference.phantom_step)
                                   : source_text(reference.labels))
         << "\n";
  if (step.use_phantom)
    text << phantom_text(step.phantom, step.phantom_step) << "\n";
  else
    text << "grey: " << source_text(step.grey) << "\nlabels: " << source_text(step.labels) << "\n";
  text << "noise=" << int(step.noise.kind) << " " << step.noise.sigma << " "
       << box_text(step.noise.box) << "\n";
  text << "settings:\n" << step_settings_text(config);
  return text.str();
}

Inputs open_step_inputs(const StepSpec& step, MPI_Comm comm) {
  return open_inputs(step.use_phantom, step.phantom, step.phantom_step, step.grey, step.labels,
                     comm);
}

std::string step_key(const SeriesSpec& series, std::size_t i) {
  return "series.steps[" + std::to_string(i) + "] (\"" + series.steps[i].name + "\")";
}

// The fingerprint recorded in an existing step file ("" when there is none or it is not a
// complete step file), read on rank 0 and shared.
std::string recorded_fingerprint(const std::string& path, MPI_Comm comm) {
  std::string recorded;
  if (comm_rank(comm) == 0) {
    std::error_code error;
    if (std::filesystem::exists(path, error)) {
      try {
        for (const ResultAttribute& attribute : read_attributes(path))
          if (attribute.name == "step_fingerprint") recorded = attribute.text;
      } catch (const std::exception&) {
        recorded.clear();  // unreadable: recompute the step
      }
    }
  }
  broadcast(comm, recorded);
  return recorded;
}

// Step `i`'s inputs fit the series: supported dtypes, grey and labels of one shape, the first
// step's shape, a noise box inside it.
void check_step_inputs(const Inputs& inputs, const SeriesSpec& series, std::size_t i,
                       const Index3& shape) {
  const std::string key = step_key(series, i);
  validate_inputs(inputs);
  if (inputs.grey->shape() != shape)
    throw InputError(key + " has shape " + shape_text(inputs.grey->shape()) +
                     " but the first step has " + shape_text(shape) +
                     ": every step of a series must have the same shape");
  const StepSpec& step = series.steps[i];
  if (step.noise.kind == NoiseSpec::Kind::box)
    check_noise_box(step.noise.box, shape, key + ".noise.box");
}

// The plan of the whole series, from the first step's shape, after every step's sources were
// opened (not read) and checked: a bad step 3 stops the series before step 0 runs.
RunPlan plan_series(const Config& config, MPI_Comm comm, const Logger& log) {
  RunPlan plan;
  agree_or_throw(comm, [&] {
    const Inputs first = open_step_inputs(config.series->steps.front(), comm);
    validate_inputs(first);
    plan = plan_run(config, first.grey->shape(), comm, log);
  });
  const SeriesSpec& series = *config.series;
  for (std::size_t i = 0; i < series.steps.size(); ++i)
    agree_or_throw(comm, [&] {
      check_step_inputs(open_step_inputs(series.steps[i], comm), series, i, plan.grid.shape());
    });
  return plan;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& l : lines) text += (text.empty() ? "" : "\n") + l;
  return text;
}

// The smallest noise box whose std we trust (docs/SERIES.md, "Running a series").
constexpr std::int64_t kMinNoiseBoxVoxels = 1000;

// A noise box should hold background only, and enough of it: particle voxels inflate
// sigma_bg (a box full of them gave 51 instead of 6), a small box estimates it poorly. The
// warnings go to the log and into the step file (attribute step_warnings), from which the
// series summary repeats them, also for steps reused by --resume or given by --from.
std::vector<std::string> noise_box_warnings(const StepSpec& step, const std::string& key,
                                            std::int64_t label_voxels) {
  const Box& box = step.noise.box;
  const std::int64_t voxels = box.voxels();
  const std::string where =
      "step '" + step.name + "': the noise box " + box_text(box) + " (" + key + ".noise.box)";
  std::vector<std::string> warnings;
  if (label_voxels > 0)
    warnings.push_back(
        where + " holds " + std::to_string(label_voxels) + " label voxels (" +
        short_text(100.0 * static_cast<double>(label_voxels) / static_cast<double>(voxels)) +
        " % of its " + std::to_string(voxels) +
        "): sigma_bg includes particle grey levels; give a box of background only");
  if (voxels < kMinNoiseBoxVoxels)
    warnings.push_back(where + " has " + std::to_string(voxels) + " voxels, fewer than " +
                       std::to_string(kMinNoiseBoxVoxels) + ": sigma_bg is poorly determined");
  return warnings;
}

// Analyses step `i` into its step result file (tables at the root, as `grapes run` writes).
void analyse_step(const Config& config, const RunPlan& plan, std::size_t i,
                  const std::string& fingerprint, MPI_Comm comm, const Logger& log) {
  const SeriesSpec& series = *config.series;
  const StepSpec& step = series.steps[i];
  const std::string key = step_key(series, i);
  Inputs inputs;
  agree_or_throw(comm, [&] {
    inputs = open_step_inputs(step, comm);
    check_step_inputs(inputs, series, i, plan.grid.shape());  // the files may have changed
  });
  log.info("step '" + step.name + "' (" + std::to_string(i + 1) + " of " +
           std::to_string(series.steps.size()) + "): " + inputs.grey->describe() + " + " +
           inputs.labels->describe());
  const std::string path = step_file(config.output_path, step.name);
  std::unique_ptr<ResultFile> file;
  agree_or_throw(comm, [&] { file = std::make_unique<ResultFile>(path, comm); });
  VolumeOptions options;
  Inputs reference;  // label matching: the reference step's labels, read for the overlaps
  if (series.match && i != series.reference_index()) {
    agree_or_throw(
        comm, [&] { reference = open_step_inputs(series.steps[series.reference_index()], comm); });
    options.match_reference = reference.labels.get();
  }
  if (step.noise.kind == NoiseSpec::Kind::box) {
    options.noise_box = step.noise.box;
    options.noise_key = key + ".noise.box";
  }
  const VolumeResult result = analyse_volume(plan, inputs, *file, options);
  std::vector<std::string> warnings;
  if (step.noise.kind == NoiseSpec::Kind::box)
    warnings = noise_box_warnings(step, key, result.noise_box_label_voxels);
  for (const std::string& warning : warnings) log.warn(warning);
  const RunFacts facts = run_facts(config, plan.grid.dims(), comm);
  agree_or_throw(comm, [&] {
    write_volume_facts(*file, "", result.facts);
    write_run_facts(*file, facts);
    file->attribute("step_name", step.name);
    file->attribute("step_index", static_cast<std::int64_t>(i));
    if (step.soc) file->attribute("step_soc", *step.soc);
    std::optional<double> sigma = result.sigma_bg;
    if (step.noise.kind == NoiseSpec::Kind::sigma) sigma = step.noise.sigma;
    if (sigma) file->attribute("sigma_bg", *sigma);
    file->attribute("step_fingerprint", fingerprint);
    if (!warnings.empty()) file->attribute("step_warnings", join_lines(warnings));
    file->commit();
  });
}

// The test hook of the resume test: every rank kills itself (no clean-up at all, as SIGKILL
// from a scheduler) once `GRAPES_TEST_KILL_AFTER_STEPS` steps have been analysed.
void maybe_kill_for_test(std::size_t analysed, MPI_Comm comm) {
  const char* limit = std::getenv("GRAPES_TEST_KILL_AFTER_STEPS");
  if (!limit || analysed != static_cast<std::size_t>(std::atoi(limit))) return;
  MPI_Barrier(comm);
  std::raise(SIGKILL);
}

// ---- Settings of the statistics ---------------------------------------------------------

series::SeriesSettings series_settings(const SeriesSpec& spec) {
  series::SeriesSettings s;
  s.reference = spec.reference_index();
  s.clean_inconsistent = spec.clean.inconsistent;
  s.clean_next_to_inconsistent = spec.clean.next_to_inconsistent;
  s.clean_border = spec.clean.border;
  s.small_fraction = spec.clean.small_fraction;
  for (const ConditionSpec& c : spec.conditions)
    s.conditions.push_back({c.name, c.a, c.b, c.op == ConditionOp::greater ? ">" : "<"});
  if (spec.quartiles) {
    s.quartile_axis = spec.quartiles->axis;
    s.collector_high = spec.quartiles->collector == CollectorSide::high;
  }
  s.error_multiple = spec.error_multiple;
  s.alternative = spec.alternative == TestAlternative::greater ? series::Alternative::greater
                                                               : series::Alternative::less;
  s.standard_error_bars = spec.error_bars == ErrorBars::standard;
  return s;
}

series::ExsituSettings exsitu_settings(const SeriesSpec& spec) {
  series::ExsituSettings s;
  s.volume_quantile = spec.exsitu_volume_quantile;
  s.profile = spec.exsitu_profile;
  s.exclude_flat = spec.exsitu_exclude_flat;
  s.clean_border = spec.clean.border;
  return s;
}

// ---- Assembly ---------------------------------------------------------------------------

// Rank 0 reads the step tables, runs the statistics and writes the series file; the other
// ranks wait for the verdict.
// `note`: a line the summary ends with ("" for none).
std::string assemble(const Config& config, const std::vector<StepSource>& sources,
                     const std::array<int, 3>& grid, const std::string& note, MPI_Comm comm,
                     const Logger& log) {
  const RunFacts facts = run_facts(config, grid, comm);
  std::string summary;
  agree_or_throw(comm, [&] {
    if (comm_rank(comm) != 0) return;
    const SeriesSpec& spec = *config.series;
    SeriesAnalysis analysis;
    if (spec.mode == SeriesMode::exsitu)
      analysis = analyse_exsitu_files(sources, exsitu_settings(spec));
    else
      analysis = analyse_series_files(
          sources, series_settings(spec),
          spec.match ? std::optional<double>(spec.match->min_iou) : std::nullopt);
    analysis.summary += note;
    write_series_file(config.output_path, sources, analysis, facts);
    summary = analysis.summary;
  });
  broadcast(comm, summary);
  log.info(summary);
  return summary;
}

// The progress line's prefix during step i: "step 2 of 4 '4.2V', ~12 s left" (from the mean
// time of the steps so far).
std::string step_context(std::size_t i, std::size_t count, const std::string& name,
                         std::chrono::steady_clock::time_point start) {
  std::string text =
      "step " + std::to_string(i + 1) + " of " + std::to_string(count) + " '" + name + "'";
  if (i == 0) return text;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double left = seconds / static_cast<double>(i) * static_cast<double>(count - i);
  return text + ", ~" + fixed_text(left, left < 10 ? 1 : 0) + " s left";
}

// `files`: the --from result files (inputs as much as the steps' volumes).
void check_series_config(const Config& config, const std::vector<std::string>& files = {}) {
  if (!config.is_series())
    throw InputError(config.origin +
                     ": grapes series needs a series: section (steps, reference, ...); for one "
                     "volume use grapes run");
  check_output_path(config.output_path);
  // No output (the series file, a step result file) may replace an input.
  std::vector<NamedPath> inputs;
  for (const StepSpec& step : config.series->steps)
    if (!step.use_phantom)
      inputs.insert(inputs.end(), {{step.grey.key + ".path", step.grey.path},
                                   {step.labels.key + ".path", step.labels.path}});
  for (std::size_t i = 0; i < files.size(); ++i)
    inputs.push_back({"--from file " + std::to_string(i + 1), files[i]});
  check_output_not_input("output.path", config.output_path, inputs);
  if (files.empty())
    for (const StepSpec& step : config.series->steps)
      check_output_not_input("the step result file of step '" + step.name + "'",
                             step_file(config.output_path, step.name), inputs);
}

// What must agree between --from files for their tables to form one series.
struct StepFileFacts {
  std::string shape, voxel_size, core_exclude_layers = "?";  // "?": not recorded
};

StepFileFacts step_file_facts(const std::string& path) {
  check_result_file(path);
  StepFileFacts facts;
  std::string config_text;
  for (const ResultAttribute& attribute : read_attributes(path)) {
    if (attribute.name == "series_mode")
      throw InputError("--from file '" + path + "' is a series file, not a step's result: give " +
                       "its step files (" + steps_folder(path) + "/<step>.h5)");
    if (attribute.name == "shape") facts.shape = attribute.text;
    if (attribute.name == "voxel_size") facts.voxel_size = attribute.text;
    if (attribute.name == "config") config_text = attribute.text;
  }
  try {  // the file's own resolved configuration (a file of an older version may not parse)
    facts.core_exclude_layers = std::to_string(parse_config(config_text, path).core_exclude_layers);
  } catch (const InputError&) {
  }
  return facts;
}

// Rank 0: the --from files are results of one shape, voxel size and core definition (as the
// steps of `grapes series` are), each named with the first file when it differs.
void check_step_files(const std::vector<std::string>& files) {
  if (files.empty()) return;
  const StepFileFacts first = step_file_facts(files.front());
  for (std::size_t i = 1; i < files.size(); ++i) {
    const StepFileFacts facts = step_file_facts(files[i]);
    const auto differ = [&](const char* what, const std::string& a, const std::string& b) {
      if (a != b && a != "?" && b != "?")
        throw InputError("--from files '" + files.front() + "' and '" + files[i] + "' differ in " +
                         what + " (" + a + " vs " + b + "): the steps of a series must agree");
    };
    differ("shape", first.shape, facts.shape);
    differ("voxel_size", first.voxel_size, facts.voxel_size);
    differ("analysis.core_exclude_layers", first.core_exclude_layers, facts.core_exclude_layers);
  }
}

// Rank 0 holds the output lock (output/output_lock.hpp) for the whole series; the others none.
std::unique_ptr<OutputLock> lock_output(const std::string& output_path, MPI_Comm comm) {
  std::unique_ptr<OutputLock> lock;
  agree_or_throw(comm, [&] {
    if (comm_rank(comm) == 0) lock = std::make_unique<OutputLock>(output_path);
  });
  return lock;
}

}  // namespace

SeriesOutcome run_series(const Config& config, bool resume, MPI_Comm comm, const Logger& log) {
  agree_or_throw(comm, [&] { check_series_config(config); });
  const auto lock = lock_output(config.output_path, comm);
  agree_or_throw(comm, [&] {
    if (comm_rank(comm) == 0) std::filesystem::create_directories(steps_folder(config.output_path));
  });
  const SeriesSpec& spec = *config.series;
  SeriesOutcome outcome;
  outcome.output_path = config.output_path;
  const RunPlan plan = plan_series(config, comm, log);
  std::vector<StepSource> sources;
  const auto start = std::chrono::steady_clock::now();
  const double steps = static_cast<double>(spec.steps.size());
  log.progress().step("series", 0, steps, ProgressUnit::steps);
  for (std::size_t i = 0; i < spec.steps.size(); ++i) {
    const StepSpec& step = spec.steps[i];
    log.progress().context(step_context(i, spec.steps.size(), step.name, start));
    const std::string path = step_file(config.output_path, step.name);
    const std::string fingerprint = step_fingerprint(config, step);
    if (resume && recorded_fingerprint(path, comm) == fingerprint) {
      log.info("step '" + step.name + "': unchanged since " + path + ", reused");
      outcome.reused.push_back(step.name);
    } else {
      analyse_step(config, plan, i, fingerprint, comm, log);
      outcome.computed.push_back(step.name);
      maybe_kill_for_test(outcome.computed.size(), comm);
    }
    sources.push_back({step.name, path, std::nullopt, step.soc});
    log.progress().step("series", static_cast<double>(i + 1), steps, ProgressUnit::steps,
                        "step '" + step.name + "'");
  }
  log.progress().context("");
  // docs/SERIES.md, "Resume": what the fingerprint cannot see, in the log and the summary.
  std::string note;
  if (!outcome.reused.empty()) {
    note = "Resumed: reused steps";
    for (const std::string& name : outcome.reused) note += " '" + name + "'";
    note +=
        ", compared by their inputs' paths, sizes and modification times and the settings, "
        "not by content: a file replaced by same-size data with its old time restored is not "
        "noticed (delete its step file to analyse it again)\n";
    log.info(note.substr(0, note.size() - 1));
  }
  outcome.summary = assemble(config, sources, plan.grid.dims(), note, comm, log);
  return outcome;
}

SeriesOutcome series_from_files(const Config& config, const std::vector<std::string>& files,
                                MPI_Comm comm, const Logger& log) {
  agree_or_throw(comm, [&] {
    check_series_config(config, files);
    if (comm_rank(comm) == 0) check_step_files(files);
  });
  const auto lock = lock_output(config.output_path, comm);
  SeriesOutcome outcome;
  outcome.output_path = config.output_path;
  std::vector<StepSource> sources;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const StepSpec& step = config.series->steps[i];
    std::optional<double> sigma;  // a number in the config; else the file's own sigma_bg
    if (step.noise.kind == NoiseSpec::Kind::sigma) sigma = step.noise.sigma;
    sources.push_back({step.name, files[i], sigma, step.soc});
    outcome.reused.push_back(config.series->steps[i].name);
  }
  outcome.summary = assemble(config, sources, {1, 1, 1}, "", comm, log);
  return outcome;
}

std::string step_settings_text(const Config& config) {
  return resolved_yaml_without(config, kNotInStepFingerprint);
}

}  // namespace grapes
