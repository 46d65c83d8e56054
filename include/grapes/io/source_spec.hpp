#pragma once
// Where one input volume lies on disk and how to read it (config keys input.grey, input.labels
// and a series step's grey and labels; docs/CONFIG.md).
#include <cstdint>
#include <optional>
#include <string>

#include "grapes/core/types.hpp"

namespace grapes {

enum class SourceKind { hdf5, tiff, raw };

// input.grey.rescale: grey values mapped linearly from [lo, hi] onto the levels 0..max of `to`
// (uint8 or uint16), rounded and clamped (include/grapes/io/rescaled_source.hpp).
struct GreyRescale {
  DType to = DType::u8;
  double lo = 0.0;
  double hi = 1.0;
};

// One input volume on disk. `key` is its config path ("input.grey",
// "series.steps[1] (\"4.4V\").labels") for messages.
struct SourceSpec {
  std::string key;
  SourceKind kind = SourceKind::hdf5;
  std::string path;
  std::string dataset;                 // hdf5: dataset path inside the file
  Index3 shape{0, 0, 0};               // raw only
  DType dtype = DType::u8;             // raw only
  bool big_endian = false;             // raw only
  std::int64_t header_bytes = 0;       // raw only: bytes to skip at the start of the file
  std::optional<GreyRescale> rescale;  // grey only: input.grey.rescale (none: values as stored)
};

}  // namespace grapes
