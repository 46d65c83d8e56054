// Multi-label anisotropic squared EDT (docs/METHOD.md, "Distance") against an O(N^2) brute force in
// double: random multi-label volumes with every border-flag combination, isotropic (exact) and
// anisotropic (1e-6 relative) spacings, every label type, 1-D and 2-D shapes, blocks cut
// from a bigger volume (bit-identical where the nearest boundary is inside the block) and a
// large sphere.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "grapes/kernels/edt.hpp"
#include "grapes/kernels/edt_detail.hpp"

namespace grapes {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------------------------
// Volumes on the host: C order (z, y, x), labels as uint64 whatever the tested type.

struct Volume {
  Index3 shape{0, 0, 0};
  std::vector<std::uint64_t> labels;

  index_t index(index_t z, index_t y, index_t x) const { return (z * shape[1] + y) * shape[2] + x; }
  std::uint64_t at(index_t z, index_t y, index_t x) const { return labels[index(z, y, x)]; }
};

std::string describe(const Index3& shape, const EdtGeometry& g) {
  std::ostringstream out;
  out << "shape [" << shape[0] << "," << shape[1] << "," << shape[2] << "] spacing ["
      << g.spacing[0] << "," << g.spacing[1] << "," << g.spacing[2] << "] border_lo ["
      << g.border_lo[0] << g.border_lo[1] << g.border_lo[2] << "] border_hi [" << g.border_hi[0]
      << g.border_hi[1] << g.border_hi[2] << "]";
  return out.str();
}

// Runs squared_edt<Label> on the sub-block [lo, hi) of `volume`.
template <class Label>
std::vector<float> run_edt(const Volume& volume, const Box& block, const EdtGeometry& geometry) {
  View3<Label> labels = make_view3<Label>("labels", block);
  auto host = Kokkos::create_mirror_view(labels);
  for (index_t i = 0; i < block.extent(0); ++i)
    for (index_t j = 0; j < block.extent(1); ++j)
      for (index_t k = 0; k < block.extent(2); ++k)
        host(i, j, k) =
            static_cast<Label>(volume.at(block.lo[0] + i, block.lo[1] + j, block.lo[2] + k));
  Kokkos::deep_copy(labels, host);
  View3<float> dist2 = make_view3<float>("dist2", block);
  Kokkos::deep_copy(dist2, -1.0f);
  squared_edt<Label>(labels, geometry, dist2);
  auto out = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), dist2);
  std::vector<float> values(static_cast<std::size_t>(block.voxels()));
  for (index_t i = 0; i < block.extent(0); ++i)
    for (index_t j = 0; j < block.extent(1); ++j)
      for (index_t k = 0; k < block.extent(2); ++k)
        values[static_cast<std::size_t>((i * block.extent(1) + j) * block.extent(2) + k)] =
            out(i, j, k);
  return values;
}

template <class Label>
std::vector<float> run_edt(const Volume& volume, const EdtGeometry& geometry) {
  return run_edt<Label>(volume, whole_box(volume.shape), geometry);
}

// The same with a chosen window of the y and z passes (0: the lower envelope everywhere).
std::vector<float> run_edt_window(const Volume& volume, const EdtGeometry& geometry, int window) {
  View3<std::uint16_t> labels = make_view3<std::uint16_t>("labels", whole_box(volume.shape));
  auto host = Kokkos::create_mirror_view(labels);
  for (std::size_t v = 0; v < volume.labels.size(); ++v)
    host.data()[v] = static_cast<std::uint16_t>(volume.labels[v]);
  Kokkos::deep_copy(labels, host);
  View3<float> dist2 = make_view3<float>("dist2", whole_box(volume.shape));
  detail::squared_edt_tuned<std::uint16_t>(labels, geometry, dist2, window, nullptr);
  auto out = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), dist2);
  return std::vector<float>(out.data(), out.data() + out.size());
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Brute force on the block [lo, hi) of `volume`: for each voxel of label L != 0, the smallest
// squared distance to a voxel of the block not labelled L, or to the layer just outside a face
// flagged as border. Voxels outside the block do not exist for it.
std::vector<double> brute_force(const Volume& volume, const Box& block,
                                const EdtGeometry& geometry) {
  const Index3 n = block.extents();
  double s2[3];
  for (int a = 0; a < 3; ++a) s2[a] = geometry.spacing[a] * geometry.spacing[a];
  std::vector<std::uint64_t> lab(static_cast<std::size_t>(block.voxels()));
  for (index_t i = 0; i < n[0]; ++i)
    for (index_t j = 0; j < n[1]; ++j)
      for (index_t k = 0; k < n[2]; ++k)
        lab[static_cast<std::size_t>((i * n[1] + j) * n[2] + k)] =
            volume.at(block.lo[0] + i, block.lo[1] + j, block.lo[2] + k);
  std::vector<double> out(lab.size(), 0.0);
  for (index_t i = 0; i < n[0]; ++i)
    for (index_t j = 0; j < n[1]; ++j)
      for (index_t k = 0; k < n[2]; ++k) {
        const std::size_t v = static_cast<std::size_t>((i * n[1] + j) * n[2] + k);
        const std::uint64_t label = lab[v];
        if (label == 0) continue;
        const index_t p[3] = {i, j, k};
        double best = kInf;
        for (int a = 0; a < 3; ++a) {
          if (geometry.border_lo[a]) best = std::min(best, double((p[a] + 1) * (p[a] + 1)) * s2[a]);
          if (geometry.border_hi[a])
            best = std::min(best, double((n[a] - p[a]) * (n[a] - p[a])) * s2[a]);
        }
        for (index_t ii = 0; ii < n[0]; ++ii) {
          const double dz = double((ii - i) * (ii - i)) * s2[0];
          if (dz >= best) continue;
          for (index_t jj = 0; jj < n[1]; ++jj) {
            const double dzy = dz + double((jj - j) * (jj - j)) * s2[1];
            if (dzy >= best) continue;
            const std::uint64_t* row = &lab[static_cast<std::size_t>((ii * n[1] + jj) * n[2])];
            for (index_t kk = 0; kk < n[2]; ++kk)
              if (row[kk] != label)
                best = std::min(best, dzy + double((kk - k) * (kk - k)) * s2[2]);
          }
        }
        out[v] = best;
      }
  return out;
}

std::vector<double> brute_force(const Volume& volume, const EdtGeometry& geometry) {
  return brute_force(volume, whole_box(volume.shape), geometry);
}

bool isotropic(const EdtGeometry& g) {
  return g.spacing[0] == 1.0 && g.spacing[1] == 1.0 && g.spacing[2] == 1.0;
}

// Compares a result with the brute force: exact for isotropic spacing, 1e-6 relative otherwise;
// +inf exactly where the brute force finds nothing. Returns the number of mismatches.
int compare(const std::vector<float>& got, const std::vector<double>& want, const Index3& shape,
            const EdtGeometry& geometry, const std::string& what) {
  int bad = 0;
  const bool exact = isotropic(geometry);
  for (std::size_t v = 0; v < want.size(); ++v) {
    bool ok;
    if (std::isinf(want[v]))
      ok = std::isinf(got[v]) && got[v] > 0;
    else if (exact)
      ok = got[v] == static_cast<float>(want[v]);
    else
      ok = std::abs(double(got[v]) - want[v]) <= 1e-6 * want[v];
    if (!ok && ++bad <= 5) {
      const index_t x = index_t(v) % shape[2], y = (index_t(v) / shape[2]) % shape[1],
                    z = index_t(v) / (shape[2] * shape[1]);
      ADD_FAILURE() << what << " " << describe(shape, geometry) << " voxel (" << z << "," << y
                    << "," << x << "): got " << got[v] << " want " << want[v];
    }
  }
  return bad;
}

// ---------------------------------------------------------------------------------------------
// Random multi-label volumes: touching blobs, boxes, thin lines and single voxels, some of them
// background carved into particles, some touching the faces.

Volume random_volume(std::mt19937_64& rng, const Index3& shape,
                     const std::vector<std::uint64_t>& palette) {
  Volume vol;
  vol.shape = shape;
  vol.labels.assign(static_cast<std::size_t>(voxel_count(shape)), 0);
  auto uniform = [&](double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  };
  auto pick = [&](index_t n) { return std::uniform_int_distribution<index_t>(0, n - 1)(rng); };
  auto label = [&]() { return palette[static_cast<std::size_t>(pick(index_t(palette.size())))]; };
  // Sometimes start packed with one particle, so runs reach the faces.
  if (pick(4) == 0) std::fill(vol.labels.begin(), vol.labels.end(), label());
  const int objects = 1 + int(pick(10));
  for (int o = 0; o < objects; ++o) {
    const std::uint64_t value = pick(8) == 0 ? 0 : label();
    const int kind = int(pick(5));
    if (kind <= 1) {  // ellipsoid, possibly cut by the faces
      double c[3], r[3];
      for (int a = 0; a < 3; ++a) {
        c[a] = uniform(-1.0, double(shape[a]));
        r[a] = uniform(0.5, 6.0);
      }
      for (index_t z = 0; z < shape[0]; ++z)
        for (index_t y = 0; y < shape[1]; ++y)
          for (index_t x = 0; x < shape[2]; ++x) {
            const double d = (z - c[0]) * (z - c[0]) / (r[0] * r[0]) +
                             (y - c[1]) * (y - c[1]) / (r[1] * r[1]) +
                             (x - c[2]) * (x - c[2]) / (r[2] * r[2]);
            if (d <= 1.0) vol.labels[vol.index(z, y, x)] = value;
          }
    } else if (kind == 2) {  // box
      index_t lo[3], hi[3];
      for (int a = 0; a < 3; ++a) {
        lo[a] = pick(shape[a]);
        hi[a] = lo[a] + 1 + pick(shape[a] - lo[a]);
      }
      for (index_t z = lo[0]; z < hi[0]; ++z)
        for (index_t y = lo[1]; y < hi[1]; ++y)
          for (index_t x = lo[2]; x < hi[2]; ++x) vol.labels[vol.index(z, y, x)] = value;
    } else if (kind == 3) {  // a line along one axis, one voxel thick
      const int axis = int(pick(3));
      index_t p[3] = {pick(shape[0]), pick(shape[1]), pick(shape[2])};
      const index_t from = pick(shape[axis]), to = from + 1 + pick(shape[axis] - from);
      for (index_t t = from; t < to; ++t) {
        p[axis] = t;
        vol.labels[vol.index(p[0], p[1], p[2])] = value;
      }
    } else {  // single voxels
      const int count = 1 + int(pick(4));
      for (int t = 0; t < count; ++t)
        vol.labels[vol.index(pick(shape[0]), pick(shape[1]), pick(shape[2]))] = value;
    }
  }
  return vol;
}

EdtGeometry geometry_of(const Spacing3& spacing, unsigned flags) {
  EdtGeometry g;
  g.spacing = spacing;
  for (int a = 0; a < 3; ++a) {
    g.border_lo[a] = (flags >> (2 * a)) & 1u;
    g.border_hi[a] = (flags >> (2 * a + 1)) & 1u;
  }
  return g;
}

const std::vector<std::uint64_t> kPalette = {1, 2, 3, 5, 7};

// Runs `volumes` random volumes of sizes 1..max_extent per axis through squared_edt<Label> with
// the given spacing: all borders, no borders and two random flag combinations each.
template <class Label>
void random_volumes(std::uint64_t seed, int volumes, index_t max_extent, const Spacing3& spacing,
                    const std::vector<std::uint64_t>& palette, int& checked) {
  std::mt19937_64 rng(seed);
  for (int t = 0; t < volumes; ++t) {
    Index3 shape;
    for (int a = 0; a < 3; ++a)
      shape[a] = std::uniform_int_distribution<index_t>(1, max_extent)(rng);
    const Volume vol = random_volume(rng, shape, palette);
    const unsigned combos[4] = {63u, 0u, unsigned(rng() % 64), unsigned(rng() % 64)};
    for (unsigned flags : combos) {
      const EdtGeometry g = geometry_of(spacing, flags);
      const int bad = compare(run_edt<Label>(vol, g), brute_force(vol, g), shape, g,
                              "random volume " + std::to_string(t));
      ++checked;
      if (bad > 0) return;  // one failing volume is enough to read
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tests

TEST(Edt, RandomIsotropicExact) {
  int checked = 0;
  random_volumes<std::uint16_t>(1, 200, 12, {1.0, 1.0, 1.0}, kPalette, checked);
  EXPECT_EQ(checked, 800);
}

TEST(Edt, RandomAnisotropic) {
  const Spacing3 spacings[] = {{2.0, 1.0, 1.0}, {1.5, 1.0, 1.0}, {1.0, 1.0, 3.2},
                               {1.3, 2.7, 1.0}, {1.0, 1.7, 1.2}, {3.0, 1.0, 2.0}};
  int checked = 0;
  std::uint64_t seed = 100;
  for (const auto& s : spacings)
    random_volumes<std::uint16_t>(seed++, 60, 12, s, kPalette, checked);
  EXPECT_EQ(checked, 6 * 60 * 4);
}

// Rows of 33..80 voxels, so the y and z passes also run on full blocks of columns (16 and 32
// wide) and on a partial block after them.
TEST(Edt, WideRows) {
  std::mt19937_64 rng(3);
  int checked = 0;
  for (int t = 0; t < 40; ++t) {
    const Index3 shape{std::uniform_int_distribution<index_t>(1, 7)(rng),
                       std::uniform_int_distribution<index_t>(1, 7)(rng),
                       std::uniform_int_distribution<index_t>(33, 80)(rng)};
    const Volume vol = random_volume(rng, shape, kPalette);
    // The same particles with 64-bit labels that agree in their low 32 bits.
    Volume wide = vol;
    for (auto& label : wide.labels)
      if (label != 0) label = (label << 40) | 1u;
    for (const Spacing3& s : {Spacing3{1.0, 1.0, 1.0}, Spacing3{1.7, 1.0, 1.3}})
      for (unsigned flags : {63u, unsigned(rng() % 64)}) {
        const EdtGeometry g = geometry_of(s, flags);
        const std::vector<double> want = brute_force(vol, g);
        compare(run_edt<std::uint16_t>(vol, g), want, shape, g, "wide rows");
        compare(run_edt<std::uint64_t>(wide, g), want, shape, g, "wide rows, uint64");
        ++checked;
      }
  }
  EXPECT_EQ(checked, 40 * 2 * 2);
}

TEST(Edt, EveryBorderCombination) {
  std::mt19937_64 rng(7);
  int checked = 0;
  for (int t = 0; t < 4; ++t) {
    const Index3 shape{index_t(3 + t), index_t(9 - t), index_t(5 + 2 * t)};
    const Volume vol = random_volume(rng, shape, kPalette);
    for (unsigned flags = 0; flags < 64; ++flags)
      for (const Spacing3& s : {Spacing3{1.0, 1.0, 1.0}, Spacing3{1.0, 2.5, 1.4}}) {
        const EdtGeometry g = geometry_of(s, flags);
        compare(run_edt<std::uint16_t>(vol, g), brute_force(vol, g), shape, g, "combination");
        ++checked;
      }
  }
  EXPECT_EQ(checked, 4 * 64 * 2);
}

TEST(Edt, EveryLabelType) {
  int checked = 0;
  random_volumes<std::uint8_t>(11, 40, 10, {1.0, 1.0, 1.0}, {1, 2, 254, 255}, checked);
  random_volumes<std::uint8_t>(12, 20, 10, {1.0, 1.2, 1.9}, {1, 2, 254, 255}, checked);
  random_volumes<std::uint16_t>(13, 20, 10, {1.0, 1.0, 1.0}, {1, 256, 65534, 65535}, checked);
  random_volumes<std::uint32_t>(14, 40, 10, {1.0, 1.0, 1.0}, {1, 65536, 65537, 4294967295u},
                                checked);
  random_volumes<std::uint32_t>(15, 20, 10, {2.2, 1.0, 1.0}, {1, 65536, 65537, 4294967295u},
                                checked);
  const std::uint64_t big = std::uint64_t(1) << 40;
  // Labels that agree in their low 32 bits must still be told apart.
  random_volumes<std::uint64_t>(16, 40, 10, {1.0, 1.0, 1.0}, {1, big + 1, 2 * big + 1, ~0ull},
                                checked);
  random_volumes<std::uint64_t>(17, 20, 10, {1.0, 1.4, 1.0}, {1, big + 1, 2 * big + 1, ~0ull},
                                checked);
  EXPECT_EQ(checked, 200 * 4);
}

TEST(Edt, OneAndTwoDimensionalShapes) {
  std::mt19937_64 rng(21);
  int checked = 0;
  const Spacing3 spacings[] = {{1.0, 1.0, 1.0}, {1.0, 1.6, 2.3}, {2.0, 1.0, 1.0}};
  for (int t = 0; t < 60; ++t) {
    const index_t a = std::uniform_int_distribution<index_t>(1, 30)(rng);
    const index_t b = std::uniform_int_distribution<index_t>(1, 30)(rng);
    const Index3 shapes[] = {{1, 1, a}, {1, a, 1}, {a, 1, 1}, {1, a, b}, {a, 1, b}, {a, b, 1}};
    for (const Index3& shape : shapes) {
      const Volume vol = random_volume(rng, shape, kPalette);
      for (const Spacing3& s : spacings)
        for (unsigned flags : {63u, 0u, unsigned(rng() % 64)}) {
          const EdtGeometry g = geometry_of(s, flags);
          compare(run_edt<std::uint16_t>(vol, g), brute_force(vol, g), shape, g, "low-dim");
          ++checked;
        }
    }
  }
  EXPECT_EQ(checked, 60 * 6 * 3 * 3);
}

TEST(Edt, SimpleCases) {
  // One particle filling a 1x1x5 line: with black borders everywhere the singleton axes cap the
  // distance at their spacing; with the x faces open the x pass alone gives +inf.
  Volume line;
  line.shape = {1, 1, 5};
  line.labels.assign(5, 3);
  EdtGeometry g;
  g.spacing = {1.5, 1.25, 1.0};
  std::vector<float> d = run_edt<std::uint16_t>(line, g);
  // x: min(i + 1, 5 - i)^2, capped by the y border at 1.25^2 (the z border is at 1.5^2).
  EXPECT_EQ(d, (std::vector<float>{1.0f, 1.5625f, 1.5625f, 1.5625f, 1.0f}));
  g.border_lo = {false, false, false};
  g.border_hi = {false, false, false};
  d = run_edt<std::uint16_t>(line, g);
  for (float v : d) EXPECT_TRUE(std::isinf(v) && v > 0);
  // Background is 0, a particle voxel next to another particle is 1 step away.
  Volume two;
  two.shape = {1, 1, 4};
  two.labels = {0, 1, 1, 2};
  g.border_lo = {true, true, true};
  g.border_hi = {true, true, true};
  g.spacing = {1.0, 1.0, 1.0};
  d = run_edt<std::uint16_t>(two, g);
  EXPECT_EQ(d, (std::vector<float>{0.0f, 1.0f, 1.0f, 1.0f}));
}

TEST(Edt, EmptyBlockIsANoOp) {
  View3<std::uint16_t> labels("labels", 0, 4, 4);
  View3<float> dist2("dist2", 0, 4, 4);
  EXPECT_NO_THROW(squared_edt<std::uint16_t>(labels, EdtGeometry{}, dist2));
  View3<float> wrong("wrong", 1, 4, 4);
  EXPECT_THROW(squared_edt<std::uint16_t>(labels, EdtGeometry{}, wrong), std::invalid_argument);
}

// The windowed minimum and the lower envelope give the same bits, whatever the window at which
// a block of columns falls back to the envelope.
TEST(Edt, WindowAndEnvelopeAgreeBitForBit) {
  std::mt19937_64 rng(51);
  const Spacing3 spacings[] = {
      {1.0, 1.0, 1.0}, {1.0, 1.0, 3.2}, {1.37, 1.0, 2.11}, {2.9, 1.3, 1.0}};
  int checked = 0;
  for (int t = 0; t < 40; ++t) {
    Index3 shape;
    for (int a = 0; a < 3; ++a) shape[a] = std::uniform_int_distribution<index_t>(1, 40)(rng);
    shape[2] = std::uniform_int_distribution<index_t>(1, 50)(rng);
    const Volume vol = random_volume(rng, shape, kPalette);
    for (const Spacing3& s : spacings) {
      const EdtGeometry g = geometry_of(s, unsigned(rng() % 64));
      const std::vector<float> envelope = run_edt_window(vol, g, 0);
      for (int window : {1, 2, 3, 7, detail::kEdtDefaultWindow}) {
        ++checked;
        if (!same_bits(run_edt_window(vol, g, window), envelope)) {
          ADD_FAILURE() << "window " << window << " differs from the envelope, "
                        << describe(shape, g);
          return;
        }
      }
    }
  }
  EXPECT_EQ(checked, 40 * 4 * 5);
}

// Blocks cut from a bigger volume, with the cut faces open and the image faces black: wherever
// the nearest boundary of the whole image is inside the block, the block gives the same bits.
void check_blocks(const Spacing3& spacing, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const Index3 shape{22, 19, 27};
  Volume vol;
  vol.shape = shape;
  vol.labels.assign(static_cast<std::size_t>(voxel_count(shape)), 0);
  // Packed touching balls with a few background gaps.
  for (int b = 0; b < 40; ++b) {
    double c[3];
    for (int a = 0; a < 3; ++a)
      c[a] = std::uniform_real_distribution<double>(-2, double(shape[a]) + 1)(rng);
    const double r = std::uniform_real_distribution<double>(2.0, 7.0)(rng);
    const std::uint64_t label = b % 9 == 8 ? 0 : std::uint64_t(b + 1);
    for (index_t z = 0; z < shape[0]; ++z)
      for (index_t y = 0; y < shape[1]; ++y)
        for (index_t x = 0; x < shape[2]; ++x) {
          const double d2 =
              (z - c[0]) * (z - c[0]) + (y - c[1]) * (y - c[1]) + (x - c[2]) * (x - c[2]);
          if (d2 <= r * r) vol.labels[vol.index(z, y, x)] = label;
        }
  }
  EdtGeometry whole;
  whole.spacing = spacing;
  const std::vector<float> full = run_edt<std::uint16_t>(vol, whole);
  const std::vector<double> reference = brute_force(vol, whole);
  compare(full, reference, shape, whole, "whole image");

  const bool exact = isotropic(whole);
  index_t compared = 0, voxels = 0;
  for (int t = 0; t < 25; ++t) {
    Box block;
    for (int a = 0; a < 3; ++a) {
      block.lo[a] = std::uniform_int_distribution<index_t>(0, shape[a] - 1)(rng);
      block.hi[a] = std::uniform_int_distribution<index_t>(block.lo[a] + 1, shape[a])(rng);
      if (t % 5 == 0) {  // also some blocks open on every side
        block.lo[a] = std::min<index_t>(shape[a] - 3, 2 + t % 3);
        block.hi[a] = std::max<index_t>(block.lo[a] + 1, shape[a] - 2);
      }
    }
    EdtGeometry g;
    g.spacing = spacing;
    for (int a = 0; a < 3; ++a) {
      g.border_lo[a] = block.lo[a] == 0;
      g.border_hi[a] = block.hi[a] == shape[a];
    }
    const std::vector<float> part = run_edt<std::uint16_t>(vol, block, g);
    const std::vector<double> part_reference = brute_force(vol, block, g);
    compare(part, part_reference, block.extents(), g, "block");
    for (index_t i = 0; i < block.extent(0); ++i)
      for (index_t j = 0; j < block.extent(1); ++j)
        for (index_t k = 0; k < block.extent(2); ++k) {
          const std::size_t local =
              static_cast<std::size_t>((i * block.extent(1) + j) * block.extent(2) + k);
          const std::size_t global = static_cast<std::size_t>(
              vol.index(block.lo[0] + i, block.lo[1] + j, block.lo[2] + k));
          ++voxels;
          // The block sees the nearest boundary of the whole image.
          if (part_reference[local] != reference[global]) continue;
          if (!exact) {
            // As the caller checks it: the ball of that radius stays inside the block.
            const index_t p[3] = {i, j, k};
            double room = kInf;
            for (int a = 0; a < 3; ++a) {
              if (!g.border_lo[a]) room = std::min(room, double(p[a] + 1) * spacing[a]);
              if (!g.border_hi[a])
                room = std::min(room, double(block.extent(a) - p[a]) * spacing[a]);
            }
            if (!(reference[global] < room * room * (1.0 - 1e-9))) continue;
          }
          ++compared;
          if (std::memcmp(&part[local], &full[global], sizeof(float)) != 0) {
            ADD_FAILURE() << "block " << describe(block.extents(), g) << " at (" << i << "," << j
                          << "," << k << ") gives " << part[local] << ", whole image "
                          << full[global];
            return;
          }
        }
  }
  EXPECT_GT(compared, voxels / 4);
}

TEST(Edt, BlocksAreBitIdenticalIsotropic) {
  check_blocks({1.0, 1.0, 1.0}, 31);
}
TEST(Edt, BlocksAreBitIdenticalAnisotropic) {
  check_blocks({1.0, 1.0, 3.2}, 32);
  check_blocks({1.37, 1.0, 2.11}, 33);
}

// A large ball (and a smaller one touching it): distances far beyond the window of the y and z
// passes. The reference is exact with fewer candidates: the nearest voxel not labelled L is
// always face-adjacent to a voxel labelled L.
void check_large_ball(const Spacing3& spacing) {
  const Index3 shape{88, 90, 86};
  Volume vol;
  vol.shape = shape;
  vol.labels.assign(static_cast<std::size_t>(voxel_count(shape)), 0);
  for (index_t z = 0; z < shape[0]; ++z)
    for (index_t y = 0; y < shape[1]; ++y)
      for (index_t x = 0; x < shape[2]; ++x) {
        const double a =
            (z - 44.0) * (z - 44.0) + (y - 44.5) * (y - 44.5) + (x - 43.2) * (x - 43.2);
        const double b =
            (z - 44.0) * (z - 44.0) + (y - 44.5) * (y - 44.5) + (x - 84.0) * (x - 84.0);
        if (a <= 40.0 * 40.0)
          vol.labels[vol.index(z, y, x)] = 7;
        else if (b <= 18.0 * 18.0)
          vol.labels[vol.index(z, y, x)] = 9;  // touches x = 85 face
      }
  EdtGeometry g;
  g.spacing = spacing;
  const std::vector<float> got = run_edt<std::uint16_t>(vol, g);
  // A small window sends most blocks to the lower envelope, a zero window all of them.
  EXPECT_TRUE(same_bits(run_edt_window(vol, g, 8), got));
  EXPECT_TRUE(same_bits(run_edt_window(vol, g, 0), got));

  // Candidates per label: voxels not labelled L that are face-adjacent to a voxel labelled L.
  std::vector<std::array<index_t, 3>> candidates[2];
  const std::uint64_t labels[2] = {7, 9};
  for (index_t z = 0; z < shape[0]; ++z)
    for (index_t y = 0; y < shape[1]; ++y)
      for (index_t x = 0; x < shape[2]; ++x) {
        const index_t p[3] = {z, y, x};
        for (int l = 0; l < 2; ++l) {
          if (vol.at(z, y, x) == labels[l]) continue;
          bool next_to = false;
          for (int a = 0; a < 3 && !next_to; ++a)
            for (int d : {-1, 1}) {
              index_t q[3] = {p[0], p[1], p[2]};
              q[a] += d;
              if (q[a] >= 0 && q[a] < shape[a] && vol.at(q[0], q[1], q[2]) == labels[l])
                next_to = true;
            }
          if (next_to) candidates[l].push_back({z, y, x});
        }
      }
  std::mt19937_64 rng(41);
  int checked = 0, bad = 0;
  for (int t = 0; t < 3000 && bad < 5; ++t) {
    index_t p[3];
    if (t < 88) {  // a whole line through the centre, then random voxels
      p[0] = t;
      p[1] = 44;
      p[2] = 43;
    } else {
      for (int a = 0; a < 3; ++a)
        p[a] = std::uniform_int_distribution<index_t>(0, shape[a] - 1)(rng);
    }
    const std::uint64_t label = vol.at(p[0], p[1], p[2]);
    double want = 0.0;
    if (label != 0) {
      want = kInf;
      for (int a = 0; a < 3; ++a) {
        const double s2 = spacing[a] * spacing[a];
        want = std::min(want, double((p[a] + 1) * (p[a] + 1)) * s2);
        want = std::min(want, double((shape[a] - p[a]) * (shape[a] - p[a])) * s2);
      }
      for (const auto& q : candidates[label == 7 ? 0 : 1]) {
        double d = 0.0;
        for (int a = 0; a < 3; ++a)
          d += double((q[a] - p[a]) * (q[a] - p[a])) * spacing[a] * spacing[a];
        want = std::min(want, d);
      }
    }
    const float value = got[static_cast<std::size_t>(vol.index(p[0], p[1], p[2]))];
    const bool ok = isotropic(g) ? value == static_cast<float>(want)
                                 : std::abs(double(value) - want) <= 1e-6 * want;
    if (!ok) {
      ++bad;
      ADD_FAILURE() << describe(shape, g) << " voxel (" << p[0] << "," << p[1] << "," << p[2]
                    << "): got " << value << " want " << want;
    }
    ++checked;
  }
  EXPECT_GE(checked, 3000);
}

TEST(Edt, LargeBallIsotropic) {
  check_large_ball({1.0, 1.0, 1.0});
}
TEST(Edt, LargeBallAnisotropic) {
  check_large_ball({1.0, 1.0, 1.5});
}

}  // namespace
}  // namespace grapes
