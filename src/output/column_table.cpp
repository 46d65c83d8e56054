#include "grapes/output/column_table.hpp"

#include <stdexcept>

namespace grapes {

std::size_t Table::rows() const {
  if (columns.empty()) return 0;
  return std::visit([](const auto& values) { return values.size(); }, columns.front().values);
}

const Column* Table::find(const std::string& name) const {
  for (const Column& column : columns)
    if (column.name == name) return &column;
  return nullptr;
}

const Column& Table::find_or_throw(const std::string& name) const {
  const Column* column = find(name);
  if (!column) throw std::runtime_error("table has no column '" + name + "'");
  return *column;
}

}  // namespace grapes
