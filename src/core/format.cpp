#include "grapes/core/format.hpp"

#include <cstdio>
#include <iomanip>
#include <sstream>

namespace grapes {

namespace {
template <class T>
std::string list_text(const std::array<T, 3>& values) {
  return "[" + std::to_string(values[0]) + ", " + std::to_string(values[1]) + ", " +
         std::to_string(values[2]) + "]";
}
}  // namespace

std::string shape_text(const Index3& values) {
  return list_text(values);
}
std::string shape_text(const std::array<int, 3>& values) {
  return list_text(values);
}

std::string box_text(const Box& box) {
  std::string text = "[";
  for (int a = 0; a < 3; ++a)
    text += (a ? ", " : "") + std::to_string(box.lo[a]) + ":" + std::to_string(box.hi[a]);
  return text + "]";
}

std::string fixed_text(double value, int digits) {
  std::ostringstream text;
  text << std::fixed << std::setprecision(digits) << value;
  return text.str();
}

std::string short_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

}  // namespace grapes
