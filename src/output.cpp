#include "grapes/output.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "grapes/comm.hpp"
#include "grapes/error.hpp"

namespace grapes {

namespace {

std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void check_h5(herr_t status, const std::string& what) {
  if (status < 0) throw std::runtime_error("HDF5: " + what + " failed");
}

hid_t native_of(const ColumnData& data) {
  switch (data.index()) {
    case 0:
      return H5T_NATIVE_INT64;
    case 1:
      return H5T_NATIVE_UINT64;
    case 2:
      return H5T_NATIVE_DOUBLE;
    case 3:
      return H5T_NATIVE_UINT8;
  }
  throw std::runtime_error("string columns cannot be written in parallel");
}

const void* data_of(const ColumnData& data) {
  return std::visit([](const auto& values) -> const void* { return values.data(); }, data);
}

std::string join_names(const Table& table) {
  std::string names;
  for (const Column& column : table.columns) names += (names.empty() ? "" : ",") + column.name;
  return names;
}

void write_string_attribute(hid_t object, const std::string& name, const std::string& value) {
  h5::Handle type = h5::datatype(H5Tcopy(H5T_C_S1));
  check_h5(H5Tset_size(type, std::max<std::size_t>(1, value.size())), "H5Tset_size");
  h5::Handle space = h5::dataspace(H5Screate(H5S_SCALAR));
  h5::Handle attribute =
      h5::attribute(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT));
  if (!attribute.valid()) throw std::runtime_error("HDF5: cannot create attribute " + name);
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  check_h5(H5Awrite(attribute, type, padded.data()), "H5Awrite " + name);
}

template <class T>
void write_numeric_attribute(hid_t object, const std::string& name, hid_t type,
                             const std::vector<T>& values) {
  const hsize_t count = values.size();
  h5::Handle space =
      h5::dataspace(count == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &count, nullptr));
  h5::Handle attribute =
      h5::attribute(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT));
  if (!attribute.valid()) throw std::runtime_error("HDF5: cannot create attribute " + name);
  check_h5(H5Awrite(attribute, type, values.data()), "H5Awrite " + name);
}

}  // namespace

void check_output_path(const std::string& path) {
  if (path.empty()) throw InputError("output.path is empty");
  const std::string directory = directory_of(path);
  if (access(directory.c_str(), F_OK) != 0)
    throw InputError("output.path '" + path + "': directory '" + directory + "' does not exist");
  if (access(directory.c_str(), W_OK) != 0)
    throw InputError("output.path '" + path + "': directory '" + directory + "' is not writable");
}

ResultFile::ResultFile(const std::string& path, MPI_Comm comm) : comm_(comm), path_(path) {
  // Rank 0 picks the temporary name; everyone must use the same one.
  std::string name;
  if (comm_rank(comm) == 0)
    name = directory_of(path) + "/." + base_name(path) + ".tmp-" + std::to_string(getpid());
  int length = static_cast<int>(name.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, comm);
  name.resize(static_cast<std::size_t>(length));
  MPI_Bcast(name.data(), length, MPI_CHAR, 0, comm);
  temporary_ = name;
  h5::QuietErrors quiet;
  h5::Handle access_list = h5::mpio_file_access(comm);
  file_ = h5::file(H5Fcreate(temporary_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, access_list));
  if (!file_.valid()) throw InputError("cannot create output file '" + temporary_ + "'");
}

ResultFile::~ResultFile() {
  if (committed_) return;
  groups_.clear();
  file_.reset();
  if (comm_rank(comm_) == 0) std::remove(temporary_.c_str());
}

hid_t ResultFile::ensure_group(const std::string& group) {
  for (std::size_t i = 0; i < group_names_.size(); ++i)
    if (group_names_[i] == group) return groups_[i].get();
  h5::Handle create_list = h5::plist(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(create_list, 1);
  h5::Handle handle =
      h5::group(H5Gcreate2(file_, group.c_str(), create_list, H5P_DEFAULT, H5P_DEFAULT));
  if (!handle.valid()) throw std::runtime_error("HDF5: cannot create group " + group);
  group_names_.push_back(group);
  groups_.push_back(std::move(handle));
  return groups_.back().get();
}

void ResultFile::write_table(const std::string& group, const Table& rows) {
  const hid_t group_id = ensure_group(group);
  const std::int64_t local_rows = static_cast<std::int64_t>(rows.rows());
  const std::int64_t total = allreduce_sum(comm_, local_rows);
  const std::int64_t offset = exclusive_scan_sum(comm_, local_rows);
  h5::Handle transfer = h5::collective_transfer();
  for (const Column& column : rows.columns) {
    const hsize_t global_size = static_cast<hsize_t>(total);
    h5::Handle file_space = h5::dataspace(H5Screate_simple(1, &global_size, nullptr));
    h5::Handle dataset =
        h5::dataset(H5Dcreate2(group_id, column.name.c_str(), native_of(column.values), file_space,
                               H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (!dataset.valid())
      throw std::runtime_error("HDF5: cannot create " + group + "/" + column.name);
    if (total == 0) continue;  // every rank agrees: nothing to write into an empty dataset
    const hsize_t start = static_cast<hsize_t>(offset);
    const hsize_t count = static_cast<hsize_t>(local_rows);
    const hsize_t memory_size = std::max<hsize_t>(1, count);
    h5::Handle memory_space = h5::dataspace(H5Screate_simple(1, &memory_size, nullptr));
    if (count == 0) {
      H5Sselect_none(file_space);
      H5Sselect_none(memory_space);
    } else {
      check_h5(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, &start, nullptr, &count, nullptr),
               "select rows");
    }
    // Every rank takes part, also with nothing to write (a skipped call would hang).
    static const double dummy = 0;
    const void* data = count ? data_of(column.values) : &dummy;
    check_h5(H5Dwrite(dataset, native_of(column.values), memory_space, file_space, transfer, data),
             "write " + group + "/" + column.name);
  }
  std::string& names = column_names_[group];
  const std::string added = join_names(rows);
  names += (names.empty() || added.empty() ? "" : ",") + added;
}

void ResultFile::attribute(const std::string& name, const std::string& value) {
  write_string_attribute(file_, name, value);
}
void ResultFile::attribute(const std::string& name, double value) {
  write_numeric_attribute(file_, name, H5T_NATIVE_DOUBLE, std::vector<double>{value});
}
void ResultFile::attribute(const std::string& name, std::int64_t value) {
  write_numeric_attribute(file_, name, H5T_NATIVE_INT64, std::vector<std::int64_t>{value});
}
void ResultFile::attribute(const std::string& name, const std::vector<double>& values) {
  write_numeric_attribute(file_, name, H5T_NATIVE_DOUBLE, values);
}
void ResultFile::attribute(const std::string& name, const std::vector<std::int64_t>& values) {
  write_numeric_attribute(file_, name, H5T_NATIVE_INT64, values);
}

void ResultFile::commit() {
  // The column order of each group, so readers (grapes export) keep it.
  for (const auto& [group, names] : column_names_)
    write_string_attribute(ensure_group(group), "columns", names);
  groups_.clear();
  file_.reset();  // collective close: all data is on disk after this
  MPI_Barrier(comm_);
  agree_or_throw(comm_, [&] {
    if (comm_rank(comm_) == 0 && std::rename(temporary_.c_str(), path_.c_str()) != 0)
      throw InputError("cannot rename '" + temporary_ + "' to '" + path_ +
                       "': " + std::strerror(errno));
  });
  committed_ = true;
}

// ---------------------------------------------------------------------------------------
// Serial reading.

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
    } else {
      continue;
    }
    table.columns.push_back(std::move(column));
  }
  return table;
}

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
