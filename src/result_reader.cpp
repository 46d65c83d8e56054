// Serial reading of result files (grapes info / export; tests) and CSV export.
#include <cstring>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "grapes/error.hpp"
#include "grapes/output.hpp"

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

bool has_group(const std::string& path, const std::string& group) {
  h5::Handle file = open_readonly(path);
  h5::QuietErrors quiet;
  return H5Lexists(file, group.c_str(), H5P_DEFAULT) > 0;
}

Table read_table(const std::string& path, const std::string& group) {
  h5::Handle file = open_readonly(path);
  Table table;
  h5::QuietErrors quiet;
  if (H5Lexists(file, group.c_str(), H5P_DEFAULT) <= 0) return table;
  h5::Handle group_id = h5::group(H5Gopen2(file, group.c_str(), H5P_DEFAULT));
  std::vector<std::string> names;
  if (H5Aexists(group_id, "columns") > 0) {
    h5::Handle attribute = h5::attribute(H5Aopen(group_id, "columns", H5P_DEFAULT));
    std::stringstream list(attribute_text(attribute));
    for (std::string name; std::getline(list, name, ',');) names.push_back(name);
  } else {
    H5Literate(group_id, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names);
  }
  for (const std::string& name : names) {
    h5::Handle dataset = h5::dataset(H5Dopen2(group_id, name.c_str(), H5P_DEFAULT));
    if (!dataset.valid()) continue;
    h5::Handle space = h5::dataspace(H5Dget_space(dataset));
    if (H5Sget_simple_extent_ndims(space) != 1) continue;
    const std::size_t count = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
    h5::Handle type = h5::datatype(H5Dget_type(dataset));
    Column column{name, std::vector<double>{}};
    if (H5Tget_class(type) == H5T_FLOAT) {
      std::vector<double> values(count);
      if (count) H5Dread(dataset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
      column.values = std::move(values);
    } else if (H5Tget_class(type) == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_NONE &&
               H5Tget_size(type) == 1) {
      std::vector<std::uint8_t> values(count);
      if (count) H5Dread(dataset, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
      column.values = std::move(values);
    } else if (H5Tget_class(type) == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_NONE) {
      std::vector<std::uint64_t> values(count);
      if (count) H5Dread(dataset, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
      column.values = std::move(values);
    } else if (H5Tget_class(type) == H5T_INTEGER) {
      std::vector<std::int64_t> values(count);
      if (count) H5Dread(dataset, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
      column.values = std::move(values);
    } else if (H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) <= 0) {
      const std::size_t length = H5Tget_size(type);
      std::vector<char> packed(count * length);
      if (count) H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, packed.data());
      std::vector<std::string> values(count);
      for (std::size_t i = 0; i < count; ++i) {
        const char* text = packed.data() + i * length;
        values[i].assign(text, strnlen(text, length));
      }
      column.values = std::move(values);
    } else {
      continue;
    }
    table.columns.push_back(std::move(column));
  }
  return table;
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

void write_csv(const Table& table, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw InputError("cannot write '" + path + "'");
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
  if (!out) throw InputError("error writing '" + path + "'");
}

}  // namespace grapes
