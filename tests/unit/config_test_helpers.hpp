#pragma once
// Helpers shared by the configuration tests (test_config*.cpp).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "grapes/config/config.hpp"
#include "grapes/core/error.hpp"

namespace grapes::config_test {

inline Config parse(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return parse_config(text, "config.yaml", overrides);
}

// The InputError message of parsing `text`, or a test failure when it parses.
inline std::string error_of(const std::string& text,
                            const std::vector<std::string>& overrides = {}) {
  try {
    parse(text, overrides);
  } catch (const InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no InputError for:\n" << text;
  return "";
}

inline std::filesystem::path source_dir() {
  if (const char* dir = std::getenv("GRAPES_SOURCE_DIR")) return dir;
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}

inline void expect_same_source(const SourceSpec& a, const SourceSpec& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.dataset, b.dataset);
  EXPECT_EQ(a.shape, b.shape);
  EXPECT_EQ(a.dtype, b.dtype);
  EXPECT_EQ(a.big_endian, b.big_endian);
  EXPECT_EQ(a.header_bytes, b.header_bytes);
}

}  // namespace grapes::config_test

#define EXPECT_HAS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)
