#include "grapes/output/output_volumes.hpp"

#include <cerrno>
#include <exception>

#include "grapes/core/instantiate.hpp"
#include "grapes/io/volume_writer.hpp"

namespace grapes {

namespace {

// One volume box, its failure agreed on every rank (a full disk stops every rank here, not one
// rank here and the others in the next collective call).
void write_agreed(ResultFile& file, const h5::Handle& dataset, const std::string& name, DType dtype,
                  const Box& box, const void* data) {
  bool ok = true;
  int error = 0;
  try {
    write_volume_box(dataset, dtype, box, data);
  } catch (const std::exception&) {
    ok = false;
    error = errno;
  }
  file.agree_written(ok, error, name);
}

}  // namespace

VolumeOutput::VolumeOutput(ResultFile& file, const std::string& group, const Index3& shape,
                           const VolumeChoice& which)
    : file_(&file), group_(group) {
  if (which.layers)
    layers_ = create_volume_dataset(file.id(), group + "/volumes/layers", shape, DType::u32);
  if (which.edt) edt_ = create_volume_dataset(file.id(), group + "/volumes/edt", shape, DType::f32);
}

template <class Label>
void VolumeOutput::write(const View3<const Label>& labels, const BlockGeometry& geometry,
                         const View3<const float>& dist2, const LayerSettings& layers,
                         double min_spacing) {
  if (layers_.valid()) {
    auto volume = layer_volume<Label>(labels, geometry, dist2, layers);
    auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), volume);
    write_agreed(*file_, layers_, group_ + "/volumes/layers", DType::u32, geometry.owned,
                 host.data());
  }
  if (edt_.valid()) {
    auto volume = distance_volume(geometry, dist2, min_spacing);
    auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), volume);
    write_agreed(*file_, edt_, group_ + "/volumes/edt", DType::f32, geometry.owned, host.data());
  }
}

#define GRAPES_WRITE_VOLUMES(Label)                                                  \
  template void VolumeOutput::write(const View3<const Label>&, const BlockGeometry&, \
                                    const View3<const float>&, const LayerSettings&, double);
GRAPES_FOR_EACH_LABEL(GRAPES_WRITE_VOLUMES)
#undef GRAPES_WRITE_VOLUMES

}  // namespace grapes
