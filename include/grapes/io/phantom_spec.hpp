#pragma once
// The parameters of the built-in synthetic NMC electrode (config key input.phantom, or a
// series step's phantom); io/phantom.hpp documents the model.
#include <cstdint>
#include <optional>

#include "grapes/core/types.hpp"

namespace grapes {

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
  double noise_sd = 6.0;            // per-voxel Gaussian noise
  double boundary_blur = 1.0;       // partial-volume blur width at particle surfaces (voxels)
  double phase_fringe = 0.0;        // phase-contrast brightening at the surface (grey levels)
  double phase_fringe_width = 2.0;  // its decay depth (voxels)
  double damage_fraction = 0.0;     // fraction of particles with a darkened core
  double damage_depth = 25.0;       // grey drop at a damaged particle's centre
  // Multiplier of the damage; nullopt: the operando step (Phantom::damage_scale).
  std::optional<double> damage_scale;
  double drop_fraction = 0.0;        // labels left out of the label volume, per step
  std::optional<Box> clear_box;      // no particle reaches into it
  std::uint64_t permute_labels = 0;  // nonzero: labels written as a permutation of 1..N (seed)
  DType grey_dtype = DType::u8;      // dtypes used when the phantom is written to files
  DType label_dtype = DType::u16;
};

}  // namespace grapes
