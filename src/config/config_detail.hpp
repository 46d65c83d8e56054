#pragma once
// What the files of the configuration module share (private to src/config/):
//   schema.cpp       the table of every key (kind, default, meaning) and the kinds' texts
//   yaml_values.cpp  YAML helpers: dotted paths, typed conversions, normalised value texts
//   suggest.cpp      closest_key (edit distance) for "did you mean" messages
//   parse.cpp        the Parser core: scopes, the typed readers, --set, the key check
//   parse_input.cpp  input, sources, phantom and the top-level sections
//   parse_series.cpp the series block
//   config.cpp       parse_config / load_config and the resolved YAML text
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "grapes/config/config.hpp"

namespace grapes::config_detail {

// ---- schema.cpp -----------------------------------------------------------------------------

// What a key holds. kind_text() says "must be ..." for each; the Parser's readers check them.
enum class Kind {
  section,            // a mapping of the keys below it
  source,             // a mapping describing one volume on disk (input.grey, input.labels)
  string,             // a non-empty string
  choice,             // one of Row::choices
  shape,              // [z, y, x] positive integers
  spacing,            // three positive numbers [z, y, x], or one (isotropic)
  dtype,              // numpy-style unsigned integer or float element type (the phantom's grey)
  raw_dtype,          // numpy-style element type, signed integers included (raw sources)
  label_dtype,        // numpy-style unsigned integer element type
  nonneg_int,         // integer >= 0 that fits an int
  byte_count,         // integer >= 0 (64-bit)
  seed,               // integer in [0, 2^64)
  number,             // any finite number
  nonneg_number,      // finite number >= 0
  pos_number,         // finite number > 0
  open_fraction,      // number in (0, 1)
  fraction,           // number in [0, 1]
  quantile,           // number in [0, 1)
  iou,                // number in (0, 1]
  growth,             // number > 1
  flag,               // true or false
  layer_width,        // min_spacing or a positive number
  grid,               // auto or [pz, py, px] positive integers
  ghost,              // auto or integer >= 0
  volumes,            // list of names from {layers, edt}
  memory_size,        // none or a size in bytes (6GiB, 2GB, 1e9)
  step_list,          // list of step mappings (keys series.steps[].*)
  step_name,          // a step's name: non-empty, no '/'
  step_ref,           // the name of a step of series.steps
  noise,              // none, a number >= 0 or a mapping {box: ...}
  box,                // [[z0, z1], [y0, y1], [x0, x1]], 0 <= lo < hi
  condition_list,     // list of condition mappings (keys series.conditions[].*)
  quartiles,          // none or a mapping {axis, collector}
  match,              // none or a mapping {method, min_iou}
  optional_quantile,  // none or a number in [0, 1)
  rescale,            // none or a mapping {to, range} (a grey source's rescale)
  grey_range,         // [lo, hi]: two finite numbers, lo < hi
};

struct Row {
  std::string key;                // dotted path; "[]" marks list items (series.steps[].name)
  Kind kind;                      // type
  const char* def;                // default as YAML text; nullptr: required, optional or derived
  const char* doc;                // meaning (docs/CONFIG.md says the same)
  const char* choices = nullptr;  // Kind::choice: "a|b|c"
  bool repeated = false;          // a copy of a shared block (a series step's source keys)
};

// Every key, in the order of the resolved YAML.
const std::vector<Row>& schema();
const Row* find_row(const std::string& key);
const Row& row_of(const std::string& key);  // std::logic_error when not in the schema
std::vector<std::string> all_keys();
std::string kind_text(const Row& row);
bool is_choice(const char* choices, const std::string& value);
// Kinds whose value is (or may be) a mapping of the schema keys below them.
bool holds_mapping(Kind kind);
// Kinds whose value is a list of mappings with the keys "<key>[].<name>".
bool is_item_list(Kind kind);

// ---- yaml_values.cpp ------------------------------------------------------------------------

std::vector<std::string> split_key(const std::string& key);
std::string join_key(const std::string& prefix, const std::string& name);  // "a" + "b" = "a.b"
std::string parent_key(const std::string& key);                            // "a.b.c" -> "a.b"
std::string last_component(const std::string& key);                        // "a.b.c" -> "c"
// The node at a dotted path, or an undefined node. Never modifies the tree.
YAML::Node lookup(const YAML::Node& root, const std::string& key);
// Sets the node at a dotted path, turning missing or non-mapping levels into mappings.
void set_path(YAML::Node& root, const std::string& key, const YAML::Node& value);

std::string flow_text(const YAML::Node& node);
std::string got(const YAML::Node& node);  // ", got 'abc'" for messages
std::string lower(std::string text);

bool scalar_of(const YAML::Node& node, std::string& text);  // a non-empty scalar
// Integers; to_int64 also takes an integral number in exponent form ("3e9").
bool to_int64(const YAML::Node& node, long long& value);
bool to_uint64(const YAML::Node& node, unsigned long long& value);
bool to_double(const YAML::Node& node, double& value);  // finite numbers only
bool to_flag(const YAML::Node& node, bool& value);      // true/false (True, TRUE, ...)
bool in_range(Kind kind, double value);
// "6GiB", "512mib", "2GB", "1.5GiB", "1e9" -> bytes (> 0); false when not such a size.
bool parse_size(const std::string& text, std::uint64_t& bytes);

// Normalised texts of the resolved YAML.
std::string number_text(double value);       // the shortest text that reads back exactly
std::string size_text(std::uint64_t bytes);  // the shortest exact form: 6GiB, 2GB, 1000001
YAML::Node text_node(const std::string& text);
YAML::Node flow_list(const std::vector<std::string>& items);

// ---- suggest.cpp ----------------------------------------------------------------------------

std::size_t levenshtein(const std::string& a, const std::string& b);

// ---- parse*.cpp -----------------------------------------------------------------------------

// The key of item `index` of a list in messages: "series.steps[2]", and with the item's name
// when it has one: "series.steps[2] (\"4.4V\")".
std::string item_display(const std::string& list_display, std::size_t index,
                         const YAML::Node& item);

// A mapping being read: where it is in the user's tree, in the resolved tree, in the schema
// and in messages. Scopes are cheap (YAML::Node is a handle).
struct Scope {
  YAML::Node given;     // the user's mapping (undefined or null when left out)
  YAML::Node resolved;  // the resolved mapping being filled (a handle into the resolved tree)
  std::string schema;   // its schema key: "" (top level), "input.grey", "series.steps[]"
  std::string display;  // its key in messages: "input.grey", "series.steps[2] (\"4.4V\")"

  std::string schema_key(const std::string& key) const { return join_key(schema, key); }
  std::string display_key(const std::string& key) const { return join_key(display, key); }
};

// Reads a configuration tree into a Config. Every reader takes the user's value or the
// schema default, checks it by the key's kind and records it, normalised, into the resolved
// tree: the resolved YAML is exactly what was read.
class Parser {
 public:
  explicit Parser(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& message) const;
  YAML::Node load(const std::string& text) const;
  void apply_override(YAML::Node& root, const std::string& assignment) const;
  // Every key must be in the schema, once; sections must be mappings (empty allowed).
  void check_keys(const YAML::Node& map, const std::string& schema,
                  const std::string& display) const;
  // The Config, and its resolved tree (keys in reading order) in `resolved`.
  Config build(const YAML::Node& root, YAML::Node& resolved) const;

 private:
  // parse.cpp: scopes and typed readers.
  Scope child(const Scope& parent, const std::string& name) const;
  bool given(const Scope& s, const std::string& key) const;
  YAML::Node value(const Scope& s, const std::string& key, const std::string& hint = "") const;
  void record(const Scope& s, const std::string& key, const YAML::Node& value) const;
  [[noreturn]] void bad_value(const Scope& s, const std::string& key, const YAML::Node& node,
                              const std::string& extra = "") const;
  [[noreturn]] void not_applicable(const Scope& s, const std::string& key,
                                   const std::string& why) const;
  std::string unknown_key(const std::string& schema_key, const std::string& display_key,
                          const std::string& schema_prefix,
                          const std::string& display_prefix) const;
  void check_items(const YAML::Node& list, const std::string& schema,
                   const std::string& display) const;
  bool is_keyword(const Scope& s, const std::string& key, const char* keyword) const;
  std::string get_string(const Scope& s, const std::string& key,
                         const std::string& hint = "") const;
  std::string get_choice(const Scope& s, const std::string& key) const;
  double get_number(const Scope& s, const std::string& key) const;
  int get_int(const Scope& s, const std::string& key) const;
  std::int64_t get_int64(const Scope& s, const std::string& key) const;
  std::uint64_t get_seed(const Scope& s, const std::string& key) const;
  bool get_flag(const Scope& s, const std::string& key) const;
  Index3 get_ints(const Scope& s, const std::string& key, const std::string& hint = "") const;
  Spacing3 get_spacing(const Scope& s, const std::string& key) const;
  DType get_dtype(const Scope& s, const std::string& key, char* order = nullptr,
                  const std::string& hint = "") const;

  // parse_input.cpp: input and the single-run sections.
  void read_input(const Scope& top, Config& config) const;
  bool volume_form(const Scope& s, const std::string& what) const;
  PhantomSpec read_phantom(const Scope& s) const;
  SourceKind source_kind(const Scope& s, const std::string& path) const;
  SourceSpec read_source(const Scope& s) const;
  void read_raw_layout(const Scope& s, SourceSpec& spec) const;
  std::optional<GreyRescale> read_rescale(const Scope& source) const;
  void read_analysis(const Scope& top, Config& config) const;
  void read_decomposition(const Scope& top, Config& config) const;
  void read_output(const Scope& top, Config& config) const;
  std::optional<std::uint64_t> read_memory_size(const Scope& s, const std::string& key) const;

  // parse_series.cpp: the series block.
  SeriesSpec read_series(const Scope& top) const;
  std::vector<StepSpec> read_steps(const Scope& series) const;
  StepSpec read_step(const Scope& item, std::size_t position) const;
  NoiseSpec read_noise(const Scope& step) const;
  Box read_box(const Scope& s, const std::string& key = "box") const;
  void read_operando(const Scope& series, SeriesSpec& spec) const;
  void read_exsitu(const Scope& exsitu, SeriesSpec& spec) const;
  std::string read_step_ref(const Scope& s, const std::string& key,
                            const std::vector<StepSpec>& steps) const;
  CleanSpec read_clean(const Scope& series) const;
  std::vector<ConditionSpec> read_conditions(const Scope& series,
                                             const std::vector<StepSpec>& steps) const;
  std::optional<QuartileSpec> read_quartiles(const Scope& series) const;
  std::optional<MatchSpec> read_match(const Scope& series) const;
  std::vector<Scope> list_items(const Scope& s, const std::string& key) const;
  std::optional<double> read_optional_quantile(const Scope& s, const std::string& key) const;

  std::string origin_;
};

// config.cpp: the resolved tree with every mapping's keys in schema order.
YAML::Node in_schema_order(const YAML::Node& map, const std::string& schema_prefix);

}  // namespace grapes::config_detail
