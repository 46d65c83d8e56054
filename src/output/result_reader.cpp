// Serial reading of result files (grapes info / export; tests) and CSV export.
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <optional>
#include <sstream>

#include "grapes/core/error.hpp"
#include "grapes/core/interrupt.hpp"
#include "grapes/io/hdf5_calls.hpp"
#include "grapes/output/output.hpp"

namespace grapes {

namespace {

h5::Handle open_readonly(const std::string& path) {
  h5::QuietErrors quiet;
  h5::Handle file = h5::file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.valid()) throw InputError("cannot open result file '" + path + "'");
  return file;
}

std::string attribute_text(hid_t attribute) {
  h5::Handle type = h5::datatype(H5Aget_type(attribute));
  h5::Handle space = h5::dataspace(H5Aget_space(attribute));
  const hssize_t count = H5Sget_simple_extent_npoints(space);
  if (H5Tget_class(type) == H5T_STRING) {
    std::string value(H5Tget_size(type), '\0');
    h5::Handle memory_type = h5::datatype(H5Tcopy(H5T_C_S1));
    H5Tset_size(memory_type, value.size());
    if (H5Tis_variable_str(type) > 0) return "<variable-length string>";
    H5Aread(attribute, memory_type, value.data());
    while (!value.empty() && value.back() == '\0') value.pop_back();
    return value;
  }
  std::ostringstream text;
  text << std::setprecision(12);
  if (H5Tget_class(type) == H5T_FLOAT) {
    std::vector<double> values(static_cast<std::size_t>(count));
    H5Aread(attribute, H5T_NATIVE_DOUBLE, values.data());
    for (std::size_t i = 0; i < values.size(); ++i) text << (i ? " " : "") << values[i];
  } else {
    std::vector<std::int64_t> values(static_cast<std::size_t>(count));
    H5Aread(attribute, H5T_NATIVE_INT64, values.data());
    for (std::size_t i = 0; i < values.size(); ++i) text << (i ? " " : "") << values[i];
  }
  return text.str();
}

herr_t collect_attribute(hid_t location, const char* name, const H5A_info_t*, void* data) {
  auto* out = static_cast<std::vector<ResultAttribute>*>(data);
  h5::Handle attribute = h5::attribute(H5Aopen(location, name, H5P_DEFAULT));
  out->push_back({name, attribute_text(attribute)});
  return 0;
}

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<std::vector<std::string>*>(data)->push_back(name);
  return 0;
}

}  // namespace

std::vector<ResultAttribute> read_attributes(const std::string& path) {
  h5::Handle file = open_readonly(path);
  std::vector<ResultAttribute> out;
  hsize_t index = 0;
  H5Aiterate2(file, H5_INDEX_NAME, H5_ITER_INC, &index, collect_attribute, &out);
  return out;
}

namespace {

struct ChildLists {
  std::vector<std::string> groups;
  bool has_datasets = false;
};

herr_t collect_child(hid_t location, const char* name, const H5L_info_t*, void* data) {
  auto* out = static_cast<ChildLists*>(data);
  H5O_info_t info;
  if (H5Oget_info_by_name(location, name, &info, H5P_DEFAULT) < 0) return 0;
  if (info.type == H5O_TYPE_GROUP) out->groups.push_back(name);
  if (info.type == H5O_TYPE_DATASET) out->has_datasets = true;
  return 0;
}

ChildLists children(hid_t file, const std::string& group) {
  ChildLists lists;
  if (H5Lexists(file, group.c_str(), H5P_DEFAULT) <= 0) return lists;
  h5::Handle id = h5::group(H5Gopen2(file, group.c_str(), H5P_DEFAULT));
  if (!id.valid()) return lists;
  H5Literate(id, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_child, &lists);
  std::sort(lists.groups.begin(), lists.groups.end());
  return lists;
}

void collect_table_groups(hid_t file, const std::string& group, std::vector<std::string>& out) {
  const ChildLists lists = children(file, group);
  if (lists.has_datasets) out.push_back(group);
  for (const std::string& child : lists.groups)
    collect_table_groups(file, group + "/" + child, out);
}

}  // namespace

std::vector<std::string> child_groups(const std::string& path, const std::string& group) {
  h5::Handle file = open_readonly(path);
  h5::QuietErrors quiet;
  return children(file, group).groups;
}

std::vector<std::string> table_groups_under(const std::string& path, const std::string& group) {
  h5::Handle file = open_readonly(path);
  h5::QuietErrors quiet;
  std::vector<std::string> out;
  collect_table_groups(file, group, out);
  return out;
}

bool has_group(const std::string& path, const std::string& group) {
  h5::Handle file = open_readonly(path);
  h5::QuietErrors quiet;
  return H5Lexists(file, group.c_str(), H5P_DEFAULT) > 0;
}

namespace {

// The column order of a group: its `columns` attribute, else the datasets by name.
std::vector<std::string> column_names(hid_t group) {
  std::vector<std::string> names;
  if (H5Aexists(group, "columns") > 0) {
    h5::Handle attribute = h5::attribute(H5Aopen(group, "columns", H5P_DEFAULT));
    std::stringstream list(attribute_text(attribute));
    for (std::string name; std::getline(list, name, ',');) names.push_back(name);
  } else {
    H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names);
  }
  return names;
}

template <class T>
std::vector<T> read_values(hid_t dataset, hid_t memory_type, std::size_t count,
                           const std::string& where) {
  std::vector<T> values(count);
  if (count)
    h5::check(H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()),
              "read " + where);
  return values;
}

std::vector<std::string> read_strings(hid_t dataset, hid_t type, std::size_t count,
                                      const std::string& where) {
  const std::size_t length = H5Tget_size(type);
  const std::vector<char> packed = read_values<char>(dataset, type, count * length, where);
  std::vector<std::string> values(count);
  for (std::size_t i = 0; i < count; ++i) {
    const char* text = packed.data() + i * length;
    values[i].assign(text, strnlen(text, length));
  }
  return values;
}

// One 1-D dataset as a column of the matching type; nullopt for other shapes and types.
std::optional<Column> read_column(hid_t group, const std::string& name, const std::string& where) {
  h5::Handle dataset = h5::dataset(H5Dopen2(group, name.c_str(), H5P_DEFAULT));
  if (!dataset.valid()) throw InputError(where + ": the dataset is missing or unreadable");
  h5::Handle space = h5::dataspace(H5Dget_space(dataset));
  if (H5Sget_simple_extent_ndims(space) != 1) return std::nullopt;
  const auto count = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
  h5::Handle type = h5::datatype(H5Dget_type(dataset));
  const H5T_class_t type_class = H5Tget_class(type);
  const bool is_unsigned = type_class == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_NONE;
  Column column{name, std::vector<double>{}};
  if (type_class == H5T_FLOAT)
    column.values = read_values<double>(dataset, H5T_NATIVE_DOUBLE, count, where);
  else if (is_unsigned && H5Tget_size(type) == 1)
    column.values = read_values<std::uint8_t>(dataset, H5T_NATIVE_UINT8, count, where);
  else if (is_unsigned)
    column.values = read_values<std::uint64_t>(dataset, H5T_NATIVE_UINT64, count, where);
  else if (type_class == H5T_INTEGER)
    column.values = read_values<std::int64_t>(dataset, H5T_NATIVE_INT64, count, where);
  else if (type_class == H5T_STRING && H5Tis_variable_str(type) <= 0)
    column.values = read_strings(dataset, type, count, where);
  else
    return std::nullopt;
  return column;
}

std::size_t column_size(const Column& column) {
  return std::visit([](const auto& values) { return values.size(); }, column.values);
}

// Every column has the table's length (the first column's); layer_offset one more.
void check_lengths(const Table& table, const std::string& path, const std::string& group) {
  if (table.columns.empty()) return;
  const Column& first = table.columns.front();
  const std::size_t rows = column_size(first) - (first.name == "layer_offset" ? 1 : 0);
  for (const Column& column : table.columns) {
    const std::size_t expected = rows + (column.name == "layer_offset" ? 1 : 0);
    if (column_size(column) != expected)
      throw InputError(path + ":" + group + "/" + column.name + " has " +
                       std::to_string(column_size(column)) + " rows, but the table has " +
                       std::to_string(rows) + (column.name == "layer_offset" ? " (+1)" : "") +
                       ": the result file is damaged");
  }
}

}  // namespace

Table read_table(const std::string& path, const std::string& group) {
  h5::Handle file = open_readonly(path);
  Table table;
  h5::QuietErrors quiet;
  if (H5Lexists(file, group.c_str(), H5P_DEFAULT) <= 0) return table;
  h5::Handle group_id = h5::group(H5Gopen2(file, group.c_str(), H5P_DEFAULT));
  if (!group_id.valid()) throw InputError(path + ":" + group + ": cannot open the group");
  for (const std::string& name : column_names(group_id)) {
    std::optional<Column> column = read_column(group_id, name, path + ":" + group + "/" + name);
    if (column) table.columns.push_back(std::move(*column));
  }
  check_lengths(table, path, group);
  return table;
}

Table read_table(const std::string& path, const std::string& group, const Table& expected) {
  Table table = read_table(path, group);
  for (const Column& wanted : expected.columns) {
    const Column* found = table.find(wanted.name);
    if (!found)
      throw InputError(path + ":" + group + "/" + wanted.name +
                       " is missing: the result file is damaged or not a grapes result");
    if (found->values.index() != wanted.values.index())
      throw InputError(path + ":" + group + "/" + wanted.name + " has an unexpected type");
  }
  return table;
}

std::int64_t check_result_file(const std::string& path) {
  std::string software;
  std::optional<std::int64_t> version;
  for (const ResultAttribute& attribute : read_attributes(path)) {
    if (attribute.name == "software") software = attribute.text;
    if (attribute.name == "format_version") version = std::stoll(attribute.text);
  }
  if (software.rfind("grapes-hpc", 0) != 0)
    throw InputError(path +
                     " is not a grapes result file (no 'software' attribute naming "
                     "grapes-hpc" +
                     std::string(version ? "" : " and no 'format_version'") + ")");
  const std::int64_t found = version.value_or(0);  // 0: written before format_version existed
  if (found > kFormatVersion)
    throw InputError(path + " has format_version " + std::to_string(found) +
                     ", newer than this grapes reads (" + std::to_string(kFormatVersion) +
                     "): update grapes-hpc");
  return found;
}

namespace {
// A CSV field: quoted (with doubled quotes) when it holds a comma, a quote or a line break.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}
}  // namespace

// The CSV text of `table` (a header row, then one line per row).
void write_csv_rows(const Table& table, std::ostream& out) {
  out << std::setprecision(17);
  for (std::size_t c = 0; c < table.columns.size(); ++c)
    out << (c ? "," : "") << table.columns[c].name;
  out << "\n";
  const std::size_t rows = table.rows();
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      if (c) out << ",";
      std::visit(
          [&](const auto& values) {
            using T = typename std::decay_t<decltype(values)>::value_type;
            if constexpr (std::is_same_v<T, std::uint8_t>)
              out << static_cast<int>(values[r]);
            else if constexpr (std::is_same_v<T, std::string>)
              out << csv_field(values[r]);
            else
              out << values[r];
          },
          table.columns[c].values);
    }
    out << "\n";
  }
}

void write_csv(const Table& table, const std::string& path) {
  // Through a temporary name, renamed when complete: a full disk never leaves a truncated
  // CSV under the final name.
  remove_stale_temporaries(path);
  const std::string temporary = temporary_name(path, static_cast<long>(getpid()));
  register_temporary(temporary);
  const auto fail = [&](const std::string& message) {
    std::remove(temporary.c_str());
    unregister_temporary(temporary);
    throw InputError(message);
  };
  {
    std::ofstream out(temporary);
    if (!out) fail("cannot write '" + path + "': " + std::strerror(errno));
    write_csv_rows(table, out);
    errno = 0;
    out.close();
    if (!out) {
      const int code = errno;
      struct statvfs info {};
      const bool full = code == ENOSPC || code == EDQUOT ||
                        (::statvfs(temporary.c_str(), &info) == 0 && info.f_bavail == 0);
      fail(full ? "no space left writing '" + path + "'; it was not written"
                : "error writing '" + path + "'" +
                      (code ? ": " + std::string(std::strerror(code)) : ""));
    }
  }
  const std::string reason = interruption_reason();
  if (!reason.empty()) fail(reason + ": '" + path + "' was not written");
  if (std::rename(temporary.c_str(), path.c_str()) != 0)
    fail("cannot rename the finished CSV to '" + path + "': " + std::strerror(errno));
  unregister_temporary(temporary);
}

}  // namespace grapes
