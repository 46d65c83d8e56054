// The resolved YAML of a configuration (Config::yaml_text, stored in every result file): its
// exact text for representative configurations, and the properties every resolved text has.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config_test_helpers.hpp"
#include "grapes/config/config.hpp"

namespace grapes {
namespace {

using config_test::parse;

// The expected texts below were captured from the parser before the one-table rewrite (then
// given the one line of decomposition.memory_per_rank, added later) and checked by eye: every key
// that applies, in schema order, the defaults of config.hpp, each source's format (and a raw
// source's byte order) made explicit, numbers in their shortest exact form, lists in flow style.

// analysis, decomposition and output with every default.
const std::string kDefaultTail =
    "analysis:\n"
    "  normalise: radial_max\n"
    "  core_exclude_layers: 5\n"
    "  layer_width: min_spacing\n"
    "  convex_hull: false\n"
    "decomposition:\n"
    "  grid: auto\n"
    "  ghost: auto\n"
    "  max_block_growth: 8\n"
    "  memory_per_rank: none\n"
    "output:\n"
    "  path: results/grapes.h5\n"
    "  volumes: []\n";

TEST(ConfigResolvedText, PhantomDefaults) {
  EXPECT_EQ(parse("input: {phantom: {}}\n").yaml_text,
            "input:\n"
            "  phantom:\n"
            "    shape: [96, 96, 96]\n"
            "    seed: 1\n"
            "    radius_mean: 9\n"
            "    radius_sd: 2.5\n"
            "    packing: 0.55\n"
            "    elongation: 0.25\n"
            "    grey_mean: 174\n"
            "    grey_sd: 11\n"
            "    background: 70\n"
            "    noise_sd: 6\n"
            "    boundary_blur: 1\n"
            "    phase_fringe: 0\n"
            "    phase_fringe_width: 2\n"
            "    damage_fraction: 0\n"
            "    damage_depth: 25\n"
            "    drop_fraction: 0\n"
            "    permute_labels: 0\n"
            "    grey_dtype: uint8\n"
            "    label_dtype: uint16\n"
            "voxel_size: [1, 1, 1]\n" +
                kDefaultTail);
}

TEST(ConfigResolvedText, EveryKeyGiven) {
  // Keys in another order than the schema's, volumes repeated and out of order.
  const Config c = parse(
      "output: {volumes: [edt, layers, edt], path: out/x.h5}\n"
      "decomposition: {memory_per_rank: 0.5GiB, max_block_growth: 2.5, ghost: 12, grid: [1, 2, "
      "3]}\n"
      "analysis: {layer_width: 0.75, core_exclude_layers: 0, normalise: surface}\n"
      "voxel_size: [0.5, 0.25, 2]\n"
      "input:\n"
      "  phantom: {label_dtype: <u4, grey_dtype: float32, damage_depth: 40, damage_fraction: 1,\n"
      "            noise_sd: 1e-1, background: -2.5, grey_sd: 3, grey_mean: 150,\n"
      "            phase_fringe_width: 1.5, phase_fringe: -20, boundary_blur: 0.5,\n"
      "            elongation: 0.5, packing: 0.4, radius_sd: 0, radius_mean: 7.5,\n"
      "            seed: 18446744073709551615, shape: [10, 20, 30]}\n");
  EXPECT_EQ(c.yaml_text,
            "input:\n"
            "  phantom:\n"
            "    shape: [10, 20, 30]\n"
            "    seed: 18446744073709551615\n"
            "    radius_mean: 7.5\n"
            "    radius_sd: 0\n"
            "    packing: 0.4\n"
            "    elongation: 0.5\n"
            "    grey_mean: 150\n"
            "    grey_sd: 3\n"
            "    background: -2.5\n"
            "    noise_sd: 0.1\n"
            "    boundary_blur: 0.5\n"
            "    phase_fringe: -20\n"
            "    phase_fringe_width: 1.5\n"
            "    damage_fraction: 1\n"
            "    damage_depth: 40\n"
            "    drop_fraction: 0\n"
            "    permute_labels: 0\n"
            "    grey_dtype: float32\n"
            "    label_dtype: uint32\n"
            "voxel_size: [0.5, 0.25, 2]\n"
            "analysis:\n"
            "  normalise: surface\n"
            "  core_exclude_layers: 0\n"
            "  layer_width: 0.75\n"
            "  convex_hull: false\n"
            "decomposition:\n"
            "  grid: [1, 2, 3]\n"
            "  ghost: 12\n"
            "  max_block_growth: 2.5\n"
            "  memory_per_rank: 512MiB\n"
            "output:\n"
            "  path: out/x.h5\n"
            "  volumes: [layers, edt]\n");
}

TEST(ConfigResolvedText, RawSources) {
  const Config c = parse(
      "input:\n"
      "  grey: {path: g.bin, shape: [1, 1, 1], dtype: '>f4'}\n"
      "  labels: {path: l.dat, format: raw, shape: [4, 5, 6], dtype: u4, endian: big,\n"
      "           header_bytes: 1024}\n"
      "voxel_size: 0.37\n");
  EXPECT_EQ(c.yaml_text,
            "input:\n"
            "  grey:\n"
            "    path: g.bin\n"
            "    format: raw\n"
            "    shape: [1, 1, 1]\n"
            "    dtype: float32\n"
            "    endian: big\n"
            "    header_bytes: 0\n"
            "  labels:\n"
            "    path: l.dat\n"
            "    format: raw\n"
            "    shape: [4, 5, 6]\n"
            "    dtype: uint32\n"
            "    endian: big\n"
            "    header_bytes: 1024\n"
            "voxel_size: [0.37, 0.37, 0.37]\n" +
                kDefaultTail);
}

TEST(ConfigResolvedText, TiffAndHdf5Sources) {
  const Config c = parse(
      "input:\n  grey: {path: stack.TIFF}\n  labels: {path: not_yet_made/}\n"
      "output: {volumes: [edt]}\n");
  std::string tail = kDefaultTail;
  tail.replace(tail.find("volumes: []"), 11, "volumes: [edt]");
  EXPECT_EQ(c.yaml_text,
            "input:\n"
            "  grey:\n"
            "    path: stack.TIFF\n"
            "    format: tiff\n"
            "  labels:\n"
            "    path: not_yet_made/\n"
            "    format: tiff\n"
            "voxel_size: [1, 1, 1]\n" +
                tail);
  const Config d = parse(
      "input:\n  grey: {path: 'my data/scan #1.h5', dataset: '/a: b'}\n"
      "  labels: {path: volume.data, format: hdf5, dataset: /labels}\n"
      "voxel_size: [0.1, 0.30000000000000004, 1e-5]\n");
  EXPECT_EQ(d.yaml_text,
            "input:\n"
            "  grey:\n"
            "    path: \"my data/scan #1.h5\"\n"
            "    format: hdf5\n"
            "    dataset: \"/a: b\"\n"
            "  labels:\n"
            "    path: volume.data\n"
            "    format: hdf5\n"
            "    dataset: /labels\n"
            "voxel_size: [0.1, 0.30000000000000004, 1.0e-05]\n" +
                kDefaultTail);
}

// ---- Properties of every resolved text ------------------------------------------------------

const std::vector<std::string>& sample_configs() {
  static const std::vector<std::string> configs = {
      "input: {phantom: {}}\n",
      "input: {phantom: {seed: 3, shape: [8, 9, 10]}}\nvoxel_size: 0.5\n",
      "input:\n  grey: {path: a.h5, dataset: /g}\n  labels: {path: a.h5, dataset: /l}\n"
      "decomposition: {grid: [1, 1, 2], ghost: 3}\noutput: {volumes: [edt]}\n",
      "input:\n  grey: {path: g.raw, shape: [2, 3, 4], dtype: '<u2'}\n"
      "  labels: {path: l.tif}\nanalysis: {normalise: surface, layer_width: 2}\n",
  };
  return configs;
}

TEST(ConfigResolvedProperties, ParsingTheResolvedTextGivesItBack) {
  for (const std::string& text : sample_configs()) {
    const std::string resolved = parse(text).yaml_text;
    SCOPED_TRACE(resolved);
    EXPECT_EQ(parse_config(resolved, "<string>").yaml_text, resolved);
  }
}

TEST(ConfigResolvedProperties, EveryDefaultIsPresent) {
  for (const std::string& text : sample_configs()) {
    const std::string resolved = parse(text).yaml_text;
    for (const char* line : {"\nvoxel_size: [", "\nanalysis:\n  normalise: ",
                             "\n  core_exclude_layers: ", "\n  layer_width: ",
                             "\ndecomposition:\n  grid: ", "\n  ghost: ", "\n  max_block_growth: ",
                             "\n  memory_per_rank: ", "\noutput:\n  path: ", "\n  volumes: ["})
      EXPECT_HAS(resolved, line);
  }
}

}  // namespace
}  // namespace grapes
