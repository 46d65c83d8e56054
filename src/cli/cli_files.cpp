// grapes info and grapes export: reading result and series files (docs/OUTPUT.md).
#include <mpi.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli_commands.hpp"
#include "grapes/core/error.hpp"
#include "grapes/core/format.hpp"
#include "grapes/output/output.hpp"
#include "grapes/output/particle_tables.hpp"
#include "grapes/parallel/comm.hpp"

namespace grapes {

namespace {

void print_table_summary(const Table& table, const std::string& name) {
  std::cout << name << ": " << table.rows() << " rows, columns:";
  for (const Column& column : table.columns) std::cout << " " << column.name;
  std::cout << "\n";
}

// The tables of one analysed volume under `prefix` ("" = the root, or /steps/<name>), checked
// against the layout of docs/OUTPUT.md (the columns build_tables makes), so that a damaged
// file is an error naming the dataset.
std::vector<std::pair<std::string, Table>> volume_tables(const std::string& path,
                                                         const std::string& prefix) {
  const ParticleTables layout = required_layout();
  const Table* expected[] = {&layout.particles, &layout.layers, &layout.adjacency};
  std::vector<std::pair<std::string, Table>> tables;
  for (std::size_t g = 0; g < std::size(kTableGroups); ++g) {
    const std::string group = prefix + "/" + kTableGroups[g];
    tables.emplace_back(group, read_table(path, group, *expected[g]));
  }
  return tables;
}

// Every table of the file: a run's three groups, or for a series file each step's and every
// /series table.
std::vector<std::pair<std::string, Table>> file_tables(const std::string& path) {
  check_result_file(path);
  if (!has_group(path, "/series")) return volume_tables(path, "");
  std::vector<std::pair<std::string, Table>> tables;
  for (const std::string& step : child_groups(path, "/steps")) {
    auto step_tables = volume_tables(path, "/steps/" + step);
    tables.insert(tables.end(), step_tables.begin(), step_tables.end());
  }
  for (const std::string& group : table_groups_under(path, "/series"))
    tables.emplace_back(group, read_table(path, group));
  return tables;
}

std::string attribute_of(const std::vector<ResultAttribute>& attributes, const std::string& name) {
  for (const ResultAttribute& a : attributes)
    if (a.name == name) return a.text;
  return "";
}

void print_info(const std::string& path) {
  const auto tables = file_tables(path);
  const auto attributes = read_attributes(path);
  std::cout << path << "\n";
  for (const ResultAttribute& attribute : attributes) {
    if (attribute.name == "config" || attribute.name == "summary") continue;  // long; below
    std::cout << "  " << attribute.name << ": " << attribute.text << "\n";
  }
  for (const auto& [group, table] : tables) print_table_summary(table, group);
  const std::string summary = attribute_of(attributes, "summary");
  if (!summary.empty()) {
    std::cout << summary << (summary.back() == '\n' ? "" : "\n");
    return;
  }
  const Table& particles = tables.front().second;
  if (particles.rows() == 0) return;
  const auto& volume = particles.get<std::int64_t>("volume");
  const auto& mean = particles.get<double>("intensity_mean");
  double volume_sum = 0, mean_sum = 0;
  for (std::size_t i = 0; i < volume.size(); ++i) volume_sum += volume[i], mean_sum += mean[i];
  std::cout << "mean particle volume " << fixed_text(volume_sum / volume.size(), 1)
            << " voxels, mean of intensity_mean " << fixed_text(mean_sum / mean.size(), 2) << "\n";
}

}  // namespace

int command_info(const std::string& path) {
  agree_or_throw(MPI_COMM_WORLD, [&] {
    if (comm_rank(MPI_COMM_WORLD) == 0) print_info(path);
  });
  return 0;
}

int command_export(const std::string& path, const std::string& directory) {
  agree_or_throw(MPI_COMM_WORLD, [&] {
    if (comm_rank(MPI_COMM_WORLD) != 0) return;
    auto tables = file_tables(path);  // before any folder exists: nothing on failure
    for (auto& [group, table] : tables) {
      auto& columns = table.columns;  // layer_offset has N+1 rows: not a per-particle column
      columns.erase(std::remove_if(columns.begin(), columns.end(),
                                   [](const Column& c) { return c.name == "layer_offset"; }),
                    columns.end());
      const std::string file =
          directory + group + ".csv";  // /steps/a/layers -> DIR/steps/a/layers.csv
      std::error_code error;
      std::filesystem::create_directories(std::filesystem::path(file).parent_path(), error);
      if (error)
        throw InputError("cannot create directory '" + directory + "': " + error.message());
      write_csv(table, file);
      std::cout << "wrote " << file << " (" << table.rows() << " rows)\n";
    }
  });
  return 0;
}

}  // namespace grapes
