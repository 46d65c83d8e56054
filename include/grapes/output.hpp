#pragma once
// The HDF5 result file of SPEC §5, written collectively, through a temporary name in the
// target directory that is renamed on success: a failed or killed run never leaves a partial
// file under the requested name.
#include <mpi.h>

#include <map>
#include <string>
#include <vector>

#include "grapes/io/hdf5_handle.hpp"
#include "grapes/table.hpp"

namespace grapes {

// Throws InputError when the output's directory does not exist or is not writable.
void check_output_path(const std::string& path);

class ResultFile {
 public:
  ResultFile(const std::string& path, MPI_Comm comm);  // collective
  ~ResultFile();  // not committed: close and delete the temporary file
  ResultFile(const ResultFile&) = delete;
  ResultFile& operator=(const ResultFile&) = delete;

  hid_t id() const { return file_.get(); }
  const std::string& path() const { return path_; }

  // Collective: every rank passes its contiguous slice of rows (same columns, same order);
  // slices are placed in rank order. Creates `group` (and parents) if needed; a group may be
  // written in several calls (columns of different lengths, e.g. layer_offset).
  void write_table(const std::string& group, const Table& rows);

  // Root-group attributes; collective, every rank passes the same value.
  void attribute(const std::string& name, const std::string& value);
  void attribute(const std::string& name, double value);
  void attribute(const std::string& name, std::int64_t value);
  void attribute(const std::string& name, const std::vector<double>& values);
  void attribute(const std::string& name, const std::vector<std::int64_t>& values);

  // Collective: close and rename to the final path.
  void commit();

 private:
  hid_t ensure_group(const std::string& group);
  MPI_Comm comm_;
  std::string path_;
  std::string temporary_;
  h5::Handle file_;
  std::vector<h5::Handle> groups_;
  std::vector<std::string> group_names_;
  std::map<std::string, std::string> column_names_;  // group -> comma-separated names
  bool committed_ = false;
};

// Serial reading of result files (grapes info / export; tests).
struct ResultAttribute {
  std::string name;
  std::string text;  // value rendered as text
};
std::vector<ResultAttribute> read_attributes(const std::string& path);
// Reads every 1-D dataset of `group` as a column; empty table when the group is missing.
Table read_table(const std::string& path, const std::string& group);
bool has_group(const std::string& path, const std::string& group);

// Writes `table` as CSV (header row, then one line per row; doubles with 17 significant digits).
void write_csv(const Table& table, const std::string& path);

}  // namespace grapes
