#include "grapes/cli.hpp"

#include <mpi.h>
#include <CLI/CLI.hpp>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "grapes/comm.hpp"
#include "grapes/config.hpp"
#include "grapes/error.hpp"
#include "grapes/format.hpp"
#include "grapes/grid.hpp"
#include "grapes/io/hdf5_handle.hpp"
#include "grapes/io/phantom.hpp"
#include "grapes/io/volume_writer.hpp"
#include "grapes/output.hpp"
#include "grapes/pipeline.hpp"
#include "grapes/python_launcher.hpp"
#include "grapes/tables.hpp"
#include "grapes/version.hpp"

namespace grapes {

namespace {

int command_run(const std::string& config_path, const std::vector<std::string>& overrides) {
  MPI_Comm comm = MPI_COMM_WORLD;
  const Logger log(comm);
  Config config;
  agree_or_throw(comm, [&] { config = load_config(config_path, overrides); });
  const RunSummary summary = run_analysis(config, comm, log);
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
  log.info("wrote " + summary.output_path);
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

void print_table_summary(const Table& table, const std::string& name) {
  std::cout << name << ": " << table.rows() << " rows, columns:";
  for (const Column& column : table.columns) std::cout << " " << column.name;
  std::cout << "\n";
}

// The tables of a result file, checked against the layout of docs/OUTPUT.md (the columns
// build_tables makes) so that a damaged file is an error naming the dataset.
std::vector<std::pair<std::string, Table>> read_result_tables(const std::string& path) {
  check_result_file(path);
  const ParticleTables layout = build_tables(MergedRecords{}, TableSettings{});
  const Table* expected[] = {&layout.particles, &layout.layers, &layout.adjacency};
  std::vector<std::pair<std::string, Table>> tables;
  for (std::size_t g = 0; g < std::size(kTableGroups); ++g) {
    const std::string group = std::string("/") + kTableGroups[g];
    tables.emplace_back(group, read_table(path, group, *expected[g]));
  }
  return tables;
}

void print_info(const std::string& path) {
  const auto tables = read_result_tables(path);
  std::cout << path << "\n";
  for (const ResultAttribute& attribute : read_attributes(path)) {
    if (attribute.name == "config") continue;  // long
    std::cout << "  " << attribute.name << ": " << attribute.text << "\n";
  }
  for (const auto& [group, table] : tables) print_table_summary(table, group);
  const Table& particles = tables.front().second;
  if (particles.rows() > 0) {
    const auto& volume = particles.get<std::int64_t>("volume");
    const auto& mean = particles.get<double>("intensity_mean");
    double volume_sum = 0, mean_sum = 0;
    for (std::size_t i = 0; i < volume.size(); ++i) volume_sum += volume[i], mean_sum += mean[i];
    std::cout << "mean particle volume " << fixed_text(volume_sum / volume.size(), 1)
              << " voxels, mean of intensity_mean " << fixed_text(mean_sum / mean.size(), 2)
              << "\n";
  }
}

int command_info(const std::string& path) {
  agree_or_throw(MPI_COMM_WORLD, [&] {
    if (comm_rank(MPI_COMM_WORLD) == 0) print_info(path);
  });
  return 0;
}

int command_export(const std::string& path, const std::string& directory) {
  agree_or_throw(MPI_COMM_WORLD, [&] {
    if (comm_rank(MPI_COMM_WORLD) != 0) return;
    auto tables = read_result_tables(path);  // before the folder exists: nothing on failure
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error) throw InputError("cannot create directory '" + directory + "': " + error.message());
    for (auto& [group, table] : tables) {
      if (group == "/particles") {  // layer_offset has N+1 rows: not a per-particle column
        auto& columns = table.columns;
        columns.erase(std::remove_if(columns.begin(), columns.end(),
                                     [](const Column& c) { return c.name == "layer_offset"; }),
                      columns.end());
      }
      const std::string file = directory + "/" + group.substr(1) + ".csv";
      write_csv(table, file);
      std::cout << "wrote " << file << " (" << table.rows() << " rows)\n";
    }
  });
  return 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
  const bool root = comm_rank(MPI_COMM_WORLD) == 0;
  CLI::App app{"GRAPES-HPC: distributed grey-level analysis of particles in tomograms", "grapes"};
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       std::string("grapes-hpc ") + kVersion + " (" + kGitCommit + ")");

  std::string config_path, output, format = "hdf5", file, csv_directory;
  std::vector<std::string> overrides;
  int steps = 1;

  CLI::App* run = app.add_subcommand(
      "run", "Analyse one grey/label volume pair: particle, layer and adjacency tables");
  run->add_option("config", config_path, "YAML configuration")->required();
  run->add_option("--set", overrides, "Override a config key: --set a.b.c=value (repeatable)");

  CLI::App* phantom = app.add_subcommand("phantom", "Write the built-in phantom to HDF5 or TIFF");
  phantom->add_option("config", config_path, "YAML configuration with input.phantom")->required();
  phantom->add_option("--set", overrides, "Override a config key (repeatable)");
  phantom->add_option("-o,--output", output, "Output file (HDF5) or stem (TIFF)");
  phantom->add_option("--steps", steps, "Time steps sharing labels (one file per step)");
  phantom->add_option("--format", format, "hdf5 (default) or tiff");

  CLI::App* info = app.add_subcommand("info", "Summarise a result file");
  info->add_option("file", file, "Result file (HDF5)")->required();

  CLI::App* exporter = app.add_subcommand("export", "Export result tables as CSV");
  exporter->add_option("file", file, "Result file (HDF5)")->required();
  exporter->add_option("--csv", csv_directory, "Directory for the CSV files")->required();

  // grapes plot: the figures are drawn by the Python package (python_launcher.hpp); its
  // options are declared here so that --help lists them, and passed on unchanged.
  std::vector<std::string> plot_files;
  std::string plot_out, plot_format = "png";
  double plot_k = 0;
  int plot_min_particles = 10;
  bool plot_largest_quartile = false;
  CLI::App* plot = app.add_subcommand(
      "plot", "Draw the paper's figures from result or series files (python3 -m grapes_hpc.plot)");
  plot->add_option("file", plot_files, "Result or series files (HDF5)")->required();
  plot->add_option("--out", plot_out, "Folder for the figures (default: the first file's)");
  plot->add_option("--format", plot_format, "png (default), svg or pdf")
      ->check(CLI::IsMember({"png", "svg", "pdf"}));
  CLI::Option* k_option =
      plot->add_option("--k", plot_k, "Error bars +-K SE (default: 2 radial, series' error_multiple)");
  CLI::Option* min_option = plot->add_option("--min-particles", plot_min_particles,
                                             "Plot a layer only where >= N particles reach it (10)");
  plot->add_flag("--largest-quartile", plot_largest_quartile,
                 "Radial profile of the largest volume quartile only (paper fig. 7)");

  // Kokkos' own flags (--kokkos-num-threads, --kokkos-map-device-id-by, ...) are Kokkos's:
  // Kokkos 4 strips them from argv, Kokkos 3.4 does not.
  std::vector<std::string> arguments;
  for (int i = argc - 1; i >= 1; --i)
    if (std::string(argv[i]).rfind("--kokkos-", 0) != 0) arguments.emplace_back(argv[i]);
  try {
    app.parse(arguments);
  } catch (const CLI::ParseError& error) {
    if (root) return app.exit(error);
    return error.get_exit_code();
  }
  try {
    if (run->parsed()) return command_run(config_path, overrides);
    if (phantom->parsed()) return command_phantom(config_path, overrides, output, steps, format);
    if (info->parsed()) return command_info(file);
    if (exporter->parsed()) return command_export(file, csv_directory);
    if (plot->parsed()) {
      std::vector<std::string> arguments = plot_files;
      if (!plot_out.empty()) arguments.insert(arguments.end(), {"--out", plot_out});
      arguments.insert(arguments.end(), {"--format", plot_format});
      if (k_option->count()) arguments.insert(arguments.end(), {"--k", std::to_string(plot_k)});
      if (min_option->count())
        arguments.insert(arguments.end(), {"--min-particles", std::to_string(plot_min_particles)});
      if (plot_largest_quartile) arguments.push_back("--largest-quartile");
      return run_python_plot(arguments);
    }
  } catch (const InputError& error) {
    if (root) std::cerr << "error: " << error.what() << std::endl;
    return 2;
  } catch (const RemoteError& error) {
    if (root) std::cerr << "error: " << error.what() << std::endl;
    return 3;
  } catch (const std::exception& error) {
    // A failure on this rank alone that escaped the agreement: say so on every rank.
    std::cerr << "error (rank " << comm_rank(MPI_COMM_WORLD) << "): " << error.what() << std::endl;
    MPI_Abort(MPI_COMM_WORLD, 4);
    return 4;
  }
  return 0;
}

}  // namespace grapes
