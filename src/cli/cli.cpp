#include "grapes/cli/cli.hpp"

#include <mpi.h>
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <iostream>

#include "cli_commands.hpp"
#include "grapes/cli/python_launcher.hpp"
#include "grapes/core/error.hpp"
#include "grapes/core/failure_text.hpp"
#include "grapes/parallel/comm.hpp"
#include "grapes/version.hpp"

namespace grapes {

namespace {

// Everything the command line can set, filled in by CLI11.
struct Arguments {
  std::string config_path, output, format = "hdf5", file, csv_directory;
  std::vector<std::string> overrides;
  int steps = 1;
  bool quiet = false, verbose = false;  // run and series
  SeriesArguments series;
  // grapes plot: the options are declared here so that --help lists them, and passed on
  // unchanged to the Python package (python_launcher.hpp).
  std::vector<std::string> plot_files;
  std::string plot_out, plot_format = "png", plot_error_bars;
  double plot_k = 0;
  int plot_min_particles = 10;
  bool plot_largest_quartile = false;
  CLI::Option* plot_k_option = nullptr;
  CLI::Option* plot_min_option = nullptr;
  // grapes view (docs/VIEW.md): passed on to python3 -m grapes_hpc.view.
  std::vector<std::string> view_paths;
  int view_port = 8765;
  std::string view_host = "127.0.0.1";
  bool view_no_browser = false;
};

// --quiet and --verbose of run and series (one excludes the other).
void add_verbosity(CLI::App* command, Arguments& a) {
  CLI::Option* quiet =
      command->add_flag("-q,--quiet", a.quiet, "Print only errors and the final line");
  command
      ->add_flag("-v,--verbose", a.verbose,
                 "Also print a line per slab and per step (progress on a terminal either way)")
      ->excludes(quiet);
}

Verbosity verbosity(const Arguments& a) {
  return a.quiet ? Verbosity::quiet : a.verbose ? Verbosity::verbose : Verbosity::normal;
}

struct Subcommands {
  CLI::App* run;
  CLI::App* phantom;
  CLI::App* series;
  CLI::App* info;
  CLI::App* exporter;
  CLI::App* plot;
  CLI::App* view;
};

void add_plot(CLI::App& app, Arguments& a, Subcommands& s) {
  s.plot = app.add_subcommand(
      "plot", "Draw the paper's figures from result or series files (python3 -m grapes_hpc.plot)");
  s.plot->add_option("file", a.plot_files, "Result or series files (HDF5)")->required();
  s.plot->add_option("--out", a.plot_out, "Folder for the figures (default: the first file's)");
  s.plot->add_option("--format", a.plot_format, "png (default), svg or pdf")
      ->check(CLI::IsMember({"png", "svg", "pdf"}));
  a.plot_k_option = s.plot->add_option(
      "--k", a.plot_k, "Error bars +-K SE (default: 2 radial, series' error_multiple)");
  a.plot_min_option = s.plot->add_option("--min-particles", a.plot_min_particles,
                                         "Plot a layer only where >= N particles reach it (10)");
  s.plot->add_flag("--largest-quartile", a.plot_largest_quartile,
                   "Radial profile of the largest volume quartile only (paper fig. 7)");
  s.plot
      ->add_option("--error-bars", a.plot_error_bars,
                   "Series error model: paper or standard (default: the series' own)")
      ->check(CLI::IsMember({"paper", "standard"}));
}

void add_view(CLI::App& app, Arguments& a, Subcommands& s) {
  s.view = app.add_subcommand(
      "view", "Browse result and series files in a web browser (python3 -m grapes_hpc.view)");
  s.view->add_option("paths", a.view_paths, "Result files or folders to serve (default: .)");
  s.view->add_option("--port", a.view_port, "Port (default 8765)")->check(CLI::Range(1, 65535));
  s.view->add_option("--host", a.view_host, "Address to bind (default 127.0.0.1: this machine)");
  s.view->add_flag("--no-browser", a.view_no_browser, "Print the URL only; open no browser");
}

Subcommands add_subcommands(CLI::App& app, Arguments& a) {
  Subcommands s{};
  s.run = app.add_subcommand(
      "run", "Analyse one grey/label volume pair: particle, layer and adjacency tables");
  s.run->add_option("config", a.config_path, "YAML configuration")->required();
  s.run->add_option("--set", a.overrides, "Override a config key: --set a.b.c=value (repeatable)");
  add_verbosity(s.run, a);

  s.phantom = app.add_subcommand("phantom", "Write the built-in phantom to HDF5 or TIFF");
  s.phantom->add_option("config", a.config_path, "YAML configuration with input.phantom")
      ->required();
  s.phantom->add_option("--set", a.overrides, "Override a config key (repeatable)");
  s.phantom->add_option("-o,--output", a.output, "Output file (HDF5) or stem (TIFF)");
  s.phantom->add_option("--steps", a.steps, "Time steps sharing labels (one file per step)");
  s.phantom->add_option("--format", a.format, "hdf5 (default) or tiff");

  s.series = app.add_subcommand(
      "series", "Analyse an operando series (or ex-situ datasets): per-step tables and statistics");
  s.series->add_option("config", a.series.config_path, "YAML configuration with series:");
  s.series->add_option("--from", a.series.files,
                       "Start from result files (one step each, named by the file)");
  s.series->add_option("--set", a.series.overrides, "Override a config key (repeatable)");
  s.series->add_option("-o,--output", a.series.output, "The series file (output.path)");
  s.series->add_flag("--resume", a.series.resume,
                     "Reuse the step results of an earlier run whose inputs did not change");
  add_verbosity(s.series, a);

  s.info = app.add_subcommand("info", "Summarise a result or series file");
  s.info->add_option("file", a.file, "Result file (HDF5)")->required();

  s.exporter = app.add_subcommand("export", "Export result tables as CSV");
  s.exporter->add_option("file", a.file, "Result file (HDF5)")->required();
  s.exporter->add_option("--csv", a.csv_directory, "Directory for the CSV files")->required();
  add_plot(app, a, s);
  add_view(app, a, s);
  return s;
}

int plot(const Arguments& a) {
  std::vector<std::string> arguments = a.plot_files;
  if (!a.plot_out.empty()) arguments.insert(arguments.end(), {"--out", a.plot_out});
  arguments.insert(arguments.end(), {"--format", a.plot_format});
  if (a.plot_k_option->count())
    arguments.insert(arguments.end(), {"--k", std::to_string(a.plot_k)});
  if (a.plot_min_option->count())
    arguments.insert(arguments.end(), {"--min-particles", std::to_string(a.plot_min_particles)});
  if (a.plot_largest_quartile) arguments.push_back("--largest-quartile");
  if (!a.plot_error_bars.empty())
    arguments.insert(arguments.end(), {"--error-bars", a.plot_error_bars});
  return run_python_tool(kPlotTool, arguments);
}

int view(const Arguments& a) {
  std::vector<std::string> arguments = a.view_paths;
  arguments.insert(arguments.end(), {"--port", std::to_string(a.view_port), "--host", a.view_host});
  if (a.view_no_browser) arguments.push_back("--no-browser");
  return run_python_tool(kViewTool, arguments);
}

int dispatch(const Subcommands& s, const Arguments& a) {
  if (s.run->parsed()) return command_run(a.config_path, a.overrides, verbosity(a));
  if (s.phantom->parsed())
    return command_phantom(a.config_path, a.overrides, a.output, a.steps, a.format);
  if (s.series->parsed()) {
    SeriesArguments series = a.series;
    series.verbosity = verbosity(a);
    return command_series(series);
  }
  if (s.info->parsed()) return command_info(a.file);
  if (s.exporter->parsed()) return command_export(a.file, a.csv_directory);
  if (s.plot->parsed()) return plot(a);
  if (s.view->parsed()) return view(a);
  return 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
  const bool root = comm_rank(MPI_COMM_WORLD) == 0;
  CLI::App app{"GRAPES-HPC: distributed grey-level analysis of particles in tomograms", "grapes"};
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       std::string("grapes-hpc ") + kVersion + " (" + kGitCommit + ")");
  Arguments arguments;
  const Subcommands subcommands = add_subcommands(app, arguments);

  // Kokkos' own flags (--kokkos-num-threads, --kokkos-map-device-id-by, ...) are Kokkos's:
  // Kokkos 4 strips them from argv, Kokkos 3.4 does not.
  std::vector<std::string> words;
  for (int i = argc - 1; i >= 1; --i)
    if (std::string(argv[i]).rfind("--kokkos-", 0) != 0) words.emplace_back(argv[i]);
  try {
    app.parse(words);
  } catch (const CLI::ParseError& error) {
    if (root) return app.exit(error);
    return error.get_exit_code();
  }
  try {
    return dispatch(subcommands, arguments);
  } catch (const Interrupted& error) {
    if (root) std::cerr << "error: " << error.what() << std::endl;
    // As a shell reports a process killed by the signal: 128 + its number.
    return error.signal_number() > 0 ? 128 + error.signal_number() : 2;
  } catch (const InputError& error) {
    if (root) std::cerr << "error: " << error.what() << std::endl;
    return 2;
  } catch (const RemoteError& error) {
    if (root) std::cerr << "error: " << error.what() << std::endl;
    return 3;
  } catch (const std::exception& error) {
    // A failure on this rank alone that escaped the agreement: the other ranks are elsewhere,
    // so only this rank can say it, in one write (lines of several ranks do not interleave),
    // before the abort.
    const int rank = comm_rank(MPI_COMM_WORLD);
    const std::string line = "error: " + failure_text(error, rank) + " (rank " +
                             std::to_string(rank) + ", outside a collective check: aborting)\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
    MPI_Abort(MPI_COMM_WORLD, 4);
    return 4;
  }
}

}  // namespace grapes
