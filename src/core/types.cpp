#include "grapes/core/types.hpp"

namespace grapes {

// numpy-style names: the full names ("uint16", "int32") and the array-protocol short forms
// ("u2", "i4"; the number is the size in bytes, so "u8" is uint64 and "i8" int64), each with an
// optional byte-order prefix ('<', '>', '|', '='), which is ignored here (the raw reader takes
// byte order separately).
bool parse_dtype(const std::string& text, DType& out) {
  std::string name = text;
  if (!name.empty() && (name[0] == '<' || name[0] == '>' || name[0] == '|' || name[0] == '='))
    name.erase(0, 1);
  struct Entry {
    const char* full;
    const char* short_form;
    DType type;
  };
  static const Entry kEntries[] = {
      {"uint8", "u1", DType::u8},   {"uint16", "u2", DType::u16},  {"uint32", "u4", DType::u32},
      {"uint64", "u8", DType::u64}, {"float32", "f4", DType::f32}, {"float64", "f8", DType::f64},
      {"int8", "i1", DType::i8},    {"int16", "i2", DType::i16},   {"int32", "i4", DType::i32},
      {"int64", "i8", DType::i64},
  };
  for (const Entry& entry : kEntries) {
    if (name == entry.full || name == entry.short_form) {
      out = entry.type;
      return true;
    }
  }
  return false;
}

}  // namespace grapes
