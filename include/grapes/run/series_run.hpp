#pragma once
// `grapes series` (docs/SERIES.md, "Running a series"). Every step of an operando series (or
// every dataset of an ex-situ comparison) is analysed with one decomposition, one step's voxels
// in memory at a time, and written as a step result file (the layout of a `grapes run` file,
// under <output stem>.steps/<name>.h5). The series statistics then read only those tables,
// and rank 0 assembles the series file: each step's tables under /steps/<name>, the analysis
// under /series, written under a temporary name and renamed when complete.
//
// --resume reuses a step result file whose recorded fingerprint (inputs: path, size,
// modification time; the analysis settings) matches the step's, so a killed run, or a run
// after one step's input was replaced, recomputes only the steps that changed.
#include <mpi.h>

#include <string>
#include <vector>

#include "grapes/config/config.hpp"
#include "grapes/run/logger.hpp"

namespace grapes {

struct SeriesOutcome {
  std::string output_path;
  std::string summary;                // the printed plain-text summary
  std::vector<std::string> computed;  // steps analysed by this run
  std::vector<std::string> reused;    // steps taken from an earlier run (--resume)
};

// Collective. Throws InputError (every rank) for a config that is not a series or whose
// steps cannot be read; nothing is left under output.path then.
SeriesOutcome run_series(const Config& config, bool resume, MPI_Comm comm, const Logger& log);

// The same analysis from existing result files (`grapes run` outputs or step result files),
// one step per file, named by the file name; no voxel is read. `config`'s series settings
// apply (its steps are replaced by the files).
SeriesOutcome series_from_files(const Config& config, const std::vector<std::string>& files,
                                MPI_Comm comm, const Logger& log);

// The settings part of every step's fingerprint: the resolved YAML without the keys that
// cannot change a step's file (docs/SERIES.md, "Resume").
std::string step_settings_text(const Config& config);

}  // namespace grapes
