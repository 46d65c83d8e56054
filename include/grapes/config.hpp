#pragma once
// The YAML configuration (docs/CONFIG.md): schema, defaults, validation and --set overrides.
// Every default lives in config.cpp's schema table (and is listed in the README).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "grapes/normalise.hpp"
#include "grapes/types.hpp"

namespace grapes {

enum class SourceKind { hdf5, tiff, raw };

// One input volume on disk. `key` is its dotted config path ("input.grey") for messages.
struct SourceSpec {
  std::string key;
  SourceKind kind = SourceKind::hdf5;
  std::string path;
  std::string dataset;            // hdf5: dataset path inside the file
  Index3 shape{0, 0, 0};          // raw only
  DType dtype = DType::u8;        // raw only
  bool big_endian = false;        // raw only
  std::int64_t header_bytes = 0;  // raw only: bytes to skip at the start of the file
};

// The built-in synthetic NMC electrode (io/phantom.hpp documents the model).
struct PhantomSpec {
  Index3 shape{96, 96, 96};
  std::uint64_t seed = 1;
  double radius_mean = 9.0;  // voxels
  double radius_sd = 2.5;    // voxels (log-normal spread)
  double packing = 0.55;     // target solid volume fraction
  double elongation = 0.25;  // max relative axis stretch of ellipsoids
  double grey_mean = 174.0;  // per-particle mean grey ~ N(grey_mean, grey_sd)
  double grey_sd = 11.0;
  double background = 70.0;
  double noise_sd = 6.0;         // per-voxel Gaussian noise
  double damage_fraction = 0.0;  // fraction of particles with a darkened core
  double damage_depth = 25.0;    // grey drop at a damaged particle's centre
  DType grey_dtype = DType::u8;  // dtypes used when the phantom is written to files
  DType label_dtype = DType::u16;
};

struct Config {
  std::string origin;     // the config file path ("<string>" when parsed from text)
  std::string yaml_text;  // the resolved configuration (after --set) as YAML text

  // input: either two sources or the phantom.
  bool use_phantom = false;
  SourceSpec grey;
  SourceSpec labels;
  PhantomSpec phantom;

  Spacing3 voxel_size{1.0, 1.0, 1.0};

  // analysis
  Normalise normalise = Normalise::radial_max;
  int core_exclude_layers = 5;
  std::optional<double> layer_width;  // nullopt: min_spacing

  // decomposition
  std::optional<std::array<int, 3>> grid;  // nullopt: auto
  std::optional<int> ghost;                // nullopt: auto (voxels, same on every axis)
  double max_block_growth = 8.0;           // local block (owned + ghosts) / owned voxels

  // output
  std::string output_path = "results/grapes.h5";
  bool write_layers_volume = false;  // output.volumes contains "layers"
  bool write_edt_volume = false;     // output.volumes contains "edt"

  // The layer width in physical units (resolving min_spacing).
  double resolved_layer_width() const;
};

// Parses YAML text; `overrides` are "a.b.c=value" strings applied before validation.
// Throws InputError naming the offending key (with the closest valid key for typos).
Config parse_config(const std::string& yaml_text, const std::string& origin,
                    const std::vector<std::string>& overrides = {});

// Reads the file (InputError naming it when unreadable), then parse_config.
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// The closest valid key to `key` among `candidates` (edit distance), or "" if none is close.
std::string closest_key(const std::string& key, const std::vector<std::string>& candidates);

}  // namespace grapes
