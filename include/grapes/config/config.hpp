#pragma once
// The YAML configuration (docs/CONFIG.md): schema, defaults, validation and --set overrides.
// Every default lives in the schema table of src/config/schema.cpp (docs/CONFIG.md lists them;
// the member initialisers below repeat them, and a unit test checks that they agree).
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "grapes/core/types.hpp"
#include "grapes/io/phantom_spec.hpp"
#include "grapes/io/source_spec.hpp"
#include "grapes/output/normalise.hpp"

namespace grapes {

// ---- The series block (docs/SERIES.md: `grapes series`) ----------------------------------------

// A step's measurement noise sigma_bg: none (SEM is NaN), a number, or the grey std of a
// background box of the step's grey volume.
struct NoiseSpec {
  enum class Kind { none, sigma, box };
  Kind kind = Kind::none;
  double sigma = 0.0;  // Kind::sigma: sigma_bg in grey levels
  Box box;             // Kind::box: half-open global voxel box [z0, z1) x [y0, y1) x [x0, x1)
};

// One time step (operando) or dataset (ex-situ): two volumes on disk or the phantom.
struct StepSpec {
  std::string name;           // unique, non-empty, no '/' (an HDF5 group name)
  std::optional<double> soc;  // state of charge (or voltage), for tables and plots
  bool use_phantom = false;
  SourceSpec grey;  // !use_phantom; key "series.steps[i] (\"name\").grey" for messages
  SourceSpec labels;
  PhantomSpec phantom;   // use_phantom
  int phantom_step = 0;  // use_phantom: the phantom's operando step (default: the position)
  NoiseSpec noise;
};

// Which cleaning rules of docs/SERIES.md apply (all by default).
struct CleanSpec {
  bool inconsistent = true;          // rule 1: drop labels missing from some step
  bool next_to_inconsistent = true;  // rule 2: drop neighbours of those
  bool border = true;                // rule 3: drop particles touching the image border
  bool no_core = true;               // drop particles with core_voxels = 0 in any step
  double small_fraction = 0.25;      // rule 4: drop reference volumes <= this quantile; 0 = off
};

enum class ConditionOp { greater, less };  // ">" and "<"

// The fraction of particles with I_a op I_b (docs/SERIES.md, item 9).
struct ConditionSpec {
  std::string name;
  std::string a;  // step names
  std::string b;
  ConditionOp op = ConditionOp::greater;
};

enum class CollectorSide { low, high };

// Quartiles of the reference centroid along `axis` (docs/SERIES.md, item 10); Q1 is farthest from
// the current collector, which lies at the low or high end of that axis.
struct QuartileSpec {
  int axis = 2;  // 0 = z, 1 = y, 2 = x
  CollectorSide collector = CollectorSide::high;
};

enum class MatchMethod { overlap };

// Label matching of independently segmented steps (docs/SERIES.md, item 12).
struct MatchSpec {
  MatchMethod method = MatchMethod::overlap;
  double min_iou = 0.5;  // in (0, 1]
};

// series.error_bars: the error model the summary leads with (docs/SERIES.md item 8b).
enum class ErrorBars { paper, standard };
// series.alternative: the one-tailed alternative of every *_one p-value (docs/SERIES.md item 8).
enum class TestAlternative { less, greater };

enum class SeriesMode {
  operando,  // one sample over time, labels shared (or matched) across steps
  exsitu,    // datasets that share no labels (docs/SERIES.md, item 11)
};

struct SeriesSpec {
  std::string reference;  // operando: a step name (default the first step); exsitu: ""
  std::vector<StepSpec> steps;
  CleanSpec clean;                                        // operando only
  std::vector<ConditionSpec> conditions;                  // operando only
  std::optional<QuartileSpec> quartiles{QuartileSpec{}};  // operando only; nullopt: none
  double error_multiple = 3.0;
  ErrorBars error_bars = ErrorBars::paper;              // operando only
  TestAlternative alternative = TestAlternative::less;  // operando only
  std::optional<MatchSpec> match;  // nullopt: none (labels are consistent upstream)
  SeriesMode mode = SeriesMode::operando;
  std::optional<double> exsitu_volume_quantile;     // exsitu: keep volumes above it; nullopt: all
  std::string exsitu_profile = "graylevel_normed";  // exsitu: the /layers column averaged
  bool exsitu_exclude_flat = true;  // exsitu, graylevel_normed: flat profiles left out

  // The index of `reference` in `steps` (0 when there is no reference).
  std::size_t reference_index() const;
};

struct Config {
  std::string origin;     // the config file path ("<string>" when parsed from text)
  std::string yaml_text;  // the resolved configuration (after --set) as YAML text

  // input (grapes run): either two sources or the phantom. A series config has no input.
  bool use_phantom = false;
  SourceSpec grey;
  SourceSpec labels;
  PhantomSpec phantom;

  Spacing3 voxel_size{1.0, 1.0, 1.0};

  // analysis
  Normalise normalise = Normalise::radial_max;
  int core_exclude_layers = 5;
  std::optional<double> layer_width;  // nullopt: min_spacing
  bool convex_hull = false;           // the hull columns of docs/OUTPUT.md (a cost per particle)

  // decomposition
  std::optional<std::array<int, 3>> grid;        // nullopt: auto
  std::optional<int> ghost;                      // nullopt: auto (voxels, same on every axis)
  double max_block_growth = 8.0;                 // local block (owned + ghosts) / owned voxels
  std::optional<std::uint64_t> memory_per_rank;  // bytes; nullopt: none (no limit)

  // output
  std::string output_path = "results/grapes.h5";
  bool write_layers_volume = false;  // output.volumes contains "layers"
  bool write_edt_volume = false;     // output.volumes contains "edt"

  // series (grapes series), instead of input.
  std::optional<SeriesSpec> series;

  // A series config (`series:`, for grapes series) rather than a single run (`input:`).
  bool is_series() const { return series.has_value(); }
};

// Parses YAML text; `overrides` are "a.b.c=value" strings applied before validation.
// Throws InputError naming the offending key (with the closest valid key for typos).
Config parse_config(const std::string& yaml_text, const std::string& origin,
                    const std::vector<std::string>& overrides = {});

// The text of a configuration file (InputError naming it when unreadable).
std::string read_config_text(const std::string& path);

// Reads the file (InputError naming it when unreadable), then parse_config.
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// The series config of `grapes series --from FILE...`: the settings of `base_yaml` (a series
// config's text, or "" for the defaults) and `overrides`, its steps replaced by one step per
// result file, named by the file name (a number given as a step's noise is kept for the file
// of that name).
Config series_config_for_files(const std::vector<std::string>& files, const std::string& base_yaml,
                               const std::string& origin,
                               const std::vector<std::string>& overrides);

// The closest valid key to `key` among `candidates` (edit distance), or "" if none is close.
std::string closest_key(const std::string& key, const std::vector<std::string>& candidates);

// One key of the schema (for docs, tools and tests), in the order of the resolved YAML.
struct ConfigKey {
  std::string key;           // dotted path; "[]" marks the items of a list: series.steps[].name
  std::string type;          // what the value must be ("a non-negative integer")
  std::string default_text;  // YAML text; "" when none (required, optional, or derived)
  std::string doc;           // its meaning, in one line
  bool repeated = false;     // a copy of a shared block (a series step's source or phantom keys)
};
std::vector<ConfigKey> config_schema();

// The resolved YAML of `config` (yaml_text) without the keys `left_out` (dotted paths of
// sections or keys: "series", "decomposition.grid"), as YAML text: what a fingerprint of the
// settings takes, so that every other key, a new one included, is part of it.
std::string resolved_yaml_without(const Config& config, const std::vector<std::string>& left_out);

}  // namespace grapes
