#pragma once
// A table as named 1-D columns: what the output module writes as one HDF5 dataset per column
// and the CSV exporter as one CSV column. A rank holds a contiguous slice of rows.
#include <cstdint>
#include <deque>
#include <string>
#include <variant>
#include <vector>

namespace grapes {

using ColumnData =
    std::variant<std::vector<std::int64_t>, std::vector<std::uint64_t>, std::vector<double>,
                 std::vector<std::uint8_t>, std::vector<std::string>>;

struct Column {
  std::string name;
  ColumnData values;
};

struct Table {
  // A deque so references returned by add() stay valid while more columns are added.
  std::deque<Column> columns;

  std::size_t rows() const;
  const Column* find(const std::string& name) const;
  template <class T>
  std::vector<T>& add(const std::string& name) {
    columns.push_back({name, std::vector<T>{}});
    return std::get<std::vector<T>>(columns.back().values);
  }
  template <class T>
  const std::vector<T>& get(const std::string& name) const {
    return std::get<std::vector<T>>(find_or_throw(name).values);
  }

 private:
  const Column& find_or_throw(const std::string& name) const;
};

}  // namespace grapes
