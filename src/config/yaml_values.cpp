// YAML helpers of the configuration module: dotted paths into a tree, typed conversions of
// scalars, and the normalised texts that the resolved YAML is written with.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "config_detail.hpp"

namespace grapes::config_detail {

// ---- Dotted paths ---------------------------------------------------------------------------

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::string join_key(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

std::string parent_key(const std::string& key) {
  const std::size_t dot = key.rfind('.');
  return dot == std::string::npos ? std::string() : key.substr(0, dot);
}

std::string last_component(const std::string& key) {
  const std::size_t dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

YAML::Node lookup(const YAML::Node& root, const std::string& key) {
  YAML::Node current;
  current.reset(root);
  for (const std::string& part : split_key(key)) {
    if (!current.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node& as_const = current;  // const operator[] never inserts
    YAML::Node next = as_const[part];
    if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    current.reset(next);
  }
  return current;
}

void set_path(YAML::Node& root, const std::string& key, const YAML::Node& value) {
  if (!root.IsMap()) root = YAML::Node(YAML::NodeType::Map);
  const std::vector<std::string> parts = split_key(key);
  YAML::Node current;
  current.reset(root);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node next = current[parts[i]];
    if (!next.IsMap()) next = YAML::Node(YAML::NodeType::Map);
    current.reset(next);
  }
  current[parts.back()] = value;
}

// ---- Messages -------------------------------------------------------------------------------

std::string flow_text(const YAML::Node& node) {
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out.SetSeqFormat(YAML::Flow);
  out << node;
  return out.c_str();
}

std::string got(const YAML::Node& node) {
  if (!node.IsDefined()) return ", got nothing";
  if (node.IsNull()) return ", got an empty value";
  if (node.IsScalar()) return ", got '" + node.Scalar() + "'";
  return ", got '" + flow_text(node) + "'";
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// ---- Typed conversions ----------------------------------------------------------------------

bool scalar_of(const YAML::Node& node, std::string& text) {
  if (!node.IsDefined() || !node.IsScalar()) return false;
  text = node.Scalar();
  return !text.empty();
}

bool to_double(const YAML::Node& node, double& value) {
  std::string text;
  if (!scalar_of(node, text) || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return errno == 0 && end == text.c_str() + text.size() && std::isfinite(value);
}

bool to_int64(const YAML::Node& node, long long& value) {
  std::string text;
  if (!scalar_of(node, text) || std::isspace(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  value = std::strtoll(text.c_str(), &end, 10);
  if (errno == 0 && end == text.c_str() + text.size()) return true;
  // An integral number in exponent form ("3e9"), exact in a double: users write sizes so.
  double number = 0.0;
  if (text.find_first_of("eE") == std::string::npos || !to_double(node, number)) return false;
  if (number != std::floor(number) || std::fabs(number) > 9007199254740992.0) return false;
  value = static_cast<long long>(number);
  return true;
}

bool to_uint64(const YAML::Node& node, unsigned long long& value) {
  std::string text;
  if (!scalar_of(node, text) || !std::isdigit(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  value = std::strtoull(text.c_str(), &end, 10);
  return errno == 0 && end == text.c_str() + text.size();
}

bool to_flag(const YAML::Node& node, bool& value) {
  std::string text;
  if (!scalar_of(node, text)) return false;
  // YAML 1.2's core schema spellings.
  if (text == "true" || text == "True" || text == "TRUE") {
    value = true;
    return true;
  }
  if (text == "false" || text == "False" || text == "FALSE") {
    value = false;
    return true;
  }
  return false;
}

bool in_range(Kind kind, double v) {
  switch (kind) {
    case Kind::nonneg_number:
    case Kind::noise:
      return v >= 0.0;
    case Kind::pos_number:
    case Kind::spacing:
    case Kind::layer_width:
      return v > 0.0;
    case Kind::open_fraction:
      return v > 0.0 && v < 1.0;
    case Kind::fraction:
      return v >= 0.0 && v <= 1.0;
    case Kind::quantile:
    case Kind::optional_quantile:
      return v >= 0.0 && v < 1.0;
    case Kind::iou:
      return v > 0.0 && v <= 1.0;
    case Kind::growth:
      return v > 1.0;
    default:
      return true;
  }
}

// ---- Sizes ----------------------------------------------------------------------------------

namespace {

struct SizeUnit {
  const char* name;  // as written in the resolved YAML; matched in any case
  double bytes;
};

// Binary units first: the resolved text prefers them when both are as short.
const SizeUnit kSizeUnits[] = {
    {"TiB", 1099511627776.0},
    {"GiB", 1073741824.0},
    {"MiB", 1048576.0},
    {"KiB", 1024.0},
    {"TB", 1e12},
    {"GB", 1e9},
    {"MB", 1e6},
    {"kB", 1e3},
    {"B", 1.0},
};

// The number at the start of a size: digits, '.', and an exponent; "" when there is none.
std::string leading_number(const std::string& text) {
  std::size_t end = 0;
  while (end < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.'))
    ++end;
  if (end == 0) return "";
  // An exponent only when digits follow ("1e9", "2.5E+3"); "2EB" is not one.
  if (end < text.size() && (text[end] == 'e' || text[end] == 'E')) {
    std::size_t digits = end + 1;
    if (digits < text.size() && (text[digits] == '+' || text[digits] == '-')) ++digits;
    std::size_t last = digits;
    while (last < text.size() && std::isdigit(static_cast<unsigned char>(text[last]))) ++last;
    if (last > digits) end = last;
  }
  return text.substr(0, end);
}

}  // namespace

bool parse_size(const std::string& text, std::uint64_t& bytes) {
  const std::string number_part = leading_number(text);
  if (number_part.empty()) return false;
  char* end = nullptr;
  const double number = std::strtod(number_part.c_str(), &end);
  if (end != number_part.c_str() + number_part.size()) return false;
  std::size_t start = number_part.size();
  while (start < text.size() && text[start] == ' ') ++start;  // "6 GiB"
  const std::string suffix = lower(text.substr(start));
  double unit = suffix.empty() ? 1.0 : 0.0;
  for (const SizeUnit& candidate : kSizeUnits)
    if (suffix == lower(candidate.name)) unit = candidate.bytes;
  if (unit == 0.0) return false;
  const double total = std::round(number * unit);
  if (!std::isfinite(total) || total < 1.0 || total >= 18446744073709551616.0) return false;
  bytes = static_cast<std::uint64_t>(total);
  return true;
}

std::string size_text(std::uint64_t bytes) {
  std::string best = std::to_string(bytes);
  for (const SizeUnit& unit : kSizeUnits) {
    const auto size = static_cast<std::uint64_t>(unit.bytes);
    if (size == 1 || bytes % size != 0) continue;
    const std::string text = std::to_string(bytes / size) + unit.name;
    if (text.size() < best.size()) best = text;
  }
  return best;
}

// ---- Normalised texts -----------------------------------------------------------------------

// The shortest text that reads back as exactly `value`: positional for ordinary magnitudes
// ("70", "0.0001", "123456.789"), else in exponent form that YAML 1.1 readers (PyYAML) also
// take as a number ("1.0e-07", not "1e-07").
std::string number_text(double value) {
  char buffer[64];
  int digits = 1;
  for (; digits < 17; ++digits) {
    std::snprintf(buffer, sizeof buffer, "%.*e", digits - 1, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  std::snprintf(buffer, sizeof buffer, "%.*e", digits - 1, value);
  const int exponent = std::atoi(std::strchr(buffer, 'e') + 1);
  if (exponent >= -4 && exponent < 16) {
    std::snprintf(buffer, sizeof buffer, "%.*f", std::max(0, digits - 1 - exponent), value);
    if (std::strtod(buffer, nullptr) == value) return buffer;
  }
  std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
  std::string text = buffer;
  const std::size_t e = text.find('e');
  if (e != std::string::npos && text.find('.') == std::string::npos) text.insert(e, ".0");
  return text;
}

YAML::Node text_node(const std::string& text) {
  return YAML::Node(text);
}

YAML::Node flow_list(const std::vector<std::string>& items) {
  YAML::Node list(YAML::NodeType::Sequence);
  for (const std::string& item : items) list.push_back(YAML::Node(item));
  list.SetStyle(YAML::EmitterStyle::Flow);
  return list;
}

}  // namespace grapes::config_detail
