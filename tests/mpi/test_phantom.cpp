// The synthetic phantom: determinism across decompositions and rank counts, and the
// properties of the model (io/phantom.hpp).
#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "grapes/core/error.hpp"
#include "grapes/io/phantom.hpp"
#include "grapes/parallel/comm.hpp"

namespace {

using grapes::Box;
using grapes::DType;
using grapes::Index3;
using grapes::index_t;
using grapes::Phantom;
using grapes::PhantomSpec;

int world_rank() {
  return grapes::comm_rank(MPI_COMM_WORLD);
}
int world_size() {
  return grapes::comm_size(MPI_COMM_WORLD);
}
// A small, dense, damaged, noisy phantom with uneven extents.
PhantomSpec test_spec() {
  PhantomSpec spec;
  spec.shape = {40, 52, 60};
  spec.seed = 7;
  spec.radius_mean = 6.0;
  spec.radius_sd = 1.5;
  spec.packing = 0.55;
  spec.damage_fraction = 0.3;
  return spec;
}

std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Order-independent checksum of (global voxel index, value) pairs.
struct Checksum {
  std::uint64_t grey = 0;
  std::uint64_t labels = 0;
  std::uint64_t voxels = 0;
  bool operator==(const Checksum& o) const {
    return grey == o.grey && labels == o.labels && voxels == o.voxels;
  }
};

// Fills `box` with float64 grey (all bits compared) and uint32 labels, and adds it up.
void add_box(const Phantom& phantom, const Box& box, int step, Checksum& sum) {
  std::vector<double> grey(static_cast<std::size_t>(box.voxels()));
  std::vector<std::uint32_t> labels(grey.size());
  phantom.fill_box(box, step, grey.data(), DType::f64, labels.data(), DType::u32);
  const Index3 n = phantom.shape();
  std::size_t i = 0;
  for (index_t z = box.lo[0]; z < box.hi[0]; ++z)
    for (index_t y = box.lo[1]; y < box.hi[1]; ++y)
      for (index_t x = box.lo[2]; x < box.hi[2]; ++x, ++i) {
        const auto index = static_cast<std::uint64_t>((z * n[1] + y) * n[2] + x);
        std::uint64_t bits = 0;
        std::memcpy(&bits, &grey[i], sizeof bits);
        sum.grey += mix(index * 0x9E3779B97F4A7C15ULL ^ mix(bits));
        sum.labels += mix(index * 0x9E3779B97F4A7C15ULL ^ mix(labels[i] + 12345));
        ++sum.voxels;
      }
}

Checksum allreduce(const Checksum& local) {
  std::uint64_t in[3] = {local.grey, local.labels, local.voxels}, out[3] = {0, 0, 0};
  MPI_Allreduce(in, out, 3, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  return Checksum{out[0], out[1], out[2]};
}

// Uneven cut points of [0, n) into `parts` pieces (piece i has weight i + 1).
std::vector<index_t> uneven_cuts(index_t n, int parts) {
  std::vector<index_t> cuts{0};
  const index_t total = static_cast<index_t>(parts) * (parts + 1) / 2;
  index_t acc = 0;
  for (int i = 0; i < parts; ++i) {
    acc += i + 1;
    cuts.push_back(n * acc / total);
  }
  return cuts;
}

// This rank's boxes of a decomposition: a slab along `axis` (uneven) or, for axis < 0, its
// share (round robin) of an uneven 3x2x3 grid of boxes.
std::vector<Box> my_boxes(const Index3& shape, int axis) {
  const int rank = world_rank(), size = world_size();
  std::vector<Box> boxes;
  if (axis >= 0) {
    const auto cuts = uneven_cuts(shape[axis], size);
    Box box = grapes::whole_box(shape);
    box.lo[axis] = cuts[rank];
    box.hi[axis] = cuts[rank + 1];
    boxes.push_back(box);
    return boxes;
  }
  const std::vector<index_t> cz{0, 7, 23, shape[0]}, cy{0, 31, shape[1]}, cx{0, 5, 33, shape[2]};
  int i = 0;
  for (std::size_t a = 0; a + 1 < cz.size(); ++a)
    for (std::size_t b = 0; b + 1 < cy.size(); ++b)
      for (std::size_t c = 0; c + 1 < cx.size(); ++c, ++i)
        if (i % size == rank)
          boxes.push_back(Box{{cz[a], cy[b], cx[c]}, {cz[a + 1], cy[b + 1], cx[c + 1]}});
  return boxes;
}

struct Volume {
  std::vector<std::uint8_t> grey;
  std::vector<double> grey_f64;
  std::vector<std::uint32_t> labels;
};

Volume fill_whole(const Phantom& phantom, int step = grapes::kPhantomDefaultStep) {
  Volume v;
  const auto n = static_cast<std::size_t>(grapes::voxel_count(phantom.shape()));
  v.grey.resize(n);
  v.grey_f64.resize(n);
  v.labels.resize(n);
  const Box whole = grapes::whole_box(phantom.shape());
  phantom.fill_box(whole, step, v.grey.data(), DType::u8, v.labels.data(), DType::u32);
  phantom.fill_box(whole, step, v.grey_f64.data(), DType::f64, nullptr, DType::u8);
  return v;
}

TEST(Phantom, AnyDecompositionGivesTheWholeVolume) {
  const Phantom phantom(test_spec());
  for (int step : {0, 1, 3}) {
    Checksum whole;
    add_box(phantom, grapes::whole_box(phantom.shape()), step, whole);
    // Every rank computed the same whole-volume checksum.
    std::uint64_t mine = whole.grey ^ whole.labels, lowest = 0, highest = 0;
    MPI_Allreduce(&mine, &lowest, 1, MPI_UINT64_T, MPI_MIN, MPI_COMM_WORLD);
    MPI_Allreduce(&mine, &highest, 1, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    EXPECT_EQ(lowest, highest);
    for (int axis : {0, 1, 2, -1}) {
      Checksum local;
      for (const Box& box : my_boxes(phantom.shape(), axis)) add_box(phantom, box, step, local);
      const Checksum total = allreduce(local);
      EXPECT_EQ(total.voxels, whole.voxels) << "axis " << axis << " step " << step;
      EXPECT_TRUE(total == whole) << "axis " << axis << " step " << step;
    }
  }
}

TEST(Phantom, GatheredSlabsEqualTheWholeFill) {
  const int rank = world_rank(), size = world_size();
  const Phantom phantom(test_spec());
  const Box slab = my_boxes(phantom.shape(), 0).front();
  std::vector<std::uint16_t> local(static_cast<std::size_t>(slab.voxels()));
  std::vector<std::uint8_t> local_grey(local.size());
  phantom.fill_box(slab, 2, local_grey.data(), DType::u8, local.data(), DType::u16);
  std::vector<int> counts(size), displs(size);
  const int mine = static_cast<int>(local.size());
  MPI_Gather(&mine, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  for (int r = 1; r < size; ++r) displs[r] = displs[r - 1] + counts[r - 1];
  const auto n = static_cast<std::size_t>(grapes::voxel_count(phantom.shape()));
  std::vector<std::uint16_t> gathered(rank == 0 ? n : 0);
  std::vector<std::uint8_t> gathered_grey(rank == 0 ? n : 0);
  MPI_Gatherv(local.data(), mine, MPI_UINT16_T, gathered.data(), counts.data(), displs.data(),
              MPI_UINT16_T, 0, MPI_COMM_WORLD);
  MPI_Gatherv(local_grey.data(), mine, MPI_UINT8_T, gathered_grey.data(), counts.data(),
              displs.data(), MPI_UINT8_T, 0, MPI_COMM_WORLD);
  if (rank == 0) {
    std::vector<std::uint16_t> whole(n);
    std::vector<std::uint8_t> whole_grey(n);
    phantom.fill_box(grapes::whole_box(phantom.shape()), 2, whole_grey.data(), DType::u8,
                     whole.data(), DType::u16);
    EXPECT_TRUE(gathered == whole);
    EXPECT_TRUE(gathered_grey == whole_grey);
  }
}

TEST(Phantom, ParticleListIsConsistent) {
  const Phantom phantom(test_spec());
  const auto& particles = phantom.particles();
  ASSERT_EQ(particles.size(), phantom.particle_count());
  ASSERT_GT(particles.size(), 20u);
  std::size_t damaged = 0;
  for (std::size_t i = 0; i < particles.size(); ++i) {
    const auto& p = particles[i];
    EXPECT_EQ(p.label, i + 1);
    for (int a = 0; a < 3; ++a) {
      EXPECT_GE(p.centre[a], -0.5);
      EXPECT_LE(p.centre[a], phantom.shape()[a] - 0.5);
      EXPECT_GT(p.semi_axes[a], 0.0);
    }
    EXPECT_NEAR(std::cbrt(p.semi_axes[0] * p.semi_axes[1] * p.semi_axes[2]), p.radius, 1e-9);
    EXPECT_GE(p.radius, 1.0);
    damaged += p.damaged;
    EXPECT_EQ(p.damaged, p.damage_depth > 0.0);
  }
  EXPECT_EQ(damaged, static_cast<std::size_t>(std::llround(0.3 * particles.size())));
}

TEST(Phantom, LabelsSolidFractionAndContacts) {
  const PhantomSpec spec = test_spec();
  const Phantom phantom(spec);
  const Volume v = fill_whole(phantom);
  const Index3 n = spec.shape;
  const std::size_t count = phantom.particle_count();
  std::size_t solid = 0;
  std::set<std::uint32_t> present;
  for (std::uint32_t label : v.labels) {
    ASSERT_LE(label, count);
    if (label != 0) {
      ++solid;
      present.insert(label);
    }
  }
  const double fraction = static_cast<double>(solid) / static_cast<double>(v.labels.size());
  EXPECT_NEAR(fraction, spec.packing, 0.1);
  EXPECT_NEAR(fraction, phantom.placed_fraction(), 0.03);
  EXPECT_GE(present.size(), count * 9 / 10);  // few labels lost to overlap

  // Touching particles: face-adjacent voxels with two different non-zero labels.
  std::set<std::uint32_t> touching;
  std::size_t contacts = 0;
  auto at = [&](index_t z, index_t y, index_t x) {
    return v.labels[static_cast<std::size_t>((z * n[1] + y) * n[2] + x)];
  };
  for (index_t z = 0; z < n[0]; ++z)
    for (index_t y = 0; y < n[1]; ++y)
      for (index_t x = 0; x < n[2]; ++x) {
        const std::uint32_t a = at(z, y, x);
        if (a == 0) continue;
        const std::uint32_t next[3] = {z + 1 < n[0] ? at(z + 1, y, x) : 0,
                                       y + 1 < n[1] ? at(z, y + 1, x) : 0,
                                       x + 1 < n[2] ? at(z, y, x + 1) : 0};
        for (std::uint32_t b : next)
          if (b != 0 && b != a) {
            ++contacts;
            touching.insert(a);
            touching.insert(b);
          }
      }
  EXPECT_GT(contacts, 100u);
  EXPECT_GE(touching.size(), present.size() / 2);  // most particles touch another
}

TEST(Phantom, GreyLevels) {
  PhantomSpec spec = test_spec();
  spec.damage_fraction = 0.0;
  spec.boundary_blur = 0.0;  // sharp: a particle voxel is its grey plus noise
  const Phantom phantom(spec);
  const Volume v = fill_whole(phantom);
  double solid_sum = 0.0, back_sum = 0.0, back_sq = 0.0;
  std::size_t solid = 0, back = 0;
  for (std::size_t i = 0; i < v.labels.size(); ++i) {
    // uint8 is the float64 value rounded half up and clamped.
    const double rounded = std::clamp(std::floor(v.grey_f64[i] + 0.5), 0.0, 255.0);
    ASSERT_EQ(v.grey[i], static_cast<std::uint8_t>(rounded)) << i;
    if (v.labels[i] != 0) {
      const double own = phantom.particles()[v.labels[i] - 1].grey;
      solid_sum += v.grey_f64[i] - own;  // the noise alone
      ++solid;
    } else {
      const double noise = v.grey_f64[i] - spec.background;
      back_sum += noise;
      back_sq += noise * noise;
      ++back;
    }
  }
  EXPECT_NEAR(solid_sum / solid, 0.0, 0.2);
  const double back_mean = back_sum / back;
  EXPECT_NEAR(back_mean, 0.0, 0.2);
  EXPECT_NEAR(std::sqrt(back_sq / back - back_mean * back_mean), spec.noise_sd,
              0.05 * spec.noise_sd);
  // Per-particle grey levels ~ N(grey_mean, grey_sd).
  double sum = 0.0;
  for (const auto& p : phantom.particles()) sum += p.grey;
  const double count = static_cast<double>(phantom.particle_count());
  EXPECT_NEAR(sum / count, spec.grey_mean, 4.0 * spec.grey_sd / std::sqrt(count));
  // Mean grey of particle voxels near grey_mean (weighted by particle size).
  double voxel_sum = 0.0;
  for (std::size_t i = 0; i < v.labels.size(); ++i)
    if (v.labels[i] != 0) voxel_sum += v.grey[i];
  EXPECT_NEAR(voxel_sum / solid, spec.grey_mean, 8.0);
}

// The boundary (phantom.hpp, "Boundary"): without noise every particle voxel is the
// background plus the kept fraction of the particle's contrast at its depth below the surface,
// plus the fringe; the mean grey rises from the outermost voxels inwards.
TEST(Phantom, BoundaryBlurAndFringe) {
  PhantomSpec spec = test_spec();
  spec.damage_fraction = 0.0;
  spec.noise_sd = 0.0;
  spec.boundary_blur = 1.2;
  spec.phase_fringe = 30.0;
  spec.phase_fringe_width = 1.5;
  const Phantom phantom(spec);
  const Volume v = fill_whole(phantom);
  const Index3 n = spec.shape;
  double shallow = 0.0, deep = 0.0;  // contrast kept, without the fringe: < 1, > 3 w deep
  std::size_t n_shallow = 0, n_deep = 0, i = 0;
  for (index_t z = 0; z < n[0]; ++z)
    for (index_t y = 0; y < n[1]; ++y)
      for (index_t x = 0; x < n[2]; ++x, ++i) {
        if (v.labels[i] == 0) continue;
        const auto& p = phantom.particles()[v.labels[i] - 1];
        const double d[3] = {z - p.centre[0], y - p.centre[1], x - p.centre[2]};
        double q2 = 0.0;
        for (int k = 0; k < 3; ++k) {
          const double along = d[0] * p.axes[k][0] + d[1] * p.axes[k][1] + d[2] * p.axes[k][2];
          q2 += along * along / (p.semi_axes[k] * p.semi_axes[k]);
        }
        const double depth = p.radius * (1.0 - std::sqrt(q2));
        const double kept = depth < 6.0 * spec.boundary_blur
                                ? 0.5 * (1.0 + std::erf(depth / (std::sqrt(2.0) * 1.2)))
                                : 1.0;
        const double fringe = 30.0 * std::exp(-depth / 1.5);
        const double expected = spec.background + kept * (p.grey - spec.background) + fringe;
        ASSERT_NEAR(v.grey_f64[i], expected, 1e-9 * std::abs(expected)) << "voxel " << i;
        const double contrast =
            (v.grey_f64[i] - fringe - spec.background) / (p.grey - spec.background);
        if (depth < 1.0) shallow += contrast, ++n_shallow;
        if (depth > 3.0 * spec.boundary_blur) deep += contrast, ++n_deep;
      }
  ASSERT_GT(n_shallow, 0u);
  ASSERT_GT(n_deep, 0u);
  EXPECT_LT(shallow / n_shallow, 0.9);  // the surface voxels lose a visible share
  EXPECT_GT(deep / n_deep, 0.99);
}

TEST(Phantom, SeedsAndSteps) {
  PhantomSpec spec = test_spec();
  spec.boundary_blur = 0.0;  // sharp: a pristine voxel differs from its grey by noise only
  const Phantom a(spec), b(spec);
  PhantomSpec other = spec;
  other.seed = 8;
  const Phantom c(other);
  const Volume va = fill_whole(a), vb = fill_whole(b), vc = fill_whole(c);
  EXPECT_TRUE(va.grey_f64 == vb.grey_f64);
  EXPECT_TRUE(va.labels == vb.labels);
  EXPECT_FALSE(va.labels == vc.labels);
  EXPECT_FALSE(va.grey == vc.grey);

  // Steps: identical labels, fresh noise, damage growing with the step in damaged particles.
  const Volume s0 = fill_whole(a, 0), s2 = fill_whole(a, 2);
  EXPECT_TRUE(s0.labels == va.labels);
  EXPECT_TRUE(s2.labels == va.labels);
  EXPECT_FALSE(s0.grey_f64 == s2.grey_f64);
  const auto& particles = a.particles();
  double drop_damaged = 0.0, drop_intact = 0.0;
  std::size_t n_damaged = 0, n_intact = 0;
  for (std::size_t i = 0; i < s0.labels.size(); ++i) {
    if (s0.labels[i] == 0) continue;
    const double drop = s0.grey_f64[i] - s2.grey_f64[i];
    if (particles[s0.labels[i] - 1].damaged) {
      drop_damaged += drop;
      ++n_damaged;
    } else {
      drop_intact += drop;
      ++n_intact;
    }
  }
  ASSERT_GT(n_damaged, 0u);
  EXPECT_NEAR(drop_intact / n_intact, 0.0, 0.3);  // noise only
  EXPECT_GT(drop_damaged / n_damaged, 2.0);       // darker cores
  // Pristine step 0: a particle's voxels differ from its grey by noise only.
  for (std::size_t i = 0; i < s0.labels.size(); ++i) {
    if (s0.labels[i] == 0) continue;
    ASSERT_LT(std::abs(s0.grey_f64[i] - particles[s0.labels[i] - 1].grey), 4.0 * spec.noise_sd);
  }
  // The centre of a damaged particle (if it owns it) is darker at step 2 by about
  // 2 * damage_depth.
  const Index3 n = spec.shape;
  for (const auto& p : particles) {
    if (!p.damaged) continue;
    index_t idx[3];
    for (int axis = 0; axis < 3; ++axis)
      idx[axis] = std::clamp<index_t>(std::llround(p.centre[axis]), 0, n[axis] - 1);
    const auto i = static_cast<std::size_t>((idx[0] * n[1] + idx[1]) * n[2] + idx[2]);
    if (s0.labels[i] != p.label) continue;
    const double expected = 2.0 * p.damage_depth;
    EXPECT_NEAR(s0.grey_f64[i] - s2.grey_f64[i], expected, expected * 0.2 + 10.0 * spec.noise_sd);
  }
}

TEST(Phantom, Sources) {
  PhantomSpec spec = test_spec();
  spec.grey_dtype = DType::u16;
  spec.label_dtype = DType::u32;
  auto sources = grapes::make_phantom_sources(spec, 2);
  ASSERT_TRUE(sources.phantom && sources.grey && sources.labels);
  EXPECT_EQ(sources.grey->shape(), spec.shape);
  EXPECT_EQ(sources.grey->dtype(), DType::u16);
  EXPECT_EQ(sources.labels->dtype(), DType::u32);
  EXPECT_EQ(sources.grey->describe(), "phantom(seed=7, shape=[40, 52, 60], step=2)");
  const Box box{{3, 10, 17}, {21, 30, 59}};
  std::vector<std::uint16_t> grey(static_cast<std::size_t>(box.voxels())), grey_ref(grey.size());
  std::vector<std::uint32_t> labels(grey.size()), labels_ref(grey.size());
  sources.grey->read_box(box, grey.data());
  sources.labels->read_box(box, labels.data());
  sources.phantom->fill_box(box, 2, grey_ref.data(), DType::u16, labels_ref.data(), DType::u32);
  EXPECT_TRUE(grey == grey_ref);
  EXPECT_TRUE(labels == labels_ref);
  // A source made from the spec alone generates the same particles.
  auto alone = grapes::make_phantom_source(spec, false, 2);
  std::vector<std::uint32_t> labels_alone(grey.size());
  alone->read_box(box, labels_alone.data());
  EXPECT_TRUE(labels_alone == labels_ref);
  // Empty boxes are fine; boxes outside the volume are not.
  sources.grey->read_box(Box{{5, 5, 5}, {5, 9, 9}}, nullptr);
  EXPECT_THROW(sources.grey->read_box(Box{{0, 0, 0}, {41, 1, 1}}, grey.data()), std::out_of_range);
  EXPECT_THROW(grapes::make_phantom_source(sources.phantom, true, -1), std::invalid_argument);
}

void expect_input_error(const std::function<void(PhantomSpec&)>& change, const std::string& key) {
  PhantomSpec spec = test_spec();
  change(spec);
  try {
    grapes::validate_phantom_spec(spec);
    ADD_FAILURE() << "no error for " << key;
  } catch (const grapes::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("input.phantom." + key), std::string::npos) << e.what();
  }
}

TEST(Phantom, Validation) {
  expect_input_error([](PhantomSpec& s) { s.shape = {0, 10, 10}; }, "shape");
  expect_input_error([](PhantomSpec& s) { s.shape = {10, -1, 10}; }, "shape");
  expect_input_error([](PhantomSpec& s) { s.packing = 0.0; }, "packing");
  expect_input_error([](PhantomSpec& s) { s.packing = 0.8; }, "packing");
  expect_input_error([](PhantomSpec& s) { s.radius_mean = -3.0; }, "radius_mean");
  expect_input_error([](PhantomSpec& s) { s.radius_mean = 0.5; }, "radius_mean");
  expect_input_error([](PhantomSpec& s) { s.radius_sd = -1.0; }, "radius_sd");
  expect_input_error([](PhantomSpec& s) { s.elongation = -0.1; }, "elongation");
  expect_input_error([](PhantomSpec& s) { s.grey_sd = -1.0; }, "grey_sd");
  expect_input_error([](PhantomSpec& s) { s.noise_sd = -1.0; }, "noise_sd");
  expect_input_error([](PhantomSpec& s) { s.damage_fraction = 1.5; }, "damage_fraction");
  expect_input_error([](PhantomSpec& s) { s.damage_depth = -2.0; }, "damage_depth");
  expect_input_error([](PhantomSpec& s) { s.grey_mean = std::nan(""); }, "grey_mean");
  expect_input_error([](PhantomSpec& s) { s.label_dtype = DType::f32; }, "label_dtype");
  PhantomSpec bad = test_spec();
  bad.packing = 1.0;
  EXPECT_THROW({ const Phantom phantom(bad); }, grapes::InputError);
  // More particles than uint8 labels can hold.
  PhantomSpec many = test_spec();
  many.radius_mean = 2.0;
  many.radius_sd = 0.5;
  many.label_dtype = DType::u8;
  const auto phantom = std::make_shared<const Phantom>(many);
  ASSERT_GT(phantom->particle_count(), 255u);
  try {
    grapes::make_phantom_source(phantom, false);
    ADD_FAILURE() << "no error for label_dtype";
  } catch (const grapes::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("input.phantom.label_dtype"), std::string::npos);
  }
  EXPECT_NO_THROW(grapes::make_phantom_source(phantom, true));
}

TEST(Phantom, TwoDimensionalImage) {
  PhantomSpec spec = test_spec();
  spec.shape = {1, 80, 90};
  const Phantom phantom(spec);
  const Volume v = fill_whole(phantom);
  const double solid = static_cast<double>(
      std::count_if(v.labels.begin(), v.labels.end(), [](std::uint32_t l) { return l != 0; }));
  EXPECT_NEAR(solid / static_cast<double>(v.labels.size()), spec.packing, 0.15);
}

TEST(Phantom, PaperScalePreset) {
  const PhantomSpec spec = grapes::paper_scale_phantom();
  EXPECT_EQ(spec.shape, (Index3{750, 750, 750}));
  const Phantom phantom(spec);  // placement only: the fill is the benchmark below
  const double count = static_cast<double>(phantom.particle_count());
  EXPECT_NEAR(count, 10000.0, 1000.0);
  const double mean_volume = phantom.placed_fraction() * 750.0 * 750.0 * 750.0 / count;
  EXPECT_NEAR(mean_volume, 25300.0, 2500.0);
  if (world_rank() == 0)
    std::printf("[ phantom  ] paper preset: %zu particles, mean volume %.0f voxels\n",
                phantom.particle_count(), mean_volume);
}

}  // namespace
