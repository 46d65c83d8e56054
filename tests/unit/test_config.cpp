// The configuration module (docs/CONFIG.md): schema defaults, every key, every error class, --set
// overrides, the resolved YAML round trip and the shipped example configs.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config_test_helpers.hpp"
#include "grapes/config/config.hpp"
#include "grapes/core/error.hpp"
#include "grapes/core/types.hpp"

namespace grapes {
namespace {

namespace fs = std::filesystem;

const char* const kPhantom = "input: {phantom: {}}\n";
const char* const kFiles =
    "input:\n"
    "  grey: {path: prist.h5, dataset: /grey}\n"
    "  labels: {path: prist.h5, dataset: /labels}\n";

using config_test::error_of;
using config_test::expect_same_source;
using config_test::parse;
using config_test::source_dir;

void expect_same_phantom(const PhantomSpec& a, const PhantomSpec& b) {
  EXPECT_EQ(a.shape, b.shape);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.radius_mean, b.radius_mean);
  EXPECT_EQ(a.radius_sd, b.radius_sd);
  EXPECT_EQ(a.packing, b.packing);
  EXPECT_EQ(a.elongation, b.elongation);
  EXPECT_EQ(a.grey_mean, b.grey_mean);
  EXPECT_EQ(a.grey_sd, b.grey_sd);
  EXPECT_EQ(a.background, b.background);
  EXPECT_EQ(a.noise_sd, b.noise_sd);
  EXPECT_EQ(a.damage_fraction, b.damage_fraction);
  EXPECT_EQ(a.damage_depth, b.damage_depth);
  EXPECT_EQ(a.grey_dtype, b.grey_dtype);
  EXPECT_EQ(a.label_dtype, b.label_dtype);
}

// Every field but origin and yaml_text.
void expect_same(const Config& a, const Config& b) {
  EXPECT_EQ(a.use_phantom, b.use_phantom);
  expect_same_source(a.grey, b.grey);
  expect_same_source(a.labels, b.labels);
  expect_same_phantom(a.phantom, b.phantom);
  EXPECT_EQ(a.voxel_size, b.voxel_size);
  EXPECT_EQ(a.normalise, b.normalise);
  EXPECT_EQ(a.core_exclude_layers, b.core_exclude_layers);
  EXPECT_EQ(a.layer_width, b.layer_width);
  EXPECT_EQ(a.grid, b.grid);
  EXPECT_EQ(a.ghost, b.ghost);
  EXPECT_EQ(a.max_block_growth, b.max_block_growth);
  EXPECT_EQ(a.memory_per_rank, b.memory_per_rank);
  EXPECT_EQ(a.output_path, b.output_path);
  EXPECT_EQ(a.write_layers_volume, b.write_layers_volume);
  EXPECT_EQ(a.write_edt_volume, b.write_edt_volume);
}

// parse(cfg.yaml_text) gives the same Config and the same text again.
void expect_round_trip(const Config& config) {
  SCOPED_TRACE(config.yaml_text);
  const Config again = parse_config(config.yaml_text, "<string>");
  expect_same(config, again);
  EXPECT_EQ(config.yaml_text, again.yaml_text);
}

// ---- Defaults ------------------------------------------------------------------------------

TEST(Config, DefaultsMatchTheHeader) {
  const Config c = parse(kPhantom);
  const Config header;  // the member initialisers of config.hpp
  EXPECT_EQ(c.origin, "config.yaml");
  EXPECT_TRUE(c.use_phantom);
  expect_same_phantom(c.phantom, PhantomSpec{});
  EXPECT_EQ(c.voxel_size, header.voxel_size);
  EXPECT_EQ(c.normalise, header.normalise);
  EXPECT_EQ(c.core_exclude_layers, header.core_exclude_layers);
  EXPECT_EQ(c.layer_width, header.layer_width);
  EXPECT_EQ(c.grid, header.grid);
  EXPECT_EQ(c.ghost, header.ghost);
  EXPECT_EQ(c.max_block_growth, header.max_block_growth);
  EXPECT_EQ(c.memory_per_rank, header.memory_per_rank);
  EXPECT_EQ(c.output_path, header.output_path);
  EXPECT_EQ(c.write_layers_volume, header.write_layers_volume);
  EXPECT_EQ(c.write_edt_volume, header.write_edt_volume);
}

TEST(Config, DefaultValues) {
  const Config c = parse(kPhantom);
  EXPECT_EQ(c.phantom.shape, (Index3{96, 96, 96}));
  EXPECT_EQ(c.phantom.seed, 1u);
  EXPECT_EQ(c.phantom.label_dtype, DType::u16);
  EXPECT_EQ(c.voxel_size, (Spacing3{1.0, 1.0, 1.0}));
  EXPECT_EQ(c.normalise, Normalise::radial_max);
  EXPECT_EQ(c.core_exclude_layers, 5);
  EXPECT_FALSE(c.layer_width.has_value());
  EXPECT_FALSE(c.grid.has_value());
  EXPECT_FALSE(c.ghost.has_value());
  EXPECT_EQ(c.max_block_growth, 8.0);
  EXPECT_EQ(c.output_path, "results/grapes.h5");
  EXPECT_FALSE(c.write_layers_volume);
  EXPECT_FALSE(c.write_edt_volume);
}

TEST(Config, EmptySectionsMeanDefaults) {
  const Config c = parse("input:\n  phantom:\nanalysis:\ndecomposition: {}\n");
  EXPECT_TRUE(c.use_phantom);
  EXPECT_EQ(c.core_exclude_layers, 5);
}

// ---- Every key -----------------------------------------------------------------------------

TEST(Config, EveryPhantomAndAnalysisKey) {
  const Config c = parse(
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
      "    noise_sd: 1e-1\n"
      "    damage_fraction: 1\n"
      "    damage_depth: 40\n"
      "    grey_dtype: float32\n"
      "    label_dtype: <u4\n"
      "voxel_size: [0.5, 0.25, 2]\n"
      "analysis:\n"
      "  normalise: surface\n"
      "  core_exclude_layers: 0\n"
      "  layer_width: 0.75\n"
      "  convex_hull: true\n"
      "decomposition:\n"
      "  grid: [1, 2, 3]\n"
      "  ghost: 12\n"
      "  max_block_growth: 2.5\n"
      "output:\n"
      "  path: out/x.h5\n"
      "  volumes: [layers, edt]\n");
  const PhantomSpec& p = c.phantom;
  EXPECT_EQ(p.shape, (Index3{10, 20, 30}));
  EXPECT_EQ(p.seed, 18446744073709551615ull);
  EXPECT_EQ(p.radius_mean, 7.5);
  EXPECT_EQ(p.radius_sd, 0.0);
  EXPECT_EQ(p.packing, 0.4);
  EXPECT_EQ(p.elongation, 0.5);
  EXPECT_EQ(p.grey_mean, 150.0);
  EXPECT_EQ(p.grey_sd, 3.0);
  EXPECT_EQ(p.background, -2.5);
  EXPECT_EQ(p.noise_sd, 0.1);
  EXPECT_EQ(p.damage_fraction, 1.0);
  EXPECT_EQ(p.damage_depth, 40.0);
  EXPECT_EQ(p.grey_dtype, DType::f32);
  EXPECT_EQ(p.label_dtype, DType::u32);
  EXPECT_EQ(c.voxel_size, (Spacing3{0.5, 0.25, 2.0}));
  EXPECT_EQ(c.normalise, Normalise::surface);
  EXPECT_EQ(c.core_exclude_layers, 0);
  EXPECT_EQ(c.layer_width, 0.75);
  EXPECT_TRUE(c.convex_hull);
  EXPECT_EQ(c.grid, (std::array<int, 3>{1, 2, 3}));
  EXPECT_EQ(c.ghost, 12);
  EXPECT_EQ(c.max_block_growth, 2.5);
  EXPECT_EQ(c.output_path, "out/x.h5");
  EXPECT_TRUE(c.write_layers_volume);
  EXPECT_TRUE(c.write_edt_volume);
  expect_round_trip(c);
}

TEST(Config, VoxelSizeAndLayerWidth) {
  EXPECT_EQ(parse(std::string(kPhantom) + "voxel_size: 0.37\n").voxel_size,
            (Spacing3{0.37, 0.37, 0.37}));
  // min_spacing is resolved by the run plan, which knows whether the image is 2-D
  // (test_pipeline.cpp, PlanDerivesTheUnitAndLayerWidth).
  const Config c = parse(std::string(kPhantom) + "voxel_size: [2, 0.5, 1]\n");
  EXPECT_FALSE(c.layer_width.has_value());
  const Config d = parse(std::string(kPhantom) + "analysis: {layer_width: min_spacing}\n");
  EXPECT_FALSE(d.layer_width.has_value());
  EXPECT_EQ(parse(std::string(kPhantom) + "output: {volumes: [edt]}\n").write_edt_volume, true);
  EXPECT_EQ(parse(std::string(kPhantom) + "output: {volumes: [edt]}\n").write_layers_volume, false);
}

TEST(Config, Hdf5Sources) {
  const Config c = parse(kFiles);
  EXPECT_FALSE(c.use_phantom);
  EXPECT_EQ(c.grey.key, "input.grey");
  EXPECT_EQ(c.labels.key, "input.labels");
  EXPECT_EQ(c.grey.kind, SourceKind::hdf5);
  EXPECT_EQ(c.grey.path, "prist.h5");
  EXPECT_EQ(c.grey.dataset, "/grey");
  EXPECT_EQ(c.labels.dataset, "/labels");
  for (const char* path : {"a.hdf5", "a.hdf", "scan.nxs", "A.H5", "dir.v2/file.h5"}) {
    const Config d = parse(std::string("input:\n  grey: {path: ") + path +
                           ", dataset: /g}\n  labels: {path: l.h5, dataset: /l}\n");
    EXPECT_EQ(d.grey.kind, SourceKind::hdf5) << path;
  }
  // format: overrides the extension.
  const Config e = parse(
      "input:\n  grey: {path: volume.data, format: hdf5, dataset: /g}\n"
      "  labels: {path: l.h5, dataset: /l}\n");
  EXPECT_EQ(e.grey.kind, SourceKind::hdf5);
  expect_round_trip(c);
  expect_round_trip(e);
}

TEST(Config, TiffSources) {
  const fs::path folder = fs::temp_directory_path() / "grapes_test_config_slices";
  fs::create_directories(folder);
  const Config c =
      parse("input:\n  grey: {path: stack.tif}\n  labels: {path: '" + folder.string() + "'}\n");
  EXPECT_EQ(c.grey.kind, SourceKind::tiff);
  EXPECT_EQ(c.grey.path, "stack.tif");
  EXPECT_EQ(c.labels.kind, SourceKind::tiff);  // a folder of slices
  const Config d = parse("input:\n  grey: {path: stack.TIFF}\n  labels: {path: not_yet_made/}\n");
  EXPECT_EQ(d.grey.kind, SourceKind::tiff);
  EXPECT_EQ(d.labels.kind, SourceKind::tiff);
  const Config e = parse("input:\n  grey: {path: g.h5, format: tiff}\n  labels: {path: l.tif}\n");
  EXPECT_EQ(e.grey.kind, SourceKind::tiff);
  expect_round_trip(c);
  fs::remove(folder);
  expect_round_trip(c);  // the resolved YAML says format: tiff, so the folder is not needed
}

TEST(Config, RawSources) {
  const Config c = parse(
      "input:\n"
      "  grey: {path: g.raw, shape: [4, 5, 6], dtype: uint16}\n"
      "  labels: {path: l.dat, format: raw, shape: [4, 5, 6], dtype: u4, endian: big,\n"
      "           header_bytes: 1024}\n");
  EXPECT_EQ(c.grey.kind, SourceKind::raw);
  EXPECT_EQ(c.grey.shape, (Index3{4, 5, 6}));
  EXPECT_EQ(c.grey.dtype, DType::u16);
  EXPECT_FALSE(c.grey.big_endian);
  EXPECT_EQ(c.grey.header_bytes, 0);
  EXPECT_EQ(c.labels.kind, SourceKind::raw);
  EXPECT_EQ(c.labels.dtype, DType::u32);
  EXPECT_TRUE(c.labels.big_endian);
  EXPECT_EQ(c.labels.header_bytes, 1024);
  expect_round_trip(c);
  // A byte-order prefix in dtype sets the byte order when endian is not given.
  const Config d = parse(
      "input:\n  grey: {path: g.bin, shape: [1, 1, 1], dtype: '>f4'}\n"
      "  labels: {path: l.bin, shape: [1, 1, 1], dtype: '<u2', endian: little}\n");
  EXPECT_TRUE(d.grey.big_endian);
  EXPECT_EQ(d.grey.dtype, DType::f32);
  EXPECT_FALSE(d.labels.big_endian);
  expect_round_trip(d);
}

TEST(Config, SignedRawDtypes) {
  const Config c = parse(
      "input:\n  grey: {path: g.raw, shape: [2, 3, 4], dtype: uint16}\n"
      "  labels: {path: l.raw, shape: [2, 3, 4], dtype: '>i4'}\n");
  EXPECT_EQ(c.labels.dtype, DType::i32);
  EXPECT_TRUE(c.labels.big_endian);
  EXPECT_HAS(c.yaml_text, "dtype: int32");
  expect_round_trip(c);
  const std::pair<const char*, DType> cases[] = {{"int8", DType::i8},   {"i1", DType::i8},
                                                 {"int16", DType::i16}, {"i2", DType::i16},
                                                 {"int64", DType::i64}, {"<i8", DType::i64}};
  for (const auto& [name, type] : cases) {
    const Config d =
        parse(std::string("input:\n  grey: {path: g.raw, shape: [1, 1, 1], dtype: ") +
              "uint8}\n  labels: {path: l.raw, shape: [1, 1, 1], dtype: '" + name + "'}\n");
    EXPECT_EQ(d.labels.dtype, type) << name;
    expect_round_trip(d);
  }
  // The phantom writes unsigned labels and unsigned or float grey only.
  EXPECT_HAS(error_of("input: {phantom: {label_dtype: int16}}\n"),
             "key 'input.phantom.label_dtype' must be an unsigned integer dtype (uint8, uint16, "
             "uint32, uint64, or u1, u2, u4, u8), got 'int16'");
  EXPECT_HAS(error_of("input: {phantom: {label_dtype: i4}}\n"), "key 'input.phantom.label_dtype'");
  EXPECT_HAS(error_of("input: {phantom: {grey_dtype: i2}}\n"),
             "key 'input.phantom.grey_dtype' must be a dtype (uint8,");
  // The raw kind's text lists the signed names.
  EXPECT_HAS(error_of("input:\n  grey: {path: g.raw, shape: [1, 1, 1], dtype: int12}\n"
                      "  labels: {path: l.tif}\n"),
             "key 'input.grey.dtype' must be a dtype (uint8, uint16, uint32, uint64, int8, int16, "
             "int32, int64, float32, float64, or u1, u2, u4, u8, i1, i2, i4, i8, f4, f8), got "
             "'int12'");
}

// ---- Errors --------------------------------------------------------------------------------

TEST(ConfigErrors, UnknownKeyWithSuggestion) {
  EXPECT_EQ(error_of(std::string(kPhantom) + "analysis: {normalize: surface}\n"),
            "config.yaml: unknown key 'analysis.normalize' (did you mean 'analysis.normalise'?)");
  EXPECT_EQ(error_of(std::string(kPhantom) + "normalize: surface\n"),
            "config.yaml: unknown key 'normalize' (did you mean 'analysis.normalise'?)");
  EXPECT_EQ(error_of(std::string(kPhantom) + "voxelsize: 1\n"),
            "config.yaml: unknown key 'voxelsize' (did you mean 'voxel_size'?)");
  EXPECT_EQ(error_of("input: {phantom: {sed: 3}}\n"),
            "config.yaml: unknown key 'input.phantom.sed' (did you mean 'input.phantom.seed'?)");
  EXPECT_EQ(error_of("input:\n  grey: {path: a.h5, datset: /g}\n  labels: {path: a.h5}\n"),
            "config.yaml: unknown key 'input.grey.datset' (did you mean 'input.grey.dataset'?)");
  EXPECT_EQ(error_of(std::string(kPhantom) + "zzzzzzzzzzzz: 1\n"),
            "config.yaml: unknown key 'zzzzzzzzzzzz'");
  // A right name in the wrong place.
  EXPECT_EQ(error_of(std::string(kPhantom) + "decomposition: {path: x.h5}\n"),
            "config.yaml: unknown key 'decomposition.path' (did you mean 'output.path'?)");
}

TEST(ConfigErrors, WrongTypes) {
  const std::string p = kPhantom;
  EXPECT_EQ(error_of(p + "analysis: {core_exclude_layers: abc}\n"),
            "config.yaml: key 'analysis.core_exclude_layers' must be a non-negative integer, "
            "got 'abc'");
  EXPECT_EQ(error_of(p + "analysis: {core_exclude_layers: 2.5}\n"),
            "config.yaml: key 'analysis.core_exclude_layers' must be a non-negative integer, "
            "got '2.5'");
  EXPECT_EQ(error_of(p + "analysis: {normalise: max}\n"),
            "config.yaml: key 'analysis.normalise' must be one of radial_max, surface, got 'max'");
  EXPECT_EQ(error_of(p + "analysis: {layer_width: wide}\n"),
            "config.yaml: key 'analysis.layer_width' must be min_spacing or a positive number, "
            "got 'wide'");
  EXPECT_EQ(error_of(p + "voxel_size: [1, 1]\n"),
            "config.yaml: key 'voxel_size' must be a positive number or a list of 3 positive "
            "numbers [z, y, x], got '[1, 1]'");
  EXPECT_HAS(error_of(p + "voxel_size: {z: 1}\n"), "key 'voxel_size' must be");
  EXPECT_HAS(error_of(p + "decomposition: {grid: [1, 2]}\n"), "key 'decomposition.grid' must be");
  EXPECT_HAS(error_of(p + "decomposition: {grid: manual}\n"), "key 'decomposition.grid' must be");
  EXPECT_HAS(error_of(p + "decomposition: {grid: [1, 2, 99999999999]}\n"),
             "key 'decomposition.grid' must be");
  EXPECT_HAS(error_of(p + "decomposition: {ghost: some}\n"),
             "key 'decomposition.ghost' must be auto or a non-negative integer, got 'some'");
  EXPECT_HAS(error_of(p + "output: {path: ''}\n"),
             "key 'output.path' must be a non-empty string, got ''");
  EXPECT_HAS(error_of(p + "output: {path: [a, b]}\n"), "key 'output.path' must be");
  EXPECT_HAS(error_of(p + "output: {path:}\n"),
             "key 'output.path' must be a non-empty string, got an empty value");
  EXPECT_HAS(error_of(p + "output: {volumes: [layers, surfaces]}\n"),
             "key 'output.volumes' must be a list of names from [layers, edt], got '[layers, "
             "surfaces]'");
  EXPECT_HAS(error_of(p + "output: {volumes: layers}\n"), "key 'output.volumes' must be");
  EXPECT_HAS(error_of("input: {phantom: {shape: 64}}\n"), "key 'input.phantom.shape' must be");
  EXPECT_HAS(error_of("input: {phantom: {grey_dtype: int8}}\n"),
             "key 'input.phantom.grey_dtype' must be a dtype");
  EXPECT_HAS(error_of("input: {phantom: {label_dtype: float32}}\n"),
             "key 'input.phantom.label_dtype' must be an unsigned integer dtype");
  EXPECT_HAS(error_of("input: {phantom: {grey_mean: bright}}\n"),
             "key 'input.phantom.grey_mean' must be a number, got 'bright'");
  EXPECT_HAS(error_of("input: {phantom: {noise_sd: .inf}}\n"), "key 'input.phantom.noise_sd'");
  EXPECT_HAS(error_of(p + "analysis: 5\n"), "key 'analysis' must be a mapping");
  EXPECT_HAS(error_of("input:\n  grey: a.h5\n  labels: b.h5\n"),
             "key 'input.grey' must be a mapping like {path: ..., dataset: ...}, got 'a.h5'");
  EXPECT_HAS(error_of("input:\n  grey: {path: a.raw, shape: [1, 1, 1], dtype: u2, endian: "
                      "middle}\n  labels: {path: a.h5, dataset: /l}\n"),
             "key 'input.grey.endian' must be one of little, big, got 'middle'");
  EXPECT_HAS(error_of("input:\n  grey: {path: a.h5, format: zarr, dataset: /g}\n"
                      "  labels: {path: a.h5, dataset: /l}\n"),
             "key 'input.grey.format' must be one of hdf5, tiff, raw, got 'zarr'");
}

TEST(ConfigErrors, NegativeAndOutOfRangeNumbers) {
  const std::string p = kPhantom;
  EXPECT_EQ(error_of(p + "analysis: {core_exclude_layers: -1}\n"),
            "config.yaml: key 'analysis.core_exclude_layers' must be a non-negative integer, "
            "got '-1'");
  EXPECT_HAS(error_of(p + "voxel_size: [1, -1, 1]\n"), "key 'voxel_size' must be");
  EXPECT_HAS(error_of(p + "voxel_size: 0\n"), "key 'voxel_size' must be");
  EXPECT_HAS(error_of(p + "analysis: {layer_width: 0}\n"), "key 'analysis.layer_width' must be");
  EXPECT_HAS(error_of(p + "decomposition: {grid: [1, 0, 1]}\n"),
             "key 'decomposition.grid' must be");
  EXPECT_HAS(error_of(p + "decomposition: {ghost: -2}\n"), "key 'decomposition.ghost' must be");
  EXPECT_HAS(error_of(p + "decomposition: {max_block_growth: 1}\n"),
             "key 'decomposition.max_block_growth' must be a number greater than 1, got '1'");
  EXPECT_HAS(error_of("input: {phantom: {seed: -1}}\n"),
             "key 'input.phantom.seed' must be a non-negative integer, got '-1'");
  EXPECT_HAS(error_of("input: {phantom: {seed: 18446744073709551616}}\n"),
             "key 'input.phantom.seed'");
  EXPECT_HAS(error_of("input: {phantom: {shape: [0, 10, 10]}}\n"), "key 'input.phantom.shape'");
  EXPECT_HAS(error_of("input: {phantom: {radius_mean: -3}}\n"),
             "key 'input.phantom.radius_mean' must be a positive number, got '-3'");
  EXPECT_HAS(error_of("input: {phantom: {radius_sd: -0.1}}\n"), "key 'input.phantom.radius_sd'");
  EXPECT_HAS(error_of("input: {phantom: {packing: 1}}\n"), "key 'input.phantom.packing'");
  EXPECT_HAS(error_of("input: {phantom: {packing: 0}}\n"), "key 'input.phantom.packing'");
  EXPECT_HAS(error_of("input: {phantom: {elongation: -1}}\n"), "key 'input.phantom.elongation'");
  EXPECT_HAS(error_of("input: {phantom: {damage_fraction: 1.5}}\n"),
             "key 'input.phantom.damage_fraction' must be a number from 0 to 1, got '1.5'");
  EXPECT_HAS(error_of("input: {phantom: {damage_depth: -5}}\n"),
             "key 'input.phantom.damage_depth'");
  EXPECT_HAS(error_of("input: {phantom: {noise_sd: -5}}\n"), "key 'input.phantom.noise_sd'");
  EXPECT_HAS(error_of("input: {phantom: {grey_sd: -5}}\n"), "key 'input.phantom.grey_sd'");
  EXPECT_HAS(error_of("input:\n  grey: {path: a.raw, shape: [1, 1, 1], dtype: u2, "
                      "header_bytes: -8}\n  labels: {path: a.h5, dataset: /l}\n"),
             "key 'input.grey.header_bytes' must be a non-negative integer, got '-8'");
}

TEST(ConfigErrors, IntegersTooLargeNameTheLimit) {
  const std::string p = kPhantom;
  EXPECT_EQ(error_of(p + "decomposition: {ghost: 3e9}\n"),
            "config.yaml: key 'decomposition.ghost' must be auto or a non-negative integer up to "
            "2147483647, got '3e9'");
  EXPECT_EQ(error_of(p + "decomposition: {ghost: 2147483648}\n"),
            "config.yaml: key 'decomposition.ghost' must be auto or a non-negative integer up to "
            "2147483647, got '2147483648'");
  EXPECT_HAS(error_of(p + "analysis: {core_exclude_layers: 99999999999}\n"),
             "key 'analysis.core_exclude_layers' must be a non-negative integer up to 2147483647");
  // An integral number in exponent form is that integer; a fraction is not.
  EXPECT_EQ(parse(p + "decomposition: {ghost: 2e1}\n").ghost, 20);
  EXPECT_EQ(parse(p + "decomposition: {ghost: 2147483647}\n").ghost, 2147483647);
  EXPECT_HAS(error_of(p + "decomposition: {ghost: 2.5e0}\n"),
             "must be auto or a non-negative integer, got '2.5e0'");
  EXPECT_HAS(error_of(p + "decomposition: {ghost: -1e3}\n"),
             "must be auto or a non-negative integer, got '-1e3'");
  // Only ints are limited: header_bytes is 64-bit.
  const Config c = parse(
      "input:\n  grey: {path: g.raw, shape: [1, 1, 1], dtype: u1, header_bytes: 3e9}\n"
      "  labels: {path: l.tif}\n");
  EXPECT_EQ(c.grey.header_bytes, 3000000000);
  EXPECT_HAS(c.yaml_text, "header_bytes: 3000000000");
}

TEST(Config, MemoryPerRank) {
  const std::string p = kPhantom;
  auto bytes = [&](const std::string& size) {
    return parse(p + "decomposition: {memory_per_rank: " + size + "}\n").memory_per_rank;
  };
  EXPECT_FALSE(parse(p).memory_per_rank.has_value());
  EXPECT_FALSE(bytes("none").has_value());
  EXPECT_EQ(bytes("6GiB"), 6442450944u);
  EXPECT_EQ(bytes("2GB"), 2000000000u);
  EXPECT_EQ(bytes("512mib"), 536870912u);
  EXPECT_EQ(bytes("512MiB"), 536870912u);
  EXPECT_EQ(bytes("1.5GiB"), 1610612736u);
  EXPECT_EQ(bytes("1e9"), 1000000000u);
  EXPECT_EQ(bytes("6442450944"), 6442450944u);
  EXPECT_EQ(bytes("'6 GiB'"), 6442450944u);
  EXPECT_EQ(bytes("64kb"), 64000u);
  EXPECT_EQ(bytes("2KiB"), 2048u);
  EXPECT_EQ(bytes("1TiB"), 1099511627776u);
  EXPECT_EQ(bytes("3TB"), 3000000000000u);
  EXPECT_EQ(bytes("100B"), 100u);
  // The resolved YAML writes the shortest exact form, which reads back the same.
  for (const auto& [given, written] :
       std::vector<std::pair<std::string, std::string>>{{"6GiB", "6GiB"},
                                                        {"6442450944", "6GiB"},
                                                        {"2GB", "2GB"},
                                                        {"1e9", "1GB"},
                                                        {"1.5GiB", "1536MiB"},
                                                        {"512mib", "512MiB"},
                                                        {"1000001", "1000001"}}) {
    const Config c = parse(p + "decomposition: {memory_per_rank: " + given + "}\n");
    EXPECT_HAS(c.yaml_text, "memory_per_rank: " + written + "\n");
    expect_round_trip(c);
    EXPECT_EQ(parse_config(c.yaml_text, "<string>").memory_per_rank, c.memory_per_rank);
  }
  EXPECT_EQ(parse(p, {"decomposition.memory_per_rank=4GiB"}).memory_per_rank, 4294967296u);
}

TEST(ConfigErrors, MemoryPerRank) {
  const std::string p = kPhantom;
  const std::string must =
      "config.yaml: key 'decomposition.memory_per_rank' must be none or a size in bytes such as "
      "6GiB, 512MiB, 2GB, 1.5GiB or 1e9 (suffixes B, kB, MB, GB, TB, KiB, MiB, GiB, TiB in any "
      "case), got '";
  EXPECT_EQ(error_of(p + "decomposition: {memory_per_rank: -1GiB}\n"), must + "-1GiB'");
  for (const char* bad : {"0", "0GiB", "-5", "6G", "6GiBs", "6XB", "lots", "GiB", "1e", ".", "0x10",
                          "inf", "nan", "20000000TiB", "6 G i B"}) {
    EXPECT_EQ(error_of(p + "decomposition: {memory_per_rank: '" + bad + "'}\n"), must + bad + "'")
        << bad;
  }
  EXPECT_HAS(error_of(p + "decomposition: {memory_per_rank: [6, GiB]}\n"),
             "key 'decomposition.memory_per_rank' must be none or a size");
  EXPECT_HAS(error_of(p + "decomposition: {memory_per_rank:}\n"),
             "key 'decomposition.memory_per_rank' must be none or a size in bytes such as 6GiB, "
             "512MiB, 2GB, 1.5GiB or 1e9 (suffixes B, kB, MB, GB, TB, KiB, MiB, GiB, TiB in any "
             "case), got an empty value");
}

TEST(ConfigErrors, SourceProblems) {
  EXPECT_EQ(error_of("input:\n  grey: {path: a.h5}\n  labels: {path: a.h5, dataset: /l}\n"),
            "config.yaml: missing key 'input.grey.dataset' (the dataset inside the HDF5 file "
            "'a.h5')");
  EXPECT_HAS(error_of("input:\n  grey: {path: a.h5, dataset: /g}\n  labels: {path: b.nxs}\n"),
             "config.yaml: missing key 'input.labels.dataset'");
  EXPECT_HAS(error_of("input:\n  grey: {dataset: /g}\n  labels: {path: a.h5, dataset: /l}\n"),
             "config.yaml: missing key 'input.grey.path'");
  EXPECT_HAS(error_of("input:\n  grey:\n  labels: {path: a.h5, dataset: /l}\n"),
             "config.yaml: missing key 'input.grey.path'");
  EXPECT_HAS(error_of("input:\n  grey: {path: a.raw, dtype: u1}\n  labels: {path: a.tif}\n"),
             "config.yaml: missing key 'input.grey.shape'");
  EXPECT_HAS(error_of("input:\n  grey: {path: a.raw, shape: [1, 2, 3]}\n  labels: {path: "
                      "a.tif}\n"),
             "config.yaml: missing key 'input.grey.dtype'");
  EXPECT_EQ(error_of("input:\n  grey: {path: volume.dat}\n  labels: {path: a.tif}\n"),
            "config.yaml: cannot tell the format of 'input.grey' from its path 'volume.dat': add "
            "format: hdf5, tiff or raw");
  EXPECT_HAS(error_of("input:\n  grey: {path: a.tif, dataset: /g}\n  labels: {path: a.tif}\n"),
             "config.yaml: key 'input.grey.dataset' applies only to hdf5 sources, and "
             "'input.grey' is tiff");
  EXPECT_HAS(error_of("input:\n  grey: {path: a.h5, dataset: /g, shape: [1, 1, 1]}\n"
                      "  labels: {path: a.tif}\n"),
             "config.yaml: key 'input.grey.shape' applies only to raw sources");
  EXPECT_HAS(error_of("input:\n  grey: {path: a.raw, shape: [1, 1, 1], dtype: '>u2', endian: "
                      "little}\n  labels: {path: a.tif}\n"),
             "config.yaml: key 'input.grey.dtype' says big-endian, but 'input.grey.endian' says "
             "little");
}

TEST(ConfigErrors, DottedNamesInTheFile) {
  // --set takes dotted paths; in the file they would be found in the schema but never read.
  EXPECT_EQ(error_of(std::string(kPhantom) + "analysis.normalise: surface\n"),
            "config.yaml: key 'analysis.normalise' in the top level: write nested keys as "
            "mappings (analysis: {...}), not as one dotted name");
  EXPECT_EQ(error_of("input: {phantom.seed: 3}\n"),
            "config.yaml: key 'phantom.seed' in 'input': write nested keys as mappings (phantom: "
            "{...}), not as one dotted name");
  EXPECT_EQ(error_of("series: {steps: [{name: a, phantom.seed: 3}]}\n"),
            "config.yaml: key 'phantom.seed' in 'series.steps[0] (\"a\")': write nested keys as "
            "mappings (phantom: {...}), not as one dotted name");
  EXPECT_EQ(error_of(std::string(kPhantom) + "analysis.normalize: surface\n"),
            "config.yaml: unknown key 'analysis.normalize' (did you mean 'analysis.normalise'?)");
}

TEST(ConfigErrors, InputForms) {
  EXPECT_EQ(error_of("input:\n  phantom: {}\n  grey: {path: a.h5, dataset: /g}\n"
                     "  labels: {path: a.h5, dataset: /l}\n"),
            "config.yaml: key 'input' has both 'phantom' and 'grey': give either input.phantom "
            "or input.grey and input.labels");
  EXPECT_EQ(error_of("input: {}\n"),
            "config.yaml: key 'input' needs either 'phantom' or both 'grey' and 'labels'");
  EXPECT_EQ(error_of("voxel_size: 1\n"),
            "config.yaml: missing key 'input' (give input.phantom, or input.grey and "
            "input.labels)");
  EXPECT_HAS(error_of(""), "config.yaml: missing key 'input'");
  EXPECT_EQ(error_of("input:\n  grey: {path: a.h5, dataset: /g}\n"),
            "config.yaml: missing key 'input.labels' (input from files needs both input.grey "
            "and input.labels)");
}

TEST(ConfigErrors, YamlSyntaxAndStructure) {
  const std::string message = error_of("input:\n  phantom: {}\nanalysis: {normalise: [surface\n");
  EXPECT_EQ(message.rfind("config.yaml: YAML syntax error at line ", 0), 0u) << message;
  const std::string bad_indent = error_of("input:\n  phantom: {}\n analysis: x\n");
  EXPECT_EQ(bad_indent.rfind("config.yaml: YAML syntax error at line 3", 0), 0u) << bad_indent;
  EXPECT_HAS(error_of("- a\n- b\n"), "config.yaml: the configuration must be a mapping");
  EXPECT_EQ(error_of("input: {phantom: {}}\noutput: {path: a.h5}\noutput: {path: b.h5}\n"),
            "config.yaml: duplicate key 'output'");
  EXPECT_EQ(parse_config(kPhantom, "my/run.yaml", {}).origin, "my/run.yaml");
  try {
    parse_config("input: {phantm: {}}\n", "my/run.yaml");
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("my/run.yaml: unknown key 'input.phantm'", 0), 0u);
  }
}

// ---- --set ---------------------------------------------------------------------------------

TEST(ConfigOverrides, SetValues) {
  const Config c = parse(
      kPhantom, {"analysis.normalise=surface", "voxel_size=[2,1,1]", "decomposition.grid=[1,2,1]",
                 "decomposition.ghost=4", "output.path=a=b.h5", "input.phantom.seed=7"});
  EXPECT_EQ(c.normalise, Normalise::surface);
  EXPECT_EQ(c.voxel_size, (Spacing3{2.0, 1.0, 1.0}));
  EXPECT_EQ(c.grid, (std::array<int, 3>{1, 2, 1}));
  EXPECT_EQ(c.ghost, 4);
  EXPECT_EQ(c.output_path, "a=b.h5");
  EXPECT_EQ(c.phantom.seed, 7u);
  // Overrides are in the resolved YAML.
  EXPECT_HAS(c.yaml_text, "normalise: surface");
  EXPECT_HAS(c.yaml_text, "grid: [1, 2, 1]");
  expect_round_trip(c);
}

TEST(ConfigOverrides, OverrideNestedListsAndMappings) {
  const std::string text =
      "input:\n  phantom: {shape: [8, 8, 8], seed: 3}\n"
      "decomposition: {grid: [2, 2, 2]}\n";
  const Config c = parse(text, {"input.phantom.shape=[10, 20, 30]", "decomposition.grid=auto"});
  EXPECT_EQ(c.phantom.shape, (Index3{10, 20, 30}));
  EXPECT_EQ(c.phantom.seed, 3u);  // the rest of the mapping stays
  EXPECT_FALSE(c.grid.has_value());
  // Later overrides win; a whole mapping can be replaced.
  const Config d = parse(kFiles, {"output.path=x.h5", "output.path=y.h5",
                                  "input.grey={path: g.raw, shape: [1, 2, 3], dtype: u2}"});
  EXPECT_EQ(d.output_path, "y.h5");
  EXPECT_EQ(d.grey.kind, SourceKind::raw);
  EXPECT_EQ(d.grey.shape, (Index3{1, 2, 3}));
  EXPECT_EQ(d.labels.dataset, "/labels");
  // Switching a file config to the phantom by replacing `input`.
  EXPECT_TRUE(parse(kFiles, {"input={phantom: {}}"}).use_phantom);
}

TEST(ConfigOverrides, CreatesIntermediateMappings) {
  const Config c = parse(kPhantom, {"analysis.core_exclude_layers=3", "output.volumes=[layers]",
                                    "input.phantom.packing=0.3"});
  EXPECT_EQ(c.core_exclude_layers, 3);
  EXPECT_TRUE(c.write_layers_volume);
  EXPECT_EQ(c.phantom.packing, 0.3);
  // From an empty document.
  const Config d = parse("", {"input.phantom.shape=[4,4,4]"});
  EXPECT_TRUE(d.use_phantom);
  EXPECT_EQ(d.phantom.shape, (Index3{4, 4, 4}));
  // Over a section that is empty in the file.
  EXPECT_EQ(parse(std::string(kPhantom) + "analysis:\n", {"analysis.normalise=surface"}).normalise,
            Normalise::surface);
}

TEST(ConfigOverrides, Errors) {
  EXPECT_EQ(error_of(kPhantom, {"analysis.normalise"}),
            "config.yaml: --set 'analysis.normalise' must have the form key=value");
  EXPECT_EQ(error_of(kPhantom, {"=surface"}),
            "config.yaml: --set '=surface' must have the form key=value");
  EXPECT_EQ(error_of(kPhantom, {"analysis.normalize=surface"}),
            "config.yaml: --set 'analysis.normalize=surface': unknown key 'analysis.normalize' "
            "(did you mean 'analysis.normalise'?)");
  EXPECT_EQ(error_of(kPhantom, {"normalise=surface"}),
            "config.yaml: --set 'normalise=surface': unknown key 'normalise' (did you mean "
            "'analysis.normalise'?)");
  EXPECT_HAS(error_of(kPhantom, {"voxel_size=[1, 2"}),
             "config.yaml: --set 'voxel_size=[1, 2': the value is not valid YAML");
  EXPECT_EQ(error_of(kPhantom, {"analysis.core_exclude_layers=-4"}),
            "config.yaml: key 'analysis.core_exclude_layers' must be a non-negative integer, "
            "got '-4'");
  EXPECT_HAS(error_of(kPhantom, {"output.path="}),
             "key 'output.path' must be a non-empty string, got an empty value");
  // An override that makes both input forms present.
  EXPECT_HAS(error_of(kFiles, {"input.phantom.seed=2"}), "has both 'phantom' and 'grey'");
  // An override whose value is a mapping is checked like the file.
  EXPECT_HAS(error_of(kPhantom, {"analysis={normalize: surface}"}),
             "unknown key 'analysis.normalize' (did you mean 'analysis.normalise'?)");
}

// ---- Resolved YAML -------------------------------------------------------------------------

TEST(ConfigYaml, HoldsEveryKeyWithDefaults) {
  const Config c = parse(kPhantom);
  for (const char* line : {"phantom:",
                           "shape: [96, 96, 96]",
                           "seed: 1",
                           "radius_mean: 9",
                           "radius_sd: 2.5",
                           "packing: 0.55",
                           "elongation: 0.25",
                           "grey_mean: 174",
                           "grey_sd: 11",
                           "background: 70",
                           "noise_sd: 6",
                           "damage_fraction: 0",
                           "damage_depth: 25",
                           "grey_dtype: uint8",
                           "label_dtype: uint16",
                           "voxel_size: [1, 1, 1]",
                           "normalise: radial_max",
                           "core_exclude_layers: 5",
                           "layer_width: min_spacing",
                           "grid: auto",
                           "ghost: auto",
                           "max_block_growth: 8",
                           "path: results/grapes.h5",
                           "volumes: []"})
    EXPECT_HAS(c.yaml_text, line);
  EXPECT_EQ(c.yaml_text.find("grey:"), std::string::npos);
  expect_round_trip(c);
  const Config f = parse(kFiles);
  EXPECT_HAS(f.yaml_text, "format: hdf5");
  EXPECT_HAS(f.yaml_text, "dataset: /grey");
  EXPECT_EQ(f.yaml_text.find("phantom"), std::string::npos);
  expect_round_trip(f);
}

TEST(ConfigYaml, NumbersRoundTripExactly) {
  const Config c = parse(std::string(kPhantom) +
                         "voxel_size: [0.1, 0.30000000000000004, 1e-5]\n"
                         "analysis: {layer_width: 123456.789012345}\n");
  EXPECT_EQ(c.voxel_size[1], 0.1 + 0.2);
  EXPECT_HAS(c.yaml_text, "voxel_size: [0.1, 0.30000000000000004, 1.0e-05]");
  EXPECT_HAS(c.yaml_text, "layer_width: 123456.789012345");
  expect_round_trip(c);
  const Config d =
      parse("input: {phantom: {grey_mean: 1e20, background: 0.0001, damage_depth: 2.5e-7}}\n");
  EXPECT_HAS(d.yaml_text, "grey_mean: 1.0e+20");
  EXPECT_HAS(d.yaml_text, "background: 0.0001");
  EXPECT_HAS(d.yaml_text, "damage_depth: 2.5e-07");
  expect_round_trip(d);
}

TEST(ConfigYaml, OddStringsRoundTrip) {
  const Config c = parse(
      "input:\n  grey: {path: 'my data/scan #1.h5', dataset: '/a: b'}\n"
      "  labels: {path: \"null.h5\", dataset: 'true'}\n"
      "output: {path: '123'}\n");
  EXPECT_EQ(c.grey.path, "my data/scan #1.h5");
  EXPECT_EQ(c.grey.dataset, "/a: b");
  EXPECT_EQ(c.labels.dataset, "true");
  EXPECT_EQ(c.output_path, "123");
  expect_round_trip(c);
}

// ---- closest_key, parse_dtype --------------------------------------------------------------

TEST(ClosestKey, Suggestions) {
  const std::vector<std::string> keys = {
      "input",  "analysis",    "analysis.normalise", "analysis.layer_width",
      "output", "output.path", "input.grey.path"};
  EXPECT_EQ(closest_key("analysis.normalize", keys), "analysis.normalise");
  EXPECT_EQ(closest_key("normalize", keys), "analysis.normalise");
  EXPECT_EQ(closest_key("analysys", keys), "analysis");
  EXPECT_EQ(closest_key("outptu", keys), "output");
  EXPECT_EQ(closest_key("path", keys), "output.path");  // tie: the closer whole key
  EXPECT_EQ(closest_key("analysis.layerwidth", keys), "analysis.layer_width");
  EXPECT_EQ(closest_key("voxel", keys), "");
  EXPECT_EQ(closest_key("abc", {"xyz"}), "");
  EXPECT_EQ(closest_key("abc", {"abxy"}), "abxy");  // 2 edits <= max(2, 1)
  EXPECT_EQ(closest_key("anything", {}), "");
}

TEST(ParseDtype, NamesAndShortForms) {
  const std::pair<const char*, DType> cases[] = {
      {"uint8", DType::u8},   {"uint16", DType::u16},   {"uint32", DType::u32},
      {"uint64", DType::u64}, {"float32", DType::f32},  {"float64", DType::f64},
      {"u1", DType::u8},      {"u2", DType::u16},       {"u4", DType::u32},
      {"u8", DType::u64},     {"f4", DType::f32},       {"f8", DType::f64},
      {"<u2", DType::u16},    {">u2", DType::u16},      {"|u1", DType::u8},
      {"=f8", DType::f64},    {"<float32", DType::f32}, {"int8", DType::i8},
      {"int16", DType::i16},  {"int32", DType::i32},    {"int64", DType::i64},
      {"i1", DType::i8},      {"i2", DType::i16},       {"i4", DType::i32},
      {"i8", DType::i64},     {">i2", DType::i16},
  };
  for (const auto& [text, expected] : cases) {
    DType out = DType::u8;
    EXPECT_TRUE(parse_dtype(text, out)) << text;
    EXPECT_EQ(out, expected) << text;
  }
  for (const char* bad : {"", "i3", "int", "u3", "f2", "float16", ">>u2", "UINT8", "u2 ", "<"}) {
    DType out = DType::f64;
    EXPECT_FALSE(parse_dtype(bad, out)) << bad;
    EXPECT_EQ(out, DType::f64) << bad;
  }
}

TEST(ParseDtype, SignedIntegers) {
  for (DType t : {DType::i8, DType::i16, DType::i32, DType::i64}) {
    EXPECT_TRUE(dtype_is_signed(t)) << dtype_name(t);
    EXPECT_FALSE(dtype_is_float(t)) << dtype_name(t);
    DType back = DType::u8;
    EXPECT_TRUE(parse_dtype(dtype_name(t), back));
    EXPECT_EQ(back, t);
  }
  EXPECT_EQ(dtype_size(DType::i8), 1u);
  EXPECT_EQ(dtype_size(DType::i16), 2u);
  EXPECT_EQ(dtype_size(DType::i32), 4u);
  EXPECT_EQ(dtype_size(DType::i64), 8u);
  EXPECT_EQ(std::string(dtype_name(DType::i32)), "int32");
  for (DType t : {DType::u8, DType::u16, DType::u32, DType::u64, DType::f32, DType::f64})
    EXPECT_FALSE(dtype_is_signed(t)) << dtype_name(t);
  EXPECT_EQ(dtype_of<std::int16_t>(), DType::i16);
}

// ---- Files ---------------------------------------------------------------------------------

TEST(LoadConfig, MissingFileIsNamed) {
  const std::string path = "/nonexistent/dir/run.yaml";
  try {
    load_config(path);
    ADD_FAILURE();
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(path + ": cannot read the configuration file", 0), 0u) << message;
  }
  EXPECT_THROW(load_config(fs::temp_directory_path().string()), InputError);
}

TEST(LoadConfig, ReadsFileWithOverrides) {
  const fs::path path = fs::temp_directory_path() / "grapes_test_config_load.yaml";
  {
    std::ofstream out(path);
    out << "# a comment\ninput:\n  phantom: {shape: [8, 8, 8]}\nanalysis:\n  normalize: x\n";
  }
  try {
    load_config(path.string());
    ADD_FAILURE();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), path.string() +
                                         ": unknown key 'analysis.normalize' (did you mean "
                                         "'analysis.normalise'?)");
  }
  {
    std::ofstream out(path);
    out << "input:\n  phantom: {shape: [8, 8, 8]}\n";
  }
  const Config c = load_config(path.string(), {"output.path=r.h5"});
  EXPECT_EQ(c.origin, path.string());
  EXPECT_EQ(c.phantom.shape, (Index3{8, 8, 8}));
  EXPECT_EQ(c.output_path, "r.h5");
  fs::remove(path);
}

TEST(ShippedInputs, EveryExampleParses) {
  const fs::path inputs = source_dir() / "inputs";
  ASSERT_TRUE(fs::is_directory(inputs)) << inputs;
  int count = 0;
  for (const auto& entry : fs::directory_iterator(inputs)) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    const Config c = load_config(entry.path().string());
    expect_round_trip(c);
    ++count;
  }
  EXPECT_GE(count, 4);
  const Config demo = load_config((inputs / "demo.yaml").string());
  EXPECT_TRUE(demo.use_phantom);
  EXPECT_EQ(demo.phantom.shape, (Index3{128, 128, 128}));
  EXPECT_EQ(demo.phantom.seed, 1u);
  EXPECT_EQ(demo.output_path, "results/demo.h5");
  EXPECT_EQ(load_config((inputs / "hdf5_example.yaml").string()).grey.kind, SourceKind::hdf5);
  EXPECT_EQ(load_config((inputs / "tiff_example.yaml").string()).grey.kind, SourceKind::tiff);
  EXPECT_EQ(load_config((inputs / "raw_example.yaml").string()).grey.kind, SourceKind::raw);
}

// docs/CONFIG.md documents every key that can appear in a resolved configuration.
TEST(ShippedInputs, ReferenceDocumentsEveryKey) {
  std::ifstream file(source_dir() / "docs" / "CONFIG.md");
  ASSERT_TRUE(file) << "docs/CONFIG.md";
  std::stringstream text;
  text << file.rdbuf();
  const std::string doc = text.str();
  const std::string raw_and_hdf5 =
      "input:\n  grey: {path: g.raw, shape: [1, 1, 1], dtype: u1}\n"
      "  labels: {path: l.h5, dataset: /l}\n";
  for (const std::string& yaml : {parse(kPhantom).yaml_text, parse(raw_and_hdf5).yaml_text}) {
    // Rebuild the dotted key of each "key:" line from its indentation.
    std::istringstream lines(yaml);
    std::string line;
    std::vector<std::string> stack;
    while (std::getline(lines, line)) {
      const std::size_t indent = line.find_first_not_of(' ');
      const std::size_t colon = line.find(':');
      if (indent == std::string::npos || colon == std::string::npos) continue;
      stack.resize(indent / 2);
      stack.push_back(line.substr(indent, colon - indent));
      std::string key;
      for (const std::string& part : stack) key += (key.empty() ? "" : ".") + part;
      EXPECT_HAS(doc, "`" + key + "`");
    }
  }
}

}  // namespace
}  // namespace grapes
