#pragma once
// Splitting one read_box call into a fixed number of z-parts. read_box is collective, so a
// wrapper that reads a box in parts makes the same number of calls on every rank: `parts` is a
// constant, not a function of the box, and a part may be empty.
#include "grapes/core/types.hpp"

namespace grapes {

// Part `part` (0 <= part < parts) of `box`: planes [lo + e*part/parts, lo + e*(part+1)/parts)
// of its z extent e, with the box's y and x ranges. The parts cover the box exactly, in order.
inline Box z_part(const Box& box, int part, int parts) {
  const index_t e = box.extent(0);
  Box out = box;
  out.lo[0] = box.lo[0] + e * part / parts;
  out.hi[0] = box.lo[0] + e * (part + 1) / parts;
  return out;
}

}  // namespace grapes
