// The series block (docs/CONFIG.md, docs/SERIES.md): steps, cleaning rules, conditions,
// quartiles, matching and the ex-situ comparison. Messages name a list item by index and name:
// series.steps[2] ("4.4V").grey.path.
#include <algorithm>

#include "config_detail.hpp"

namespace grapes::config_detail {
namespace {

std::string step_names(const std::vector<StepSpec>& steps) {
  std::string text;
  for (const StepSpec& step : steps) text += (text.empty() ? "" : ", ") + step.name;
  return text;
}

}  // namespace

SeriesSpec Parser::read_series(const Scope& top) const {
  const Scope s = child(top, "series");
  SeriesSpec spec;
  spec.mode = get_choice(s, "mode") == "exsitu" ? SeriesMode::exsitu : SeriesMode::operando;
  spec.steps = read_steps(s);
  if (spec.mode == SeriesMode::operando) {
    if (given(s, "exsitu")) not_applicable(s, "exsitu", "series.mode: exsitu");
    read_operando(s, spec);
  } else {
    // Datasets that share no labels: nothing to clean, compare or split by position, and
    // only two-tailed Welch tests (docs/SERIES.md item 11).
    for (const char* key :
         {"reference", "clean", "conditions", "quartiles", "error_bars", "alternative"})
      if (given(s, key)) not_applicable(s, key, "series.mode: operando, and this series is exsitu");
    spec.quartiles.reset();
    read_exsitu(child(s, "exsitu"), spec);
  }
  spec.error_multiple = get_number(s, "error_multiple");
  spec.match = read_match(s);
  return spec;
}

void Parser::read_operando(const Scope& s, SeriesSpec& spec) const {
  if (given(s, "reference")) {
    spec.reference = read_step_ref(s, "reference", spec.steps);
  } else {
    spec.reference = spec.steps.front().name;
    record(s, "reference", text_node(spec.reference));  // derived: explicit when resolved
  }
  spec.clean = read_clean(s);
  spec.conditions = read_conditions(s, spec.steps);
  spec.quartiles = read_quartiles(s);
  spec.error_bars =
      get_choice(s, "error_bars") == "standard" ? ErrorBars::standard : ErrorBars::paper;
  spec.alternative =
      get_choice(s, "alternative") == "greater" ? TestAlternative::greater : TestAlternative::less;
}

// series.exsitu. exclude_flat acts on the normalised profile only (flat = no normalisation);
// with graylevel it is kept but changes nothing, so --set profile=graylevel always works.
void Parser::read_exsitu(const Scope& s, SeriesSpec& spec) const {
  spec.exsitu_volume_quantile = read_optional_quantile(s, "volume_quantile");
  spec.exsitu_profile = get_choice(s, "profile");
  spec.exsitu_exclude_flat = get_flag(s, "exclude_flat");
}

// The items of the list `key` of mappings as scopes, each recorded into a resolved list.
std::vector<Scope> Parser::list_items(const Scope& s, const std::string& key) const {
  const YAML::Node node = value(s, key);
  const Row& row = row_of(s.schema_key(key));
  if (!node.IsSequence() || (row.kind == Kind::step_list && node.size() == 0))
    bad_value(s, key, node);
  YAML::Node resolved_list(YAML::NodeType::Sequence);
  if (node.size() == 0) resolved_list.SetStyle(YAML::EmitterStyle::Flow);  // "[]"
  record(s, key, resolved_list);
  std::vector<Scope> items;
  for (std::size_t i = 0; i < node.size(); ++i) {
    Scope item;
    item.given = node[i];
    item.schema = s.schema_key(key) + "[]";
    item.display = item_display(s.display_key(key), i, item.given);
    if (!item.given.IsMap()) fail("key '" + item.display + "' must be a mapping" + got(item.given));
    item.resolved = YAML::Node(YAML::NodeType::Map);
    resolved_list.push_back(item.resolved);
    items.push_back(item);
  }
  return items;
}

std::vector<StepSpec> Parser::read_steps(const Scope& s) const {
  std::vector<StepSpec> steps;
  const std::vector<Scope> items = list_items(s, "steps");
  for (std::size_t i = 0; i < items.size(); ++i) {
    StepSpec step = read_step(items[i], i);
    for (std::size_t j = 0; j < steps.size(); ++j)
      if (steps[j].name == step.name)
        fail("key '" + items[i].display_key("name") + "': the step name '" + step.name +
             "' is already used by " + items[j].display);
    steps.push_back(step);
  }
  return steps;
}

StepSpec Parser::read_step(const Scope& item, std::size_t position) const {
  StepSpec step;
  step.name = get_string(item, "name");
  // The name becomes an HDF5 group (/steps/<name>) and a file (<stem>.steps/<name>.h5,
  // docs/SERIES.md): '/' would nest it, "." and ".." are folders, and a file name holds at most
  // NAME_MAX = 255 bytes, 3 of them ".h5". Refused here, before any step runs.
  constexpr std::size_t kMaxStepName = 252;
  if (step.name.empty() || step.name.find('/') != std::string::npos || step.name == "." ||
      step.name == "..")
    bad_value(item, "name", lookup(item.given, "name"));
  if (step.name.size() > kMaxStepName)
    fail("key '" + item.display_key("name") + "': the step name is " +
         std::to_string(step.name.size()) + " bytes long; it becomes the file name <name>.h5, " +
         "so it may be at most " + std::to_string(kMaxStepName) + " bytes");
  if (given(item, "soc")) step.soc = get_number(item, "soc");
  step.use_phantom = volume_form(item, "a step from files");
  step.grey.key = item.display_key("grey");
  step.labels.key = item.display_key("labels");
  if (step.use_phantom) {
    const Scope phantom = child(item, "phantom");
    step.phantom = read_phantom(phantom);
    step.phantom_step = static_cast<int>(position);
    if (given(phantom, "step")) step.phantom_step = get_int(phantom, "step");
    record(phantom, "step", text_node(std::to_string(step.phantom_step)));
  } else {
    step.grey = read_source(child(item, "grey"));
    step.labels = read_source(child(item, "labels"));
  }
  step.noise = read_noise(item);
  return step;
}

NoiseSpec Parser::read_noise(const Scope& item) const {
  NoiseSpec noise;
  const YAML::Node node = value(item, "noise");
  if (node.IsMap()) {
    noise.kind = NoiseSpec::Kind::box;
    noise.box = read_box(child(item, "noise"));
  } else if (!is_keyword(item, "noise", "none")) {
    if (!to_double(node, noise.sigma) || noise.sigma < 0.0) bad_value(item, "noise", node);
    noise.kind = NoiseSpec::Kind::sigma;
    record(item, "noise", text_node(number_text(noise.sigma)));
  }
  return noise;
}

// [[z0, z1], [y0, y1], [x0, x1]] at `key`: half-open, non-empty, in the first octant.
Box Parser::read_box(const Scope& s, const std::string& key) const {
  const YAML::Node node = value(s, key);
  if (!node.IsSequence() || node.size() != 3) bad_value(s, key, node);
  Box box;
  YAML::Node resolved(YAML::NodeType::Sequence);
  for (std::size_t a = 0; a < 3; ++a) {
    const YAML::Node pair = node[a];
    long long lo = 0, hi = 0;
    if (!pair.IsSequence() || pair.size() != 2 || !to_int64(pair[0], lo) ||
        !to_int64(pair[1], hi) || lo < 0)
      bad_value(s, key, node);
    if (lo >= hi) {
      const std::string axis(1, "zyx"[a]);
      fail("key '" + s.display_key(key) + "' must be " + kind_text(row_of(s.schema_key(key))) +
           got(node) + ": " + axis + "0 = " + std::to_string(lo) + " is not less than " + axis +
           "1 = " + std::to_string(hi));
    }
    box.lo[a] = lo;
    box.hi[a] = hi;
    resolved.push_back(flow_list({std::to_string(lo), std::to_string(hi)}));
  }
  resolved.SetStyle(YAML::EmitterStyle::Flow);
  record(s, key, resolved);
  return box;
}

// A key naming a step: it must be one of `steps`.
std::string Parser::read_step_ref(const Scope& s, const std::string& key,
                                  const std::vector<StepSpec>& steps) const {
  const std::string name = get_string(s, key);
  std::vector<std::string> names;
  for (const StepSpec& step : steps) names.push_back(step.name);
  if (std::find(names.begin(), names.end(), name) != names.end()) return name;
  const std::string suggestion = closest_key(name, names);
  fail("key '" + s.display_key(key) + "' names no step: '" + name + "'" +
       (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)") + "; the steps are " +
       step_names(steps));
}

CleanSpec Parser::read_clean(const Scope& series) const {
  const Scope s = child(series, "clean");
  CleanSpec clean;
  clean.inconsistent = get_flag(s, "inconsistent");
  clean.next_to_inconsistent = get_flag(s, "next_to_inconsistent");
  clean.border = get_flag(s, "border");
  clean.no_core = get_flag(s, "no_core");
  if (!clean.no_core)  // a particle without core voxels has no value I_p,s (docs/SERIES.md)
    fail("key '" + s.display_key("no_core") +
         "' cannot be false: a particle without core voxels has no value I_p,s, so rule "
         "no_core always applies; leave the key out or set it to true");
  clean.small_fraction = get_number(s, "small_fraction");
  return clean;
}

std::vector<ConditionSpec> Parser::read_conditions(const Scope& series,
                                                   const std::vector<StepSpec>& steps) const {
  std::vector<ConditionSpec> conditions;
  const std::vector<Scope> items = list_items(series, "conditions");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Scope& item = items[i];
    ConditionSpec condition;
    condition.name = get_string(item, "name");
    for (std::size_t j = 0; j < conditions.size(); ++j)
      if (conditions[j].name == condition.name)
        fail("key '" + item.display_key("name") + "': the condition name '" + condition.name +
             "' is already used by " + items[j].display);
    condition.a = read_step_ref(item, "a", steps);
    condition.op = get_choice(item, "op") == ">" ? ConditionOp::greater : ConditionOp::less;
    condition.b = read_step_ref(item, "b", steps);
    if (condition.a == condition.b)
      fail("key '" + item.display + "' compares step '" + condition.a +
           "' with itself: a and b must be different steps");
    conditions.push_back(condition);
  }
  return conditions;
}

std::optional<QuartileSpec> Parser::read_quartiles(const Scope& series) const {
  if (is_keyword(series, "quartiles", "none")) return std::nullopt;
  const YAML::Node node = value(series, "quartiles");
  if (!node.IsMap() && !node.IsNull()) bad_value(series, "quartiles", node);
  const Scope s = child(series, "quartiles");
  QuartileSpec quartiles;
  quartiles.axis = std::stoi(get_choice(s, "axis"));
  quartiles.collector =
      get_choice(s, "collector") == "low" ? CollectorSide::low : CollectorSide::high;
  return quartiles;
}

std::optional<MatchSpec> Parser::read_match(const Scope& series) const {
  if (is_keyword(series, "match", "none")) return std::nullopt;
  const YAML::Node node = value(series, "match");
  if (!node.IsMap() && !node.IsNull()) bad_value(series, "match", node);
  const Scope s = child(series, "match");
  MatchSpec match;
  get_choice(s, "method");  // overlap, the only method so far
  match.min_iou = get_number(s, "min_iou");
  return match;
}

std::optional<double> Parser::read_optional_quantile(const Scope& s, const std::string& key) const {
  if (is_keyword(s, key, "none")) return std::nullopt;
  return get_number(s, key);
}

}  // namespace grapes::config_detail
