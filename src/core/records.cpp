#include "grapes/core/records.hpp"

#include <algorithm>
#include <iterator>
#include <limits>

namespace grapes {

double GreySums::variance(bool float_grey) const {
  if (count == 0) return 0.0;
  const double n = static_cast<double>(count);
  if (float_grey) {
    const double mean = sum_float / n;
    const double second_moment = sum_sq_float / n;
    const double variance = second_moment - mean * mean;
    // Below the rounding noise of the second moment the variance is zero (e.g. a layer of
    // equal values), not a decomposition-dependent 1e-17 whose sqrt would be 3e-9. The sums
    // of n terms carry up to (n-1)·eps/2 relative error each (in any summation order), and
    // for equal values the errors add up: the noise grows with n, not a fixed few eps.
    const double noise = (8.0 + 2.0 * n) * std::numeric_limits<double>::epsilon();
    return variance <= noise * second_moment ? 0.0 : variance;
  }
  // n*Σx² − (Σx)² exactly in 128 bits (both terms < 2^96 within the documented bounds), so
  // the only rounding is the final division and the result is decomposition independent.
  using u128 = unsigned __int128;
  const u128 numerator = static_cast<u128>(count) * sum_sq_int -
                         static_cast<u128>(sum_int) * static_cast<u128>(sum_int);
  return static_cast<double>(numerator) / (n * n);
}

void ParticleRecord::merge(const ParticleRecord& other) {
  grey.merge(other.grey);
  for (int a = 0; a < 3; ++a) {
    index_sum[a] += other.index_sum[a];
    index_product_sum[a] += other.index_product_sum[a];
    index_product_sum[a + 3] += other.index_product_sum[a + 3];
    bbox_lo[a] = std::min(bbox_lo[a], other.bbox_lo[a]);
    bbox_hi[a] = std::max(bbox_hi[a], other.bbox_hi[a]);
  }
  grey_min = std::min(grey_min, other.grey_min);
  grey_max = std::max(grey_max, other.grey_max);
}

namespace {
template <class T>
void move_append(std::vector<T>& to, std::vector<T>& from) {
  if (to.empty()) {
    to = std::move(from);
  } else {
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  }
  from.clear();
}
}  // namespace

void PartialRecords::append(PartialRecords&& other) {
  move_append(layers, other.layers);
  move_append(surfaces, other.surfaces);
  move_append(adjacency, other.adjacency);
  unassigned_voxels += other.unassigned_voxels;
  if (other.inexact_voxels > 0)
    first_inexact_label = inexact_voxels > 0
                              ? std::min(first_inexact_label, other.first_inexact_label)
                              : other.first_inexact_label;
  inexact_voxels += other.inexact_voxels;
}

}  // namespace grapes
