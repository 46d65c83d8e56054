// The one place that calls the HDF5 C API (hdf5_calls.hpp). Every wrapper is the call, the
// check of its status and, on failure, one InputError built by `fail`.
#include "grapes/io/hdf5_calls.hpp"

#include <cerrno>
#include <exception>
#include <string>
#include <vector>

#include "grapes/core/error.hpp"

namespace grapes::h5 {
namespace {

// The innermost message of HDF5's error stack: the most specific one ("object 'x' doesn't
// exist", "unable to open file: ... No such file or directory").
herr_t first_error(unsigned, const H5E_error2_t* error, void* data) {
  auto* text = static_cast<std::string*>(data);
  if (text->empty() && error->desc && *error->desc) *text = error->desc;
  return 0;
}

std::string innermost_error() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_error, &text);
  return text;
}

// Throws the InputError of a failed `call`. The error stack and errno are read first: the
// HDF5 calls that name the object (describe_object) clear the stack, and a caller may read
// errno after catching.
template <class Describe>
[[noreturn]] void fail(const char* call, Describe describe_object) {
  const int saved_errno = errno;
  const std::string reason = innermost_error();
  std::string message = std::string("HDF5 ") + call + " failed for " + describe_object();
  if (!reason.empty()) message += ": " + reason;
  errno = saved_errno;
  throw InputError(message);
}

// The path of the object `id` in its file ("?" when it has none: a transient object).
std::string object_path(hid_t id) {
  const ssize_t size = H5Iget_name(id, nullptr, 0);
  if (size <= 0) return "?";
  std::vector<char> name(static_cast<std::size_t>(size) + 1, '\0');
  if (H5Iget_name(id, name.data(), name.size()) < 0) return "?";
  return std::string(name.data());
}

std::string attribute_name(hid_t attribute) {
  const ssize_t size = H5Aget_name(attribute, 0, nullptr);
  if (size <= 0) return "?";
  std::vector<char> name(static_cast<std::size_t>(size) + 1, '\0');
  if (H5Aget_name(attribute, name.size(), name.data()) < 0) return "?";
  return std::string(name.data());
}

// "<kind> '<path>' in '<file>'" for `path` below the object `location`.
std::string named(hid_t location, const std::string& path, const char* kind) {
  std::string full = path;
  if (path.empty() || path[0] != '/') {
    const std::string base = object_path(location);
    full = (base == "/" || base == "?" ? "/" : base + "/") + path;
  }
  return std::string(kind) + " '" + full + "' in '" + file_name(location) + "'";
}

std::string attribute_named(hid_t object, const std::string& name) {
  return "attribute '" + name + "' of '" + object_path(object) + "' in '" + file_name(object) + "'";
}

std::string space_of(hid_t owner) {
  return owner < 0 ? std::string("a memory dataspace") : "the dataspace of " + describe(owner);
}

// Collects the names an iteration visits; no exception crosses HDF5's C frames.
herr_t collect_link_name(hid_t, const char* name, const H5L_info_t*, void* data) {
  try {
    static_cast<std::vector<std::string>*>(data)->push_back(name);
    return 0;
  } catch (...) {
    return -1;
  }
}

herr_t collect_attribute_name(hid_t, const char* name, const H5A_info_t*, void* data) {
  try {
    static_cast<std::vector<std::string>*>(data)->push_back(name);
    return 0;
  } catch (...) {
    return -1;
  }
}

herr_t collect_error(unsigned, const H5E_error2_t* error, void* data) {
  auto* text = static_cast<std::string*>(data);
  if (error->desc && *error->desc) *text += (text->empty() ? "" : "; ") + std::string(error->desc);
  return 0;
}

}  // namespace

// ---- Messages and HDF5's error stack ------------------------------------------------------

QuietErrors::QuietErrors() {
  H5Eget_auto2(H5E_DEFAULT, &old_function_, &old_data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

QuietErrors::~QuietErrors() {
  H5Eset_auto2(H5E_DEFAULT, old_function_, old_data_);
}

void silence_automatic_errors() {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

std::string error_stack_text() {
  std::string text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect_error, &text);
  return text;
}

std::string file_name(hid_t id) {
  const ssize_t size = H5Fget_name(id, nullptr, 0);
  if (size <= 0) return "?";
  std::vector<char> name(static_cast<std::size_t>(size) + 1, '\0');
  if (H5Fget_name(id, name.data(), name.size()) < 0) return "?";
  return std::string(name.data());
}

std::string describe(hid_t id) {
  const auto in_file = [&](const char* kind) {
    return std::string(kind) + " '" + object_path(id) + "' in '" + file_name(id) + "'";
  };
  switch (H5Iget_type(id)) {
    case H5I_FILE:
      return "file '" + file_name(id) + "'";
    case H5I_GROUP:
      return in_file("group");
    case H5I_DATASET:
      return in_file("dataset");
    case H5I_ATTR:
      return attribute_named(id, attribute_name(id));
    case H5I_DATATYPE:
      return "a datatype";
    case H5I_DATASPACE:
      return "a dataspace";
    case H5I_GENPROP_LST:
      return "a property list";
    default:
      return "an HDF5 object";
  }
}

// ---- Files ----------------------------------------------------------------------------------

Handle open_file(const std::string& path, unsigned flags, hid_t access) {
  const hid_t id = H5Fopen(path.c_str(), flags, access);
  if (id < 0) fail("H5Fopen", [&] { return "file '" + path + "'"; });
  return file(id);
}

Handle create_file(const std::string& path, unsigned flags, hid_t access) {
  const hid_t id = H5Fcreate(path.c_str(), flags, H5P_DEFAULT, access);
  if (id < 0) fail("H5Fcreate", [&] { return "file '" + path + "'"; });
  return file(id);
}

bool try_flush_file(hid_t file) {
  return H5Fflush(file, H5F_SCOPE_GLOBAL) >= 0;
}

bool try_close_file(Handle& file) {
  return H5Fclose(file.release()) >= 0;
}

hsize_t file_size(hid_t file) {
  hsize_t size = 0;
  if (H5Fget_filesize(file, &size) < 0) fail("H5Fget_filesize", [&] { return describe(file); });
  return size;
}

std::size_t metadata_cache_bytes(hid_t file) {
  std::size_t max_size = 0, min_clean = 0, current = 0;
  int entries = 0;
  if (H5Fget_mdc_size(file, &max_size, &min_clean, &current, &entries) < 0)
    fail("H5Fget_mdc_size", [&] { return describe(file); });
  return current;
}

// ---- Links, objects, groups ---------------------------------------------------------------

bool link_exists(hid_t location, const std::string& path) {
  if (path.empty()) return false;  // names no link (H5Lexists refuses it)
  std::string prefix = !path.empty() && path[0] == '/' ? "/" : "";
  for (std::size_t start = 0; start <= path.size();) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) {
      prefix +=
          (prefix.empty() || prefix.back() == '/' ? "" : "/") + path.substr(start, end - start);
      const htri_t found = H5Lexists(location, prefix.c_str(), H5P_DEFAULT);
      if (found < 0) fail("H5Lexists", [&] { return named(location, prefix, "link"); });
      if (found == 0) return false;
    }
    start = end + 1;
  }
  return true;
}

std::vector<std::string> link_names(hid_t group) {
  std::vector<std::string> names;
  if (H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_link_name, &names) < 0)
    fail("H5Literate", [&] { return describe(group); });
  return names;
}

Handle open_object(hid_t location, const std::string& path) {
  const hid_t id = H5Oopen(location, path.c_str(), H5P_DEFAULT);
  if (id < 0) fail("H5Oopen", [&] { return named(location, path, "object"); });
  return object(id);
}

H5I_type_t object_type(hid_t location, const std::string& path) {
  const Handle opened = open_object(location, path);
  const H5I_type_t type = H5Iget_type(opened);
  if (type == H5I_BADID) fail("H5Iget_type", [&] { return named(location, path, "object"); });
  return type;
}

void copy_object(hid_t source, const std::string& source_path, hid_t destination,
                 const std::string& destination_path, hid_t link_create) {
  if (H5Ocopy(source, source_path.c_str(), destination, destination_path.c_str(), H5P_DEFAULT,
              link_create) < 0)
    fail("H5Ocopy", [&] {
      return named(source, source_path, "object") + " to '" + destination_path + "' in '" +
             file_name(destination) + "'";
    });
}

hsize_t storage_bytes(hid_t location, const std::string& path) {
  const H5I_type_t type = object_type(location, path);
  if (type == H5I_DATASET) return H5Dget_storage_size(open_dataset(location, path));
  if (type != H5I_GROUP) return 0;
  const Handle group = open_group(location, path);
  hsize_t total = 0;
  for (const std::string& name : link_names(group)) total += storage_bytes(group, name);
  return total;
}

Handle open_group(hid_t location, const std::string& path) {
  const hid_t id = H5Gopen2(location, path.c_str(), H5P_DEFAULT);
  if (id < 0) fail("H5Gopen2", [&] { return named(location, path, "group"); });
  return group(id);
}

Handle create_group(hid_t location, const std::string& path, hid_t link_create) {
  const hid_t id = H5Gcreate2(location, path.c_str(), link_create, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) fail("H5Gcreate2", [&] { return named(location, path, "group"); });
  return group(id);
}

// ---- Datasets -------------------------------------------------------------------------------

Handle open_dataset(hid_t location, const std::string& path) {
  const hid_t id = H5Dopen2(location, path.c_str(), H5P_DEFAULT);
  if (id < 0) fail("H5Dopen2", [&] { return named(location, path, "dataset"); });
  return dataset(id);
}

Handle create_dataset(hid_t location, const std::string& path, hid_t type, hid_t space,
                      hid_t link_create, hid_t dataset_create) {
  const hid_t id =
      H5Dcreate2(location, path.c_str(), type, space, link_create, dataset_create, H5P_DEFAULT);
  if (id < 0) fail("H5Dcreate2", [&] { return named(location, path, "dataset"); });
  return dataset(id);
}

Handle dataset_space(hid_t dataset) {
  const hid_t id = H5Dget_space(dataset);
  if (id < 0) fail("H5Dget_space", [&] { return describe(dataset); });
  return dataspace(id);
}

Handle dataset_type(hid_t dataset) {
  const hid_t id = H5Dget_type(dataset);
  if (id < 0) fail("H5Dget_type", [&] { return describe(dataset); });
  return datatype(id);
}

Handle dataset_create_list(hid_t dataset) {
  const hid_t id = H5Dget_create_plist(dataset);
  if (id < 0) fail("H5Dget_create_plist", [&] { return describe(dataset); });
  return plist(id);
}

void read_dataset(hid_t dataset, hid_t memory_type, hid_t memory_space, hid_t file_space,
                  hid_t transfer, void* buffer) {
  if (H5Dread(dataset, memory_type, memory_space, file_space, transfer, buffer) < 0)
    fail("H5Dread", [&] { return describe(dataset); });
}

void read_dataset(hid_t dataset, hid_t memory_type, void* buffer, std::size_t elements) {
  const Handle space = dataset_space(dataset);
  const hsize_t points = space_points(space, dataset);
  if (points > elements)
    throw InputError("HDF5 H5Dread refused for " + describe(dataset) + ": it has " +
                     std::to_string(points) + " elements, the buffer holds " +
                     std::to_string(elements));
  read_dataset(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
}

void write_dataset(hid_t dataset, hid_t memory_type, hid_t memory_space, hid_t file_space,
                   hid_t transfer, const void* buffer) {
  if (H5Dwrite(dataset, memory_type, memory_space, file_space, transfer, buffer) < 0)
    fail("H5Dwrite", [&] { return describe(dataset); });
}

bool try_write_dataset(hid_t dataset, hid_t memory_type, hid_t memory_space, hid_t file_space,
                       hid_t transfer, const void* buffer) {
  return H5Dwrite(dataset, memory_type, memory_space, file_space, transfer, buffer) >= 0;
}

// ---- Attributes -----------------------------------------------------------------------------

bool attribute_exists(hid_t object, const std::string& name) {
  const htri_t found = H5Aexists(object, name.c_str());
  if (found < 0) fail("H5Aexists", [&] { return attribute_named(object, name); });
  return found > 0;
}

std::vector<std::string> attribute_names(hid_t object) {
  std::vector<std::string> names;
  hsize_t index = 0;
  if (H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, collect_attribute_name, &names) < 0)
    fail("H5Aiterate2", [&] { return "the attributes of " + describe(object); });
  return names;
}

Handle open_attribute(hid_t object, const std::string& name) {
  const hid_t id = H5Aopen(object, name.c_str(), H5P_DEFAULT);
  if (id < 0) fail("H5Aopen", [&] { return attribute_named(object, name); });
  return attribute(id);
}

Handle create_attribute(hid_t object, const std::string& name, hid_t type, hid_t space) {
  const hid_t id = H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
  if (id < 0) fail("H5Acreate2", [&] { return attribute_named(object, name); });
  return attribute(id);
}

void delete_attribute(hid_t object, const std::string& name) {
  if (H5Adelete(object, name.c_str()) < 0)
    fail("H5Adelete", [&] { return attribute_named(object, name); });
}

Handle attribute_type(hid_t attribute) {
  const hid_t id = H5Aget_type(attribute);
  if (id < 0) fail("H5Aget_type", [&] { return describe(attribute); });
  return datatype(id);
}

Handle attribute_space(hid_t attribute) {
  const hid_t id = H5Aget_space(attribute);
  if (id < 0) fail("H5Aget_space", [&] { return describe(attribute); });
  return dataspace(id);
}

void read_attribute(hid_t attribute, hid_t memory_type, void* buffer, std::size_t elements) {
  const Handle space = attribute_space(attribute);
  const hsize_t points = space_points(space, attribute);
  if (points > elements)
    throw InputError("HDF5 H5Aread refused for " + describe(attribute) + ": it has " +
                     std::to_string(points) + " elements, the buffer holds " +
                     std::to_string(elements));
  if (H5Aread(attribute, memory_type, buffer) < 0)
    fail("H5Aread", [&] { return describe(attribute); });
}

void write_attribute(hid_t attribute, hid_t memory_type, const void* buffer) {
  if (H5Awrite(attribute, memory_type, buffer) < 0)
    fail("H5Awrite", [&] { return describe(attribute); });
}

// ---- Dataspaces -----------------------------------------------------------------------------

Handle create_simple_space(int rank, const hsize_t* dims) {
  const hid_t id = H5Screate_simple(rank, dims, nullptr);
  if (id < 0)
    fail("H5Screate_simple", [&] { return "a dataspace of rank " + std::to_string(rank); });
  return dataspace(id);
}

Handle create_scalar_space() {
  const hid_t id = H5Screate(H5S_SCALAR);
  if (id < 0) fail("H5Screate", [] { return std::string("a scalar dataspace"); });
  return dataspace(id);
}

H5S_class_t space_class(hid_t space, hid_t owner) {
  const H5S_class_t found = H5Sget_simple_extent_type(space);
  if (found == H5S_NO_CLASS) fail("H5Sget_simple_extent_type", [&] { return space_of(owner); });
  return found;
}

int space_rank(hid_t space, hid_t owner) {
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) fail("H5Sget_simple_extent_ndims", [&] { return space_of(owner); });
  return rank;
}

std::vector<hsize_t> space_dims(hid_t space, hid_t owner) {
  std::vector<hsize_t> dims(static_cast<std::size_t>(space_rank(space, owner)), 0);
  if (H5Sget_simple_extent_dims(space, dims.data(), nullptr) < 0)
    fail("H5Sget_simple_extent_dims", [&] { return space_of(owner); });
  return dims;
}

hsize_t space_points(hid_t space, hid_t owner) {
  const hssize_t points = H5Sget_simple_extent_npoints(space);
  if (points < 0) fail("H5Sget_simple_extent_npoints", [&] { return space_of(owner); });
  return static_cast<hsize_t>(points);
}

void select_none(hid_t space, hid_t owner) {
  if (H5Sselect_none(space) < 0) fail("H5Sselect_none", [&] { return space_of(owner); });
}

void select_hyperslab(hid_t space, const hsize_t* start, const hsize_t* count, hid_t owner) {
  if (H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr) < 0)
    fail("H5Sselect_hyperslab", [&] { return space_of(owner); });
}

// ---- Datatypes ------------------------------------------------------------------------------

Handle copy_type(hid_t type) {
  const hid_t id = H5Tcopy(type);
  if (id < 0) fail("H5Tcopy", [&] { return describe(type); });
  return datatype(id);
}

void set_type_size(hid_t type, std::size_t size) {
  if (H5Tset_size(type, size) < 0)
    fail("H5Tset_size", [&] { return "a datatype of " + std::to_string(size) + " bytes"; });
}

void set_string_padding(hid_t type, H5T_str_t padding) {
  if (H5Tset_strpad(type, padding) < 0) fail("H5Tset_strpad", [&] { return describe(type); });
}

H5T_class_t type_class(hid_t type) {
  const H5T_class_t found = H5Tget_class(type);
  if (found == H5T_NO_CLASS) fail("H5Tget_class", [&] { return describe(type); });
  return found;
}

std::size_t type_size(hid_t type) {
  const std::size_t size = H5Tget_size(type);
  if (size == 0) fail("H5Tget_size", [&] { return describe(type); });
  return size;
}

H5T_sign_t type_sign(hid_t type) {
  const H5T_sign_t sign = H5Tget_sign(type);
  if (sign == H5T_SGN_ERROR) fail("H5Tget_sign", [&] { return describe(type); });
  return sign;
}

std::size_t type_precision(hid_t type) {
  const std::size_t precision = H5Tget_precision(type);
  if (precision == 0) fail("H5Tget_precision", [&] { return describe(type); });
  return precision;
}

std::size_t type_exponent_bias(hid_t type) {
  const std::size_t bias = H5Tget_ebias(type);
  if (bias == 0) fail("H5Tget_ebias", [&] { return describe(type); });
  return bias;
}

bool is_variable_string(hid_t type) {
  const htri_t variable = H5Tis_variable_str(type);
  if (variable < 0) fail("H5Tis_variable_str", [&] { return describe(type); });
  return variable > 0;
}

// ---- Property lists and filters -------------------------------------------------------------

Handle create_property_list(hid_t list_class) {
  const hid_t id = H5Pcreate(list_class);
  if (id < 0) fail("H5Pcreate", [] { return std::string("a property list"); });
  return plist(id);
}

void set_mpio_file_access(hid_t file_access, MPI_Comm comm) {
  if (H5Pset_fapl_mpio(file_access, comm, MPI_INFO_NULL) < 0)
    fail("H5Pset_fapl_mpio", [] { return std::string("a file access property list"); });
}

void set_mpio_transfer(hid_t transfer, H5FD_mpio_xfer_t mode) {
  if (H5Pset_dxpl_mpio(transfer, mode) < 0)
    fail("H5Pset_dxpl_mpio", [] { return std::string("a transfer property list"); });
}

void set_create_intermediate_groups(hid_t link_create) {
  if (H5Pset_create_intermediate_group(link_create, 1) < 0)
    fail("H5Pset_create_intermediate_group",
         [] { return std::string("a link creation property list"); });
}

void set_chunk(hid_t dataset_create, int rank, const hsize_t* dims) {
  if (H5Pset_chunk(dataset_create, rank, dims) < 0)
    fail("H5Pset_chunk", [] { return std::string("a dataset creation property list"); });
}

void set_fill_time(hid_t dataset_create, H5D_fill_time_t when) {
  if (H5Pset_fill_time(dataset_create, when) < 0)
    fail("H5Pset_fill_time", [] { return std::string("a dataset creation property list"); });
}

void set_alloc_time(hid_t dataset_create, H5D_alloc_time_t when) {
  if (H5Pset_alloc_time(dataset_create, when) < 0)
    fail("H5Pset_alloc_time", [] { return std::string("a dataset creation property list"); });
}

int filter_count(hid_t dataset_create) {
  const int count = H5Pget_nfilters(dataset_create);
  if (count < 0)
    fail("H5Pget_nfilters", [] { return std::string("a dataset creation property list"); });
  return count;
}

Filter filter(hid_t dataset_create, unsigned index) {
  unsigned flags = 0, config = 0;
  std::size_t values = 0;
  char name[256] = {0};
  Filter found;
  found.id =
      H5Pget_filter2(dataset_create, index, &flags, &values, nullptr, sizeof name, name, &config);
  if (found.id < 0)
    fail("H5Pget_filter2", [&] { return "filter " + std::to_string(index) + " of a dataset"; });
  found.name = name;
  return found;
}

bool filter_available(H5Z_filter_t id) {
  const htri_t available = H5Zfilter_avail(id);
  if (available < 0) fail("H5Zfilter_avail", [&] { return "filter id " + std::to_string(id); });
  return available > 0;
}

}  // namespace grapes::h5
