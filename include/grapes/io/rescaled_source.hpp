#pragma once
// input.grey.rescale (docs/CONFIG.md, docs/BEAMLINE.md): a grey volume read through a linear
// map onto the integer levels of uint8 or uint16, so that a float32 reconstruction can be
// analysed in the 8-bit (or 16-bit) grey levels the paper's statistics are quoted in.
//
// The rule, for a voxel value v (any input dtype, converted to double) and M = 255 (uint8) or
// 65535 (uint16):
//   t = (v - lo) / (hi - lo) * M,  level = floor(min(max(t, 0), M) + 0.5)
// in double precision: lo maps to 0, hi to M, values outside [lo, hi] clamp to 0 or M, ties
// round up (away from zero, as t >= 0), and NaN maps to 0.
#include <cstdint>
#include <memory>

#include "grapes/io/source.hpp"

namespace grapes {

// The level of `value` under `rule` (0..255 or 0..65535).
std::uint16_t rescale_level(double value, const GreyRescale& rule);

// `source` seen through `rule`: dtype() is rule.to, describe() names the mapping, read_box
// reads the source's own values in a fixed number of z-parts (one buffer of the source dtype,
// about 1/8 of the box) and converts them. Throws std::invalid_argument for a rule whose range
// is not finite with lo < hi or whose target is not uint8/uint16 (the config refuses both).
std::unique_ptr<VolumeSource> make_rescaled_source(std::unique_ptr<VolumeSource> source,
                                                   const GreyRescale& rule);

// What open_source applies to every backend: the rescaled source when spec.rescale is set,
// else `source` unchanged.
std::unique_ptr<VolumeSource> apply_rescale(std::unique_ptr<VolumeSource> source,
                                            const SourceSpec& spec);

}  // namespace grapes
