#pragma once
// The YAML configuration of SPEC §7: schema, defaults, validation and --set overrides.
// Every default lives in config.cpp's schema table (and is listed in the README).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "grapes/io/phantom_spec.hpp"
#include "grapes/io/source_spec.hpp"
#include "grapes/normalise.hpp"
#include "grapes/types.hpp"

namespace grapes {

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
