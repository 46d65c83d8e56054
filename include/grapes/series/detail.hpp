#pragma once
// Helpers shared by the series modules: typed column access that names the step in its error,
// label -> row indices, and row selection of a whole table.
#include <cstdint>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <variant>
#include <vector>

#include "grapes/core/error.hpp"
#include "grapes/output/column_table.hpp"

namespace grapes::series::detail {

template <class T>
const char* type_name() {
  if constexpr (std::is_same_v<T, std::int64_t>) return "int64";
  if constexpr (std::is_same_v<T, std::uint64_t>) return "uint64";
  if constexpr (std::is_same_v<T, double>) return "double";
  if constexpr (std::is_same_v<T, std::uint8_t>) return "uint8";
  return "string";
}

// Column `name` of `table` as vector<T>; `where` names the table in the error, e.g.
// "step 'prist' particles".
template <class T>
const std::vector<T>& column(const Table& table, const std::string& where,
                             const std::string& name) {
  const Column* c = table.find(name);
  if (!c) throw InputError(where + " has no column '" + name + "'");
  const auto* values = std::get_if<std::vector<T>>(&c->values);
  if (!values) throw InputError(where + " column '" + name + "' is not of type " + type_name<T>());
  if (values->size() != table.rows())
    throw InputError(where + " column '" + name + "' has a different length from the others");
  return *values;
}

// label -> row; throws InputError naming `where` and the label when a label repeats.
std::unordered_map<std::uint64_t, std::size_t> label_rows(const std::vector<std::uint64_t>& labels,
                                                          const std::string& where);

// The rows `rows` (in that order) of every column of `table`.
Table take_rows(const Table& table, const std::vector<std::size_t>& rows);

// "step 'name'" for error messages.
std::string step_where(const std::string& step_name, const char* table);

}  // namespace grapes::series::detail
