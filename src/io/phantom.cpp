// The synthetic NMC electrode phantom: particle placement, voxel filling and the sources
// (io/phantom.hpp documents the model).
#include "grapes/io/phantom.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "grapes/error.hpp"
#include "grapes/format.hpp"

namespace grapes {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

// Portable random numbers: the same on every compiler and standard library.
std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t splitmix64(std::uint64_t& state) {
  state += kGolden;
  return mix64(state);
}

std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

// xoshiro256** seeded through splitmix64, with Box-Muller normals.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    std::uint64_t state = seed;
    for (auto& word : s_) word = splitmix64(state);
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n), n > 0.
  std::size_t below(std::size_t n) {
    const auto k = static_cast<std::size_t>(uniform() * static_cast<double>(n));
    return std::min(k, n - 1);
  }
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    const double radius = std::sqrt(-2.0 * std::log(u1));
    spare_ = radius * std::sin(2.0 * kPi * u2);
    has_spare_ = true;
    return radius * std::cos(2.0 * kPi * u2);
  }

 private:
  std::array<std::uint64_t, 4> s_{};
  bool has_spare_ = false;
  double spare_ = 0.0;
};

// Stream keys, so that geometry, appearance and noise use independent streams.
constexpr std::uint64_t kGeometryKey = 0x67656f6d65747279ULL;
constexpr std::uint64_t kAppearanceKey = 0x6170706561720000ULL;
constexpr std::uint64_t kNoiseKey = 0x6e6f697365000000ULL;
constexpr std::uint64_t kDropKey = 0x64726f7000000000ULL;
constexpr std::uint64_t kPermutationKey = 0x7065726d00000000ULL;

std::uint64_t noise_stream(std::uint64_t seed, int step) {
  return mix64(mix64(seed ^ kNoiseKey) + static_cast<std::uint64_t>(step));
}

// Inverse of the standard normal CDF (Acklam's approximation, one Halley refinement).
double inverse_normal_cdf(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double p_low = 0.02425;
  double x = 0.0;
  if (p < p_low) {
    const double q = std::sqrt(-2.0 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else if (p <= 1.0 - p_low) {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  } else {
    const double q = std::sqrt(-2.0 * std::log(1.0 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  }
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * std::sqrt(2.0 * kPi) * std::exp(x * x / 2.0);
  return x - u / (1.0 + x * u / 2.0);
}

// Per-voxel normal noise from a 64-bit hash: a piecewise-linear inverse CDF over 4096 equal
// probability segments (tails to about +-3.7 sd), rescaled to unit variance. Much cheaper
// than Box-Muller per voxel and just as deterministic.
constexpr int kNoiseSegments = 4096;  // 2^12: the top 12 bits of the hash pick the segment

struct NoiseTable {
  std::array<double, kNoiseSegments + 1> value{};
  NoiseTable() {
    for (int i = 0; i <= kNoiseSegments; ++i)
      value[i] = inverse_normal_cdf((i + 0.5) / (kNoiseSegments + 1));
    double second_moment = 0.0;
    for (int i = 0; i < kNoiseSegments; ++i) {
      const double lo = value[i], hi = value[i + 1];
      second_moment += (lo * lo + lo * hi + hi * hi) / 3.0;
    }
    const double scale = 1.0 / std::sqrt(second_moment / kNoiseSegments);
    for (auto& v : value) v *= scale;
  }
};

const NoiseTable& noise_table() {
  static const NoiseTable table;
  return table;
}

inline double hashed_normal(std::uint64_t h, const double* table) {
  const std::uint64_t i = h >> 52;
  const double f = static_cast<double>((h >> 20) & 0xFFFFFFFFULL) * 0x1.0p-32;
  return table[i] + f * (table[i + 1] - table[i]);
}

[[noreturn]] void invalid(const std::string& key, const std::string& why) {
  throw InputError("input.phantom." + key + ": " + why);
}

std::string number(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

std::uint64_t dtype_max(DType t) {
  switch (t) {
    case DType::u8:
      return std::numeric_limits<std::uint8_t>::max();
    case DType::u16:
      return std::numeric_limits<std::uint16_t>::max();
    case DType::u32:
      return std::numeric_limits<std::uint32_t>::max();
    case DType::u64:
      return std::numeric_limits<std::uint64_t>::max();
    case DType::f32:
      return std::uint64_t{1} << 24;  // consecutive integers exact in a float
    case DType::f64:
      return std::uint64_t{1} << 53;
    default:  // signed types: refused by validate_phantom_spec
      return 0;
  }
}

// Writes one row of grey values, rounded half up and clamped to T's range.
template <class T>
void store_grey(const double* values, index_t n, T* out) {
  constexpr double top = static_cast<double>(std::numeric_limits<T>::max());
  for (index_t i = 0; i < n; ++i) {
    const double r = std::floor(values[i] + 0.5);
    if (r <= 0.0)
      out[i] = 0;
    else if (r >= top)
      out[i] = std::numeric_limits<T>::max();
    else
      out[i] = static_cast<T>(r);
  }
}

void store_grey_row(const double* values, index_t n, void* out, std::size_t offset, DType t) {
  switch (t) {
    case DType::u8:
      store_grey(values, n, static_cast<std::uint8_t*>(out) + offset);
      return;
    case DType::u16:
      store_grey(values, n, static_cast<std::uint16_t*>(out) + offset);
      return;
    case DType::u32:
      store_grey(values, n, static_cast<std::uint32_t*>(out) + offset);
      return;
    case DType::u64:
      store_grey(values, n, static_cast<std::uint64_t*>(out) + offset);
      return;
    case DType::f32: {
      float* dst = static_cast<float*>(out) + offset;
      for (index_t i = 0; i < n; ++i) dst[i] = static_cast<float>(values[i]);
      return;
    }
    case DType::f64:
      std::copy(values, values + n, static_cast<double*>(out) + offset);
      return;
    default:  // signed types: refused by validate_phantom_spec
      throw std::logic_error("phantom: signed grey dtype");
  }
}

template <class T>
void store_labels(const std::uint64_t* labels, index_t n, T* out) {
  for (index_t i = 0; i < n; ++i) out[i] = static_cast<T>(labels[i]);
}

void store_label_row(const std::uint64_t* labels, index_t n, void* out, std::size_t offset,
                     DType t) {
  switch (t) {
    case DType::u8:
      store_labels(labels, n, static_cast<std::uint8_t*>(out) + offset);
      return;
    case DType::u16:
      store_labels(labels, n, static_cast<std::uint16_t*>(out) + offset);
      return;
    case DType::u32:
      store_labels(labels, n, static_cast<std::uint32_t*>(out) + offset);
      return;
    case DType::u64:
      store_labels(labels, n, static_cast<std::uint64_t*>(out) + offset);
      return;
    case DType::f32:
      store_labels(labels, n, static_cast<float*>(out) + offset);
      return;
    case DType::f64:
      store_labels(labels, n, static_cast<double*>(out) + offset);
      return;
    default:  // signed types: refused by validate_phantom_spec
      throw std::logic_error("phantom: signed label dtype");
  }
}

void check_labels_fit(std::size_t count, DType t) {
  if (static_cast<std::uint64_t>(count) > dtype_max(t))
    invalid("label_dtype", "the phantom has " + std::to_string(count) + " particles, more than " +
                               dtype_name(t) + " labels can hold");
}

void check_step(int step) {
  if (step < 0)
    throw std::invalid_argument("phantom step must be >= 0, got " + std::to_string(step));
}

}  // namespace

void validate_phantom_spec(const PhantomSpec& s) {
  for (int a = 0; a < 3; ++a)
    if (s.shape[a] <= 0)
      invalid("shape", "every extent must be positive, got " + shape_text(s.shape));
  const index_t limit = index_t{1} << 40;
  if (s.shape[0] > limit / s.shape[1] / s.shape[2])
    invalid("shape", "too many voxels: " + shape_text(s.shape));
  const std::pair<const char*, double> finite[] = {{"radius_mean", s.radius_mean},
                                                   {"radius_sd", s.radius_sd},
                                                   {"packing", s.packing},
                                                   {"elongation", s.elongation},
                                                   {"grey_mean", s.grey_mean},
                                                   {"grey_sd", s.grey_sd},
                                                   {"background", s.background},
                                                   {"noise_sd", s.noise_sd},
                                                   {"damage_fraction", s.damage_fraction},
                                                   {"damage_depth", s.damage_depth}};
  for (const auto& [key, value] : finite)
    if (!std::isfinite(value)) invalid(key, "must be a finite number, got " + number(value));
  if (s.radius_mean < 1.0)
    invalid("radius_mean", "must be at least 1 voxel, got " + number(s.radius_mean));
  if (s.radius_sd < 0.0) invalid("radius_sd", "must be >= 0, got " + number(s.radius_sd));
  if (!(s.packing > 0.0 && s.packing <= 0.74))
    invalid("packing", "must be in (0, 0.74], got " + number(s.packing));
  if (s.elongation < 0.0 || s.elongation > 2.0)
    invalid("elongation", "must be in [0, 2], got " + number(s.elongation));
  if (s.grey_sd < 0.0) invalid("grey_sd", "must be >= 0, got " + number(s.grey_sd));
  if (s.noise_sd < 0.0) invalid("noise_sd", "must be >= 0, got " + number(s.noise_sd));
  if (s.damage_fraction < 0.0 || s.damage_fraction > 1.0)
    invalid("damage_fraction", "must be in [0, 1], got " + number(s.damage_fraction));
  if (s.damage_depth < 0.0) invalid("damage_depth", "must be >= 0, got " + number(s.damage_depth));
  if (dtype_is_signed(s.grey_dtype))
    invalid("grey_dtype",
            std::string("must be unsigned or floating point, got ") + dtype_name(s.grey_dtype));
  if (dtype_is_float(s.label_dtype) || dtype_is_signed(s.label_dtype))
    invalid("label_dtype",
            std::string("must be an unsigned integer type, got ") + dtype_name(s.label_dtype));
  const double voxels = static_cast<double>(s.shape[0]) * static_cast<double>(s.shape[1]) *
                        static_cast<double>(s.shape[2]);
  const double expected =
      s.packing * voxels / (4.0 / 3.0 * kPi * s.radius_mean * s.radius_mean * s.radius_mean);
  if (expected > 2.0e7)
    invalid("radius_mean",
            "too small for this shape: about " + number(expected) + " particles (at most 2e7)");
}

Phantom::Phantom(const PhantomSpec& spec) : spec_(spec) {
  validate_phantom_spec(spec_);
  generate();
  assign_appearance();
}

double Phantom::damage_scale(int step) {
  return static_cast<double>(step);
}

std::vector<std::uint64_t> Phantom::written_labels() const {
  std::vector<std::uint64_t> labels(particles_.size());
  for (std::size_t p = 0; p < labels.size(); ++p) labels[p] = particles_[p].label;
  if (spec_.permute_labels == 0) return labels;
  Rng rng(mix64(spec_.seed ^ kPermutationKey ^ mix64(spec_.permute_labels)));
  for (std::size_t i = labels.size(); i > 1; --i) std::swap(labels[i - 1], labels[rng.below(i)]);
  return labels;
}

std::vector<char> Phantom::dropped_labels(int step) const {
  std::vector<char> dropped(particles_.size(), 0);
  if (spec_.drop_fraction <= 0.0) return dropped;
  const std::uint64_t stream = mix64(mix64(spec_.seed ^ kDropKey) + static_cast<std::uint64_t>(step));
  for (std::size_t p = 0; p < particles_.size(); ++p) {
    const double u = static_cast<double>(mix64(stream + (p + 1) * kGolden) >> 11) * 0x1.0p-53;
    dropped[p] = u < spec_.drop_fraction;
  }
  return dropped;
}

void Phantom::generate() {
  const Index3 n = spec_.shape;
  const double mean = spec_.radius_mean;
  const double sd = spec_.radius_sd;
  const double sigma2 = std::log(1.0 + (sd / mean) * (sd / mean));
  const double mu = std::log(mean) - sigma2 / 2.0;
  const double sigma = std::sqrt(sigma2);
  const double r_lo = std::max(1.0, 0.3 * mean);
  const double r_hi = std::max(mean + 4.0 * sd, r_lo);

  // Coarse sampling grid: the placement's picture of which space is still empty.
  index_t g = std::max<index_t>(1, static_cast<index_t>(std::floor(mean / 4.0)));
  Index3 nc{};
  auto cell_count = [&]() {
    for (int a = 0; a < 3; ++a) nc[a] = (n[a] + g - 1) / g;
    return nc[0] * nc[1] * nc[2];
  };
  while (cell_count() > (index_t{1} << 24)) ++g;
  const index_t cells = cell_count();
  auto sample = [&](int a, index_t i) {
    return std::min(static_cast<double>(i * g) + static_cast<double>(g - 1) / 2.0,
                    static_cast<double>(n[a] - 1));
  };
  std::vector<std::uint8_t> filled(static_cast<std::size_t>(cells), 0);
  std::vector<std::uint32_t> empty(static_cast<std::size_t>(cells));
  for (index_t i = 0; i < cells; ++i) empty[i] = static_cast<std::uint32_t>(i);
  index_t filled_count = 0;
  const auto target = static_cast<index_t>(std::ceil(spec_.packing * static_cast<double>(cells)));

  // Bins of particle centres for the overlap test (linked lists: head per bin, next per
  // particle). A bin is at least twice the largest radius, so 27 bins hold every neighbour.
  double bin_size = 2.0 * r_hi;
  Index3 nb{};
  auto bin_count = [&]() {
    for (int a = 0; a < 3; ++a)
      nb[a] = std::max<index_t>(1, static_cast<index_t>(std::ceil(n[a] / bin_size)));
    return nb[0] * nb[1] * nb[2];
  };
  while (bin_count() > (index_t{1} << 22)) bin_size *= 1.25;
  std::vector<std::int32_t> head(static_cast<std::size_t>(bin_count()), -1);
  std::vector<std::int32_t> next;
  auto bin_of = [&](int a, double x) {
    const auto b = static_cast<index_t>(std::floor((x + 0.5) / bin_size));
    return std::clamp<index_t>(b, 0, nb[a] - 1);
  };

  const double voxels =
      static_cast<double>(n[0]) * static_cast<double>(n[1]) * static_cast<double>(n[2]);
  const double expected = spec_.packing * voxels / (4.0 / 3.0 * kPi * mean * mean * mean);
  const auto max_attempts = static_cast<std::int64_t>(200000 + 100 * expected);
  const int relax_after = 300;
  double alpha = 0.85;
  const double alpha_min = 0.5;
  int failures = 0;
  double drawn = 0.0;  // the radius being placed: redrawn only once placed
  bool have_drawn = false;
  const double shrink = 0.85;  // a radius may shrink to this fraction of its draw to fit

  Rng rng(mix64(spec_.seed ^ kGeometryKey));
  for (std::int64_t attempt = 0;
       attempt < max_attempts && filled_count < target && !empty.empty();) {
    const std::size_t pick = rng.below(empty.size());
    const std::uint32_t cell = empty[pick];
    if (filled[cell]) {  // stale entry: drop it
      empty[pick] = empty.back();
      empty.pop_back();
      continue;
    }
    ++attempt;
    const index_t cz = cell / (nc[1] * nc[2]);
    const index_t cy = (cell / nc[2]) % nc[1];
    const index_t cx = cell % nc[2];
    const index_t cidx[3] = {cz, cy, cx};
    std::array<double, 3> centre{};
    for (int a = 0; a < 3; ++a) {
      const double jitter = (rng.uniform() - 0.5) * static_cast<double>(g);
      centre[a] = std::clamp(sample(a, cidx[a]) + jitter, -0.5, static_cast<double>(n[a]) - 0.5);
    }
    if (!have_drawn) {
      drawn = std::clamp(std::exp(mu + sigma * rng.normal()), r_lo, r_hi);
      have_drawn = true;
    }
    double fit = drawn;
    const index_t b0 = bin_of(0, centre[0]), b1 = bin_of(1, centre[1]), b2 = bin_of(2, centre[2]);
    for (index_t i = std::max<index_t>(0, b0 - 1); i <= std::min(nb[0] - 1, b0 + 1); ++i)
      for (index_t j = std::max<index_t>(0, b1 - 1); j <= std::min(nb[1] - 1, b1 + 1); ++j)
        for (index_t k = std::max<index_t>(0, b2 - 1); k <= std::min(nb[2] - 1, b2 + 1); ++k)
          for (std::int32_t p = head[(i * nb[1] + j) * nb[2] + k]; p >= 0; p = next[p]) {
            const auto& other = particles_[p];
            double d2 = 0.0;
            for (int a = 0; a < 3; ++a)
              d2 += (centre[a] - other.centre[a]) * (centre[a] - other.centre[a]);
            fit = std::min(fit, std::sqrt(d2) / alpha - other.radius);
          }
    if (fit < std::max(r_lo, shrink * drawn)) {
      if (++failures >= relax_after) {
        alpha = std::max(alpha_min, alpha * 0.97);
        failures = 0;
      }
      continue;
    }
    failures = 0;
    have_drawn = false;
    const double r = std::min(drawn, fit);

    // Shape and orientation.
    PhantomParticle particle;
    particle.centre = centre;
    const double t = rng.uniform() * spec_.elongation;
    particle.semi_axes = {r * (1.0 + t), r / std::sqrt(1.0 + t), r / std::sqrt(1.0 + t)};
    particle.radius = r;
    const double u1 = rng.uniform(), u2 = rng.uniform(), u3 = rng.uniform();
    const double qw = std::sqrt(1.0 - u1) * std::sin(2.0 * kPi * u2);
    const double qx = std::sqrt(1.0 - u1) * std::cos(2.0 * kPi * u2);
    const double qy = std::sqrt(u1) * std::sin(2.0 * kPi * u3);
    const double qz = std::sqrt(u1) * std::cos(2.0 * kPi * u3);
    const double rot[3][3] = {
        {1 - 2 * (qy * qy + qz * qz), 2 * (qx * qy - qw * qz), 2 * (qx * qz + qw * qy)},
        {2 * (qx * qy + qw * qz), 1 - 2 * (qx * qx + qz * qz), 2 * (qy * qz - qw * qx)},
        {2 * (qx * qz - qw * qy), 2 * (qy * qz + qw * qx), 1 - 2 * (qx * qx + qy * qy)}};
    for (int k = 0; k < 3; ++k)
      for (int a = 0; a < 3; ++a) particle.axes[k][a] = rot[a][k];
    Geometry geo{};
    geo.c = centre;
    geo.r2 = r * r;
    const int pairs[6][2] = {{0, 0}, {0, 1}, {0, 2}, {1, 1}, {1, 2}, {2, 2}};
    for (int e = 0; e < 6; ++e) {
      double m = 0.0;
      for (int k = 0; k < 3; ++k)
        m += particle.axes[k][pairs[e][0]] * particle.axes[k][pairs[e][1]] /
             (particle.semi_axes[k] * particle.semi_axes[k]);
      geo.m[e] = m;
    }
    std::array<double, 3> half{};
    for (int a = 0; a < 3; ++a) {
      double h2 = 0.0;
      for (int k = 0; k < 3; ++k)
        h2 += particle.axes[k][a] * particle.semi_axes[k] * particle.axes[k][a] *
              particle.semi_axes[k];
      half[a] = std::sqrt(h2);
      particle.bounds.lo[a] = static_cast<index_t>(std::floor(centre[a] - half[a]));
      particle.bounds.hi[a] = static_cast<index_t>(std::ceil(centre[a] + half[a])) + 1;
    }
    // Nothing reaches into the clear box (pure background): try elsewhere.
    if (spec_.clear_box && !particle.bounds.intersect(*spec_.clear_box).empty()) continue;
    particle.label = particles_.size() + 1;

    // Mark the sampling cells it covers.
    auto q2_at = [&](const double* p) {
      const double dz = p[0] - geo.c[0], dy = p[1] - geo.c[1], dx = p[2] - geo.c[2];
      return geo.m[0] * dz * dz + 2.0 * geo.m[1] * dz * dy + 2.0 * geo.m[2] * dz * dx +
             geo.m[3] * dy * dy + 2.0 * geo.m[4] * dy * dx + geo.m[5] * dx * dx;
    };
    index_t lo[3], hi[3];
    for (int a = 0; a < 3; ++a) {
      const double offset = static_cast<double>(g - 1) / 2.0;
      lo[a] = std::max<index_t>(
          0, static_cast<index_t>(std::floor((centre[a] - half[a] - offset) / g)));
      hi[a] = std::min<index_t>(
          nc[a] - 1, static_cast<index_t>(std::ceil((centre[a] + half[a] - offset) / g)));
    }
    for (index_t i = lo[0]; i <= hi[0]; ++i)
      for (index_t j = lo[1]; j <= hi[1]; ++j)
        for (index_t k = lo[2]; k <= hi[2]; ++k) {
          const index_t c = (i * nc[1] + j) * nc[2] + k;
          if (filled[c]) continue;
          const double p[3] = {sample(0, i), sample(1, j), sample(2, k)};
          if (q2_at(p) < 1.0) {
            filled[c] = 1;
            ++filled_count;
          }
        }

    const auto id = static_cast<std::int32_t>(particles_.size());
    const std::size_t bin = static_cast<std::size_t>((b0 * nb[1] + b1) * nb[2] + b2);
    next.push_back(head[bin]);
    head[bin] = id;
    particles_.push_back(particle);
    geometry_.push_back(geo);
  }
  placed_fraction_ = static_cast<double>(filled_count) / static_cast<double>(cells);
}

void Phantom::assign_appearance() {
  Rng rng(mix64(spec_.seed ^ kAppearanceKey));
  for (auto& p : particles_) p.grey = spec_.grey_mean + spec_.grey_sd * rng.normal();
  const std::size_t count = particles_.size();
  const auto damaged =
      std::min(count, static_cast<std::size_t>(std::llround(spec_.damage_fraction * count)));
  std::vector<std::size_t> order(count);
  for (std::size_t i = 0; i < count; ++i) order[i] = i;
  for (std::size_t i = 0; i < damaged; ++i) {  // partial Fisher-Yates shuffle
    std::swap(order[i], order[i + rng.below(count - i)]);
    auto& p = particles_[order[i]];
    p.damaged = true;
    p.damage_depth = spec_.damage_depth * (0.5 + 0.5 * rng.uniform());
  }
}

void Phantom::fill_box(const Box& box, int step, void* grey_out, DType grey_dtype, void* labels_out,
                       DType label_dtype) const {
  check_step(step);
  const Index3 n = spec_.shape;
  for (int a = 0; a < 3; ++a)
    if (box.lo[a] < 0 || box.hi[a] > n[a] || box.lo[a] > box.hi[a])
      throw std::out_of_range("phantom box outside the volume " + shape_text(n));
  if (box.empty() || (grey_out == nullptr && labels_out == nullptr)) return;
  if (labels_out != nullptr) check_labels_fit(particles_.size(), label_dtype);

  // The particles that can reach this box, binned over (z, y) rows of the box; each bin
  // lists its particles in label order (ties go to the lower label).
  constexpr index_t kBin = 8;
  const Index3 e = box.extents();
  const index_t nbz = (e[0] + kBin - 1) / kBin, nby = (e[1] + kBin - 1) / kBin;
  std::vector<std::uint32_t> candidates;
  for (std::size_t p = 0; p < particles_.size(); ++p)
    if (!particles_[p].bounds.intersect(box).empty())
      candidates.push_back(static_cast<std::uint32_t>(p));
  std::vector<std::size_t> start(static_cast<std::size_t>(nbz * nby) + 1, 0);
  auto bin_range = [&](std::uint32_t p, int a, index_t& b_lo, index_t& b_hi) {
    const Box& b = particles_[p].bounds;
    b_lo = (std::max(b.lo[a], box.lo[a]) - box.lo[a]) / kBin;
    b_hi = (std::min(b.hi[a], box.hi[a]) - 1 - box.lo[a]) / kBin;
  };
  auto for_each_bin = [&](std::uint32_t p, auto&& visit) {
    index_t z0, z1, y0, y1;
    bin_range(p, 0, z0, z1);
    bin_range(p, 1, y0, y1);
    for (index_t bz = z0; bz <= z1; ++bz)
      for (index_t by = y0; by <= y1; ++by) visit(static_cast<std::size_t>(bz * nby + by));
  };
  for (std::uint32_t p : candidates) for_each_bin(p, [&](std::size_t bin) { ++start[bin + 1]; });
  for (std::size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
  std::vector<std::uint32_t> binned(start.back());
  {
    std::vector<std::size_t> cursor(start.begin(), start.end() - 1);
    for (std::uint32_t p : candidates)
      for_each_bin(p, [&](std::size_t bin) { binned[cursor[bin]++] = p; });
  }

  // One row at a time: the owner of each voxel is the particle of smallest power distance
  // among those whose ellipsoid contains it.
  const index_t ex = e[2];
  std::vector<double> best(ex), own_q2(ex), grey(ex);
  std::vector<std::int64_t> owner(ex);
  std::vector<std::uint64_t> labels(ex);
  const double scale = spec_.damage_scale.value_or(damage_scale(step));
  const std::vector<char> dropped = dropped_labels(step);
  const std::vector<std::uint64_t> written = written_labels();
  const bool noisy = spec_.noise_sd > 0.0;
  const std::uint64_t stream = noise_stream(spec_.seed, step);
  const double* table = noise_table().value.data();
  constexpr double kCore2 = 0.36;  // damage inside q < 0.6
  std::size_t offset = 0;
  for (index_t z = box.lo[0]; z < box.hi[0]; ++z) {
    for (index_t y = box.lo[1]; y < box.hi[1]; ++y, offset += static_cast<std::size_t>(ex)) {
      std::fill(best.begin(), best.end(), std::numeric_limits<double>::infinity());
      std::fill(owner.begin(), owner.end(), -1);
      const auto bin =
          static_cast<std::size_t>(((z - box.lo[0]) / kBin) * nby + (y - box.lo[1]) / kBin);
      for (std::size_t c = start[bin]; c < start[bin + 1]; ++c) {
        const std::uint32_t p = binned[c];
        const Box& bounds = particles_[p].bounds;
        if (z < bounds.lo[0] || z >= bounds.hi[0] || y < bounds.lo[1] || y >= bounds.hi[1])
          continue;
        const Geometry& geo = geometry_[p];
        const double dz = static_cast<double>(z) - geo.c[0];
        const double dy = static_cast<double>(y) - geo.c[1];
        // q^2(x) = A dx^2 + 2 B dx + C along the row, dx = x - centre_x.
        const double qa = geo.m[5];
        const double qb = geo.m[2] * dz + geo.m[4] * dy;
        const double qc = geo.m[0] * dz * dz + 2.0 * geo.m[1] * dz * dy + geo.m[3] * dy * dy;
        const double disc = qb * qb - qa * (qc - 1.0);
        if (disc <= 0.0) continue;
        const double root = std::sqrt(disc);
        const double x_lo = geo.c[2] + (-qb - root) / qa;
        const double x_hi = geo.c[2] + (-qb + root) / qa;
        const index_t x0 = std::max(box.lo[2], static_cast<index_t>(std::floor(x_lo)));
        const index_t x1 = std::min(box.hi[2] - 1, static_cast<index_t>(std::ceil(x_hi)));
        for (index_t x = x0; x <= x1; ++x) {
          const double dx = static_cast<double>(x) - geo.c[2];
          const double q2 = (qa * dx + 2.0 * qb) * dx + qc;  // the same for any box
          if (q2 >= 1.0) continue;
          const double power = geo.r2 * (q2 - 1.0);
          const index_t k = x - box.lo[2];
          if (power < best[k]) {
            best[k] = power;
            owner[k] = p;
            own_q2[k] = q2;
          }
        }
      }
      const std::uint64_t row_index =
          (static_cast<std::uint64_t>(z) * static_cast<std::uint64_t>(n[1]) +
           static_cast<std::uint64_t>(y)) *
              static_cast<std::uint64_t>(n[2]) +
          static_cast<std::uint64_t>(box.lo[2]);
      for (index_t k = 0; k < ex; ++k) {
        double v = spec_.background;
        std::uint64_t label = 0;
        if (owner[k] >= 0) {
          const PhantomParticle& particle = particles_[static_cast<std::size_t>(owner[k])];
          v = particle.grey;
          const auto p = static_cast<std::size_t>(owner[k]);
          label = dropped[p] ? 0 : written[p];
          if (particle.damaged && own_q2[k] < kCore2)
            v -= particle.damage_depth * scale * (1.0 - own_q2[k] / kCore2);
        }
        if (noisy) {
          const std::uint64_t h =
              mix64(stream + (row_index + static_cast<std::uint64_t>(k)) * kGolden);
          v += spec_.noise_sd * hashed_normal(h, table);
        }
        grey[k] = v;
        labels[k] = label;
      }
      if (grey_out != nullptr) store_grey_row(grey.data(), ex, grey_out, offset, grey_dtype);
      if (labels_out != nullptr)
        store_label_row(labels.data(), ex, labels_out, offset, label_dtype);
    }
  }
}

namespace {

class PhantomSource final : public VolumeSource {
 public:
  PhantomSource(std::shared_ptr<const Phantom> phantom, bool grey, int step)
      : phantom_(std::move(phantom)), grey_(grey), step_(step) {}
  Index3 shape() const override { return phantom_->shape(); }
  DType dtype() const override {
    return grey_ ? phantom_->spec().grey_dtype : phantom_->spec().label_dtype;
  }
  std::string describe() const override {
    std::ostringstream out;
    out << "phantom(seed=" << phantom_->spec().seed << ", shape=" << shape_text(shape())
        << ", step=" << step_ << ")";
    return out.str();
  }
  void read_box(const Box& box, void* destination) override {
    if (grey_)
      phantom_->fill_box(box, step_, destination, dtype(), nullptr, DType::u8);
    else
      phantom_->fill_box(box, step_, nullptr, DType::u8, destination, dtype());
  }

 private:
  std::shared_ptr<const Phantom> phantom_;
  bool grey_;
  int step_;
};

}  // namespace

std::unique_ptr<VolumeSource> make_phantom_source(std::shared_ptr<const Phantom> phantom, bool grey,
                                                  int step) {
  if (!phantom) throw std::invalid_argument("make_phantom_source: no phantom");
  check_step(step);
  if (!grey) check_labels_fit(phantom->particle_count(), phantom->spec().label_dtype);
  return std::make_unique<PhantomSource>(std::move(phantom), grey, step);
}

std::unique_ptr<VolumeSource> make_phantom_source(const PhantomSpec& spec, bool grey, int step) {
  check_step(step);
  return make_phantom_source(std::make_shared<const Phantom>(spec), grey, step);
}

PhantomSources make_phantom_sources(const PhantomSpec& spec, int step) {
  check_step(step);
  PhantomSources sources;
  sources.phantom = std::make_shared<const Phantom>(spec);
  sources.grey = make_phantom_source(sources.phantom, true, step);
  sources.labels = make_phantom_source(sources.phantom, false, step);
  return sources;
}

PhantomSpec paper_scale_phantom() {
  PhantomSpec spec;
  spec.shape = {750, 750, 750};
  spec.seed = 1;
  spec.radius_mean = 18.85;
  spec.radius_sd = 4.0;
  spec.packing = 0.6;
  spec.elongation = 0.25;
  spec.grey_dtype = DType::u8;
  spec.label_dtype = DType::u16;
  return spec;
}

}  // namespace grapes
