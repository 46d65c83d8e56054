#pragma once
// The optional full volumes of output.volumes (docs/OUTPUT.md): the layer index and the
// distance of every voxel of the image, each rank writing its owned box.
#include <string>

#include "grapes/layers.hpp"
#include "grapes/output.hpp"
#include "grapes/volume.hpp"

namespace grapes {

struct VolumeChoice {
  bool layers = false;  // <group>/volumes/layers: uint32 layer index (0 = background, layer 0)
  bool edt = false;     // <group>/volumes/edt: float32 physical distance
};

// Collective. `dist2` holds the block's squared distances (EDT units).
template <class Label>
void write_volumes(ResultFile& file, const std::string& group, const View3<const Label>& labels,
                   const BlockGeometry& geometry, const View3<const float>& dist2,
                   const LayerSettings& layers, double min_spacing, const VolumeChoice& which);

}  // namespace grapes
