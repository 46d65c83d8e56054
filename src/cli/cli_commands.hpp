#pragma once
// The subcommands of the command line (cli.cpp parses, these run). Each runs on every rank and
// returns the exit code; errors are exceptions, turned into messages by run_cli.
#include <string>
#include <vector>

#include "grapes/run/logger.hpp"

namespace grapes {

int command_run(const std::string& config_path, const std::vector<std::string>& overrides,
                Verbosity verbosity = Verbosity::normal);
int command_phantom(const std::string& config_path, const std::vector<std::string>& overrides,
                    std::string output, int steps, const std::string& format);

struct SeriesArguments {
  std::string config_path;         // a series config ("" with --from: the defaults)
  std::vector<std::string> files;  // --from: result files, one step each
  std::vector<std::string> overrides;
  std::string output;  // -o: output.path
  bool resume = false;
  Verbosity verbosity = Verbosity::normal;  // --quiet, --verbose
};
int command_series(const SeriesArguments& arguments);

int command_info(const std::string& path);
int command_export(const std::string& path, const std::string& directory);

}  // namespace grapes
