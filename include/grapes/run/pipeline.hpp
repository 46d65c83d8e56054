#pragma once
// `grapes run`: the one-direction pipeline of docs/ARCHITECTURE.md for one grey/label pair,
//   read -> particles (first pass) -> ghosts -> kernels -> merge -> tables -> write.
// The stages are functions of their own modules; this one strings them together, and the
// configuration is turned into plain values (RunPlan) here, at the edge.
#include <mpi.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "grapes/config/config.hpp"
#include "grapes/io/phantom.hpp"
#include "grapes/io/source.hpp"
#include "grapes/output/output.hpp"
#include "grapes/output/output_volumes.hpp"
#include "grapes/output/particle_tables.hpp"
#include "grapes/parallel/grid.hpp"
#include "grapes/run/logger.hpp"

namespace grapes {

struct RunSummary {
  std::string output_path;
  std::array<int, 3> grid{1, 1, 1};
  std::int64_t particles = 0;
  std::int64_t layer_rows = 0;
  std::int64_t adjacency_rows = 0;
  VolumeFacts volume;  // shape, ghost width, layer-0 and flat-profile counts, phase times
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

// --- The stages' settings and one analysed volume (a run, or one step of a series) ---------

// Everything the stages take from the configuration, as plain values. One plan serves every
// step of a series (one decomposition).
struct RunPlan {
  MPI_Comm comm = MPI_COMM_NULL;
  const Logger* log = nullptr;
  Grid grid{{0, 0, 0}, {1, 1, 1}};
  int rank = 0;
  Spacing3 voxel_size{1, 1, 1};
  std::optional<int> fixed_ghost;  // decomposition.ghost (nullopt: auto)
  double max_block_growth = 8.0;   // decomposition.max_block_growth
  // Derived once, here (docs/METHOD.md, "Layers"): the distance unit of the EDT (the smallest
  // spacing; in the plane for a 2-D image) and the layer width in physical units
  // (analysis.layer_width, or that unit).
  double edt_unit = 1.0;
  double layer_width = 1.0;
  TableSettings tables;                          // float_grey is set per volume
  VolumeChoice volumes;                          // output.volumes
  std::optional<std::uint64_t> memory_per_rank;  // decomposition.memory_per_rank (slabs)
  bool planar() const { return grid.shape()[0] == 1; }
};

// The plan for volumes of `shape` on `comm` (grid from decomposition.grid or auto). Throws
// InputError when the grid does not match the number of ranks.
RunPlan plan_run(const Config& config, const Index3& shape, MPI_Comm comm, const Logger& log);

// The two sources of one volume (and the phantom they may share).
struct Inputs {
  std::shared_ptr<const Phantom> phantom;
  std::unique_ptr<VolumeSource> grey;
  std::unique_ptr<VolumeSource> labels;
};

// The two volumes of a run or a series step: the phantom (at `phantom_step`), or the grey and
// label sources (each rank opens them; collective for HDF5).
Inputs open_inputs(bool use_phantom, const PhantomSpec& phantom, int phantom_step,
                   const SourceSpec& grey, const SourceSpec& labels, MPI_Comm comm);

// InputError naming the key and source for unsupported dtypes, mismatched or empty shapes.
void validate_inputs(const Inputs& inputs);

// What one analysed volume asks for besides the plan.
struct VolumeOptions {
  std::string group;             // where its tables go ("" = the file's root)
  std::optional<Box> noise_box;  // a background box: sigma_bg from its grey values
  std::string noise_key;         // the config key of the box, for messages
  // The reference step's labels: count the voxels of every (reference label, label) pair
  // during the first pass (label matching, docs/SERIES.md) into <group>/overlaps.
  VolumeSource* match_reference = nullptr;
};

struct VolumeResult {
  ParticleTables tables;                    // this rank's slice
  VolumeFacts facts;                        // identical on every rank
  std::optional<double> sigma_bg;           // from options.noise_box
  std::int64_t noise_box_label_voxels = 0;  // label voxels in options.noise_box (all ranks)
  std::vector<OverlapRecord> overlaps;      // with options.match_reference: this rank's slice
};

// Collective: analyses one volume and writes its tables and optional volumes under
// options.group of `file`.
VolumeResult analyse_volume(const RunPlan& plan, Inputs& inputs, ResultFile& file,
                            const VolumeOptions& options);

// Peak resident memory of this process in MiB.
double peak_memory_mib();

// Collective: what the file records about the run (config, ranks, grid, peak memory per rank
// so far); the one place a RunFacts is made.
RunFacts run_facts(const Config& config, const std::array<int, 3>& grid, MPI_Comm comm);

}  // namespace grapes
