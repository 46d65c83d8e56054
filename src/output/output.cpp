// The tables of the result file: the groups, and each column written collectively as one
// dataset (every rank's rows in rank order), tables copied from another result file, and the
// tables of one analysed volume. The file itself: output_file.cpp; attributes: attributes.cpp.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <variant>
#include <vector>

#include "attributes.hpp"
#include "grapes/core/error.hpp"
#include "grapes/io/hdf5_calls.hpp"
#include "grapes/output/output.hpp"
#include "grapes/parallel/comm.hpp"

namespace grapes {

namespace {

std::string join_names(const Table& table) {
  std::string names;
  for (const Column& column : table.columns) names += (names.empty() ? "" : ",") + column.name;
  return names;
}

// One column's values as the memory buffer and HDF5 type of a write. Strings are packed into
// fixed-length records `string_length` long (the longest value over all ranks), null-padded
// (numpy's 'S' strings).
struct ColumnBuffer {
  h5::Handle owned_type;  // for strings
  hid_t type = H5I_INVALID_HID;
  std::vector<char> packed;  // for strings
  const void* data = nullptr;
};

ColumnBuffer column_buffer(const ColumnData& values, std::size_t string_length) {
  ColumnBuffer buffer;
  if (const auto* strings = std::get_if<std::vector<std::string>>(&values)) {
    const std::size_t length = std::max<std::size_t>(1, string_length);
    buffer.owned_type = h5::fixed_string_type(length, H5T_STR_NULLPAD);
    buffer.type = buffer.owned_type.get();
    buffer.packed.assign(strings->size() * length, '\0');
    for (std::size_t i = 0; i < strings->size(); ++i)
      std::memcpy(buffer.packed.data() + i * length, (*strings)[i].data(), (*strings)[i].size());
    buffer.data = buffer.packed.data();
    return buffer;
  }
  std::visit(
      [&](const auto& column) {
        using T = typename std::decay_t<decltype(column)>::value_type;
        if constexpr (!std::is_same_v<T, std::string>) {
          buffer.type = h5::native_type_of<T>();
          buffer.data = column.data();
        }
      },
      values);
  return buffer;
}

std::size_t longest_string(const ColumnData& values) {
  std::size_t longest = 0;
  if (const auto* strings = std::get_if<std::vector<std::string>>(&values))
    for (const std::string& s : *strings) longest = std::max(longest, s.size());
  return longest;
}

}  // namespace

hid_t ResultFile::ensure_group(const std::string& group) {
  if (group == "/") return file_.get();
  for (std::size_t i = 0; i < group_names_.size(); ++i)
    if (group_names_[i] == group) return groups_[i].get();
  const h5::Handle create_list = h5::intermediate_groups();
  h5::QuietErrors quiet;
  const bool exists = h5::link_exists(file_, group);
  h5::Handle handle =
      exists ? h5::open_group(file_, group) : h5::create_group(file_, group, create_list);
  // A group copied from another file keeps its column order; columns written here follow.
  if (exists && h5::attribute_exists(handle, "columns"))
    column_names_[group] = output_detail::read_string_attribute(handle, "columns");
  group_names_.push_back(group);
  groups_.push_back(std::move(handle));
  return groups_.back().get();
}

void ResultFile::write_table(const std::string& group, const Table& rows) {
  const hid_t group_id = ensure_group(group);
  const std::int64_t local_rows = static_cast<std::int64_t>(rows.rows());
  const std::int64_t total = allreduce_sum(comm_, local_rows);
  const std::int64_t offset = exclusive_scan_sum(comm_, local_rows);
  // Independent writes: each rank's rows are one contiguous range, and a collective write that
  // fails on one rank (a full disk) leaves the others waiting inside HDF5 (HDF5 1.10 skips
  // its own collective clean-up on the failing rank). Failures are agreed per column below.
  h5::Handle transfer = h5::independent_transfer();
  for (const Column& column : rows.columns) {
    const std::string where = group + "/" + column.name;
    const std::size_t string_length = static_cast<std::size_t>(
        allreduce_max(comm_, static_cast<std::int64_t>(longest_string(column.values))));
    const ColumnBuffer buffer = column_buffer(column.values, string_length);
    const hsize_t global_size = static_cast<hsize_t>(total);
    const h5::Handle file_space = h5::create_simple_space(1, &global_size);
    const h5::Handle dataset = h5::create_dataset(group_id, column.name, buffer.type, file_space);
    if (total == 0) continue;  // every rank agrees: nothing to write into an empty dataset
    pause_for_test();
    const hsize_t start = static_cast<hsize_t>(offset);
    const hsize_t count = static_cast<hsize_t>(local_rows);
    const hsize_t memory_size = std::max<hsize_t>(1, count);
    const h5::Handle memory_space = h5::create_simple_space(1, &memory_size);
    if (count == 0) {
      h5::select_none(file_space, dataset);
      h5::select_none(memory_space, H5I_INVALID_HID);
    } else {
      h5::select_hyperslab(file_space, &start, &count, dataset);
    }
    // Every rank takes part, also with nothing to write (a skipped call would hang).
    static const std::int64_t dummy[4] = {0, 0, 0, 0};
    const void* data = count ? buffer.data : dummy;
    const bool written =
        h5::try_write_dataset(dataset, buffer.type, memory_space, file_space, transfer, data);
    const int error = errno;
    // Collective: a rank whose part failed (a full disk) must not go on to the next column
    // while the others stop.
    agree_written(written, error, where);
  }
  std::string& names = column_names_[group];
  const std::string added = join_names(rows);
  names += (names.empty() || added.empty() ? "" : ",") + added;
}

void ResultFile::copy_object(const std::string& source_path, const std::string& object,
                             const std::string& destination) {
  h5::QuietErrors quiet;
  const h5::Handle source = h5::open_file(source_path, H5F_ACC_RDONLY);
  const h5::Handle create_list = h5::intermediate_groups();
  // HDF5 1.10 crashes inside H5Ocopy when the disk fills during the copy (a segfault, no
  // message, a temporary left): the room is checked first, on every rank.
  const bool room = room_for(h5::storage_bytes(source, object));
  agree_written(room, room ? 0 : ENOSPC, "copying " + object + " of " + source_path);
  h5::copy_object(source, object, file_, destination, create_list);
}

void write_tables(ResultFile& file, const std::string& group, const ParticleTables& tables,
                  MPI_Comm comm) {
  file.write_table(group + "/particles", tables.particles);
  // layer_offset [N+1]: this rank's particle starts, shifted by the layer rows before it;
  // the last rank adds the final end.
  const std::int64_t layer_rows = static_cast<std::int64_t>(tables.layers.rows());
  const std::int64_t layer_base = exclusive_scan_sum(comm, layer_rows);
  const std::int64_t all_layer_rows = allreduce_sum(comm, layer_rows);
  Table offsets;
  auto& layer_offset = offsets.add<std::int64_t>("layer_offset");
  for (std::int64_t start : tables.layer_start) layer_offset.push_back(layer_base + start);
  if (comm_rank(comm) == comm_size(comm) - 1) layer_offset.push_back(all_layer_rows);
  file.write_table(group + "/particles", offsets);
  file.write_table(group + "/layers", tables.layers);
  file.write_table(group + "/adjacency", tables.adjacency);
}

}  // namespace grapes
