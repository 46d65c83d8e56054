// parse_config and load_config: load, apply --set, check the keys, read, and write the
// resolved YAML from what was read, with every mapping's keys in schema order.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "config_detail.hpp"
#include "grapes/core/error.hpp"

namespace grapes {
namespace config_detail {
namespace {

YAML::Node arranged(const YAML::Node& value, const Row& row) {
  if (value.IsMap() && holds_mapping(row.kind)) return in_schema_order(value, row.key);
  if (!value.IsSequence() || !is_item_list(row.kind)) return value;
  YAML::Node list(YAML::NodeType::Sequence);
  for (std::size_t i = 0; i < value.size(); ++i)
    list.push_back(in_schema_order(value[i], row.key + "[]"));
  if (list.size() == 0) list.SetStyle(YAML::EmitterStyle::Flow);
  return list;
}

}  // namespace

YAML::Node in_schema_order(const YAML::Node& map, const std::string& schema_prefix) {
  YAML::Node out(YAML::NodeType::Map);
  std::size_t placed = 0;
  for (const Row& row : schema()) {
    if (parent_key(row.key) != schema_prefix) continue;
    const std::string name = last_component(row.key);
    const YAML::Node value = lookup(map, name);
    if (!value.IsDefined()) continue;
    out[name] = arranged(value, row);
    ++placed;
  }
  if (placed != map.size())
    throw std::logic_error("config: the resolved tree has a key outside the schema under '" +
                           schema_prefix + "'");
  return out;
}

}  // namespace config_detail

std::size_t SeriesSpec::reference_index() const {
  for (std::size_t i = 0; i < steps.size(); ++i)
    if (steps[i].name == reference) return i;
  return 0;
}

Config parse_config(const std::string& yaml_text, const std::string& origin,
                    const std::vector<std::string>& overrides) {
  using namespace config_detail;
  Parser parser(origin);
  YAML::Node root = parser.load(yaml_text);
  for (const std::string& assignment : overrides) parser.apply_override(root, assignment);
  parser.check_keys(root, "", "");
  YAML::Node resolved;
  Config config = parser.build(root, resolved);
  config.origin = origin;
  YAML::Emitter out;
  out << in_schema_order(resolved, "");
  config.yaml_text = std::string(out.c_str()) + "\n";
  return config;
}

std::string resolved_yaml_without(const Config& config, const std::vector<std::string>& left_out) {
  YAML::Node root = YAML::Load(config.yaml_text);
  for (const std::string& key : left_out) {
    // reset() rebinds a node handle; `=` would assign into the tree.
    YAML::Node parent;
    parent.reset(root);
    std::string rest = key;
    for (std::size_t dot; parent.IsMap() && (dot = rest.find('.')) != std::string::npos;
         rest = rest.substr(dot + 1))
      parent.reset(parent[rest.substr(0, dot)]);
    if (parent.IsMap() && rest.find('.') == std::string::npos) parent.remove(rest);
  }
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

std::string read_config_text(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    throw InputError(path + ": cannot read the configuration file (it is a directory)");
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    const int code = errno;
    throw InputError(path + ": cannot read the configuration file (" +
                     (code ? std::strerror(code) : "cannot open") + ")");
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw InputError(path + ": cannot read the configuration file");
  return text.str();
}

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  return parse_config(read_config_text(path), path, overrides);
}

}  // namespace grapes
