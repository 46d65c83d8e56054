// The single-run sections: input (two volumes on disk or the phantom), analysis,
// decomposition and output; the source and phantom readers are shared with series steps.
#include <cmath>
#include <cstring>
#include <filesystem>

#include "config_detail.hpp"

namespace grapes::config_detail {
namespace {

const char* source_kind_name(SourceKind kind) {
  return kind == SourceKind::hdf5 ? "hdf5" : kind == SourceKind::tiff ? "tiff" : "raw";
}

}  // namespace

Config Parser::build(const YAML::Node& root, YAML::Node& resolved) const {
  resolved = YAML::Node(YAML::NodeType::Map);
  Scope top;
  top.given.reset(root);
  top.resolved.reset(resolved);
  Config config;
  // A series config has series: instead of input:.
  if (given(top, "input") && given(top, "series"))
    fail(
        "the configuration has both 'input' (for grapes run) and 'series' (for grapes "
        "series): give one of them");
  if (given(top, "series")) {
    config.series = read_series(top);
  } else {
    read_input(top, config);
  }
  config.voxel_size = get_spacing(top, "voxel_size");
  read_analysis(top, config);
  read_decomposition(top, config);
  read_output(top, config);
  return config;
}

void Parser::read_input(const Scope& top, Config& config) const {
  if (!given(top, "input"))
    fail("missing key 'input' (give input.phantom, or input.grey and input.labels)");
  const Scope input = child(top, "input");
  config.use_phantom = volume_form(input, "input from files");
  config.grey.key = input.display_key("grey");
  config.labels.key = input.display_key("labels");
  if (config.use_phantom) {
    config.phantom = read_phantom(child(input, "phantom"));
  } else {
    config.grey = read_source(child(input, "grey"));
    config.labels = read_source(child(input, "labels"));
  }
}

// Whether `s` (input, or a series step) holds the phantom; else it holds grey and labels.
// `what` names the file form in messages ("input from files").
bool Parser::volume_form(const Scope& s, const std::string& what) const {
  const bool phantom = given(s, "phantom");
  const bool grey = given(s, "grey");
  const bool labels = given(s, "labels");
  const std::string& d = s.display;
  if (phantom && (grey || labels))
    fail("key '" + d + "' has both 'phantom' and '" + (grey ? "grey" : "labels") +
         "': give either " + d + ".phantom or " + d + ".grey and " + d + ".labels");
  if (!phantom && !grey && !labels)
    fail("key '" + d + "' needs either 'phantom' or both 'grey' and 'labels'");
  if (grey != labels)
    fail("missing key '" + d + "." + (grey ? "labels" : "grey") + "' (" + what + " needs both " +
         d + ".grey and " + d + ".labels)");
  return phantom;
}

PhantomSpec Parser::read_phantom(const Scope& s) const {
  PhantomSpec p;
  p.shape = get_ints(s, "shape");
  p.seed = get_seed(s, "seed");
  p.radius_mean = get_number(s, "radius_mean");
  p.radius_sd = get_number(s, "radius_sd");
  p.packing = get_number(s, "packing");
  p.elongation = get_number(s, "elongation");
  p.grey_mean = get_number(s, "grey_mean");
  p.grey_sd = get_number(s, "grey_sd");
  p.background = get_number(s, "background");
  p.noise_sd = get_number(s, "noise_sd");
  p.boundary_blur = get_number(s, "boundary_blur");
  p.phase_fringe = get_number(s, "phase_fringe");
  p.phase_fringe_width = get_number(s, "phase_fringe_width");
  p.damage_fraction = get_number(s, "damage_fraction");
  p.damage_depth = get_number(s, "damage_depth");
  if (given(s, "damage_scale")) p.damage_scale = get_number(s, "damage_scale");
  p.drop_fraction = get_number(s, "drop_fraction");
  p.permute_labels = get_seed(s, "permute_labels");
  if (given(s, "clear_box")) p.clear_box = read_box(s, "clear_box");
  p.grey_dtype = get_dtype(s, "grey_dtype");
  p.label_dtype = get_dtype(s, "label_dtype");
  return p;
}

// The source's format: format: if given, else from the path's extension (or a folder: tiff).
SourceKind Parser::source_kind(const Scope& s, const std::string& path) const {
  if (given(s, "format")) {
    const std::string format = get_choice(s, "format");
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
  fail("cannot tell the format of '" + s.display + "' from its path '" + path +
       "': add format: hdf5, tiff or raw");
}

SourceSpec Parser::read_source(const Scope& s) const {
  SourceSpec spec;
  spec.key = s.display;
  spec.path = get_string(s, "path");
  spec.kind = source_kind(s, spec.path);
  record(s, "format", text_node(source_kind_name(spec.kind)));  // derived: explicit when resolved
  // Keys of another format are mistakes (a forgotten format: key, a wrong extension).
  for (const char* sub : {"dataset", "shape", "dtype", "endian", "header_bytes"}) {
    const bool for_hdf5 = std::strcmp(sub, "dataset") == 0;
    const bool applies = for_hdf5 ? spec.kind == SourceKind::hdf5 : spec.kind == SourceKind::raw;
    if (!applies && given(s, sub))
      not_applicable(s, sub,
                     std::string(for_hdf5 ? "hdf5" : "raw") + " sources, and '" + s.display +
                         "' is " + source_kind_name(spec.kind) + " (path '" + spec.path + "')");
  }
  if (spec.kind == SourceKind::hdf5) {
    spec.dataset =
        get_string(s, "dataset", " (the dataset inside the HDF5 file '" + spec.path + "')");
  } else if (spec.kind == SourceKind::raw) {
    read_raw_layout(s, spec);
  }
  if (given(s, "rescale")) spec.rescale = read_rescale(s);  // only grey sources have the key
  return spec;
}

// none, or {to, range}: the map of include/grapes/io/rescaled_source.hpp. `range: auto` (a
// min/max pass) is refused: a reconstruction's extremes are set by a few artefact voxels.
std::optional<GreyRescale> Parser::read_rescale(const Scope& source) const {
  if (!value(source, "rescale").IsMap()) {
    if (is_keyword(source, "rescale", "none")) return std::nullopt;
    bad_value(source, "rescale", value(source, "rescale"));
  }
  const Scope s = child(source, "rescale");
  GreyRescale rule;
  rule.to = get_choice(s, "to") == "uint16" ? DType::u16 : DType::u8;
  const YAML::Node range =
      value(s, "range", " (the stored grey values that become 0 and the top level)");
  if (range.IsScalar() && range.Scalar() == "auto")
    fail("key '" + s.display_key("range") +
         "': auto is not supported: a reconstruction's minimum and maximum come from a few "
         "artefact voxels (rings, hot pixels, the edge of the reconstruction circle) and differ "
         "between the steps of a series; give [lo, hi] from the histogram (e.g. "
         "numpy.percentile(volume, [0.1, 99.9])) and use the same range for every step");
  if (!range.IsSequence() || range.size() != 2 || !to_double(range[0], rule.lo) ||
      !to_double(range[1], rule.hi) || !(rule.lo < rule.hi))
    bad_value(s, "range", range);
  // The map divides by hi - lo: a width that overflows (e.g. [-1e308, 1e308]) would make every
  // grey level 0.
  if (!std::isfinite(rule.hi - rule.lo))
    bad_value(s, "range", range, " (the width hi - lo must be a finite number)");
  record(s, "range", flow_list({number_text(rule.lo), number_text(rule.hi)}));
  return rule;
}

// shape, dtype, byte order and header of a raw file. A '<'/'>' dtype prefix sets the byte
// order unless endian is given, and must agree with it when it is.
void Parser::read_raw_layout(const Scope& s, SourceSpec& spec) const {
  const std::string hint = " (needed for the raw file '" + spec.path + "')";
  spec.shape = get_ints(s, "shape", hint);
  char order = 0;
  spec.dtype = get_dtype(s, "dtype", &order, hint);
  if (given(s, "endian")) {
    spec.big_endian = get_choice(s, "endian") == "big";
    if (order && (order == '>') != spec.big_endian)
      fail("key '" + s.display_key("dtype") + "' says " + (order == '>' ? "big" : "little") +
           "-endian, but '" + s.display_key("endian") + "' says " +
           (spec.big_endian ? "big" : "little"));
  } else {
    spec.big_endian = order ? order == '>' : get_choice(s, "endian") == "big";
  }
  record(s, "endian", text_node(spec.big_endian ? "big" : "little"));  // derived from dtype
  spec.header_bytes = get_int64(s, "header_bytes");
}

void Parser::read_analysis(const Scope& top, Config& config) const {
  const Scope s = child(top, "analysis");
  config.normalise =
      get_choice(s, "normalise") == "surface" ? Normalise::surface : Normalise::radial_max;
  config.core_exclude_layers = get_int(s, "core_exclude_layers");
  config.convex_hull = get_flag(s, "convex_hull");
  if (!is_keyword(s, "layer_width", "min_spacing"))
    config.layer_width = get_number(s, "layer_width");
}

void Parser::read_decomposition(const Scope& top, Config& config) const {
  const Scope s = child(top, "decomposition");
  if (!is_keyword(s, "grid", "auto")) {
    const Index3 grid = get_ints(s, "grid");
    config.grid = std::array<int, 3>{static_cast<int>(grid[0]), static_cast<int>(grid[1]),
                                     static_cast<int>(grid[2])};
  }
  if (!is_keyword(s, "ghost", "auto")) config.ghost = get_int(s, "ghost");
  config.max_block_growth = get_number(s, "max_block_growth");
  config.memory_per_rank = read_memory_size(s, "memory_per_rank");
}

// none, or a size with a binary or decimal suffix; recorded in its shortest exact form.
std::optional<std::uint64_t> Parser::read_memory_size(const Scope& s,
                                                      const std::string& key) const {
  if (is_keyword(s, key, "none")) return std::nullopt;
  const YAML::Node node = value(s, key);
  std::string text;
  std::uint64_t bytes = 0;
  if (!scalar_of(node, text) || !parse_size(text, bytes)) bad_value(s, key, node);
  record(s, key, text_node(size_text(bytes)));
  return bytes;
}

void Parser::read_output(const Scope& top, Config& config) const {
  const Scope s = child(top, "output");
  config.output_path = get_string(s, "path");
  const YAML::Node node = value(s, "volumes");
  if (!node.IsSequence()) bad_value(s, "volumes", node);
  for (std::size_t i = 0; i < node.size(); ++i) {
    std::string name;
    if (!scalar_of(node[i], name)) bad_value(s, "volumes", node);
    if (name == "layers") {
      config.write_layers_volume = true;
    } else if (name == "edt") {
      config.write_edt_volume = true;
    } else {
      bad_value(s, "volumes", node);
    }
  }
  // Each name once, in a fixed order.
  std::vector<std::string> names;
  if (config.write_layers_volume) names.push_back("layers");
  if (config.write_edt_volume) names.push_back("edt");
  record(s, "volumes", flow_list(names));
}

}  // namespace grapes::config_detail
