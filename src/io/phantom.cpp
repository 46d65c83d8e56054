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

#include "grapes/core/error.hpp"
#include "grapes/core/format.hpp"

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
                                                   {"boundary_blur", s.boundary_blur},
                                                   {"phase_fringe", s.phase_fringe},
                                                   {"phase_fringe_width", s.phase_fringe_width},
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
  if (s.boundary_blur < 0.0)
    invalid("boundary_blur", "must be >= 0, got " + number(s.boundary_blur));
  if (!(s.phase_fringe_width > 0.0))
    invalid("phase_fringe_width", "must be > 0, got " + number(s.phase_fringe_width));
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
  const std::uint64_t stream =
      mix64(mix64(spec_.seed ^ kDropKey) + static_cast<std::uint64_t>(step));
  for (std::size_t p = 0; p < particles_.size(); ++p) {
    const double u = static_cast<double>(mix64(stream + (p + 1) * kGolden) >> 11) * 0x1.0p-53;
    dropped[p] = u < spec_.drop_fraction;
  }
  return dropped;
}

namespace {

// The log-normal law of the equivalent-sphere radii, clamped (the model in phantom.hpp).
struct RadiusLaw {
  double mu, sigma, lo, hi;
  RadiusLaw(double mean, double sd) {
    const double sigma2 = std::log(1.0 + (sd / mean) * (sd / mean));
    mu = std::log(mean) - sigma2 / 2.0;
    sigma = std::sqrt(sigma2);
    lo = std::max(1.0, 0.3 * mean);
    hi = std::max(mean + 4.0 * sd, lo);
  }
  double draw(Rng& rng) const { return std::clamp(std::exp(mu + sigma * rng.normal()), lo, hi); }
};

// q^2 = d^T M d of a point against an ellipsoid (M = {zz, zy, zx, yy, yx, xx}, centre c).
double q2_at(const std::array<double, 6>& m, const std::array<double, 3>& c, const double* p) {
  const double dz = p[0] - c[0], dy = p[1] - c[1], dx = p[2] - c[2];
  return m[0] * dz * dz + 2.0 * m[1] * dz * dy + 2.0 * m[2] * dz * dx + m[3] * dy * dy +
         2.0 * m[4] * dy * dx + m[5] * dx * dx;
}

// The coarse sampling grid: the placement's picture of which space is still empty.
class SamplingGrid {
 public:
  SamplingGrid(const Index3& shape, double radius_mean) : n_(shape) {
    g_ = std::max<index_t>(1, static_cast<index_t>(std::floor(radius_mean / 4.0)));
    while (count() > (index_t{1} << 24)) ++g_;
    cells_ = count();
    filled_.assign(static_cast<std::size_t>(cells_), 0);
    empty_.resize(static_cast<std::size_t>(cells_));
    for (index_t i = 0; i < cells_; ++i) empty_[i] = static_cast<std::uint32_t>(i);
  }
  index_t cells() const { return cells_; }
  index_t filled_count() const { return filled_count_; }
  bool has_empty() const { return !empty_.empty(); }

  // A random still-empty cell, or false (and the stale entry dropped) when it filled up.
  bool pick(Rng& rng, std::uint32_t& cell) {
    const std::size_t at = rng.below(empty_.size());
    cell = empty_[at];
    if (!filled_[cell]) return true;
    empty_[at] = empty_.back();
    empty_.pop_back();
    return false;
  }

  // A centre inside the cell, jittered by up to half a cell, inside the image.
  std::array<double, 3> centre_in(std::uint32_t cell, Rng& rng) const {
    const index_t index[3] = {cell / (nc_[1] * nc_[2]), (cell / nc_[2]) % nc_[1], cell % nc_[2]};
    std::array<double, 3> centre{};
    for (int a = 0; a < 3; ++a) {
      const double jitter = (rng.uniform() - 0.5) * static_cast<double>(g_);
      centre[a] = std::clamp(sample(a, index[a]) + jitter, -0.5, static_cast<double>(n_[a]) - 0.5);
    }
    return centre;
  }

  // Marks the cells whose sample point lies inside the ellipsoid (m, c) of half extents `half`.
  void mark(const std::array<double, 6>& m, const std::array<double, 3>& c,
            const std::array<double, 3>& half) {
    index_t lo[3], hi[3];
    for (int a = 0; a < 3; ++a) {
      const double offset = static_cast<double>(g_ - 1) / 2.0;
      lo[a] =
          std::max<index_t>(0, static_cast<index_t>(std::floor((c[a] - half[a] - offset) / g_)));
      hi[a] = std::min<index_t>(nc_[a] - 1,
                                static_cast<index_t>(std::ceil((c[a] + half[a] - offset) / g_)));
    }
    for (index_t i = lo[0]; i <= hi[0]; ++i)
      for (index_t j = lo[1]; j <= hi[1]; ++j)
        for (index_t k = lo[2]; k <= hi[2]; ++k) {
          const index_t cell = (i * nc_[1] + j) * nc_[2] + k;
          if (filled_[cell]) continue;
          const double p[3] = {sample(0, i), sample(1, j), sample(2, k)};
          if (q2_at(m, c, p) < 1.0) {
            filled_[cell] = 1;
            ++filled_count_;
          }
        }
  }

 private:
  index_t count() {
    for (int a = 0; a < 3; ++a) nc_[a] = (n_[a] + g_ - 1) / g_;
    return nc_[0] * nc_[1] * nc_[2];
  }
  double sample(int a, index_t i) const {
    return std::min(static_cast<double>(i * g_) + static_cast<double>(g_ - 1) / 2.0,
                    static_cast<double>(n_[a] - 1));
  }
  Index3 n_, nc_{};
  index_t g_ = 1, cells_ = 0, filled_count_ = 0;
  std::vector<std::uint8_t> filled_;
  std::vector<std::uint32_t> empty_;
};

// Bins of particle centres for the overlap test (linked lists: head per bin, next per
// particle). A bin is at least twice the largest radius, so 27 bins hold every neighbour.
class CentreBins {
 public:
  CentreBins(const Index3& shape, double largest_radius) : size_(2.0 * largest_radius) {
    while (count(shape) > (index_t{1} << 22)) size_ *= 1.25;
    head_.assign(static_cast<std::size_t>(count(shape)), -1);
  }

  // The largest radius (up to `drawn`) a particle at `centre` may have: against every placed
  // particle j, |c - c_j| >= alpha (r + r_j).
  double largest_fit(const std::array<double, 3>& centre, double drawn, double alpha,
                     const std::vector<PhantomParticle>& placed) const {
    double fit = drawn;
    const index_t b[3] = {bin_of(0, centre[0]), bin_of(1, centre[1]), bin_of(2, centre[2])};
    for (index_t i = std::max<index_t>(0, b[0] - 1); i <= std::min(nb_[0] - 1, b[0] + 1); ++i)
      for (index_t j = std::max<index_t>(0, b[1] - 1); j <= std::min(nb_[1] - 1, b[1] + 1); ++j)
        for (index_t k = std::max<index_t>(0, b[2] - 1); k <= std::min(nb_[2] - 1, b[2] + 1); ++k)
          for (std::int32_t p = head_[(i * nb_[1] + j) * nb_[2] + k]; p >= 0; p = next_[p]) {
            const auto& other = placed[p];
            double d2 = 0.0;
            for (int a = 0; a < 3; ++a)
              d2 += (centre[a] - other.centre[a]) * (centre[a] - other.centre[a]);
            fit = std::min(fit, std::sqrt(d2) / alpha - other.radius);
          }
    return fit;
  }

  void insert(std::int32_t id, const std::array<double, 3>& centre) {
    const auto bin = static_cast<std::size_t>(
        (bin_of(0, centre[0]) * nb_[1] + bin_of(1, centre[1])) * nb_[2] + bin_of(2, centre[2]));
    next_.push_back(head_[bin]);
    head_[bin] = id;
  }

 private:
  index_t count(const Index3& n) {
    for (int a = 0; a < 3; ++a)
      nb_[a] = std::max<index_t>(1, static_cast<index_t>(std::ceil(n[a] / size_)));
    return nb_[0] * nb_[1] * nb_[2];
  }
  index_t bin_of(int a, double x) const {
    const auto b = static_cast<index_t>(std::floor((x + 0.5) / size_));
    return std::clamp<index_t>(b, 0, nb_[a] - 1);
  }
  double size_;
  Index3 nb_{};
  std::vector<std::int32_t> head_, next_;
};

// A rotated ellipsoid of the volume of the sphere of radius r (semi-axes r (1 + t),
// r / sqrt(1 + t) twice, t uniform in [0, elongation]; a uniformly random orientation from a
// random unit quaternion), with the global voxels it can reach.
PhantomParticle shaped_particle(const std::array<double, 3>& centre, double r, double elongation,
                                Rng& rng) {
  PhantomParticle particle;
  particle.centre = centre;
  const double t = rng.uniform() * elongation;
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
  return particle;
}

// Half the ellipsoid's extent along each axis.
std::array<double, 3> half_extents(const PhantomParticle& p) {
  std::array<double, 3> half{};
  for (int a = 0; a < 3; ++a) {
    double h2 = 0.0;
    for (int k = 0; k < 3; ++k) h2 += p.axes[k][a] * p.semi_axes[k] * p.axes[k][a] * p.semi_axes[k];
    half[a] = std::sqrt(h2);
  }
  return half;
}

}  // namespace

Phantom::Geometry Phantom::geometry_of(const PhantomParticle& particle) {
  Geometry geo{};
  geo.c = particle.centre;
  geo.r2 = particle.radius * particle.radius;
  const int pairs[6][2] = {{0, 0}, {0, 1}, {0, 2}, {1, 1}, {1, 2}, {2, 2}};
  for (int e = 0; e < 6; ++e) {
    double m = 0.0;
    for (int k = 0; k < 3; ++k)
      m += particle.axes[k][pairs[e][0]] * particle.axes[k][pairs[e][1]] /
           (particle.semi_axes[k] * particle.semi_axes[k]);
    geo.m[e] = m;
  }
  return geo;
}

void Phantom::generate() {
  const Index3 n = spec_.shape;
  const double mean = spec_.radius_mean;
  const RadiusLaw radii(mean, spec_.radius_sd);
  SamplingGrid grid(n, mean);
  CentreBins bins(n, radii.hi);
  const auto target = static_cast<index_t>(std::ceil(spec_.packing * double(grid.cells())));
  const double voxels = double(n[0]) * double(n[1]) * double(n[2]);
  const double expected = spec_.packing * voxels / (4.0 / 3.0 * kPi * mean * mean * mean);
  const auto max_attempts = static_cast<std::int64_t>(200000 + 100 * expected);
  const int relax_after = 300;  // failures in a row before alpha is relaxed
  const double shrink = 0.85;   // a radius may shrink to this fraction of its draw to fit
  double alpha = 0.85;
  int failures = 0;
  double drawn = 0.0;  // the radius being placed: redrawn only once placed
  bool have_drawn = false;
  Rng rng(mix64(spec_.seed ^ kGeometryKey));
  for (std::int64_t attempt = 0;
       attempt < max_attempts && grid.filled_count() < target && grid.has_empty();) {
    std::uint32_t cell = 0;
    if (!grid.pick(rng, cell)) continue;
    ++attempt;
    const std::array<double, 3> centre = grid.centre_in(cell, rng);
    if (!have_drawn) drawn = radii.draw(rng), have_drawn = true;
    const double fit = bins.largest_fit(centre, drawn, alpha, particles_);
    if (fit < std::max(radii.lo, shrink * drawn)) {
      if (++failures >= relax_after) alpha = std::max(0.5, alpha * 0.97), failures = 0;
      continue;
    }
    failures = 0;
    have_drawn = false;
    PhantomParticle particle = shaped_particle(centre, std::min(drawn, fit), spec_.elongation, rng);
    const std::array<double, 3> half = half_extents(particle);
    for (int a = 0; a < 3; ++a) {
      particle.bounds.lo[a] = static_cast<index_t>(std::floor(centre[a] - half[a]));
      particle.bounds.hi[a] = static_cast<index_t>(std::ceil(centre[a] + half[a])) + 1;
    }
    // Nothing reaches into the clear box (pure background): try elsewhere.
    if (spec_.clear_box && !particle.bounds.intersect(*spec_.clear_box).empty()) continue;
    particle.label = particles_.size() + 1;
    const Geometry geo = geometry_of(particle);
    grid.mark(geo.m, geo.c, half);
    bins.insert(static_cast<std::int32_t>(particles_.size()), centre);
    particles_.push_back(particle);
    geometry_.push_back(geo);
  }
  placed_fraction_ = static_cast<double>(grid.filled_count()) / static_cast<double>(grid.cells());
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

namespace {

// The particles that can reach a box, binned over (z, y) rows of the box (kBin x kBin rows a
// bin); each bin lists its particles in label order (ties go to the lower label).
class RowBins {
 public:
  static constexpr index_t kBin = 8;
  RowBins(const std::vector<PhantomParticle>& particles, const Box& box) : box_(box) {
    const Index3 e = box.extents();
    nby_ = (e[1] + kBin - 1) / kBin;
    const index_t nbz = (e[0] + kBin - 1) / kBin;
    std::vector<std::uint32_t> candidates;
    for (std::size_t p = 0; p < particles.size(); ++p)
      if (!particles[p].bounds.intersect(box).empty())
        candidates.push_back(static_cast<std::uint32_t>(p));
    start_.assign(static_cast<std::size_t>(nbz * nby_) + 1, 0);
    for (std::uint32_t p : candidates)
      for_each_bin(particles[p].bounds, [&](std::size_t bin) { ++start_[bin + 1]; });
    for (std::size_t i = 1; i < start_.size(); ++i) start_[i] += start_[i - 1];
    binned_.resize(start_.back());
    std::vector<std::size_t> cursor(start_.begin(), start_.end() - 1);
    for (std::uint32_t p : candidates)
      for_each_bin(particles[p].bounds, [&](std::size_t bin) { binned_[cursor[bin]++] = p; });
  }
  // The candidates of row (z, y), as [first, last).
  std::pair<const std::uint32_t*, const std::uint32_t*> row(index_t z, index_t y) const {
    const auto bin =
        static_cast<std::size_t>(((z - box_.lo[0]) / kBin) * nby_ + (y - box_.lo[1]) / kBin);
    return {binned_.data() + start_[bin], binned_.data() + start_[bin + 1]};
  }

 private:
  template <class Visit>
  void for_each_bin(const Box& b, Visit&& visit) const {
    const auto range = [&](int a, index_t& lo, index_t& hi) {
      lo = (std::max(b.lo[a], box_.lo[a]) - box_.lo[a]) / kBin;
      hi = (std::min(b.hi[a], box_.hi[a]) - 1 - box_.lo[a]) / kBin;
    };
    index_t z0, z1, y0, y1;
    range(0, z0, z1);
    range(1, y0, y1);
    for (index_t bz = z0; bz <= z1; ++bz)
      for (index_t by = y0; by <= y1; ++by) visit(static_cast<std::size_t>(bz * nby_ + by));
  }
  Box box_;
  index_t nby_ = 0;
  std::vector<std::size_t> start_;
  std::vector<std::uint32_t> binned_;
};

// Per voxel of a row: the owning particle (smallest power distance among those whose ellipsoid
// contains it; -1 for the background) and its q^2.
struct RowOwners {
  std::vector<double> best, q2;
  std::vector<std::int64_t> owner;
  explicit RowOwners(index_t n) : best(n), q2(n), owner(n) {}
};

void find_owners(index_t z, index_t y, const Box& box, const RowBins& bins,
                 const std::vector<PhantomParticle>& particles,
                 const std::vector<Phantom::Geometry>& geometry, RowOwners& row) {
  std::fill(row.best.begin(), row.best.end(), std::numeric_limits<double>::infinity());
  std::fill(row.owner.begin(), row.owner.end(), -1);
  const auto [first, last] = bins.row(z, y);
  for (const std::uint32_t* it = first; it != last; ++it) {
    const std::uint32_t p = *it;
    const Box& bounds = particles[p].bounds;
    if (z < bounds.lo[0] || z >= bounds.hi[0] || y < bounds.lo[1] || y >= bounds.hi[1]) continue;
    const Phantom::Geometry& geo = geometry[p];
    const double dz = static_cast<double>(z) - geo.c[0];
    const double dy = static_cast<double>(y) - geo.c[1];
    // q^2(x) = A dx^2 + 2 B dx + C along the row, dx = x - centre_x.
    const double qa = geo.m[5];
    const double qb = geo.m[2] * dz + geo.m[4] * dy;
    const double qc = geo.m[0] * dz * dz + 2.0 * geo.m[1] * dz * dy + geo.m[3] * dy * dy;
    const double disc = qb * qb - qa * (qc - 1.0);
    if (disc <= 0.0) continue;
    const double root = std::sqrt(disc);
    const index_t x0 =
        std::max(box.lo[2], static_cast<index_t>(std::floor(geo.c[2] + (-qb - root) / qa)));
    const index_t x1 =
        std::min(box.hi[2] - 1, static_cast<index_t>(std::ceil(geo.c[2] + (-qb + root) / qa)));
    for (index_t x = x0; x <= x1; ++x) {
      const double dx = static_cast<double>(x) - geo.c[2];
      const double q2 = (qa * dx + 2.0 * qb) * dx + qc;  // the same for any box
      if (q2 >= 1.0) continue;
      const double power = geo.r2 * (q2 - 1.0);
      const index_t k = x - box.lo[2];
      if (power < row.best[k]) {
        row.best[k] = power;
        row.owner[k] = p;
        row.q2[k] = q2;
      }
    }
  }
}

}  // namespace

void Phantom::fill_box(const Box& box, int step, void* grey_out, DType grey_dtype, void* labels_out,
                       DType label_dtype) const {
  check_step(step);
  const Index3 n = spec_.shape;
  for (int a = 0; a < 3; ++a)
    if (box.lo[a] < 0 || box.hi[a] > n[a] || box.lo[a] > box.hi[a])
      throw std::out_of_range("phantom box outside the volume " + shape_text(n));
  if (box.empty() || (grey_out == nullptr && labels_out == nullptr)) return;
  if (labels_out != nullptr) check_labels_fit(particles_.size(), label_dtype);
  const RowBins bins(particles_, box);
  const index_t ex = box.extent(2);
  RowOwners owners(ex);
  std::vector<double> grey(ex);
  std::vector<std::uint64_t> labels(ex);
  const RowLook look{spec_, spec_.damage_scale.value_or(damage_scale(step)), dropped_labels(step),
                     written_labels(), noise_stream(spec_.seed, step)};
  std::size_t offset = 0;
  for (index_t z = box.lo[0]; z < box.hi[0]; ++z) {
    for (index_t y = box.lo[1]; y < box.hi[1]; ++y, offset += static_cast<std::size_t>(ex)) {
      find_owners(z, y, box, bins, particles_, geometry_, owners);
      const std::uint64_t row_index =
          (static_cast<std::uint64_t>(z) * static_cast<std::uint64_t>(n[1]) +
           static_cast<std::uint64_t>(y)) *
              static_cast<std::uint64_t>(n[2]) +
          static_cast<std::uint64_t>(box.lo[2]);
      row_values(look, owners.owner, owners.q2, row_index, grey, labels);
      if (grey_out != nullptr) store_grey_row(grey.data(), ex, grey_out, offset, grey_dtype);
      if (labels_out != nullptr)
        store_label_row(labels.data(), ex, labels_out, offset, label_dtype);
    }
  }
}

// The grey of a particle voxel `depth` voxels below its surface (phantom.hpp, "Boundary").
// Deeper than 6 w the kept fraction differs from 1 by < 1e-9 and is taken as 1: most voxels
// skip the erf.
double Phantom::boundary_grey(double particle_grey, double depth) const {
  const double w = spec_.boundary_blur;
  const double kept =
      w > 0.0 && depth < 6.0 * w ? 0.5 * (1.0 + std::erf(depth / (std::sqrt(2.0) * w))) : 1.0;
  double v = spec_.background + kept * (particle_grey - spec_.background);
  if (spec_.phase_fringe != 0.0)
    v += spec_.phase_fringe * std::exp(-depth / spec_.phase_fringe_width);
  return v;
}

void Phantom::row_values(const RowLook& look, const std::vector<std::int64_t>& owner,
                         const std::vector<double>& q2, std::uint64_t row_index,
                         std::vector<double>& grey, std::vector<std::uint64_t>& labels) const {
  constexpr double kCore2 = 0.36;  // damage inside q < 0.6
  const double* table = noise_table().value.data();
  for (std::size_t k = 0; k < grey.size(); ++k) {
    double v = spec_.background;
    std::uint64_t label = 0;
    if (owner[k] >= 0) {
      const auto p = static_cast<std::size_t>(owner[k]);
      const PhantomParticle& particle = particles_[p];
      v = particle.grey;
      label = look.dropped[p] ? 0 : look.written[p];
      if (particle.damaged && q2[k] < kCore2)
        v -= particle.damage_depth * look.scale * (1.0 - q2[k] / kCore2);
      v = boundary_grey(v, particle.radius * (1.0 - std::sqrt(q2[k])));
    }
    if (spec_.noise_sd > 0.0) {
      const std::uint64_t h = mix64(look.stream + (row_index + k) * kGolden);
      v += spec_.noise_sd * hashed_normal(h, table);
    }
    grey[k] = v;
    labels[k] = label;
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
