#pragma once
// Text for messages and logs: shapes, boxes and fixed-point numbers, written one way
// everywhere ("[z, y, x]", "[z0:z1, y0:y1, x0:x1]").
#include <array>
#include <string>

#include "grapes/core/types.hpp"

namespace grapes {

// "[a, b, c]" for a shape, a ghost width or a grid.
std::string shape_text(const Index3& values);
std::string shape_text(const std::array<int, 3>& values);
// "[z0:z1, y0:y1, x0:x1]" (half-open).
std::string box_text(const Box& box);
// `value` with `digits` digits after the point.
std::string fixed_text(double value, int digits);
// `value` with up to 6 significant digits ("1e-09", "2.5", "1e+06").
std::string short_text(double value);

}  // namespace grapes
