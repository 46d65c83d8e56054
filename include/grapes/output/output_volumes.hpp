#pragma once
// The optional full volumes of output.volumes (docs/OUTPUT.md): the layer index and the
// distance of every voxel of the image, each rank writing the owned part of each of its blocks
// (its box, or its slabs one after the other).
#include <string>

#include "grapes/core/volume.hpp"
#include "grapes/io/hdf5_handle.hpp"
#include "grapes/kernels/layers.hpp"
#include "grapes/output/output.hpp"

namespace grapes {

struct VolumeChoice {
  bool layers = false;  // <group>/volumes/layers: uint32 layer index (0 = background, layer 0)
  bool edt = false;     // <group>/volumes/edt: float32 physical distance
  bool any() const { return layers || edt; }
};

class VolumeOutput {
 public:
  // Collective: creates the chosen datasets of `shape` under `group`.
  VolumeOutput(ResultFile& file, const std::string& group, const Index3& shape,
               const VolumeChoice& which);
  // Collective (every rank, as often as the others, empty blocks too): the owned part of a
  // block whose squared distances (EDT units) are `dist2`.
  template <class Label>
  void write(const View3<const Label>& labels, const BlockGeometry& geometry,
             const View3<const float>& dist2, const LayerSettings& layers, double min_spacing);

 private:
  ResultFile* file_;  // outlives this object (both live for one volume's write)
  std::string group_;
  h5::Handle layers_;
  h5::Handle edt_;
};

}  // namespace grapes
