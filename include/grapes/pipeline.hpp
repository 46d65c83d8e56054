#pragma once
// `grapes run`: the whole one-direction pipeline for one grey/label pair,
//   read -> decompose -> ghosts -> kernels -> partial records -> merge -> tables -> write.
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "grapes/comm.hpp"
#include "grapes/config.hpp"
#include "grapes/io/source.hpp"

namespace grapes {

struct RunSummary {
  std::string output_path;
  Index3 shape{0, 0, 0};
  std::array<int, 3> grid{1, 1, 1};
  Index3 ghost_width{0, 0, 0};
  std::int64_t particles = 0;
  std::int64_t layer_rows = 0;
  std::int64_t adjacency_rows = 0;
  std::int64_t unassigned_voxels = 0;       // particle voxels in layer 0 (no layer)
  std::int64_t flat_profile_particles = 0;  // radial_max profile all zeros
  std::vector<std::pair<std::string, double>> phase_seconds;
  double total_seconds = 0.0;
  double peak_memory_mib = 0.0;  // largest resident set over ranks
};

// Collective over `comm`. Throws InputError / RemoteError on every rank when any rank fails
// (nothing is left under output.path then).
RunSummary run_analysis(const Config& config, MPI_Comm comm, const Logger& log);

// The same on sources opened by the caller (config's input section is ignored); tests use
// in-memory sources. Takes ownership of both.
RunSummary run_analysis(const Config& config, std::unique_ptr<VolumeSource> grey,
                        std::unique_ptr<VolumeSource> labels, MPI_Comm comm, const Logger& log);

// Peak resident memory of this process in MiB.
double peak_memory_mib();

}  // namespace grapes
