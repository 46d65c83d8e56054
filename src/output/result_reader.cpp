// Serial reading of result files (grapes info / export; tests) and CSV export.
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
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
  return h5::open_file(path, H5F_ACC_RDONLY);
}

// A string attribute's text: fixed-length strings read as C strings of their length, several
// joined by spaces. The memory strings have one byte more for the terminator, so that a
// null-padded string (h5py's) of the full length keeps its last character.
std::string string_text(hid_t attribute, hid_t type, std::size_t count) {
  if (h5::is_variable_string(type)) return "<variable-length string>";
  const std::size_t length = h5::type_size(type) + 1;
  const h5::Handle memory_type = h5::copy_type(H5T_C_S1);
  h5::set_type_size(memory_type, length);
  std::string packed(std::max<std::size_t>(1, count) * length, '\0');
  if (count) h5::read_attribute(attribute, memory_type, packed.data(), count);
  std::string text;
  for (std::size_t i = 0; i < count; ++i) {
    std::string value = packed.substr(i * length, length);
    while (!value.empty() && value.back() == '\0') value.pop_back();
    text += (i ? " " : "") + value;
  }
  return text;
}

template <class T>
std::string numbers_text(hid_t attribute, std::size_t count) {
  std::vector<T> values(count);
  if (count) h5::read_attribute(attribute, h5::native_type_of<T>(), values.data(), count);
  std::ostringstream text;
  text << std::setprecision(12);
  for (std::size_t i = 0; i < values.size(); ++i) text << (i ? " " : "") << values[i];
  return text.str();
}

// An attribute's value as text: strings, floating-point numbers and integers (several joined
// by spaces); other types (compound, enum, ...) by their type name in angle brackets.
std::string attribute_text(hid_t attribute) {
  const h5::Handle type = h5::attribute_type(attribute);
  const h5::Handle space = h5::attribute_space(attribute);
  const auto count = static_cast<std::size_t>(h5::space_points(space, attribute));
  switch (h5::type_class(type)) {
    case H5T_STRING:
      return string_text(attribute, type, count);
    case H5T_FLOAT:
      return numbers_text<double>(attribute, count);
    case H5T_INTEGER:
      return numbers_text<std::int64_t>(attribute, count);
    default:
      return "<" + h5::type_name(type) + ">";
  }
}

}  // namespace

std::vector<ResultAttribute> read_attributes(const std::string& path) {
  const h5::Handle file = open_readonly(path);
  h5::QuietErrors quiet;
  std::vector<ResultAttribute> out;
  for (const std::string& name : h5::attribute_names(file)) {
    const h5::Handle attribute = h5::open_attribute(file, name);
    out.push_back({name, attribute_text(attribute)});
  }
  return out;
}

namespace {

struct ChildLists {
  std::vector<std::string> groups;
  bool has_datasets = false;
};

// The groups directly below `group` (sorted) and whether it holds datasets; empty when it is
// missing or not a group.
ChildLists children(hid_t file, const std::string& group) {
  ChildLists lists;
  if (!h5::link_exists(file, group) || h5::object_type(file, group) != H5I_GROUP) return lists;
  const h5::Handle id = h5::open_group(file, group);
  for (const std::string& name : h5::link_names(id)) {
    const H5I_type_t type = h5::object_type(id, name);
    if (type == H5I_GROUP) lists.groups.push_back(name);
    if (type == H5I_DATASET) lists.has_datasets = true;
  }
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
  const h5::Handle file = open_readonly(path);
  h5::QuietErrors quiet;
  return children(file, group).groups;
}

std::vector<std::string> table_groups_under(const std::string& path, const std::string& group) {
  const h5::Handle file = open_readonly(path);
  h5::QuietErrors quiet;
  std::vector<std::string> out;
  collect_table_groups(file, group, out);
  return out;
}

bool has_group(const std::string& path, const std::string& group) {
  const h5::Handle file = open_readonly(path);
  h5::QuietErrors quiet;
  return h5::link_exists(file, group);
}

namespace {

// The column order of a group: its `columns` attribute, else the datasets by name.
std::vector<std::string> column_names(hid_t group) {
  if (!h5::attribute_exists(group, "columns")) return h5::link_names(group);
  const h5::Handle attribute = h5::open_attribute(group, "columns");
  std::vector<std::string> names;
  std::stringstream list(attribute_text(attribute));
  for (std::string name; std::getline(list, name, ',');) names.push_back(name);
  return names;
}

template <class T>
std::vector<T> read_values(hid_t dataset, hid_t memory_type, std::size_t count) {
  std::vector<T> values(count);
  if (count) h5::read_dataset(dataset, memory_type, values.data(), count);
  return values;
}

// Fixed-length strings, each `length` bytes, null-padded or null-terminated.
std::vector<std::string> read_strings(hid_t dataset, hid_t type, std::size_t count) {
  const std::size_t length = h5::type_size(type);
  std::vector<char> packed(count * length);
  if (count) h5::read_dataset(dataset, type, packed.data(), count);
  std::vector<std::string> values(count);
  for (std::size_t i = 0; i < count; ++i) {
    const char* text = packed.data() + i * length;
    values[i].assign(text, strnlen(text, length));
  }
  return values;
}

// One 1-D dataset as a column of the matching type; nullopt for other shapes and types.
std::optional<Column> read_column(hid_t group, const std::string& name, const std::string& where) {
  if (!h5::link_exists(group, name))
    throw InputError(where + ": the dataset is missing or unreadable");
  const h5::Handle dataset = h5::open_dataset(group, name);
  const h5::Handle space = h5::dataset_space(dataset);
  if (h5::space_rank(space, dataset) != 1) return std::nullopt;
  const auto count = static_cast<std::size_t>(h5::space_points(space, dataset));
  const h5::Handle type = h5::dataset_type(dataset);
  const H5T_class_t type_class = h5::type_class(type);
  const bool is_unsigned = type_class == H5T_INTEGER && h5::type_sign(type) == H5T_SGN_NONE;
  Column column{name, std::vector<double>{}};
  if (type_class == H5T_FLOAT)
    column.values = read_values<double>(dataset, H5T_NATIVE_DOUBLE, count);
  else if (is_unsigned && h5::type_size(type) == 1)
    column.values = read_values<std::uint8_t>(dataset, H5T_NATIVE_UINT8, count);
  else if (is_unsigned)
    column.values = read_values<std::uint64_t>(dataset, H5T_NATIVE_UINT64, count);
  else if (type_class == H5T_INTEGER)
    column.values = read_values<std::int64_t>(dataset, H5T_NATIVE_INT64, count);
  else if (type_class == H5T_STRING && !h5::is_variable_string(type))
    column.values = read_strings(dataset, type, count);
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
  const h5::Handle file = open_readonly(path);
  Table table;
  h5::QuietErrors quiet;
  if (!h5::link_exists(file, group)) return table;
  const h5::Handle group_id = h5::open_group(file, group);
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
