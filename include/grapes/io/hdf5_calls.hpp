#pragma once
// One checked function per HDF5 C call the code makes (HighFive's idea: one wrapper per C
// call), so that every call is checked in one way. A failed call throws InputError naming the
// call, the object (dataset, attribute or group path) and the file, with HDF5's own innermost
// error message, e.g.
//   HDF5 H5Dopen2 failed for dataset '/particles/volume' in 'result.h5': object 'volume'
//   doesn't exist
// InputError, because every HDF5 file of this code is one the user named (an input,
// output.path, a result file for info or export), and every call runs either serially or
// inside a collective agreement (agree_or_throw, ResultFile::agree_written) that turns a
// failure into the same error on every rank. errno is kept as the failing call left it (a
// caller may ask whether the disk is full).
//
// Every identifier comes back in its RAII Handle. A call that may fail legitimately has an
// explicit form: `link_exists` and `attribute_exists` probe, `try_write_dataset`,
// `try_flush_file` and `try_close_file` return whether the call worked, for writes whose
// failure the ranks agree on together.
//
// `owner` arguments of the dataspace and datatype calls name, for the message, the dataset or
// attribute the space or type belongs to (H5I_INVALID_HID: a memory space or type).
#include <hdf5.h>
#include <mpi.h>

#include <cstddef>
#include <string>
#include <vector>

#include "grapes/io/hdf5_handle.hpp"

namespace grapes::h5 {

// ---- Messages and HDF5's error stack ------------------------------------------------------

// Silences HDF5's automatic error stack printing for the lifetime of the object (we report
// errors ourselves, naming the file and dataset). H5Eget_auto2, H5Eset_auto2.
class QuietErrors {
 public:
  QuietErrors();
  ~QuietErrors();
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t old_function_ = nullptr;
  void* old_data_ = nullptr;
};

// Turns off HDF5's automatic printing of its error stack for the whole process (every
// failure is reported by our own messages, naming the file and dataset). H5Eset_auto2.
void silence_automatic_errors();

// The messages of HDF5's current error stack, innermost first, joined by "; " ("" when
// empty). Read it right after the failing call (the next HDF5 call clears it). H5Ewalk2.
std::string error_stack_text();

// The name of the file holding the object `id` ("?" when unknown), for messages. H5Fget_name.
std::string file_name(hid_t id);

// The object `id` for messages: "dataset '/a/b' in 'f.h5'", "attribute 'x' of '/' in 'f.h5'",
// "file 'f.h5'", "a dataspace", ... (H5Iget_type, H5Iget_name, H5Aget_name).
std::string describe(hid_t id);

// ---- Files ----------------------------------------------------------------------------------

Handle open_file(const std::string& path, unsigned flags, hid_t access = H5P_DEFAULT);  // H5Fopen
Handle create_file(const std::string& path, unsigned flags,
                   hid_t access = H5P_DEFAULT);  // H5Fcreate
// H5Fflush (global scope) and H5Fclose (the handle is given up either way): whether they
// worked, errno as the call left it. The result file agrees on them across ranks.
bool try_flush_file(hid_t file);
bool try_close_file(Handle& file);
hsize_t file_size(hid_t file);                 // H5Fget_filesize
std::size_t metadata_cache_bytes(hid_t file);  // H5Fget_mdc_size: the cache's current size

// ---- Links, objects, groups ---------------------------------------------------------------

// Whether `path` (relative to `location`, or absolute) names a link, checked one component at
// a time: H5Lexists fails, rather than answering false, when a parent is missing. "/" exists.
bool link_exists(hid_t location, const std::string& path);
std::vector<std::string> link_names(hid_t group);             // H5Literate, by name
Handle open_object(hid_t location, const std::string& path);  // H5Oopen
// H5I_GROUP, H5I_DATASET or H5I_DATATYPE (H5Oopen, H5Iget_type).
H5I_type_t object_type(hid_t location, const std::string& path);
// H5Ocopy of `source_path` in `source` to `destination_path` in `destination`.
void copy_object(hid_t source, const std::string& source_path, hid_t destination,
                 const std::string& destination_path, hid_t link_create = H5P_DEFAULT);
// The bytes the datasets at or below `path` take in the file (H5Dget_storage_size, summed over
// a group's members): what a copy of it writes besides its object headers.
hsize_t storage_bytes(hid_t location, const std::string& path);
Handle open_group(hid_t location, const std::string& path);  // H5Gopen2
Handle create_group(hid_t location, const std::string& path,
                    hid_t link_create = H5P_DEFAULT);  // H5Gcreate2

// ---- Datasets -------------------------------------------------------------------------------

Handle open_dataset(hid_t location, const std::string& path);  // H5Dopen2
Handle create_dataset(hid_t location, const std::string& path, hid_t type, hid_t space,
                      hid_t link_create = H5P_DEFAULT,
                      hid_t dataset_create = H5P_DEFAULT);  // H5Dcreate2
Handle dataset_space(hid_t dataset);                        // H5Dget_space
Handle dataset_type(hid_t dataset);                         // H5Dget_type
Handle dataset_create_list(hid_t dataset);                  // H5Dget_create_plist
// H5Dread of the selections.
void read_dataset(hid_t dataset, hid_t memory_type, hid_t memory_space, hid_t file_space,
                  hid_t transfer, void* buffer);
// H5Dread of the whole dataset into `buffer`, which holds `elements` elements of
// `memory_type`: a dataset with more elements throws before anything is read.
void read_dataset(hid_t dataset, hid_t memory_type, void* buffer, std::size_t elements);
void write_dataset(hid_t dataset, hid_t memory_type, hid_t memory_space, hid_t file_space,
                   hid_t transfer, const void* buffer);  // H5Dwrite
// H5Dwrite: whether it worked, errno as the call left it (the caller agrees on it).
bool try_write_dataset(hid_t dataset, hid_t memory_type, hid_t memory_space, hid_t file_space,
                       hid_t transfer, const void* buffer);

// ---- Attributes -----------------------------------------------------------------------------

bool attribute_exists(hid_t object, const std::string& name);  // H5Aexists
std::vector<std::string> attribute_names(hid_t object);        // H5Aiterate2, by name
Handle open_attribute(hid_t object, const std::string& name);  // H5Aopen
Handle create_attribute(hid_t object, const std::string& name, hid_t type,
                        hid_t space);                          // H5Acreate2
void delete_attribute(hid_t object, const std::string& name);  // H5Adelete
Handle attribute_type(hid_t attribute);                        // H5Aget_type
Handle attribute_space(hid_t attribute);                       // H5Aget_space
// H5Aread into `buffer`, which holds `elements` elements of `memory_type`: an attribute with
// more elements throws before anything is read.
void read_attribute(hid_t attribute, hid_t memory_type, void* buffer, std::size_t elements);
void write_attribute(hid_t attribute, hid_t memory_type, const void* buffer);  // H5Awrite

// ---- Dataspaces -----------------------------------------------------------------------------

Handle create_simple_space(int rank, const hsize_t* dims);  // H5Screate_simple
Handle create_scalar_space();                               // H5Screate, scalar
H5S_class_t space_class(hid_t space, hid_t owner);          // H5Sget_simple_extent_type
int space_rank(hid_t space, hid_t owner);                   // H5Sget_simple_extent_ndims
std::vector<hsize_t> space_dims(hid_t space, hid_t owner);  // H5Sget_simple_extent_dims
hsize_t space_points(hid_t space, hid_t owner);             // H5Sget_simple_extent_npoints
void select_none(hid_t space, hid_t owner);                 // H5Sselect_none
// H5Sselect_hyperslab (H5S_SELECT_SET, unit stride and block) of `count` from `start`.
void select_hyperslab(hid_t space, const hsize_t* start, const hsize_t* count, hid_t owner);

// ---- Datatypes ------------------------------------------------------------------------------

Handle copy_type(hid_t type);                            // H5Tcopy
void set_type_size(hid_t type, std::size_t size);        // H5Tset_size
void set_string_padding(hid_t type, H5T_str_t padding);  // H5Tset_strpad
H5T_class_t type_class(hid_t type);                      // H5Tget_class
std::size_t type_size(hid_t type);                       // H5Tget_size
H5T_sign_t type_sign(hid_t type);                        // H5Tget_sign
std::size_t type_precision(hid_t type);                  // H5Tget_precision
std::size_t type_exponent_bias(hid_t type);              // H5Tget_ebias
bool is_variable_string(hid_t type);                     // H5Tis_variable_str

// ---- Property lists and filters -------------------------------------------------------------

Handle create_property_list(hid_t list_class);                  // H5Pcreate
void set_mpio_file_access(hid_t file_access, MPI_Comm comm);    // H5Pset_fapl_mpio
void set_mpio_transfer(hid_t transfer, H5FD_mpio_xfer_t mode);  // H5Pset_dxpl_mpio
void set_create_intermediate_groups(hid_t link_create);         // H5Pset_create_intermediate_group
void set_chunk(hid_t dataset_create, int rank, const hsize_t* dims);  // H5Pset_chunk
void set_fill_time(hid_t dataset_create, H5D_fill_time_t when);       // H5Pset_fill_time
void set_alloc_time(hid_t dataset_create, H5D_alloc_time_t when);     // H5Pset_alloc_time
int filter_count(hid_t dataset_create);                               // H5Pget_nfilters
// Filter `index` of a dataset creation list: its id and name ("" when unnamed). H5Pget_filter2.
struct Filter {
  H5Z_filter_t id = 0;
  std::string name;
};
Filter filter(hid_t dataset_create, unsigned index);
bool filter_available(H5Z_filter_t id);  // H5Zfilter_avail (HDF5_PLUGIN_PATH plugins count)

}  // namespace grapes::h5
