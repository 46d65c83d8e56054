// The attributes of the result file: strings and numbers written (an attribute written again
// replaces the old one), attributes copied from another result file, and the facts of a run and
// of each analysed volume.
#include <algorithm>
#include <ctime>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "attributes.hpp"
#include "grapes/core/error.hpp"
#include "grapes/core/kokkos_compat.hpp"
#include "grapes/io/hdf5_calls.hpp"
#include "grapes/output/output.hpp"
#include "grapes/parallel/comm.hpp"
#include "grapes/version.hpp"

namespace grapes {

namespace output_detail {

std::string read_string_attribute(hid_t object, const std::string& name) {
  const h5::Handle attribute = h5::open_attribute(object, name);
  const h5::Handle type = h5::attribute_type(attribute);
  std::string value(h5::type_size(type), '\0');
  h5::read_attribute(attribute, type, value.data(), 1);
  while (!value.empty() && value.back() == '\0') value.pop_back();
  return value;
}

}  // namespace output_detail

namespace {

// An attribute written again replaces the old one (a step's attributes copied from its
// result file, then completed).
void remove_attribute(hid_t object, const std::string& name) {
  h5::QuietErrors quiet;
  if (h5::attribute_exists(object, name)) h5::delete_attribute(object, name);
}

// Attributes keep the layout of earlier files: a C string type as long as the text (at least
// 1), no terminator stored when the text fills it.
void write_string_attribute(hid_t object, const std::string& name, const std::string& value) {
  remove_attribute(object, name);
  const h5::Handle type = h5::fixed_string_type(value.size());
  const h5::Handle space = h5::create_scalar_space();
  const h5::Handle attribute = h5::create_attribute(object, name, type, space);
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  h5::write_attribute(attribute, type, padded.data());
}

// One value: a scalar attribute; several: a 1-D one.
template <class T>
void write_numeric_attribute(hid_t object, const std::string& name, const std::vector<T>& values) {
  remove_attribute(object, name);
  const hsize_t count = values.size();
  const h5::Handle space =
      count == 1 ? h5::create_scalar_space() : h5::create_simple_space(1, &count);
  const hid_t type = h5::native_type_of<T>();
  const h5::Handle attribute = h5::create_attribute(object, name, type, space);
  h5::write_attribute(attribute, type, values.data());
}

// The attribute `name` of `source` onto `destination`, with its type, shape and bytes.
void copy_attribute(hid_t source, const std::string& name, hid_t destination) {
  const h5::Handle attribute = h5::open_attribute(source, name);
  const h5::Handle type = h5::attribute_type(attribute);
  const h5::Handle space = h5::attribute_space(attribute);
  const std::size_t count = std::max<std::size_t>(1, h5::space_points(space, attribute));
  std::vector<char> bytes(count * h5::type_size(type));
  h5::read_attribute(attribute, type, bytes.data(), count);
  const h5::Handle copy = h5::create_attribute(destination, name, type, space);
  h5::write_attribute(copy, type, bytes.data());
}

}  // namespace

void ResultFile::attribute(const std::string& name, const AttributeValue& value,
                           const std::string& group) {
  const hid_t object = ensure_group(group);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>)
          write_string_attribute(object, name, v);
        else if constexpr (std::is_arithmetic_v<T>)
          write_numeric_attribute(object, name, std::vector<T>{v});
        else
          write_numeric_attribute(object, name, v);
      },
      value);
}

void ResultFile::copy_attributes(const std::string& source_path, const std::string& object,
                                 const std::string& group) {
  h5::QuietErrors quiet;
  const h5::Handle source = h5::open_file(source_path, H5F_ACC_RDONLY);
  const h5::Handle from = h5::open_object(source, object);
  const hid_t to = ensure_group(group);
  for (const std::string& name : h5::attribute_names(from))
    if (name != "columns") copy_attribute(from, name, to);  // the target's own column order
}

void write_volume_facts(ResultFile& file, const std::string& group, const VolumeFacts& facts) {
  const auto ints = [](const Index3& v) { return std::vector<std::int64_t>{v[0], v[1], v[2]}; };
  const std::string at = group.empty() ? "/" : group;
  file.attribute("shape", ints(facts.shape), at);
  file.attribute("ghost_width", ints(facts.ghost_width), at);
  file.attribute("voxel_size",
                 std::vector<double>{facts.voxel_size[0], facts.voxel_size[1], facts.voxel_size[2]},
                 at);
  file.attribute("layer_width", facts.layer_width, at);
  file.attribute("input_grey", facts.input_grey, at);
  file.attribute("input_grey_dtype", facts.input_grey_dtype, at);
  file.attribute("input_labels", facts.input_labels, at);
  file.attribute("input_labels_dtype", facts.input_labels_dtype, at);
  file.attribute("unassigned_voxels", facts.unassigned_voxels, at);
  file.attribute("flat_profile_particles", facts.flat_profile_particles, at);
  file.attribute("flat_shape_particles", facts.flat_shape_particles, at);
  file.attribute("slabs_per_rank", facts.slabs_per_rank, at);
  file.attribute("halo_bytes", facts.halo_bytes, at);
  file.attribute("margin_bytes", facts.margin_bytes, at);
  for (const auto& [phase, seconds] : facts.phase_seconds)
    file.attribute("timing_" + phase + "_s", seconds, at);
}

void write_run_facts(ResultFile& file, const RunFacts& facts) {
  file.attribute("format_version", kFormatVersion);
  file.attribute("software", std::string("grapes-hpc ") + kVersion);
  file.attribute("git_commit", std::string(kGitCommit));
  file.attribute("config", facts.config_text);
  file.attribute("config_path", facts.config_path);
  std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  // Every rank passes the same value: rank 0's clock.
  std::string created(stamp);
  broadcast(file.comm(), created);
  file.attribute("created_utc", created);
  file.attribute("mpi_ranks", std::int64_t(facts.ranks));
  file.attribute("decomposition",
                 std::vector<std::int64_t>{facts.grid[0], facts.grid[1], facts.grid[2]});
  file.attribute("kokkos_execution_space", std::string(kx::execution_space_name()));
  file.attribute("peak_memory_mib", facts.peak_memory_mib);
  if (!facts.peak_memory_mib_per_rank.empty())
    file.attribute("peak_memory_mib_per_rank", facts.peak_memory_mib_per_rank);
}

}  // namespace grapes
