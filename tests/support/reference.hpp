#pragma once
// Brute-force serial reference for the particle, layer and adjacency tables (docs/METHOD.md),
// written from the definitions with no shared code: O(N^2) distances, plain loops.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <vector>

namespace grapes::test {

struct RefVolume {
  std::array<long, 3> shape{0, 0, 0};
  std::vector<std::uint32_t> labels;  // C order
  std::vector<double> grey;
  std::array<double, 3> spacing{1, 1, 1};
  long index(long z, long y, long x) const { return (z * shape[1] + y) * shape[2] + x; }
};

struct RefLayer {
  long count = 0;
  double sum = 0, sum_sq = 0;
  std::vector<double> values;
};

// Population standard deviation by two passes (mean, then squared deviations): accurate even
// when the mean is large next to the spread.
inline double two_pass_std(const std::vector<double>& values) {
  if (values.empty()) return 0.0;
  double mean = 0;
  for (double v : values) mean += v;
  mean /= double(values.size());
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return std::sqrt(squares / double(values.size()));
}

struct RefParticle {
  std::uint32_t label = 0;
  long volume = 0;
  double sum = 0, sum_sq = 0, min = 1e300, max = -1e300;
  std::vector<double> values;
  std::array<double, 3> index_sum{0, 0, 0};
  std::array<long, 3> lo{1L << 40, 1L << 40, 1L << 40}, hi{-1, -1, -1};
  std::map<long, RefLayer> layers;  // layer k >= 1
  long unassigned = 0;
  std::map<std::uint32_t, long> neighbours;                      // label -> shared faces
  std::map<std::uint32_t, std::array<long, 3>> axis_neighbours;  // label -> faces across z, y, x
  std::vector<std::array<double, 3>> coordinates;                // physical, per voxel
};

// The population covariance of the particle's physical voxel coordinates, two passes.
inline std::array<std::array<double, 3>, 3> covariance(const RefParticle& p) {
  std::array<double, 3> mean{0, 0, 0};
  for (const auto& c : p.coordinates)
    for (int a = 0; a < 3; ++a) mean[a] += c[a];
  for (int a = 0; a < 3; ++a) mean[a] /= double(p.coordinates.size());
  std::array<std::array<double, 3>, 3> cov{};
  for (const auto& c : p.coordinates)
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) cov[a][b] += (c[a] - mean[a]) * (c[b] - mean[b]);
  for (auto& row : cov)
    for (double& entry : row) entry /= double(p.coordinates.size());
  return cov;
}

// Squared physical distance from voxel v (label L) to the nearest voxel not labelled L, with
// a black border outside the image (none along a singleton z axis of a 2-D image).
inline double brute_force_d2(const RefVolume& v, long z, long y, long x) {
  const std::uint32_t label = v.labels[v.index(z, y, x)];
  const bool planar = v.shape[0] == 1;
  double best = std::numeric_limits<double>::infinity();
  const long p[3] = {z, y, x};
  for (int a = planar ? 1 : 0; a < 3; ++a) {
    const double to_low = double(p[a] + 1) * v.spacing[a];
    const double to_high = double(v.shape[a] - p[a]) * v.spacing[a];
    best = std::min({best, to_low * to_low, to_high * to_high});
  }
  for (long k = 0; k < v.shape[0]; ++k)
    for (long j = 0; j < v.shape[1]; ++j)
      for (long i = 0; i < v.shape[2]; ++i) {
        if (v.labels[v.index(k, j, i)] == label) continue;
        const double dz = (k - z) * v.spacing[0], dy = (j - y) * v.spacing[1],
                     dx = (i - x) * v.spacing[2];
        best = std::min(best, dz * dz + dy * dy + dx * dx);
      }
  return best;
}

inline long round_half_even(double value) {
  const double f = std::floor(value);
  const double fraction = value - f;
  long r = static_cast<long>(f);
  if (fraction > 0.5 || (fraction == 0.5 && (r % 2 != 0))) ++r;
  return r;
}

inline std::map<std::uint32_t, RefParticle> reference_particles(const RefVolume& v,
                                                                double layer_width) {
  std::map<std::uint32_t, RefParticle> out;
  for (long z = 0; z < v.shape[0]; ++z)
    for (long y = 0; y < v.shape[1]; ++y)
      for (long x = 0; x < v.shape[2]; ++x) {
        const std::uint32_t label = v.labels[v.index(z, y, x)];
        if (label == 0) continue;
        RefParticle& p = out[label];
        p.label = label;
        const double g = v.grey[v.index(z, y, x)];
        ++p.volume;
        p.sum += g;
        p.sum_sq += g * g;
        p.values.push_back(g);
        p.min = std::min(p.min, g);
        p.max = std::max(p.max, g);
        const long c[3] = {z, y, x};
        for (int a = 0; a < 3; ++a) {
          p.index_sum[a] += c[a];
          p.lo[a] = std::min(p.lo[a], c[a]);
          p.hi[a] = std::max(p.hi[a], c[a] + 1);
        }
        p.coordinates.push_back({z * v.spacing[0], y * v.spacing[1], x * v.spacing[2]});
        const long layer = round_half_even(std::sqrt(brute_force_d2(v, z, y, x)) / layer_width);
        if (layer == 0) {
          ++p.unassigned;
        } else {
          RefLayer& l = p.layers[layer];
          ++l.count;
          l.sum += g;
          l.sum_sq += g * g;
          l.values.push_back(g);
        }
        // Face neighbours in both directions.
        const long step[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
        for (int a = 0; a < 3; ++a)
          for (int sign : {-1, 1}) {
            const long n[3] = {z + sign * step[a][0], y + sign * step[a][1], x + sign * step[a][2]};
            if (n[0] < 0 || n[1] < 0 || n[2] < 0 || n[0] >= v.shape[0] || n[1] >= v.shape[1] ||
                n[2] >= v.shape[2])
              continue;
            const std::uint32_t other = v.labels[v.index(n[0], n[1], n[2])];
            if (other != 0 && other != label) {
              ++p.neighbours[other];
              ++p.axis_neighbours[other][a];
            }
          }
      }
  return out;
}

}  // namespace grapes::test
