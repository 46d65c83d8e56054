// grapes run, grapes phantom and grapes series.
#include <mpi.h>

#include <iostream>
#include <memory>

#include "cli_commands.hpp"
#include "grapes/config/config.hpp"
#include "grapes/core/error.hpp"
#include "grapes/core/format.hpp"
#include "grapes/io/hdf5_handle.hpp"
#include "grapes/io/phantom.hpp"
#include "grapes/io/volume_writer.hpp"
#include "grapes/output/output.hpp"
#include "grapes/parallel/comm.hpp"
#include "grapes/parallel/grid.hpp"
#include "grapes/run/pipeline.hpp"
#include "grapes/run/series_run.hpp"

namespace grapes {

namespace {

void print_run_summary(const RunSummary& summary, const Logger& log) {
  log.info("  " + std::string(10, '-'));
  log.info("  total     " + fixed_text(summary.total_seconds, 3) + " s, peak memory " +
           fixed_text(summary.peak_memory_mib, 0) + " MiB per rank (largest)");
  log.info("particles: " + std::to_string(summary.particles) +
           ", layer rows: " + std::to_string(summary.layer_rows) +
           ", neighbour pairs: " + std::to_string(summary.adjacency_rows) + ", ghost width " +
           shape_text(summary.volume.ghost_width));
  if (summary.volume.unassigned_voxels > 0)
    log.warn(std::to_string(summary.volume.unassigned_voxels) +
             " particle voxels rounded to layer 0 and belong to no layer "
             "(analysis.layer_width is larger than half the smallest spacing)");
  if (summary.volume.flat_profile_particles > 0)
    log.warn(std::to_string(summary.volume.flat_profile_particles) +
             " particles have their brightest layer at the surface: their radial_max "
             "normalised profile is all zeros (see analysis.normalise)");
  if (summary.volume.flat_shape_particles > 0)
    log.warn(std::to_string(summary.volume.flat_shape_particles) +
             " particles are flat, a line or a single voxel: their elongation or flatness is "
             "NaN (docs/METHOD.md, \"Shape\")");
  log.result("wrote " + summary.output_path);
}

}  // namespace

int command_run(const std::string& config_path, const std::vector<std::string>& overrides,
                Verbosity verbosity) {
  MPI_Comm comm = MPI_COMM_WORLD;
  const Logger log(comm, verbosity);
  Config config;
  agree_or_throw(comm, [&] {
    config = load_config(config_path, overrides);
    if (config.is_series())
      throw InputError(config_path +
                       " is a series configuration (series:): run it with grapes series");
    // Before anything is read: the result must never replace the user's volumes.
    if (!config.use_phantom)
      check_output_not_input("output.path", config.output_path,
                             {{config.grey.key + ".path", config.grey.path},
                              {config.labels.key + ".path", config.labels.path}});
  });
  print_run_summary(run_analysis(config, comm, log), log);
  return 0;
}

int command_series(const SeriesArguments& arguments) {
  MPI_Comm comm = MPI_COMM_WORLD;
  const Logger log(comm, arguments.verbosity);
  Config config;
  std::vector<std::string> overrides = arguments.overrides;
  if (!arguments.output.empty()) overrides.push_back("output.path=" + arguments.output);
  agree_or_throw(comm, [&] {
    if (arguments.files.empty()) {
      if (arguments.config_path.empty())
        throw InputError("grapes series needs a series configuration or --from FILE...");
      config = load_config(arguments.config_path, overrides);
    } else {
      const std::string origin =
          arguments.config_path.empty() ? "grapes series --from" : arguments.config_path;
      const std::string base =
          arguments.config_path.empty() ? "" : read_config_text(arguments.config_path);
      config = series_config_for_files(arguments.files, base, origin, overrides);
    }
  });
  const SeriesOutcome outcome = arguments.files.empty()
                                    ? run_series(config, arguments.resume, comm, log)
                                    : series_from_files(config, arguments.files, comm, log);
  log.result("wrote " + outcome.output_path + " (" + std::to_string(outcome.computed.size()) +
             " steps analysed, " + std::to_string(outcome.reused.size()) + " from files)");
  return 0;
}

// grapes phantom: writes the phantom's grey and labels (one file per step for a series).
int command_phantom(const std::string& config_path, const std::vector<std::string>& overrides,
                    std::string output, int steps, const std::string& format) {
  MPI_Comm comm = MPI_COMM_WORLD;
  const Logger log(comm);
  Config config;
  agree_or_throw(comm, [&] {
    config = load_config(config_path, overrides);
    if (!config.use_phantom)
      throw InputError(config_path + ": grapes phantom needs an input.phantom section");
    if (steps < 1) throw InputError("--steps must be >= 1");
    if (format != "hdf5" && format != "tiff")
      throw InputError("--format must be hdf5 or tiff, got '" + format + "'");
  });
  if (output.empty()) output = format == "tiff" ? "phantom" : "phantom.h5";
  const PhantomSpec& spec = config.phantom;
  auto phantom = std::make_shared<const Phantom>(spec);
  const Grid grid(spec.shape, Grid::auto_dims(spec.shape, comm_size(comm)));
  const int rank = comm_rank(comm);
  for (int step = 0; step < steps; ++step) {
    // Single volume: the configured damage (step 1 of the model); series: steps 0..K-1.
    const int model_step = steps == 1 ? kPhantomDefaultStep : step;
    std::string stem = output;
    const std::string extension = format == "tiff" ? "" : ".h5";
    if (!extension.empty() && stem.size() > 3 && stem.substr(stem.size() - 3) == ".h5")
      stem = stem.substr(0, stem.size() - 3);
    if (steps > 1) stem += "_step" + std::to_string(step);
    if (format == "hdf5") {
      const std::string path = stem + ".h5";
      agree_or_throw(comm, [&] { check_output_path(path); });
      const Box box = grid.owned_box(rank);
      std::vector<char> grey(box.voxels() * dtype_size(spec.grey_dtype));
      std::vector<char> labels(box.voxels() * dtype_size(spec.label_dtype));
      agree_or_throw(comm, [&] {
        phantom->fill_box(box, model_step, grey.data(), spec.grey_dtype, labels.data(),
                          spec.label_dtype);
      });
      agree_or_throw(comm, [&] {
        h5::Handle file = create_parallel_file(path, comm);
        write_volume_hdf5(file, "/grey", spec.shape, spec.grey_dtype, box, grey.data());
        write_volume_hdf5(file, "/labels", spec.shape, spec.label_dtype, box, labels.data());
      });
      log.info("wrote " + path + " (/grey, /labels; " + std::to_string(phantom->particle_count()) +
               " particles placed)");
    } else {
      // TIFF stacks are written by rank 0 alone (a phantom is cheap to regenerate).
      agree_or_throw(comm, [&] {
        if (rank != 0) return;
        const Box all = whole_box(spec.shape);
        std::vector<char> grey(all.voxels() * dtype_size(spec.grey_dtype));
        std::vector<char> labels(all.voxels() * dtype_size(spec.label_dtype));
        phantom->fill_box(all, model_step, grey.data(), spec.grey_dtype, labels.data(),
                          spec.label_dtype);
        check_output_path(stem + "_grey.tif");
        write_tiff_stack(stem + "_grey.tif", spec.shape, spec.grey_dtype, grey.data());
        write_tiff_stack(stem + "_labels.tif", spec.shape, spec.label_dtype, labels.data());
      });
      log.info("wrote " + stem + "_grey.tif and " + stem + "_labels.tif");
    }
  }
  return 0;
}

}  // namespace grapes
