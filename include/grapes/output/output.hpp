#pragma once
// Stage "write" (docs/ARCHITECTURE.md): the HDF5 result file of docs/OUTPUT.md, written
// collectively, through a temporary name in the target directory that is renamed on
// success: a failed or killed run never leaves a partial file under the requested name.
// docs/OUTPUT.md describes every group, column and attribute written here.
#include <mpi.h>

#include <array>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "grapes/io/hdf5_handle.hpp"
#include "grapes/output/column_table.hpp"
#include "grapes/output/particle_tables.hpp"

namespace grapes {

// The version of the file layout (root attribute `format_version`; docs/OUTPUT.md). Readers
// refuse files without it or newer than they know.
constexpr std::int64_t kFormatVersion = 1;

// The groups of one analysed volume's tables, under its group ("" = the file's root, or
// "/steps/<name>" in a series file).
constexpr const char* kTableGroups[] = {"particles", "layers", "adjacency"};

// Throws InputError naming output.path when it ends in '/', is an existing folder or another
// non-regular file, or its directory does not exist or is not writable. Before any input is
// read: a run must not be wasted on an output it cannot write.
void check_output_path(const std::string& path);

// A file named by a configuration key, for messages: {"input.grey.path", "prist.h5"}.
struct NamedPath {
  std::string key;
  std::string path;
};
// Throws InputError naming both keys when the output `output` (key `output_key`) is one of
// `inputs`: the same path, or the same file reached by another path (a hard or symbolic link),
// or a TIFF file inside an input folder of TIFF slices. The results would replace the input.
void check_output_not_input(const std::string& output_key, const std::string& output,
                            const std::vector<NamedPath>& inputs);

// The temporary name a result (or CSV) is written under before it is renamed to `path`:
// ".<name>.tmp-<pid>" in the same directory (pid: rank 0's process id).
std::string temporary_name(const std::string& path, long pid);
// Removes the temporaries of `path` (".<name>.tmp-<pid>") whose process is not running on this
// host: what a run killed with SIGKILL leaves. Returns the removed paths. A temporary of a run
// on another host that shares the folder is removed too if its pid is unused here: two runs on
// different hosts must not write the same output at the same time (docs/OUTPUT.md).
std::vector<std::string> remove_stale_temporaries(const std::string& path);

using AttributeValue =
    std::variant<std::string, double, std::int64_t, std::vector<double>, std::vector<std::int64_t>>;

class ResultFile {
 public:
  ResultFile(const std::string& path, MPI_Comm comm);  // collective
  ~ResultFile();  // not committed: close and delete the temporary file
  ResultFile(const ResultFile&) = delete;
  ResultFile& operator=(const ResultFile&) = delete;

  hid_t id() const { return file_.get(); }
  MPI_Comm comm() const { return comm_; }
  const std::string& path() const { return path_; }

  // Collective: every rank passes its contiguous slice of rows (same columns, same order);
  // slices are placed in rank order. Creates `group` (and parents) if needed; a group may be
  // written in several calls (columns of different lengths, e.g. layer_offset). String columns
  // become fixed-length strings as long as the longest value.
  void write_table(const std::string& group, const Table& rows);

  // Collective, every rank passes the same value: an attribute of `group` (created if needed).
  void attribute(const std::string& name, const AttributeValue& value,
                 const std::string& group = "/");

  // Copies `object` (a group or dataset, with its attributes) of the HDF5 file `source_path`
  // to `destination` in this file (parents created). Collective.
  void copy_object(const std::string& source_path, const std::string& object,
                   const std::string& destination);
  // Copies the attributes of `object` of `source_path` (except `columns`) onto `group`.
  void copy_attributes(const std::string& source_path, const std::string& object,
                       const std::string& group);

  // Collective: flush, close and rename to the final path. A failed flush or close (a full
  // disk), a signal or a vanished launcher (interrupt.hpp) throws on every rank instead, and
  // nothing appears under the final name.
  void commit();

  // Collective: throws on every rank when the write of `what` failed on any (`ok` false;
  // `error` the errno right after the failing call): "no space left writing <path>" when the
  // disk is full, else the HDF5 error. For writers of datasets into this file.
  void agree_written(bool ok, int error, const std::string& what);

 private:
  hid_t ensure_group(const std::string& group);
  void discard() noexcept;  // collective: close, delete the temporary
  bool room_for_metadata() const;
  bool room_for(std::uint64_t data_bytes) const;  // data plus a margin for its headers
  void pause_for_test();
  MPI_Comm comm_;
  std::string path_;
  std::string temporary_;
  h5::Handle file_;
  std::vector<h5::Handle> groups_;
  std::vector<std::string> group_names_;
  std::map<std::string, std::string> column_names_;  // group -> comma-separated names
  bool committed_ = false;
  bool paused_ = false;
};

// Facts about one analysed volume (a run, or one step of a series), written as attributes of
// its group (docs/OUTPUT.md, "Attributes").
struct VolumeFacts {
  Index3 shape{0, 0, 0};
  Index3 ghost_width{0, 0, 0};
  Spacing3 voxel_size{1, 1, 1};
  double layer_width = 1.0;  // physical units
  std::string input_grey, input_grey_dtype, input_labels, input_labels_dtype;
  std::int64_t unassigned_voxels = 0;       // particle voxels in layer 0 (no layer)
  std::int64_t flat_profile_particles = 0;  // radial_max profile all zeros
  std::int64_t flat_shape_particles = 0;    // elongation or flatness NaN (flat, line, voxel)
  std::int64_t slabs_per_rank = 1;          // blocks per rank's box (memory_per_rank)
  std::int64_t halo_bytes = 0;              // ghost bytes received from other ranks, all ranks
  std::int64_t margin_bytes = 0;            // slab margins read again from the source, all ranks
  PhaseTimes phase_seconds;                 // the slowest rank's time per phase
};

// Facts about the whole run, written as root attributes with the software version, git commit,
// creation time, Kokkos execution space and format_version.
struct RunFacts {
  std::string config_text;  // the resolved YAML configuration
  std::string config_path;
  int ranks = 1;
  std::array<int, 3> grid{1, 1, 1};
  double peak_memory_mib = 0.0;                  // largest over ranks
  std::vector<double> peak_memory_mib_per_rank;  // empty: not recorded
};

// Collective: the tables of one analysed volume under `group` ("" for the root):
// <group>/particles (+ layer_offset, N+1 rows), <group>/layers, <group>/adjacency.
void write_tables(ResultFile& file, const std::string& group, const ParticleTables& tables,
                  MPI_Comm comm);
void write_volume_facts(ResultFile& file, const std::string& group, const VolumeFacts& facts);
void write_run_facts(ResultFile& file, const RunFacts& facts);

// Serial reading of result files (grapes info / export; tests).
struct ResultAttribute {
  std::string name;
  std::string text;  // value rendered as text
};
std::vector<ResultAttribute> read_attributes(const std::string& path);
// Throws InputError naming `path` when it is not a grapes result (no `software` attribute
// naming grapes-hpc) or has a newer format_version than this build reads. Returns the
// file's format_version (0: written before the attribute existed; same layout as 1).
std::int64_t check_result_file(const std::string& path);
// Reads every 1-D dataset of `group` as a column, in the group's `columns` order; an empty
// table when the group is missing. InputError naming the dataset when a listed column is
// missing or unreadable, or its length is not the table's (layer_offset: one more).
Table read_table(const std::string& path, const std::string& group);
// The same, and every column of `expected` must be present with its type (the layout of
// docs/OUTPUT.md: e.g. the columns of build_tables on no records).
Table read_table(const std::string& path, const std::string& group, const Table& expected);
bool has_group(const std::string& path, const std::string& group);
// The names of the groups directly below `group` (sorted; empty when it is missing).
std::vector<std::string> child_groups(const std::string& path, const std::string& group);
// Every group below `group` (itself included) that holds datasets: the tables of a series
// file's /series, e.g. /series/steps, /series/radial/pristine. Sorted by path.
std::vector<std::string> table_groups_under(const std::string& path, const std::string& group);

// Writes `table` as CSV (header row, then one line per row; doubles with 17 significant
// digits, strings quoted when needed) through a temporary name renamed when complete.
void write_csv(const Table& table, const std::string& path);

}  // namespace grapes
