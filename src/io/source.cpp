#include "grapes/io/source.hpp"

#include <stdexcept>

#include "grapes/io/rescaled_source.hpp"
#include "io_detail.hpp"

namespace grapes {

namespace {
std::unique_ptr<VolumeSource> open_backend(const SourceSpec& spec, MPI_Comm comm) {
  switch (spec.kind) {
    case SourceKind::hdf5:
      return io_detail::open_hdf5_source(spec, comm);
    case SourceKind::tiff:
      return io_detail::open_tiff_source(spec, comm);
    case SourceKind::raw:
      return io_detail::open_raw_source(spec, comm);
  }
  throw std::invalid_argument("open_source: unknown source kind");
}
}  // namespace

std::unique_ptr<VolumeSource> open_source(const SourceSpec& spec, MPI_Comm comm) {
  return apply_rescale(open_backend(spec, comm), spec);  // input.grey.rescale, every backend
}

}  // namespace grapes
