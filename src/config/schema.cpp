// The schema: every key of the configuration with its kind, default and meaning, in the order
// of the resolved YAML. The single place where defaults live; docs/CONFIG.md documents the same
// table (a unit test checks that the two agree).
#include <stdexcept>

#include "config_detail.hpp"

namespace grapes::config_detail {
namespace {

// Groups of keys used in more than one place: a volume on disk, the phantom.
enum class KeyGroup { none, source, grey, phantom };  // grey: the source keys and rescale

struct Entry {
  const char* key;
  Kind kind;
  const char* def;
  const char* doc;
  const char* choices = nullptr;
  KeyGroup group = KeyGroup::none;  // the keys of this group follow, under this key
};

const Entry kSourceKeys[] = {
    {"path", Kind::string, nullptr,
     "Required. File, or folder of 2-D TIFF slices (relative to the working directory)."},
    {"format", Kind::choice, nullptr,
     "File format; default from the path: .h5/.hdf5/.hdf/.nxs hdf5, .tif/.tiff or a folder "
     "tiff, .raw/.bin raw.",
     "hdf5|tiff|raw"},
    {"dataset", Kind::string, nullptr, "hdf5 only, required: dataset in the file."},
    {"shape", Kind::shape, nullptr, "raw only, required: volume shape."},
    {"dtype", Kind::raw_dtype, nullptr, "raw only, required: element type."},
    {"endian", Kind::choice, "little", "raw only: byte order.", "little|big"},
    {"header_bytes", Kind::byte_count, "0", "raw only: bytes to skip at the start of the file."},
};

// A grey volume's keys besides those of kSourceKeys.
const Entry kGreyKeys[] = {
    {"rescale", Kind::rescale, nullptr,
     "Optional: none (the values as stored) or {to, range}: the values mapped linearly from "
     "range onto the integer levels of to, rounded and clamped."},
    {"rescale.to", Kind::choice, "uint8", "The levels: uint8 (0..255) or uint16 (0..65535).",
     "uint8|uint16"},
    {"rescale.range", Kind::grey_range, nullptr,
     "Required. [lo, hi] in the stored values: lo becomes level 0, hi the top level."},
};

const Entry kPhantomKeys[] = {
    {"shape", Kind::shape, "[96, 96, 96]", "Volume shape in voxels."},
    {"seed", Kind::seed, "1", "Random seed (same seed, same volume)."},
    {"radius_mean", Kind::pos_number, "9", "Mean particle radius (voxels)."},
    {"radius_sd", Kind::nonneg_number, "2.5", "Spread of particle radii (voxels, log-normal)."},
    {"packing", Kind::open_fraction, "0.55", "Target solid volume fraction."},
    {"elongation", Kind::nonneg_number, "0.25", "Largest relative stretch of an ellipsoid axis."},
    {"grey_mean", Kind::number, "174", "Mean of the per-particle mean grey."},
    {"grey_sd", Kind::nonneg_number, "11", "Spread of the per-particle mean grey."},
    {"background", Kind::number, "70", "Grey value of the pore space."},
    {"noise_sd", Kind::nonneg_number, "6", "Per-voxel Gaussian noise."},
    {"boundary_blur", Kind::nonneg_number, "1",
     "Partial-volume blur at particle surfaces (voxels, the width of an erf step; 0: sharp): "
     "the surface layer is the darkest, as in absorption CT."},
    {"phase_fringe", Kind::number, "0",
     "Phase-contrast fringe: grey added at a particle's surface, decaying inwards (0: none)."},
    {"phase_fringe_width", Kind::pos_number, "2", "Decay depth of the phase fringe (voxels)."},
    {"damage_fraction", Kind::fraction, "0", "Fraction of particles with a darkened core."},
    {"damage_depth", Kind::nonneg_number, "25", "Grey drop at a damaged particle's centre."},
    {"damage_scale", Kind::nonneg_number, nullptr,
     "Multiplier of the damage (default: the operando step, 1 for a single volume); a value "
     "below an earlier step's is partial healing."},
    {"drop_fraction", Kind::fraction, "0",
     "Fraction of particles whose label is left out of the label volume (voxels labelled 0), "
     "chosen afresh per step: particles missing in some steps."},
    {"permute_labels", Kind::seed, "0",
     "Nonzero: the label volume carries a random permutation (this seed) of the labels 1..N, "
     "as an independent segmentation of each step would."},
    {"clear_box", Kind::box, nullptr,
     "A box [[z0, z1], [y0, y1], [x0, x1]] no particle reaches into: pure background, e.g. "
     "for a noise box."},
    {"grey_dtype", Kind::dtype, "uint8",
     "Element type of the grey volume when the phantom is written to files."},
    {"label_dtype", Kind::label_dtype, "uint16",
     "Element type of the label volume when the phantom is written to files."},
};

const Entry kInputKeys[] = {
    {"input", Kind::section, nullptr,
     "The volumes to analyse (grapes run): input.phantom, or both input.grey and input.labels."},
    {"input.grey", Kind::source, nullptr, "The greyscale volume on disk.", nullptr, KeyGroup::grey},
    {"input.labels", Kind::source, nullptr,
     "The particle label volume on disk (0 = background), same shape as input.grey.", nullptr,
     KeyGroup::source},
    {"input.phantom", Kind::section, nullptr,
     "The built-in synthetic NMC electrode instead of files ({} for all defaults).", nullptr,
     KeyGroup::phantom},
};

const Entry kSeriesKeys[] = {
    {"series", Kind::section, nullptr,
     "An operando series or ex-situ datasets (grapes series), instead of input."},
    {"series.mode", Kind::choice, "operando",
     "operando: one sample over time, labels shared by the steps; exsitu: datasets that share "
     "no labels.",
     "operando|exsitu"},
    {"series.reference", Kind::step_ref, nullptr,
     "operando: the step the others are compared with; default the first step."},
    {"series.steps", Kind::step_list, nullptr,
     "Required. The steps (operando) or datasets (exsitu), in order."},
    {"series.steps[].name", Kind::step_name, nullptr,
     "Required. The step's name: unique, used for its HDF5 group and table columns."},
    {"series.steps[].soc", Kind::number, nullptr,
     "Optional: state of charge or voltage of the step, for tables and plots."},
    {"series.steps[].grey", Kind::source, nullptr, "The step's grey volume, as input.grey.",
     nullptr, KeyGroup::grey},
    {"series.steps[].labels", Kind::source, nullptr, "The step's label volume, as input.labels.",
     nullptr, KeyGroup::source},
    {"series.steps[].phantom", Kind::section, nullptr,
     "The phantom instead of files, as input.phantom.", nullptr, KeyGroup::phantom},
    {"series.steps[].phantom.step", Kind::nonneg_int, nullptr,
     "The phantom's operando step (0 pristine, damage grows with it); default the position."},
    {"series.steps[].noise", Kind::noise, "none",
     "Measurement noise sigma_bg: none (SEM is NaN), a number, or {box: ...}."},
    {"series.steps[].noise.box", Kind::box, nullptr,
     "Background box [[z0, z1], [y0, y1], [x0, x1]] (half-open); sigma_bg = its grey std."},
    {"series.clean", Kind::section, nullptr, "operando: which cleaning rules apply."},
    {"series.clean.inconsistent", Kind::flag, "true",
     "Drop labels present in some steps but not all."},
    {"series.clean.next_to_inconsistent", Kind::flag, "true",
     "Drop labels face-adjacent, in any step, to an inconsistent one."},
    {"series.clean.border", Kind::flag, "true", "Drop particles touching the image border."},
    {"series.clean.no_core", Kind::flag, "true", "Drop particles without core voxels in any step."},
    {"series.clean.small_fraction", Kind::quantile, "0.25",
     "Drop particles whose reference volume is <= this quantile (0: keep all)."},
    {"series.conditions", Kind::condition_list, "[]",
     "operando: fractions of particles with I_a > I_b (or <) for named step pairs."},
    {"series.conditions[].name", Kind::string, nullptr, "Required. The condition's name."},
    {"series.conditions[].a", Kind::step_ref, nullptr, "Required. The first step."},
    {"series.conditions[].op", Kind::choice, nullptr, "Required. The comparison.", ">|<"},
    {"series.conditions[].b", Kind::step_ref, nullptr, "Required. The second step."},
    {"series.quartiles", Kind::quartiles, "{}",
     "operando: quartiles of the reference centroid along an axis; none: off."},
    {"series.quartiles.axis", Kind::choice, "2", "The axis: 0 z, 1 y, 2 x.", "0|1|2"},
    {"series.quartiles.collector", Kind::choice, "high",
     "The end of the axis where the current collector is (Q1 is farthest from it).", "low|high"},
    {"series.error_multiple", Kind::pos_number, "3", "Error bars are this many standard errors."},
    {"series.error_bars", Kind::choice, "paper",
     "operando: the error model the summary leads with and grapes plot draws: paper (+/- k "
     "SE_tot, normal Z) or standard (+/- k SES, t-tests).",
     "paper|standard"},
    {"series.alternative", Kind::choice, "less",
     "operando: the one-tailed alternative of every *_one p: less (the grey level falls) or "
     "greater.",
     "less|greater"},
    {"series.match", Kind::match, "none",
     "Label matching of independently segmented steps: none or {method: overlap, ...}."},
    {"series.match.method", Kind::choice, "overlap", "How labels are matched.", "overlap"},
    {"series.match.min_iou", Kind::iou, "0.5",
     "Smallest intersection over union of a matched pair."},
    {"series.exsitu", Kind::section, nullptr, "exsitu: the comparison of the datasets."},
    {"series.exsitu.volume_quantile", Kind::optional_quantile, "none",
     "Keep only particles whose volume is above this quantile of their dataset; none: all."},
    {"series.exsitu.profile", Kind::choice, "graylevel_normed",
     "The /layers column averaged per layer.", "graylevel_normed|graylevel"},
    {"series.exsitu.exclude_flat", Kind::flag, "true",
     "graylevel_normed: leave flat profiles (all zeros, no normalisation) out of the means."},
};

const Entry kRunKeys[] = {
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
    {"analysis.convex_hull", Kind::flag, "false",
     "Add the convex hull columns (area_convex, convex_volume, solidity, feret_diameter_max)."},
    {"decomposition", Kind::section, nullptr, "How the volume is split over MPI ranks."},
    {"decomposition.grid", Kind::grid, "auto",
     "Ranks per axis [pz, py, px] (product = number of ranks); auto picks near-cubic boxes."},
    {"decomposition.ghost", Kind::ghost, "auto",
     "Ghost layer width in voxels; auto sizes it from the particles' bounding boxes so every "
     "distance is exact."},
    {"decomposition.max_block_growth", Kind::growth, "8",
     "Largest allowed (owned + ghost) / owned voxels of one rank's block."},
    {"decomposition.memory_per_rank", Kind::memory_size, "none",
     "Memory budget of one rank (6GiB, 512MiB, 2GB, bytes); none: no limit."},
    {"output", Kind::section, nullptr, "Where the results go."},
    {"output.path", Kind::string, "results/grapes.h5", "The HDF5 result file."},
    {"output.volumes", Kind::volumes, "[]",
     "Full volumes to write besides the tables: layers, edt."},
};

bool starts_with(const std::string& text, const char* prefix) {
  return text.rfind(prefix, 0) == 0;
}

template <std::size_t N>
void add_group(std::vector<Row>& rows, const std::string& under, const Entry (&entries)[N]) {
  for (const Entry& entry : entries)
    rows.push_back({under + "." + entry.key, entry.kind, entry.def, entry.doc, entry.choices,
                    starts_with(under, "series.")});
}

template <std::size_t N>
void add_entries(std::vector<Row>& rows, const Entry (&entries)[N]) {
  for (const Entry& entry : entries) {
    rows.push_back({entry.key, entry.kind, entry.def, entry.doc, entry.choices, false});
    if (entry.group == KeyGroup::source || entry.group == KeyGroup::grey)
      add_group(rows, entry.key, kSourceKeys);
    if (entry.group == KeyGroup::grey) add_group(rows, entry.key, kGreyKeys);
    if (entry.group == KeyGroup::phantom) add_group(rows, entry.key, kPhantomKeys);
  }
}

std::vector<Row> build_schema() {
  std::vector<Row> rows;
  add_entries(rows, kInputKeys);
  add_entries(rows, kSeriesKeys);
  add_entries(rows, kRunKeys);
  return rows;
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

// kind_text() for the kinds of integers and dtypes.
const char* scalar_kind_text(Kind kind) {
  switch (kind) {
    case Kind::dtype:
      return "a dtype (uint8, uint16, uint32, uint64, float32, float64, or u1, u2, u4, u8, f4, "
             "f8)";
    case Kind::raw_dtype:
      return "a dtype (uint8, uint16, uint32, uint64, int8, int16, int32, int64, float32, "
             "float64, or u1, u2, u4, u8, i1, i2, i4, i8, f4, f8)";
    case Kind::label_dtype:
      return "an unsigned integer dtype (uint8, uint16, uint32, uint64, or u1, u2, u4, u8)";
    case Kind::nonneg_int:
    case Kind::byte_count:
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
    case Kind::quantile:
      return "a number from 0 up to, not including, 1";
    case Kind::iou:
      return "a number greater than 0 and at most 1";
    case Kind::growth:
      return "a number greater than 1";
    case Kind::flag:
      return "true or false";
    default:
      return nullptr;
  }
}

// kind_text() for the kinds of keywords, lists and mappings.
const char* structured_kind_text(Kind kind) {
  switch (kind) {
    case Kind::section:
      return "a mapping of keys";
    case Kind::source:
      return "a mapping like {path: ..., dataset: ...}";
    case Kind::string:
      return "a non-empty string";
    case Kind::shape:
      return "a list of 3 positive integers [z, y, x]";
    case Kind::spacing:
      return "a positive number or a list of 3 positive numbers [z, y, x]";
    case Kind::layer_width:
      return "min_spacing or a positive number";
    case Kind::grid:
      return "auto or a list of 3 positive integers [pz, py, px]";
    case Kind::ghost:
      return "auto or a non-negative integer";
    case Kind::volumes:
      return "a list of names from [layers, edt]";
    case Kind::memory_size:
      return "none or a size in bytes such as 6GiB, 512MiB, 2GB, 1.5GiB or 1e9 (suffixes B, "
             "kB, MB, GB, TB, KiB, MiB, GiB, TiB in any case)";
    case Kind::step_list:
      return "a non-empty list of steps like {name: ..., grey: {...}, labels: {...}}";
    case Kind::step_name:
      return "a non-empty name without '/', not . or ..";
    case Kind::step_ref:
      return "the name of a step in series.steps";
    case Kind::noise:
      return "none, a non-negative number (sigma_bg) or a mapping {box: [[z0, z1], [y0, y1], "
             "[x0, x1]]}";
    case Kind::box:
      return "a list [[z0, z1], [y0, y1], [x0, x1]] of integers with 0 <= z0 < z1, "
             "0 <= y0 < y1, 0 <= x0 < x1";
    case Kind::condition_list:
      return "a list of conditions like {name: ..., a: ..., op: \">\", b: ...}";
    case Kind::quartiles:
      return "none or a mapping like {axis: 2, collector: high}";
    case Kind::match:
      return "none or a mapping like {method: overlap, min_iou: 0.5}";
    case Kind::optional_quantile:
      return "none or a number from 0 up to, not including, 1";
    case Kind::rescale:
      return "none or a mapping like {to: uint8, range: [lo, hi]}";
    case Kind::grey_range:
      return "a list [lo, hi] of two finite numbers with lo < hi";
    default:
      return nullptr;
  }
}

}  // namespace

const std::vector<Row>& schema() {
  static const std::vector<Row> rows = build_schema();
  return rows;
}

const Row* find_row(const std::string& key) {
  for (const Row& row : schema())
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
  for (const Row& row : schema()) keys.push_back(row.key);
  return keys;
}

bool is_choice(const char* choices, const std::string& value) {
  const std::string text = std::string("|") + choices + "|";
  return value.find('|') == std::string::npos && text.find("|" + value + "|") != std::string::npos;
}

// "must be <kind_text>".
std::string kind_text(const Row& row) {
  if (row.kind == Kind::choice) return "one of " + choices_text(row.choices);
  if (const char* text = scalar_kind_text(row.kind)) return text;
  if (const char* text = structured_kind_text(row.kind)) return text;
  return "?";
}

bool holds_mapping(Kind kind) {
  return kind == Kind::section || kind == Kind::source || kind == Kind::noise ||
         kind == Kind::quartiles || kind == Kind::match || kind == Kind::rescale;
}

bool is_item_list(Kind kind) {
  return kind == Kind::step_list || kind == Kind::condition_list;
}

}  // namespace grapes::config_detail

namespace grapes {

std::vector<ConfigKey> config_schema() {
  std::vector<ConfigKey> keys;
  for (const config_detail::Row& row : config_detail::schema())
    keys.push_back(
        {row.key, config_detail::kind_text(row), row.def ? row.def : "", row.doc, row.repeated});
  return keys;
}

}  // namespace grapes
