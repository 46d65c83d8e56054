#include "grapes/kernels/noise.hpp"

#include <cmath>
#include <type_traits>

#include "grapes/core/error.hpp"
#include "grapes/core/format.hpp"
#include "grapes/parallel/comm.hpp"

namespace grapes {

namespace {

using Policy3 = Kokkos::MDRangePolicy<kx::ExecSpace, Kokkos::Rank<3>, Kokkos::IndexType<index_t>>;

// Sum of grey^power over a region of the grey view (view coordinates).
template <class Grey, class Sum, int kPower>
struct PowerSum {
  View3<const Grey> grey;
  KOKKOS_INLINE_FUNCTION void operator()(index_t z, index_t y, index_t x, Sum& sum) const {
    const Sum v = static_cast<Sum>(grey(z, y, x));
    sum += kPower == 1 ? v : v * v;
  }
};

template <class Grey, class Sum, int kPower>
Sum power_sum(const View3<const Grey>& grey, const Box& region) {
  Sum sum = 0;
  if (region.empty()) return sum;
  const Policy3 policy({region.lo[0], region.lo[1], region.lo[2]},
                       {region.hi[0], region.hi[1], region.hi[2]});
  Kokkos::parallel_reduce("grapes::noise_sum", policy, PowerSum<Grey, Sum, kPower>{grey}, sum);
  return sum;
}

// 1 per non-zero label.
template <class Label>
struct LabelCount {
  View3<const Label> labels;
  KOKKOS_INLINE_FUNCTION void operator()(index_t z, index_t y, index_t x,
                                         std::int64_t& count) const {
    count += labels(z, y, x) != 0 ? 1 : 0;
  }
};

// `box` inside `owned` in the view's coordinates (empty when they do not meet).
Box view_region(const Box& owned, const Box& box) {
  const Box mine = box.intersect(owned);
  Box region;
  if (mine.empty()) return region;
  for (int a = 0; a < 3; ++a) {
    region.lo[a] = mine.lo[a] - owned.lo[a];
    region.hi[a] = mine.hi[a] - owned.lo[a];
  }
  return region;
}

}  // namespace

template <class Label>
std::int64_t box_label_voxels(const View3<const Label>& labels, const Box& owned, const Box& box) {
  const Box region = view_region(owned, box);
  std::int64_t count = 0;
  if (region.empty()) return count;
  const Policy3 policy({region.lo[0], region.lo[1], region.lo[2]},
                       {region.hi[0], region.hi[1], region.hi[2]});
  Kokkos::parallel_reduce("grapes::noise_box_labels", policy, LabelCount<Label>{labels}, count);
  return count;
}

void check_noise_box(const Box& box, const Index3& image_shape, const std::string& key) {
  if (box.intersect(whole_box(image_shape)) != box || box.voxels() < 2)
    throw InputError(key + ": the noise box " + box_text(box) + " must lie inside the image " +
                     shape_text(image_shape) + " and hold at least two voxels");
}

template <class Grey>
GreySums box_grey_sums(const View3<const Grey>& grey, const Box& owned, const Box& box) {
  const Box region = view_region(owned, box);
  GreySums sums;
  if (region.empty()) return sums;
  sums.count = region.voxels();
  if constexpr (std::is_integral_v<Grey>) {
    sums.sum_int = power_sum<Grey, std::uint64_t, 1>(grey, region);
    sums.sum_sq_int = power_sum<Grey, std::uint64_t, 2>(grey, region);
  } else {
    sums.sum_float = power_sum<Grey, double, 1>(grey, region);
    sums.sum_sq_float = power_sum<Grey, double, 2>(grey, region);
  }
  return sums;
}

double noise_sigma(GreySums local, bool float_grey, MPI_Comm comm) {
  GreySums all;
  all.count = allreduce_sum(comm, local.count);
  all.sum_int = allreduce_sum(comm, local.sum_int);
  all.sum_sq_int = allreduce_sum(comm, local.sum_sq_int);
  all.sum_float = allreduce_sum(comm, local.sum_float);
  all.sum_sq_float = allreduce_sum(comm, local.sum_sq_float);
  return std::sqrt(all.variance(float_grey));
}

#define GRAPES_NOISE(Grey) \
  template GreySums box_grey_sums(const View3<const Grey>&, const Box&, const Box&);
GRAPES_NOISE(std::uint8_t)
GRAPES_NOISE(std::uint16_t)
GRAPES_NOISE(float)
#undef GRAPES_NOISE
#define GRAPES_NOISE_LABELS(Label) \
  template std::int64_t box_label_voxels(const View3<const Label>&, const Box&, const Box&);
GRAPES_NOISE_LABELS(std::uint8_t)
GRAPES_NOISE_LABELS(std::uint16_t)
GRAPES_NOISE_LABELS(std::uint32_t)
GRAPES_NOISE_LABELS(std::uint64_t)
#undef GRAPES_NOISE_LABELS

}  // namespace grapes
