// The schema table against docs/CONFIG.md, the resolved YAML's order and defaults, and the
// shipped example configs, series_example.yaml included.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config_test_helpers.hpp"
#include "grapes/config/config.hpp"

namespace grapes {
namespace {

using config_test::parse;
using config_test::source_dir;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream file(path);
  EXPECT_TRUE(file) << path;
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

std::string docs() {
  return read_text(source_dir() / "docs" / "CONFIG.md");
}

std::map<std::string, ConfigKey> schema_by_key() {
  std::map<std::string, ConfigKey> keys;
  for (const ConfigKey& key : config_schema()) keys[key.key] = key;
  return keys;
}

// "series.steps[2].noise" -> "series.steps[].noise"; "series.steps[]" (the items) ->
// "series.steps".
std::string without_indices(const std::string& key) {
  std::string out = std::regex_replace(key, std::regex("\\[[0-9]+\\]"), "[]");
  if (out.size() > 2 && out.compare(out.size() - 2, 2, "[]") == 0) out.resize(out.size() - 2);
  return out;
}

TEST(ConfigSchema, KeysAreUniqueAndParentsComeFirst) {
  std::set<std::string> seen;
  for (const ConfigKey& key : config_schema()) {
    EXPECT_TRUE(seen.insert(key.key).second) << key.key;
    const std::size_t dot = key.key.rfind('.');
    if (dot == std::string::npos) continue;
    std::string parent = key.key.substr(0, dot);
    if (parent.size() > 2 && parent.compare(parent.size() - 2, 2, "[]") == 0)
      parent.resize(parent.size() - 2);
    EXPECT_TRUE(seen.count(parent)) << key.key << " comes before its parent " << parent;
    EXPECT_FALSE(key.type.empty()) << key.key;
    EXPECT_FALSE(key.doc.empty()) << key.key;
  }
}

// Every key of the schema is documented, but for the copies of a shared block (a series
// step's source and phantom keys), documented once under input.grey and input.phantom.
TEST(ConfigSchema, DocsDocumentEveryKey) {
  const std::string doc = docs();
  for (const ConfigKey& key : config_schema()) {
    if (key.repeated) continue;
    EXPECT_HAS(doc, "`" + key.key + "`");
  }
}

// Every `key` the docs name (inline code outside code blocks) is in the schema; list
// indices as in messages are allowed.
TEST(ConfigSchema, DocsNameOnlySchemaKeys) {
  const std::map<std::string, ConfigKey> schema = schema_by_key();
  const std::regex code("`([^`]+)`");
  const std::regex key_like(
      "(input|series|voxel_size|analysis|decomposition|output)(\\.[a-z_0-9\\[\\]]+)*");
  std::istringstream lines(docs());
  std::string line;
  bool in_block = false;
  int checked = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("```", 0) == 0) in_block = !in_block;
    if (in_block || line.rfind("```", 0) == 0) continue;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), code);
         it != std::sregex_iterator(); ++it) {
      const std::string token = (*it)[1];
      if (!std::regex_match(token, key_like)) continue;
      EXPECT_TRUE(schema.count(without_indices(token))) << "docs/CONFIG.md names `" << token << "`";
      ++checked;
    }
  }
  EXPECT_GT(checked, 80);
}

// In the docs' tables (| key | type | default | meaning |), the default column of a key with
// a schema default shows it.
TEST(ConfigSchema, DocsDefaultsAreTheSchemas) {
  const std::map<std::string, ConfigKey> schema = schema_by_key();
  std::istringstream lines(docs());
  std::string line;
  std::set<std::string> seen;
  while (std::getline(lines, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::size_t start = 1;
    for (std::size_t bar; (bar = line.find(" | ", start)) != std::string::npos; start = bar + 3)
      cells.push_back(line.substr(start, bar - start));
    if (cells.size() < 3) continue;
    const std::regex code("`([^`]+)`");
    for (auto it = std::sregex_iterator(cells[0].begin(), cells[0].end(), code);
         it != std::sregex_iterator(); ++it) {
      const auto found = schema.find((*it)[1]);
      if (found == schema.end()) continue;
      seen.insert(found->first);
      if (!found->second.default_text.empty()) {
        EXPECT_HAS(cells[2], "`" + found->second.default_text + "`") << found->first;
      }
    }
  }
  // Every key with a default has a table row (the repeated copies aside).
  for (const ConfigKey& key : config_schema()) {
    if (key.repeated || key.default_text.empty()) continue;
    EXPECT_TRUE(seen.count(key.key)) << key.key;
  }
}

// The keys of a resolved YAML tree ("[]" for list items) and those holding mappings (or lists
// of mappings), checking that each mapping's keys are in schema order.
struct ResolvedKeys {
  std::set<std::string> keys;
  std::set<std::string> containers;
};

void collect_keys(const YAML::Node& map, const std::string& prefix,
                  const std::map<std::string, std::size_t>& order, ResolvedKeys& out) {
  std::size_t previous = 0;
  bool first = true;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node name = it->first;
    const YAML::Node value = it->second;
    const std::string key = (prefix.empty() ? "" : prefix + ".") + name.Scalar();
    const auto found = order.find(key);
    ASSERT_NE(found, order.end()) << key << " is not in the schema";
    EXPECT_TRUE(first || found->second > previous) << key << " is out of schema order";
    previous = found->second;
    first = false;
    out.keys.insert(key);
    if (value.IsMap()) {
      out.containers.insert(key);
      collect_keys(value, key, order, out);
    }
    for (std::size_t i = 0; value.IsSequence() && i < value.size(); ++i) {
      if (!value[i].IsMap()) continue;
      out.containers.insert(key);
      collect_keys(value[i], key + "[]", order, out);
    }
  }
}

// The mapping (or list) a key belongs to: "" for a top-level key.
std::string container_of(const std::string& key) {
  const std::size_t dot = key.rfind('.');
  if (dot == std::string::npos) return "";
  std::string parent = key.substr(0, dot);
  if (parent.size() > 2 && parent.compare(parent.size() - 2, 2, "[]") == 0)
    parent.resize(parent.size() - 2);
  return parent;
}

TEST(ConfigResolvedProperties, KeysInSchemaOrderAndEveryDefaultPresent) {
  std::map<std::string, std::size_t> order;
  for (const ConfigKey& key : config_schema()) order.emplace(key.key, order.size());
  const std::string series_example = (source_dir() / "inputs" / "series_example.yaml").string();
  const std::vector<Config> configs = {
      parse("input: {phantom: {}}\n"),
      parse("output: {path: x.h5}\ninput: {grey: {path: g.raw, shape: [1, 2, 3], dtype: i2}, "
            "labels: {dataset: /l, path: l.h5}}\n"),
      parse("series: {steps: [{name: a, phantom: {}}, {name: b, phantom: {}}]}\n"),
      parse("series: {match: {}, error_multiple: 2, steps: [{noise: 3, name: a, phantom: {}}]}\n"),
      parse("series: {mode: exsitu, steps: [{name: a, phantom: {}}]}\n"),
      load_config(series_example),
  };
  for (const Config& config : configs) {
    SCOPED_TRACE(config.yaml_text);
    ResolvedKeys resolved;
    collect_keys(YAML::Load(config.yaml_text), "", order, resolved);
    // A key with a default is present wherever its mapping is, but for the raw-only keys of
    // a source of another format and the operando-only keys of an ex-situ series.
    const bool exsitu = config.is_series() && config.series->mode == SeriesMode::exsitu;
    for (const ConfigKey& key : config_schema()) {
      const std::string container = container_of(key.key);
      const bool applies = container.empty() || resolved.containers.count(container);
      const bool raw_only = key.key.find(".endian") != std::string::npos ||
                            key.key.find(".header_bytes") != std::string::npos;
      const bool operando_only = key.key == "series.conditions" || key.key == "series.quartiles" ||
                                 key.key == "series.error_bars" || key.key == "series.alternative";
      if (!key.default_text.empty() && applies && !raw_only && !(exsitu && operando_only)) {
        EXPECT_TRUE(resolved.keys.count(key.key)) << key.key;
      }
    }
  }
}

TEST(ShippedInputs, SeriesExampleShowsEverySeriesKey) {
  const std::filesystem::path path = source_dir() / "inputs" / "series_example.yaml";
  const Config c = load_config(path.string());
  ASSERT_TRUE(c.is_series());
  const SeriesSpec& s = *c.series;
  EXPECT_EQ(s.steps.size(), 3u);
  for (const StepSpec& step : s.steps) EXPECT_TRUE(step.use_phantom) << step.name;
  EXPECT_EQ(s.steps[2].phantom_step, 2);
  EXPECT_EQ(s.reference, "prist");
  EXPECT_EQ(parse_config(c.yaml_text, "<string>").yaml_text, c.yaml_text);
  // Every series key is given or shown in a comment.
  const std::string text = read_text(path);
  for (const ConfigKey& key : config_schema()) {
    if (key.repeated || key.key.rfind("series", 0) != 0) continue;
    const std::size_t dot = key.key.rfind('.');
    const std::string name = dot == std::string::npos ? key.key : key.key.substr(dot + 1);
    EXPECT_HAS(text, name + ":");
  }
}

}  // namespace
}  // namespace grapes
