// The series config of `grapes series --from FILE...`: the settings of a series config (or the
// defaults), its steps replaced by the result files, one step per file named by the file.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <map>

#include "grapes/config/config.hpp"
#include "grapes/core/error.hpp"

namespace grapes {

namespace {

// The noise given as a number for each named step of the base config (kept for the files of
// the same name; a noise box cannot apply to tables).
std::map<std::string, YAML::Node> numeric_noise(const YAML::Node& steps) {
  std::map<std::string, YAML::Node> noise;
  if (!steps.IsSequence()) return noise;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const YAML::Node step = steps[i];
    if (!step.IsMap() || !step["name"] || !step["noise"]) continue;
    const YAML::Node value = step["noise"];
    if (value.IsScalar() && value.Scalar() != "none") noise[step["name"].Scalar()] = value;
  }
  return noise;
}

YAML::Node file_step(const std::string& file, const std::map<std::string, YAML::Node>& noise) {
  const std::string name = std::filesystem::path(file).stem().string();
  YAML::Node source(YAML::NodeType::Map);
  source["path"] = file;
  source["format"] = "hdf5";
  source["dataset"] = "/particles";  // the tables are read, never a voxel
  YAML::Node step(YAML::NodeType::Map);
  step["name"] = name;
  step["grey"] = source;
  step["labels"] = YAML::Clone(source);
  const auto found = noise.find(name);
  if (found != noise.end()) step["noise"] = found->second;
  return step;
}

// Steps take the file's name: two files of the same name would be one step twice.
void check_distinct_stems(const std::vector<std::string>& files) {
  std::map<std::string, std::string> first_of;
  for (const std::string& file : files) {
    const std::string name = std::filesystem::path(file).stem().string();
    const auto [it, added] = first_of.emplace(name, file);
    if (!added)
      throw InputError("grapes series --from: '" + it->second + "' and '" + file +
                       "' would both be the step '" + name +
                       "' (a step takes its file's name without .h5); give the files distinct "
                       "names (e.g. a link: ln -s " +
                       file + " " + name + "-2.h5) or write a series config with named steps");
  }
}

}  // namespace

Config series_config_for_files(const std::vector<std::string>& files, const std::string& base_yaml,
                               const std::string& origin,
                               const std::vector<std::string>& overrides) {
  if (files.empty()) throw InputError("grapes series --from needs at least one result file");
  check_distinct_stems(files);
  YAML::Node root(YAML::NodeType::Map);
  if (!base_yaml.empty()) {
    try {
      root = YAML::Load(base_yaml);
    } catch (const YAML::Exception& e) {
      throw InputError(origin + ": cannot read the YAML: " + e.what());
    }
    if (!root.IsMap()) throw InputError(origin + ": the configuration must be a mapping of keys");
  }
  if (!root["series"] || !root["series"].IsMap()) root["series"] = YAML::Node(YAML::NodeType::Map);
  YAML::Node series = root["series"];
  const auto noise = numeric_noise(series["steps"]);
  YAML::Node steps(YAML::NodeType::Sequence);
  for (const std::string& file : files) steps.push_back(file_step(file, noise));
  series["steps"] = steps;
  root.remove("input");
  YAML::Emitter text;
  text << root;
  return parse_config(text.c_str(), origin, overrides);
}

}  // namespace grapes
