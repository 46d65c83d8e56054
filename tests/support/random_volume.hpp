#pragma once
// Random multi-label test volumes for the pipeline tests (test_pipeline, test_slabs).
#include <array>
#include <cmath>
#include <cstdint>
#include <random>

#include "support/reference.hpp"

namespace grapes::test {

// Random touching blobs: boxes and balls of a few label values, some label values used for
// two separate blobs (labels not contiguous in space), many touching the image faces.
inline RefVolume random_volume(std::array<long, 3> shape, unsigned seed,
                               std::array<double, 3> spacing, int max_grey) {
  std::mt19937 random(seed);
  RefVolume v;
  v.shape = shape;
  v.spacing = spacing;
  const long n = shape[0] * shape[1] * shape[2];
  v.labels.assign(n, 0);
  v.grey.assign(n, 0);
  const std::uint32_t palette[] = {3, 7, 8, 1000, 65000, 12, 5};
  const int blobs = 4 + random() % 6;
  for (int b = 0; b < blobs; ++b) {
    const std::uint32_t label = palette[random() % 7];
    long centre[3], radius[3];
    for (int a = 0; a < 3; ++a) {
      centre[a] = random() % shape[a];
      radius[a] = 1 + random() % std::max<long>(1, shape[a] / 2);
    }
    const bool ball = random() % 2;
    for (long z = 0; z < shape[0]; ++z)
      for (long y = 0; y < shape[1]; ++y)
        for (long x = 0; x < shape[2]; ++x) {
          const double dz = double(z - centre[0]) / radius[0],
                       dy = double(y - centre[1]) / radius[1],
                       dx = double(x - centre[2]) / radius[2];
          const bool inside = ball ? dz * dz + dy * dy + dx * dx <= 1.0
                                   : std::abs(dz) <= 1 && std::abs(dy) <= 1 && std::abs(dx) <= 1;
          if (inside) v.labels[v.index(z, y, x)] = label;
        }
  }
  for (long i = 0; i < n; ++i) v.grey[i] = random() % (max_grey + 1);
  return v;
}

}  // namespace grapes::test
