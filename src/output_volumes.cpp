#include "grapes/output_volumes.hpp"

#include <cerrno>
#include <exception>

#include "grapes/instantiate.hpp"
#include "grapes/io/volume_writer.hpp"

namespace grapes {

namespace {

// One volume dataset, its failure agreed on every rank (a full disk stops every rank here, not
// one rank here and the others in the next collective call).
void write_agreed(ResultFile& file, const std::string& dataset, const Index3& shape, DType dtype,
                  const Box& box, const void* data) {
  bool ok = true;
  int error = 0;
  try {
    write_volume_hdf5(file.id(), dataset, shape, dtype, box, data);
  } catch (const std::exception&) {
    ok = false;
    error = errno;
  }
  file.agree_written(ok, error, dataset);
}

}  // namespace

template <class Label>
void write_volumes(ResultFile& file, const std::string& group, const View3<const Label>& labels,
                   const BlockGeometry& geometry, const View3<const float>& dist2,
                   const LayerSettings& layers, double min_spacing, const VolumeChoice& which) {
  if (which.layers) {
    auto volume = layer_volume<Label>(labels, geometry, dist2, layers);
    auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), volume);
    write_agreed(file, group + "/volumes/layers", geometry.image_shape, DType::u32, geometry.owned,
                 host.data());
  }
  if (which.edt) {
    auto volume = distance_volume(geometry, dist2, min_spacing);
    auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), volume);
    write_agreed(file, group + "/volumes/edt", geometry.image_shape, DType::f32, geometry.owned,
                 host.data());
  }
}

#define GRAPES_WRITE_VOLUMES(Label)                                                       \
  template void write_volumes(ResultFile&, const std::string&, const View3<const Label>&, \
                              const BlockGeometry&, const View3<const float>&,            \
                              const LayerSettings&, double, const VolumeChoice&);
GRAPES_FOR_EACH_LABEL(GRAPES_WRITE_VOLUMES)
#undef GRAPES_WRITE_VOLUMES

}  // namespace grapes
