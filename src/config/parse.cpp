// The Parser's core: loading the YAML, --set overrides, the check that every key is in the
// schema, scopes, and the typed readers that check a value by its key's kind and record it,
// normalised, into the resolved tree.
#include <cctype>
#include <climits>
#include <set>

#include "config_detail.hpp"
#include "grapes/core/error.hpp"

namespace grapes::config_detail {

std::string item_display(const std::string& list_display, std::size_t index,
                         const YAML::Node& item) {
  std::string display = list_display + "[" + std::to_string(index) + "]";
  const YAML::Node name = item.IsMap() ? lookup(item, "name") : YAML::Node();
  if (name.IsDefined() && name.IsScalar()) display += " (\"" + name.Scalar() + "\")";
  return display;
}

namespace {

std::string trimmed(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.erase(0, 1);
  return text;
}

// The list of mappings that `key` reaches into ("series.steps" for "series.steps[0].name" or
// "series.steps.name"), or "".
std::string list_inside(const std::string& key) {
  const std::size_t bracket = key.find('[');
  if (bracket != std::string::npos) return key.substr(0, bracket);
  std::string prefix;
  const std::vector<std::string> parts = split_key(key);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    prefix = join_key(prefix, parts[i]);
    const Row* row = find_row(prefix);
    if (row && is_item_list(row->kind)) return prefix;
  }
  return "";
}

}  // namespace

// ---- Loading, overrides, the key check ------------------------------------------------------

void Parser::fail(const std::string& message) const {
  throw InputError(origin_ + ": " + message);
}

YAML::Node Parser::load(const std::string& text) const {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    fail("YAML syntax error at line " + std::to_string(e.mark.line + 1) + ", column " +
         std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const YAML::Exception& e) {
    fail(std::string("cannot read the YAML: ") + e.what());
  }
  if (!root.IsDefined() || root.IsNull()) return YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap())
    fail("the configuration must be a mapping of keys (input, voxel_size, analysis, ...)" +
         got(root));
  return root;
}

void Parser::apply_override(YAML::Node& root, const std::string& assignment) const {
  const std::size_t equals = assignment.find('=');
  if (equals == std::string::npos) fail("--set '" + assignment + "' must have the form key=value");
  const std::string key = trimmed(assignment.substr(0, equals));
  if (key.empty()) fail("--set '" + assignment + "' must have the form key=value");
  const std::string list = list_inside(key);
  if (!list.empty())
    fail("--set '" + assignment + "': cannot set a key inside an item of the list '" + list +
         "'; set the whole list instead, e.g. --set '" + list + "=[...]'");
  if (!find_row(key)) fail("--set '" + assignment + "': " + unknown_key(key, key, "", ""));
  YAML::Node value;
  try {
    value = YAML::Load(assignment.substr(equals + 1));
  } catch (const YAML::Exception& e) {
    fail("--set '" + assignment + "': the value is not valid YAML: " + e.msg);
  }
  set_path(root, key, value);
}

std::string Parser::unknown_key(const std::string& schema_key, const std::string& display_key,
                                const std::string& schema_prefix,
                                const std::string& display_prefix) const {
  std::string message = "unknown key '" + display_key + "'";
  std::string suggestion = closest_key(schema_key, all_keys());
  // Inside a list item, name the suggestion as the item is named: series.steps[1] ("4.4V").grey
  const std::size_t brackets = schema_prefix.rfind("[]");
  if (brackets != std::string::npos) {
    const std::string anchor = schema_prefix.substr(0, brackets + 2);
    const std::size_t rest = schema_prefix.size() - anchor.size();
    const std::string display_anchor = display_prefix.substr(0, display_prefix.size() - rest);
    if (suggestion.rfind(anchor + ".", 0) == 0)
      suggestion = display_anchor + suggestion.substr(anchor.size());
  }
  if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
  return message;
}

void Parser::check_keys(const YAML::Node& map, const std::string& schema,
                        const std::string& display) const {
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    // Copies, not references: a yaml-cpp iterator's -> yields a temporary pair.
    const YAML::Node name_node = it->first;
    const YAML::Node value = it->second;
    const std::string where = display.empty() ? "the top level" : "'" + display + "'";
    if (!name_node.IsScalar())
      fail("keys must be names, got '" + flow_text(name_node) + "' in " + where);
    const std::string name = name_node.Scalar();
    const std::string schema_key = join_key(schema, name);
    const std::string display_key = join_key(display, name);
    if (!seen.insert(name).second) fail("duplicate key '" + display_key + "'");
    const Row* row = find_row(schema_key);
    if (!row) fail(unknown_key(schema_key, display_key, schema, display));
    // A dotted name is in the schema but would never be read: say how to write it.
    if (name.find_first_of(".[") != std::string::npos)
      fail("key '" + name + "' in " + where + ": write nested keys as mappings (" +
           split_key(name)[0] + ": {...}), not as one dotted name");
    if (is_item_list(row->kind)) {
      if (value.IsSequence()) check_items(value, schema_key, display_key);
      continue;
    }
    if (!holds_mapping(row->kind) || value.IsNull()) continue;
    if (value.IsMap()) {
      check_keys(value, schema_key, display_key);
    } else if (row->kind == Kind::section || row->kind == Kind::source) {
      fail("key '" + display_key + "' must be " + kind_text(*row) + got(value));
    }
  }
}

void Parser::check_items(const YAML::Node& list, const std::string& schema,
                         const std::string& display) const {
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    if (item.IsMap()) check_keys(item, schema + "[]", item_display(display, i, item));
  }
}

// ---- Scopes ---------------------------------------------------------------------------------

Scope Parser::child(const Scope& parent, const std::string& name) const {
  Scope scope;
  scope.given = lookup(parent.given, name);
  scope.resolved = YAML::Node(YAML::NodeType::Map);
  record(parent, name, scope.resolved);
  scope.schema = parent.schema_key(name);
  scope.display = parent.display_key(name);
  return scope;
}

bool Parser::given(const Scope& s, const std::string& key) const {
  return lookup(s.given, key).IsDefined();
}

// The user's value, else the default; a required key without either is an error.
YAML::Node Parser::value(const Scope& s, const std::string& key, const std::string& hint) const {
  YAML::Node node = lookup(s.given, key);
  if (node.IsDefined()) return node;
  const Row& row = row_of(s.schema_key(key));
  if (row.def) return YAML::Load(row.def);
  fail("missing key '" + s.display_key(key) + "'" + hint);
}

void Parser::record(const Scope& s, const std::string& key, const YAML::Node& value) const {
  YAML::Node target = s.resolved;  // a handle: writes go into the resolved tree
  set_path(target, key, value);
}

void Parser::bad_value(const Scope& s, const std::string& key, const YAML::Node& node,
                       const std::string& extra) const {
  fail("key '" + s.display_key(key) + "' must be " + kind_text(row_of(s.schema_key(key))) + extra +
       got(node));
}

void Parser::not_applicable(const Scope& s, const std::string& key, const std::string& why) const {
  fail("key '" + s.display_key(key) + "' applies only to " + why);
}

// ---- Typed readers --------------------------------------------------------------------------

bool Parser::is_keyword(const Scope& s, const std::string& key, const char* keyword) const {
  const YAML::Node node = value(s, key);
  if (!node.IsScalar() || node.Scalar() != keyword) return false;
  record(s, key, text_node(keyword));
  return true;
}

std::string Parser::get_string(const Scope& s, const std::string& key,
                               const std::string& hint) const {
  const YAML::Node node = value(s, key, hint);
  std::string text;
  if (!scalar_of(node, text)) bad_value(s, key, node);
  record(s, key, text_node(text));
  return text;
}

std::string Parser::get_choice(const Scope& s, const std::string& key) const {
  const YAML::Node node = value(s, key);
  std::string text;
  if (!scalar_of(node, text) || !is_choice(row_of(s.schema_key(key)).choices, text))
    bad_value(s, key, node);
  record(s, key, text_node(text));
  return text;
}

double Parser::get_number(const Scope& s, const std::string& key) const {
  const YAML::Node node = value(s, key);
  double number = 0.0;
  if (!to_double(node, number) || !in_range(row_of(s.schema_key(key)).kind, number))
    bad_value(s, key, node);
  record(s, key, text_node(number_text(number)));
  return number;
}

// Non-negative integers that fit an int (core_exclude_layers, ghost, a phantom step).
int Parser::get_int(const Scope& s, const std::string& key) const {
  const YAML::Node node = value(s, key);
  long long number = 0;
  if (!to_int64(node, number) || number < 0) bad_value(s, key, node);
  if (number > INT_MAX) bad_value(s, key, node, " up to " + std::to_string(INT_MAX));
  record(s, key, text_node(std::to_string(number)));
  return static_cast<int>(number);
}

std::int64_t Parser::get_int64(const Scope& s, const std::string& key) const {
  const YAML::Node node = value(s, key);
  long long number = 0;
  if (!to_int64(node, number) || number < 0) bad_value(s, key, node);
  record(s, key, text_node(std::to_string(number)));
  return number;
}

std::uint64_t Parser::get_seed(const Scope& s, const std::string& key) const {
  const YAML::Node node = value(s, key);
  unsigned long long number = 0;
  if (!to_uint64(node, number)) bad_value(s, key, node);
  record(s, key, text_node(std::to_string(number)));
  return number;
}

bool Parser::get_flag(const Scope& s, const std::string& key) const {
  const YAML::Node node = value(s, key);
  bool flag = false;
  if (!to_flag(node, flag)) bad_value(s, key, node);
  record(s, key, text_node(flag ? "true" : "false"));
  return flag;
}

// Three positive integers (shapes, grid; a grid entry must fit an int).
Index3 Parser::get_ints(const Scope& s, const std::string& key, const std::string& hint) const {
  const YAML::Node node = value(s, key, hint);
  const long long limit = row_of(s.schema_key(key)).kind == Kind::grid ? INT_MAX : LLONG_MAX;
  if (!node.IsSequence() || node.size() != 3) bad_value(s, key, node);
  Index3 out{0, 0, 0};
  std::vector<std::string> texts;
  for (std::size_t a = 0; a < 3; ++a) {
    long long number = 0;
    if (!to_int64(node[a], number) || number <= 0 || number > limit) bad_value(s, key, node);
    out[a] = number;
    texts.push_back(std::to_string(number));
  }
  record(s, key, flow_list(texts));
  return out;
}

Spacing3 Parser::get_spacing(const Scope& s, const std::string& key) const {
  const YAML::Node node = value(s, key);
  double number = 0.0;
  Spacing3 out{0.0, 0.0, 0.0};
  if (node.IsScalar()) {
    if (!to_double(node, number) || number <= 0.0) bad_value(s, key, node);
    out = {number, number, number};
  } else {
    if (!node.IsSequence() || node.size() != 3) bad_value(s, key, node);
    for (std::size_t a = 0; a < 3; ++a) {
      if (!to_double(node[a], number) || number <= 0.0) bad_value(s, key, node);
      out[a] = number;
    }
  }
  record(s, key, flow_list({number_text(out[0]), number_text(out[1]), number_text(out[2])}));
  return out;
}

// A dtype; `order` gets the byte-order prefix ('<', '>', or 0 for none, '|', '=').
DType Parser::get_dtype(const Scope& s, const std::string& key, char* order,
                        const std::string& hint) const {
  const YAML::Node node = value(s, key, hint);
  std::string text;
  DType type = DType::u8;
  if (!scalar_of(node, text) || !parse_dtype(text, type)) bad_value(s, key, node);
  const Kind kind = row_of(s.schema_key(key)).kind;
  // Signed labels are read from disk (raw_dtype); the phantom writes unsigned ones only.
  if (kind != Kind::raw_dtype && dtype_is_signed(type)) bad_value(s, key, node);
  if (kind == Kind::label_dtype && dtype_is_float(type)) bad_value(s, key, node);
  if (order) *order = (text[0] == '<' || text[0] == '>') ? text[0] : 0;
  record(s, key, text_node(dtype_name(type)));
  return type;
}

}  // namespace grapes::config_detail
