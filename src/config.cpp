// The configuration of SPEC §7. One table (kSchema) names every key with its type, default
// and meaning; validation, defaults, --set and the resolved YAML all work from it, and
// docs/CONFIG.md documents the same table.
#include "grapes/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

#include "grapes/error.hpp"

namespace grapes {
namespace {

// What a key holds. The range checks and the "must be ..." text of each kind are in
// kind_text() and the get_* functions below.
enum class Kind {
  section,        // a mapping of the keys below it
  source,         // a mapping describing one volume on disk (input.grey, input.labels)
  string,         // a non-empty string
  choice,         // one of Row::choices
  shape,          // [z, y, x] positive integers
  spacing,        // three positive numbers [z, y, x], or one (isotropic)
  dtype,          // numpy-style element type
  label_dtype,    // numpy-style unsigned integer element type
  nonneg_int,     // integer >= 0
  seed,           // integer in [0, 2^64)
  number,         // any finite number
  nonneg_number,  // finite number >= 0
  pos_number,     // finite number > 0
  open_fraction,  // number in (0, 1)
  fraction,       // number in [0, 1]
  growth,         // number > 1
  layer_width,    // min_spacing or a positive number
  grid,           // auto or [pz, py, px] positive integers
  ghost,          // auto or integer >= 0
  volumes,        // list of names from {layers, edt}
};

struct Row {
  const char* key;                // dotted path
  Kind kind;                      // type
  const char* def;                // default as YAML text; nullptr: required, or none (see doc)
  const char* doc;                // meaning (docs/CONFIG.md says the same)
  const char* choices = nullptr;  // Kind::choice: "a|b|c"
};

// The schema: the single place where defaults live. Order = order of the resolved YAML.
const Row kSchema[] = {
    {"input", Kind::section, nullptr,
     "The volumes to analyse: input.phantom, or both input.grey and input.labels."},
    {"input.grey", Kind::source, nullptr, "The greyscale volume on disk."},
    {"input.grey.path", Kind::string, nullptr,
     "Required. File, or folder of 2-D TIFF slices (relative to the working directory)."},
    {"input.grey.format", Kind::choice, nullptr,
     "File format; default from the path: .h5/.hdf5/.hdf/.nxs hdf5, .tif/.tiff or a folder "
     "tiff, .raw/.bin raw.",
     "hdf5|tiff|raw"},
    {"input.grey.dataset", Kind::string, nullptr, "hdf5 only, required: dataset in the file."},
    {"input.grey.shape", Kind::shape, nullptr, "raw only, required: volume shape."},
    {"input.grey.dtype", Kind::dtype, nullptr, "raw only, required: element type."},
    {"input.grey.endian", Kind::choice, "little", "raw only: byte order.", "little|big"},
    {"input.grey.header_bytes", Kind::nonneg_int, "0",
     "raw only: bytes to skip at the start of the file."},
    {"input.labels", Kind::source, nullptr,
     "The particle label volume on disk (0 = background), same shape as input.grey."},
    {"input.labels.path", Kind::string, nullptr, "As input.grey.path."},
    {"input.labels.format", Kind::choice, nullptr, "As input.grey.format.", "hdf5|tiff|raw"},
    {"input.labels.dataset", Kind::string, nullptr, "As input.grey.dataset."},
    {"input.labels.shape", Kind::shape, nullptr, "As input.grey.shape."},
    {"input.labels.dtype", Kind::dtype, nullptr, "As input.grey.dtype."},
    {"input.labels.endian", Kind::choice, "little", "As input.grey.endian.", "little|big"},
    {"input.labels.header_bytes", Kind::nonneg_int, "0", "As input.grey.header_bytes."},
    {"input.phantom", Kind::section, nullptr,
     "The built-in synthetic NMC electrode instead of files ({} for all defaults)."},
    {"input.phantom.shape", Kind::shape, "[96, 96, 96]", "Volume shape in voxels."},
    {"input.phantom.seed", Kind::seed, "1", "Random seed (same seed, same volume)."},
    {"input.phantom.radius_mean", Kind::pos_number, "9", "Mean particle radius (voxels)."},
    {"input.phantom.radius_sd", Kind::nonneg_number, "2.5",
     "Spread of particle radii (voxels, log-normal)."},
    {"input.phantom.packing", Kind::open_fraction, "0.55", "Target solid volume fraction."},
    {"input.phantom.elongation", Kind::nonneg_number, "0.25",
     "Largest relative stretch of an ellipsoid axis."},
    {"input.phantom.grey_mean", Kind::number, "174", "Mean of the per-particle mean grey."},
    {"input.phantom.grey_sd", Kind::nonneg_number, "11", "Spread of the per-particle mean grey."},
    {"input.phantom.background", Kind::number, "70", "Grey value of the pore space."},
    {"input.phantom.noise_sd", Kind::nonneg_number, "6", "Per-voxel Gaussian noise."},
    {"input.phantom.damage_fraction", Kind::fraction, "0",
     "Fraction of particles with a darkened core."},
    {"input.phantom.damage_depth", Kind::nonneg_number, "25",
     "Grey drop at a damaged particle's centre."},
    {"input.phantom.grey_dtype", Kind::dtype, "uint8",
     "Element type of the grey volume when the phantom is written to files."},
    {"input.phantom.label_dtype", Kind::label_dtype, "uint16",
     "Element type of the label volume when the phantom is written to files."},
    {"voxel_size", Kind::spacing, "[1, 1, 1]",
     "Voxel size [z, y, x] in physical units (one number: isotropic)."},
    {"analysis", Kind::section, nullptr, "How the radial layer profiles are computed."},
    {"analysis.normalise", Kind::choice, "radial_max",
     "graylevel_normed of layer k: radial_max (g_k - g_1) / max_j (g_j - g_1); surface "
     "g_k / g_1.",
     "radial_max|surface"},
    {"analysis.core_exclude_layers", Kind::nonneg_int, "5",
     "core_mean/core_voxels use the voxels with layer > this (0: the whole particle)."},
    {"analysis.layer_width", Kind::layer_width, "min_spacing",
     "Width of one layer in physical units; min_spacing = the smallest voxel_size."},
    {"decomposition", Kind::section, nullptr, "How the volume is split over MPI ranks."},
    {"decomposition.grid", Kind::grid, "auto",
     "Ranks per axis [pz, py, px] (product = number of ranks); auto picks near-cubic boxes."},
    {"decomposition.ghost", Kind::ghost, "auto",
     "Ghost layer width in voxels; auto sizes it from the particles' bounding boxes so every "
     "distance is exact."},
    {"decomposition.max_block_growth", Kind::growth, "8",
     "Largest allowed (owned + ghost) / owned voxels of one rank's block."},
    {"output", Kind::section, nullptr, "Where the results go."},
    {"output.path", Kind::string, "results/grapes.h5", "The HDF5 result file."},
    {"output.volumes", Kind::volumes, "[]",
     "Full volumes to write besides the tables: layers, edt."},
};

const Row* find_row(const std::string& key) {
  for (const Row& row : kSchema)
    if (key == row.key) return &row;
  return nullptr;
}

const Row& row_of(const std::string& key) {
  const Row* row = find_row(key);
  if (!row) throw std::logic_error("config: key '" + key + "' is not in the schema");
  return *row;
}

std::vector<std::string> all_keys() {
  std::vector<std::string> keys;
  for (const Row& row : kSchema) keys.push_back(row.key);
  return keys;
}

std::string choices_text(const char* choices) {
  std::string text = choices;
  std::string out;
  std::size_t start = 0;
  while (true) {
    const std::size_t bar = text.find('|', start);
    if (!out.empty()) out += ", ";
    out += text.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return out;
}

bool is_choice(const char* choices, const std::string& value) {
  const std::string text = std::string("|") + choices + "|";
  return value.find('|') == std::string::npos && text.find("|" + value + "|") != std::string::npos;
}

// "must be <kind_text>".
std::string kind_text(const Row& row) {
  switch (row.kind) {
    case Kind::section:
      return "a mapping of keys";
    case Kind::source:
      return "a mapping like {path: ..., dataset: ...}";
    case Kind::string:
      return "a non-empty string";
    case Kind::choice:
      return "one of " + choices_text(row.choices);
    case Kind::shape:
      return "a list of 3 positive integers [z, y, x]";
    case Kind::spacing:
      return "a positive number or a list of 3 positive numbers [z, y, x]";
    case Kind::dtype:
      return "a dtype (uint8, uint16, uint32, uint64, float32, float64, or u1, u2, u4, u8, f4, "
             "f8)";
    case Kind::label_dtype:
      return "an unsigned integer dtype (uint8, uint16, uint32, uint64, or u1, u2, u4, u8)";
    case Kind::nonneg_int:
      return "a non-negative integer";
    case Kind::seed:
      return "a non-negative integer";
    case Kind::number:
      return "a number";
    case Kind::nonneg_number:
      return "a non-negative number";
    case Kind::pos_number:
      return "a positive number";
    case Kind::open_fraction:
      return "a number between 0 and 1 (both excluded)";
    case Kind::fraction:
      return "a number from 0 to 1";
    case Kind::growth:
      return "a number greater than 1";
    case Kind::layer_width:
      return "min_spacing or a positive number";
    case Kind::grid:
      return "auto or a list of 3 positive integers [pz, py, px]";
    case Kind::ghost:
      return "auto or a non-negative integer";
    case Kind::volumes:
      return "a list of names from [layers, edt]";
  }
  return "?";
}

// ---- YAML helpers -------------------------------------------------------------------------

std::string flow_text(const YAML::Node& node) {
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  out << node;
  return out.c_str();
}

// ", got 'abc'" for messages.
std::string got(const YAML::Node& node) {
  if (!node.IsDefined()) return ", got nothing";
  if (node.IsNull()) return ", got an empty value";
  if (node.IsScalar()) return ", got '" + node.Scalar() + "'";
  return ", got '" + flow_text(node) + "'";
}

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

// The node at a dotted path, or an undefined node. Never modifies the tree.
YAML::Node lookup(const YAML::Node& root, const std::string& key) {
  YAML::Node current;
  current.reset(root);
  for (const std::string& part : split_key(key)) {
    if (!current.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node& as_const = current;
    YAML::Node next = as_const[part];
    if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    current.reset(next);
  }
  return current;
}

// Sets the node at a dotted path, turning missing or non-mapping levels into mappings.
void set_path(YAML::Node& root, const std::string& key, const YAML::Node& value) {
  if (!root.IsMap()) root = YAML::Node(YAML::NodeType::Map);
  const std::vector<std::string> parts = split_key(key);
  YAML::Node current;
  current.reset(root);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node next = current[parts[i]];
    if (!next.IsMap()) next = YAML::Node(YAML::NodeType::Map);
    current.reset(next);
  }
  current[parts.back()] = value;
}

bool scalar_of(const YAML::Node& node, std::string& text) {
  if (!node.IsDefined() || !node.IsScalar()) return false;
  text = node.Scalar();
  return !text.empty();
}

bool to_int64(const YAML::Node& node, long long& value) {
  std::string text;
  if (!scalar_of(node, text) || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  value = std::strtoll(text.c_str(), &end, 10);
  return errno == 0 && end == text.c_str() + text.size();
}

bool to_uint64(const YAML::Node& node, unsigned long long& value) {
  std::string text;
  if (!scalar_of(node, text) || !std::isdigit(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  value = std::strtoull(text.c_str(), &end, 10);
  return errno == 0 && end == text.c_str() + text.size();
}

bool to_double(const YAML::Node& node, double& value) {
  std::string text;
  if (!scalar_of(node, text) || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return errno == 0 && end == text.c_str() + text.size() && std::isfinite(value);
}

bool in_range(Kind kind, double v) {
  switch (kind) {
    case Kind::nonneg_number:
      return v >= 0.0;
    case Kind::pos_number:
    case Kind::spacing:
    case Kind::layer_width:
      return v > 0.0;
    case Kind::open_fraction:
      return v > 0.0 && v < 1.0;
    case Kind::fraction:
      return v >= 0.0 && v <= 1.0;
    case Kind::growth:
      return v > 1.0;
    default:
      return true;
  }
}

// The shortest text that reads back as exactly `value`: positional for ordinary magnitudes
// ("70", "0.0001", "123456.789"), else in exponent form that YAML 1.1 readers (PyYAML) also
// take as a number ("1.0e-07", not "1e-07").
std::string number_text(double value) {
  char buffer[64];
  int digits = 1;
  for (; digits < 17; ++digits) {
    std::snprintf(buffer, sizeof buffer, "%.*e", digits - 1, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  std::snprintf(buffer, sizeof buffer, "%.*e", digits - 1, value);
  const int exponent = std::atoi(std::strchr(buffer, 'e') + 1);
  if (exponent >= -4 && exponent < 16) {
    std::snprintf(buffer, sizeof buffer, "%.*f", std::max(0, digits - 1 - exponent), value);
    if (std::strtod(buffer, nullptr) == value) return buffer;
  }
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
  std::string text = buffer;
  const std::size_t e = text.find('e');
  if (e != std::string::npos && text.find('.') == std::string::npos) text.insert(e, ".0");
  return text;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::size_t levenshtein(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string last_component(const std::string& key) {
  const std::size_t dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

// ---- Parsing --------------------------------------------------------------------------------

class Parser {
 public:
  explicit Parser(const std::string& origin) : origin_(origin) {}

  [[noreturn]] void fail(const std::string& message) const {
    throw InputError(origin_ + ": " + message);
  }

  std::string unknown_key(const std::string& key) const {
    std::string message = "unknown key '" + key + "'";
    const std::string suggestion = closest_key(key, all_keys());
    if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
    return message;
  }

  YAML::Node load(const std::string& text) const {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      fail("YAML syntax error at line " + std::to_string(e.mark.line + 1) + ", column " +
           std::to_string(e.mark.column + 1) + ": " + e.msg);
    } catch (const YAML::Exception& e) {
      fail(std::string("cannot read the YAML: ") + e.what());
    }
    if (!root.IsDefined() || root.IsNull()) return YAML::Node(YAML::NodeType::Map);
    if (!root.IsMap())
      fail("the configuration must be a mapping of keys (input, voxel_size, analysis, ...)" +
           got(root));
    return root;
  }

  void apply_override(YAML::Node& root, const std::string& assignment) const {
    const std::size_t equals = assignment.find('=');
    if (equals == std::string::npos)
      fail("--set '" + assignment + "' must have the form key=value");
    std::string key = assignment.substr(0, equals);
    while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
    while (!key.empty() && std::isspace(static_cast<unsigned char>(key.front()))) key.erase(0, 1);
    if (key.empty()) fail("--set '" + assignment + "' must have the form key=value");
    if (!find_row(key)) fail("--set '" + assignment + "': " + unknown_key(key));
    YAML::Node value;
    try {
      value = YAML::Load(assignment.substr(equals + 1));
    } catch (const YAML::Exception& e) {
      fail("--set '" + assignment + "': the value is not valid YAML: " + e.msg);
    }
    set_path(root, key, value);
  }

  // Every key must be in the schema, once; sections must be mappings (empty allowed).
  void check_keys(const YAML::Node& map, const std::string& prefix) const {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string where = prefix.empty() ? "the top level" : "'" + prefix + "'";
      if (!it->first.IsScalar())
        fail("keys must be names, got '" + flow_text(it->first) + "' in " + where);
      const std::string name = it->first.Scalar();
      const std::string key = prefix.empty() ? name : prefix + "." + name;
      if (!seen.insert(name).second) fail("duplicate key '" + key + "'");
      const Row* row = find_row(key);
      if (!row) fail(unknown_key(key));
      if (row->kind != Kind::section && row->kind != Kind::source) continue;
      // A copy (a cheap handle): yaml-cpp's iterator -> yields a temporary pair, so a
      // reference to its member dangles at the end of this statement.
      const YAML::Node value = it->second;
      if (value.IsNull()) continue;
      if (!value.IsMap()) fail("key '" + key + "' must be " + kind_text(*row) + got(value));
      check_keys(value, key);
    }
  }

  Config build(const YAML::Node& root) {
    root_.reset(root);
    Config config;
    read_input(config);
    config.voxel_size = get_spacing("voxel_size");
    config.normalise =
        get_choice("analysis.normalise") == "surface" ? Normalise::surface : Normalise::radial_max;
    config.core_exclude_layers = get_int("analysis.core_exclude_layers");
    if (!is_keyword("analysis.layer_width", "min_spacing"))
      config.layer_width = get_number("analysis.layer_width");
    if (!is_keyword("decomposition.grid", "auto")) {
      const auto grid = get_ints("decomposition.grid");
      config.grid = std::array<int, 3>{static_cast<int>(grid[0]), static_cast<int>(grid[1]),
                                       static_cast<int>(grid[2])};
    }
    if (!is_keyword("decomposition.ghost", "auto")) config.ghost = get_int("decomposition.ghost");
    config.max_block_growth = get_number("decomposition.max_block_growth");
    config.output_path = get_string("output.path");
    read_volumes(config);
    return config;
  }

 private:
  [[noreturn]] void bad_value(const std::string& key, const YAML::Node& node) const {
    fail("key '" + key + "' must be " + kind_text(row_of(key)) + got(node));
  }

  bool given(const std::string& key) const { return lookup(root_, key).IsDefined(); }

  // The user's value, else the default; a required key without either is an error.
  YAML::Node value(const std::string& key, const std::string& hint = "") const {
    YAML::Node node = lookup(root_, key);
    if (node.IsDefined()) return node;
    const Row& row = row_of(key);
    if (row.def) return YAML::Load(row.def);
    fail("missing key '" + key + "'" + hint);
  }

  bool is_keyword(const std::string& key, const char* keyword) const {
    const YAML::Node node = value(key);
    return node.IsScalar() && node.Scalar() == keyword;
  }

  std::string get_string(const std::string& key, const std::string& hint = "") const {
    const YAML::Node node = value(key, hint);
    std::string text;
    if (!scalar_of(node, text)) bad_value(key, node);
    return text;
  }

  std::string get_choice(const std::string& key) const {
    const YAML::Node node = value(key);
    std::string text;
    if (!scalar_of(node, text) || !is_choice(row_of(key).choices, text)) bad_value(key, node);
    return text;
  }

  double get_number(const std::string& key) const {
    const YAML::Node node = value(key);
    double number = 0.0;
    if (!to_double(node, number) || !in_range(row_of(key).kind, number)) bad_value(key, node);
    return number;
  }

  // Non-negative integers (that fit an int): analysis.core_exclude_layers, ghost.
  int get_int(const std::string& key) const {
    const YAML::Node node = value(key);
    long long number = 0;
    if (!to_int64(node, number) || number < 0 || number > INT_MAX) bad_value(key, node);
    return static_cast<int>(number);
  }

  std::int64_t get_int64(const std::string& key) const {
    const YAML::Node node = value(key);
    long long number = 0;
    if (!to_int64(node, number) || number < 0) bad_value(key, node);
    return number;
  }

  std::uint64_t get_seed(const std::string& key) const {
    const YAML::Node node = value(key);
    unsigned long long number = 0;
    if (!to_uint64(node, number)) bad_value(key, node);
    return number;
  }

  // Three positive integers (shapes, grid; a grid entry must fit an int).
  Index3 get_ints(const std::string& key, const std::string& hint = "") const {
    const YAML::Node node = value(key, hint);
    const long long limit = row_of(key).kind == Kind::grid ? INT_MAX : LLONG_MAX;
    if (!node.IsSequence() || node.size() != 3) bad_value(key, node);
    Index3 out{0, 0, 0};
    for (std::size_t a = 0; a < 3; ++a) {
      long long number = 0;
      if (!to_int64(node[a], number) || number <= 0 || number > limit) bad_value(key, node);
      out[a] = number;
    }
    return out;
  }

  Spacing3 get_spacing(const std::string& key) const {
    const YAML::Node node = value(key);
    double number = 0.0;
    if (node.IsScalar()) {
      if (!to_double(node, number) || number <= 0.0) bad_value(key, node);
      return {number, number, number};
    }
    if (!node.IsSequence() || node.size() != 3) bad_value(key, node);
    Spacing3 out{0.0, 0.0, 0.0};
    for (std::size_t a = 0; a < 3; ++a) {
      if (!to_double(node[a], number) || number <= 0.0) bad_value(key, node);
      out[a] = number;
    }
    return out;
  }

  // A dtype; `order` gets the byte-order prefix ('<', '>', or 0 for none, '|', '=').
  DType get_dtype(const std::string& key, char* order = nullptr,
                  const std::string& hint = "") const {
    const YAML::Node node = value(key, hint);
    std::string text;
    DType type = DType::u8;
    if (!scalar_of(node, text) || !parse_dtype(text, type)) bad_value(key, node);
    if (row_of(key).kind == Kind::label_dtype && dtype_is_float(type)) bad_value(key, node);
    if (order) *order = (text[0] == '<' || text[0] == '>') ? text[0] : 0;
    return type;
  }

  void read_input(Config& config) {
    if (!given("input"))
      fail("missing key 'input' (give input.phantom, or input.grey and input.labels)");
    const bool phantom = given("input.phantom");
    const bool grey = given("input.grey");
    const bool labels = given("input.labels");
    if (phantom && (grey || labels))
      fail(std::string("key 'input' has both 'phantom' and '") + (grey ? "grey" : "labels") +
           "': give either input.phantom or input.grey and input.labels");
    if (!phantom && !grey && !labels)
      fail("key 'input' needs either 'phantom' or both 'grey' and 'labels'");
    if (grey != labels)
      fail(std::string("missing key 'input.") + (grey ? "labels" : "grey") +
           "' (input from files needs both input.grey and input.labels)");
    config.use_phantom = phantom;
    config.grey.key = "input.grey";
    config.labels.key = "input.labels";
    if (phantom) {
      read_phantom(config.phantom);
    } else {
      config.grey = read_source("input.grey");
      config.labels = read_source("input.labels");
    }
  }

  void read_phantom(PhantomSpec& p) const {
    p.shape = get_ints("input.phantom.shape");
    p.seed = get_seed("input.phantom.seed");
    p.radius_mean = get_number("input.phantom.radius_mean");
    p.radius_sd = get_number("input.phantom.radius_sd");
    p.packing = get_number("input.phantom.packing");
    p.elongation = get_number("input.phantom.elongation");
    p.grey_mean = get_number("input.phantom.grey_mean");
    p.grey_sd = get_number("input.phantom.grey_sd");
    p.background = get_number("input.phantom.background");
    p.noise_sd = get_number("input.phantom.noise_sd");
    p.damage_fraction = get_number("input.phantom.damage_fraction");
    p.damage_depth = get_number("input.phantom.damage_depth");
    p.grey_dtype = get_dtype("input.phantom.grey_dtype");
    p.label_dtype = get_dtype("input.phantom.label_dtype");
  }

  SourceKind source_kind(const std::string& key, const std::string& path) const {
    if (given(key + ".format")) {
      const std::string format = get_choice(key + ".format");
      return format == "hdf5"   ? SourceKind::hdf5
             : format == "tiff" ? SourceKind::tiff
                                : SourceKind::raw;
    }
    const std::string extension = lower(std::filesystem::path(path).extension().string());
    if (extension == ".h5" || extension == ".hdf5" || extension == ".hdf" || extension == ".nxs")
      return SourceKind::hdf5;
    if (extension == ".tif" || extension == ".tiff") return SourceKind::tiff;
    if (extension == ".raw" || extension == ".bin") return SourceKind::raw;
    std::error_code error;
    if (path.back() == '/' || std::filesystem::is_directory(path, error)) return SourceKind::tiff;
    fail("cannot tell the format of '" + key + "' from its path '" + path +
         "': add format: hdf5, tiff or raw");
  }

  SourceSpec read_source(const std::string& key) const {
    SourceSpec spec;
    spec.key = key;
    spec.path = get_string(key + ".path");
    spec.kind = source_kind(key, spec.path);
    const char* kind_name = spec.kind == SourceKind::hdf5   ? "hdf5"
                            : spec.kind == SourceKind::tiff ? "tiff"
                                                            : "raw";
    // Keys of another format are mistakes (a forgotten format: key, a wrong extension).
    for (const char* sub : {"dataset", "shape", "dtype", "endian", "header_bytes"}) {
      const bool for_hdf5 = std::strcmp(sub, "dataset") == 0;
      const bool applies = for_hdf5 ? spec.kind == SourceKind::hdf5 : spec.kind == SourceKind::raw;
      if (!applies && given(key + "." + sub))
        fail("key '" + key + "." + sub + "' applies only to " + (for_hdf5 ? "hdf5" : "raw") +
             " sources, and '" + key + "' is " + kind_name + " (path '" + spec.path + "')");
    }
    if (spec.kind == SourceKind::hdf5) {
      spec.dataset =
          get_string(key + ".dataset", " (the dataset inside the HDF5 file '" + spec.path + "')");
    } else if (spec.kind == SourceKind::raw) {
      const std::string hint = " (needed for the raw file '" + spec.path + "')";
      spec.shape = get_ints(key + ".shape", hint);
      char order = 0;
      spec.dtype = get_dtype(key + ".dtype", &order, hint);
      if (given(key + ".endian")) {
        spec.big_endian = get_choice(key + ".endian") == "big";
        if (order && (order == '>') != spec.big_endian)
          fail("key '" + key + ".dtype' says " + (order == '>' ? "big" : "little") +
               "-endian, but '" + key + ".endian' says " + (spec.big_endian ? "big" : "little"));
      } else {
        spec.big_endian = order ? order == '>' : get_choice(key + ".endian") == "big";
      }
      spec.header_bytes = get_int64(key + ".header_bytes");
    }
    return spec;
  }

  void read_volumes(Config& config) const {
    const YAML::Node node = value("output.volumes");
    if (!node.IsSequence()) bad_value("output.volumes", node);
    for (std::size_t i = 0; i < node.size(); ++i) {
      std::string name;
      if (!scalar_of(node[i], name)) bad_value("output.volumes", node);
      if (name == "layers") {
        config.write_layers_volume = true;
      } else if (name == "edt") {
        config.write_edt_volume = true;
      } else {
        bad_value("output.volumes", node);
      }
    }
  }

  std::string origin_;
  YAML::Node root_;
};

// ---- The resolved YAML ----------------------------------------------------------------------

YAML::Node scalar(const std::string& text) {
  return YAML::Node(text);
}
YAML::Node number(double v) {
  return YAML::Node(number_text(v));
}

template <class T, class F>
YAML::Node flow_list(const std::array<T, 3>& values, F&& convert) {
  YAML::Node list(YAML::NodeType::Sequence);
  for (const T& v : values) list.push_back(convert(v));
  list.SetStyle(YAML::EmitterStyle::Flow);
  return list;
}

YAML::Node int_list(const Index3& values) {
  return flow_list(values, [](index_t v) { return YAML::Node(std::to_string(v)); });
}

// The value of `key` in `config`, or an undefined node when the key does not apply (the
// other input form, keys of another source format).
YAML::Node resolved_value(const Config& c, const std::string& key) {
  const std::vector<std::string> parts = split_key(key);
  if (parts[0] == "input" && parts.size() == 3 && parts[1] != "phantom") {
    if (c.use_phantom) return YAML::Node(YAML::NodeType::Undefined);
    const SourceSpec& s = parts[1] == "grey" ? c.grey : c.labels;
    const std::string& sub = parts[2];
    const bool raw = s.kind == SourceKind::raw;
    if (sub == "path") return scalar(s.path);
    if (sub == "format")
      return scalar(s.kind == SourceKind::hdf5   ? "hdf5"
                    : s.kind == SourceKind::tiff ? "tiff"
                                                 : "raw");
    if (sub == "dataset")
      return s.kind == SourceKind::hdf5 ? scalar(s.dataset) : YAML::Node(YAML::NodeType::Undefined);
    if (!raw) return YAML::Node(YAML::NodeType::Undefined);
    if (sub == "shape") return int_list(s.shape);
    if (sub == "dtype") return scalar(dtype_name(s.dtype));
    if (sub == "endian") return scalar(s.big_endian ? "big" : "little");
    if (sub == "header_bytes") return scalar(std::to_string(s.header_bytes));
  }
  if (parts[0] == "input" && parts.size() == 3 && parts[1] == "phantom") {
    if (!c.use_phantom) return YAML::Node(YAML::NodeType::Undefined);
    const PhantomSpec& p = c.phantom;
    const std::string& sub = parts[2];
    if (sub == "shape") return int_list(p.shape);
    if (sub == "seed") return scalar(std::to_string(p.seed));
    if (sub == "radius_mean") return number(p.radius_mean);
    if (sub == "radius_sd") return number(p.radius_sd);
    if (sub == "packing") return number(p.packing);
    if (sub == "elongation") return number(p.elongation);
    if (sub == "grey_mean") return number(p.grey_mean);
    if (sub == "grey_sd") return number(p.grey_sd);
    if (sub == "background") return number(p.background);
    if (sub == "noise_sd") return number(p.noise_sd);
    if (sub == "damage_fraction") return number(p.damage_fraction);
    if (sub == "damage_depth") return number(p.damage_depth);
    if (sub == "grey_dtype") return scalar(dtype_name(p.grey_dtype));
    if (sub == "label_dtype") return scalar(dtype_name(p.label_dtype));
  }
  if (key == "voxel_size") return flow_list(c.voxel_size, number);
  if (key == "analysis.normalise")
    return scalar(c.normalise == Normalise::surface ? "surface" : "radial_max");
  if (key == "analysis.core_exclude_layers") return scalar(std::to_string(c.core_exclude_layers));
  if (key == "analysis.layer_width")
    return c.layer_width ? number(*c.layer_width) : scalar("min_spacing");
  if (key == "decomposition.grid") {
    if (!c.grid) return scalar("auto");
    return flow_list(*c.grid, [](int v) { return YAML::Node(std::to_string(v)); });
  }
  if (key == "decomposition.ghost")
    return c.ghost ? scalar(std::to_string(*c.ghost)) : scalar("auto");
  if (key == "decomposition.max_block_growth") return number(c.max_block_growth);
  if (key == "output.path") return scalar(c.output_path);
  if (key == "output.volumes") {
    YAML::Node list(YAML::NodeType::Sequence);
    if (c.write_layers_volume) list.push_back(scalar("layers"));
    if (c.write_edt_volume) list.push_back(scalar("edt"));
    list.SetStyle(YAML::EmitterStyle::Flow);
    return list;
  }
  throw std::logic_error("config: no resolved value for key '" + key + "'");
}

std::string resolved_yaml(const Config& config) {
  YAML::Node root(YAML::NodeType::Map);
  for (const Row& row : kSchema) {
    if (row.kind == Kind::section || row.kind == Kind::source) continue;
    const YAML::Node node = resolved_value(config, row.key);
    if (node.IsDefined()) set_path(root, row.key, node);
  }
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace

double Config::resolved_layer_width() const {
  return layer_width ? *layer_width : *std::min_element(voxel_size.begin(), voxel_size.end());
}

Config parse_config(const std::string& yaml_text, const std::string& origin,
                    const std::vector<std::string>& overrides) {
  Parser parser(origin);
  YAML::Node root = parser.load(yaml_text);
  for (const std::string& assignment : overrides) parser.apply_override(root, assignment);
  parser.check_keys(root, "");
  Config config = parser.build(root);
  config.origin = origin;
  config.yaml_text = resolved_yaml(config);
  return config;
}

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    throw InputError(path + ": cannot read the configuration file (it is a directory)");
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const int code = errno;
    throw InputError(path + ": cannot read the configuration file (" +
                     (code ? std::strerror(code) : "cannot open") + ")");
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw InputError(path + ": cannot read the configuration file");
  return parse_config(text.str(), path, overrides);
}

std::string closest_key(const std::string& key, const std::vector<std::string>& candidates) {
  // A candidate is close when the whole key is within max(2, len/3) edits of it, or when the
  // last components are (a right name in the wrong section: 'normalize' -> 'analysis.normalise').
  // Best = fewest edits, then the closest whole key, then the first candidate.
  const std::string last = last_component(key);
  const std::size_t whole_limit = std::max<std::size_t>(2, key.size() / 3);
  const std::size_t last_limit = std::max<std::size_t>(2, last.size() / 3);
  constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
  std::string best;
  std::size_t best_score = none;
  std::size_t best_whole = none;
  for (const std::string& candidate : candidates) {
    const std::size_t whole = levenshtein(key, candidate);
    std::size_t score = whole <= whole_limit ? whole : none;
    const std::size_t tail = levenshtein(last, last_component(candidate));
    if (tail <= last_limit) score = std::min(score, tail);
    if (score == none) continue;
    if (score < best_score || (score == best_score && whole < best_whole)) {
      best = candidate;
      best_score = score;
      best_whole = whole;
    }
  }
  return best;
}

}  // namespace grapes
