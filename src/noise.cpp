#include "grapes/noise.hpp"

#include <cmath>
#include <type_traits>

#include "grapes/comm.hpp"
#include "grapes/error.hpp"
#include "grapes/format.hpp"
#include "grapes/records.hpp"

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

Policy3 region_policy(const Box& region) {
  return Policy3({region.lo[0], region.lo[1], region.lo[2]},
                 {region.hi[0], region.hi[1], region.hi[2]});
}

template <class Grey, class Sum, int kPower>
Sum power_sum(const View3<const Grey>& grey, const Box& region) {
  Sum sum = 0;
  if (region.empty()) return sum;
  Kokkos::parallel_reduce("grapes::noise_sum", region_policy(region),
                          PowerSum<Grey, Sum, kPower>{grey}, sum);
  return sum;
}

}  // namespace

template <class Grey>
double box_noise_sigma(const View3<const Grey>& grey, const Box& owned, const Box& box,
                       const Index3& image_shape, const std::string& key, MPI_Comm comm) {
  if (box.intersect(whole_box(image_shape)) != box || box.voxels() < 2)
    throw InputError(key + ": the noise box " + box_text(box) + " must lie inside the image " +
                     shape_text(image_shape) + " and hold at least two voxels");
  const Box mine = box.intersect(owned);
  Box region;  // in the view's coordinates
  for (int a = 0; a < 3; ++a) {
    region.lo[a] = mine.lo[a] - owned.lo[a];
    region.hi[a] = std::max(region.lo[a], mine.hi[a] - owned.lo[a]);
  }
  GreySums sums;
  sums.count = allreduce_sum(comm, mine.empty() ? 0 : mine.voxels());
  if constexpr (std::is_integral_v<Grey>) {
    const std::uint64_t sum = power_sum<Grey, std::uint64_t, 1>(grey, region);
    const std::uint64_t sum_sq = power_sum<Grey, std::uint64_t, 2>(grey, region);
    sums.sum_int = allreduce_sum(comm, sum);
    sums.sum_sq_int = allreduce_sum(comm, sum_sq);
  } else {
    // Two passes in double about the box mean: no cancellation.
    const double sum = allreduce_sum(comm, power_sum<Grey, double, 1>(grey, region));
    const double mean = sum / double(sums.count);
    double local = 0.0;
    if (!region.empty()) {
      Kokkos::parallel_reduce(
          "grapes::noise_deviation", region_policy(region),
          KOKKOS_LAMBDA(index_t z, index_t y, index_t x, double& s) {
            const double d = static_cast<double>(grey(z, y, x)) - mean;
            s += d * d;
          },
          local);
    }
    return std::sqrt(allreduce_sum(comm, local) / double(sums.count));
  }
  return std::sqrt(sums.variance(false));
}

#define GRAPES_NOISE(Grey)                                                                         \
  template double box_noise_sigma(const View3<const Grey>&, const Box&, const Box&, const Index3&, \
                                  const std::string&, MPI_Comm);
GRAPES_NOISE(std::uint8_t)
GRAPES_NOISE(std::uint16_t)
GRAPES_NOISE(float)
#undef GRAPES_NOISE

}  // namespace grapes
