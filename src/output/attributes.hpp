#pragma once
// Private to src/output: the attribute reading that the table writer (output.cpp) shares with
// attributes.cpp.
#include <hdf5.h>

#include <string>

namespace grapes::output_detail {

// The text of the fixed-length string attribute `name` of `object` (trailing NULs dropped).
std::string read_string_attribute(hid_t object, const std::string& name);

}  // namespace grapes::output_detail
