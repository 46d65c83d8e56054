#pragma once
// The element types the kernels are compiled for, as X-macros, so every module instantiates
// the same set: labels uint8/16/32/64, grey uint8/uint16/float32 (docs/METHOD.md, "Inputs").
#include <cstdint>

#define GRAPES_FOR_EACH_LABEL(M) \
  M(std::uint8_t)                \
  M(std::uint16_t)               \
  M(std::uint32_t)               \
  M(std::uint64_t)

#define GRAPES_GREY_TYPES_WITH(M, Label) \
  M(std::uint8_t, Label)                 \
  M(std::uint16_t, Label)                \
  M(float, Label)

#define GRAPES_FOR_EACH_GREY_AND_LABEL(M)  \
  GRAPES_GREY_TYPES_WITH(M, std::uint8_t)  \
  GRAPES_GREY_TYPES_WITH(M, std::uint16_t) \
  GRAPES_GREY_TYPES_WITH(M, std::uint32_t) \
  GRAPES_GREY_TYPES_WITH(M, std::uint64_t)
