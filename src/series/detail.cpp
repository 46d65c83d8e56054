#include "grapes/series/detail.hpp"

namespace grapes::series::detail {

std::unordered_map<std::uint64_t, std::size_t> label_rows(const std::vector<std::uint64_t>& labels,
                                                          const std::string& where) {
  std::unordered_map<std::uint64_t, std::size_t> rows;
  rows.reserve(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (!rows.emplace(labels[i], i).second)
      throw InputError(where + " lists label " + std::to_string(labels[i]) + " twice");
  return rows;
}

Table take_rows(const Table& table, const std::vector<std::size_t>& rows) {
  Table out;
  for (const Column& c : table.columns) {
    Column picked{c.name, {}};
    std::visit(
        [&](const auto& values) {
          std::decay_t<decltype(values)> selected;
          selected.reserve(rows.size());
          for (std::size_t r : rows) selected.push_back(values[r]);
          picked.values = std::move(selected);
        },
        c.values);
    out.columns.push_back(std::move(picked));
  }
  return out;
}

std::string step_where(const std::string& step_name, const char* table) {
  return "step '" + step_name + "' " + table;
}

}  // namespace grapes::series::detail
