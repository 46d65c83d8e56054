#include "grapes/io/label_check.hpp"

#include <cstdint>
#include <limits>
#include <string>

#include "grapes/core/error.hpp"
#include "grapes/core/instantiate.hpp"
#include "grapes/parallel/comm.hpp"

namespace grapes {

namespace {

using Policy3 = Kokkos::MDRangePolicy<kx::ExecSpace, Kokkos::Rank<3>, Kokkos::IndexType<index_t>>;

// Whether a value read as the unsigned type of its size was negative in the signed type.
template <class Label>
KOKKOS_INLINE_FUNCTION bool is_negative(const Label value) {
  return (static_cast<std::uint64_t>(value) >> (sizeof(Label) * 8 - 1)) != 0;
}

template <class Label>
struct CountNegative {
  View3<const Label> labels;
  KOKKOS_INLINE_FUNCTION void operator()(const index_t z, const index_t y, const index_t x,
                                         std::int64_t& count) const {
    if (is_negative(labels(z, y, x))) ++count;
  }
};

// The smallest global C-order index of a negative voxel.
template <class Label>
struct FirstNegative {
  View3<const Label> labels;
  Index3 lo;
  Index3 shape;
  KOKKOS_INLINE_FUNCTION void operator()(const index_t z, const index_t y, const index_t x,
                                         std::int64_t& first) const {
    if (!is_negative(labels(z, y, x))) return;
    const std::int64_t at = ((lo[0] + z) * shape[1] + (lo[1] + y)) * shape[2] + (lo[2] + x);
    if (at < first) first = at;
  }
};

}  // namespace

template <class Label>
void check_labels_not_negative(const View3<const Label>& labels, const Box& owned,
                               const VolumeSource& source, MPI_Comm comm) {
  if (!dtype_is_signed(source.dtype())) return;
  const Policy3 policy({0, 0, 0}, {owned.extent(0), owned.extent(1), owned.extent(2)});
  std::int64_t mine = 0;
  if (!owned.empty())
    Kokkos::parallel_reduce("grapes::count_negative_labels", policy, CountNegative<Label>{labels},
                            mine);
  const std::int64_t count = allreduce_sum(comm, mine);
  if (count == 0) return;
  const Index3 shape = source.shape();
  std::int64_t first = std::numeric_limits<std::int64_t>::max();
  if (mine > 0)
    Kokkos::parallel_reduce("grapes::first_negative_label", policy,
                            FirstNegative<Label>{labels, owned.lo, shape},
                            Kokkos::Min<std::int64_t>(first));
  std::int64_t global_first = 0;
  check_mpi(MPI_Allreduce(&first, &global_first, 1, MPI_INT64_T, MPI_MIN, comm), "MPI_Allreduce");
  const std::int64_t x = global_first % shape[2];
  const std::int64_t y = global_first / shape[2] % shape[1];
  const std::int64_t z = global_first / shape[2] / shape[1];
  const std::string key = source.key().empty() ? std::string("input.labels") : source.key();
  throw InputError(key + " (" + source.describe() + "): " + std::to_string(count) +
                   (count == 1 ? " voxel has a negative label" : " voxels have negative labels") +
                   " (" + dtype_name(source.dtype()) + "), the first at (z, y, x) = (" +
                   std::to_string(z) + ", " + std::to_string(y) + ", " + std::to_string(x) +
                   "); labels must be >= 0 (0 is the background, every other value one particle)");
}

#define GRAPES_LABEL_CHECK(Label)                                                \
  template void check_labels_not_negative(const View3<const Label>&, const Box&, \
                                          const VolumeSource&, MPI_Comm);
GRAPES_FOR_EACH_LABEL(GRAPES_LABEL_CHECK)
#undef GRAPES_LABEL_CHECK

}  // namespace grapes
