// The derived columns (tables.hpp, docs/OUTPUT.md, docs/METHOD.md) from hand-made merged
// records: every expected value comes from the voxels written out here (box formulas, plain
// loops, two-pass std), never from the program.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "grapes/core/records.hpp"
#include "grapes/output/particle_tables.hpp"

namespace grapes {
namespace {

// ---------------------------------------------------------------------------------------------
// Hand-made particles and their records

struct Voxel {
  Index3 at;
  double grey;
  std::int64_t layer;  // 0 = in no layer
};

struct TestParticle {
  std::uint64_t label = 0;
  std::vector<Voxel> voxels;
  double surface_area = 0.0;
};

// The voxels of the box [lo, hi) with grey and layer given per voxel.
template <class Grey, class Layer>
std::vector<Voxel> box(const Index3& lo, const Index3& hi, Grey grey, Layer layer) {
  std::vector<Voxel> out;
  for (index_t z = lo[0]; z < hi[0]; ++z)
    for (index_t y = lo[1]; y < hi[1]; ++y)
      for (index_t x = lo[2]; x < hi[2]; ++x)
        out.push_back({{z, y, x}, grey(z, y, x), layer(z, y, x)});
  return out;
}

TestParticle particle(std::uint64_t label, std::vector<Voxel> voxels, double area = 0.0) {
  return {label, std::move(voxels), area};
}

// Sums of the grey values of `voxels` (integer or float fields), less `shift` (float only).
GreySums sums_of(const std::vector<Voxel>& voxels, bool float_grey, double shift = 0.0) {
  GreySums s;
  for (const Voxel& v : voxels) {
    ++s.count;
    if (float_grey) {
      s.sum_float += v.grey - shift;
      s.sum_sq_float += (v.grey - shift) * (v.grey - shift);
    } else {
      const auto g = static_cast<std::uint64_t>(v.grey);
      s.sum_int += g;
      s.sum_sq_int += g * g;
    }
  }
  return s;
}

ParticleRecord particle_record(const TestParticle& p, bool float_grey) {
  ParticleRecord r;
  r.label = p.label;
  r.grey = sums_of(p.voxels, float_grey);
  for (int a = 0; a < 3; ++a) {
    r.bbox_lo[a] = std::numeric_limits<std::int64_t>::max();
    r.bbox_hi[a] = std::numeric_limits<std::int64_t>::min();
  }
  r.grey_min = std::numeric_limits<double>::infinity();
  r.grey_max = -std::numeric_limits<double>::infinity();
  for (const Voxel& v : p.voxels) {
    for (int a = 0; a < 3; ++a) {
      r.index_sum[a] += v.at[a];
      r.index_product_sum[a] += v.at[a] * v.at[a];  // zz, yy, xx
      r.bbox_lo[a] = std::min(r.bbox_lo[a], v.at[a]);
      r.bbox_hi[a] = std::max(r.bbox_hi[a], v.at[a] + 1);
    }
    r.index_product_sum[3] += v.at[0] * v.at[1];  // zy
    r.index_product_sum[4] += v.at[0] * v.at[2];  // zx
    r.index_product_sum[5] += v.at[1] * v.at[2];  // yx
    r.grey_min = std::min(r.grey_min, v.grey);
    r.grey_max = std::max(r.grey_max, v.grey);
  }
  r.surface_area = p.surface_area;
  return r;
}

// One record per non-empty layer (layer 0 included), sorted by layer. Float grey: shifted by
// the particle's mean, as the layer pass does (layers.hpp).
std::vector<LayerRecord> layer_records(const TestParticle& p, bool float_grey) {
  const double shift = float_grey ? particle_record(p, true).grey.mean(true) : 0.0;
  std::map<std::int64_t, std::vector<Voxel>> by_layer;
  for (const Voxel& v : p.voxels) by_layer[v.layer].push_back(v);
  std::vector<LayerRecord> out;
  for (const auto& [layer, voxels] : by_layer)
    out.push_back({p.label, layer, sums_of(voxels, float_grey, shift)});
  return out;
}

// Merged records of `particles` (in increasing label order).
MergedRecords merged_of(const std::vector<TestParticle>& particles, bool float_grey) {
  MergedRecords m;
  for (const TestParticle& p : particles) {
    m.particles.push_back(particle_record(p, float_grey));
    for (const LayerRecord& r : layer_records(p, float_grey)) m.layers.push_back(r);
  }
  return m;
}

TableSettings settings_for(const Index3& shape, const Spacing3& voxel_size = {1, 1, 1},
                           bool float_grey = false, int core_exclude_layers = 0,
                           Normalise normalise = Normalise::radial_max) {
  TableSettings s;
  s.voxel_size = voxel_size;
  s.image_shape = shape;
  s.float_grey = float_grey;
  s.core_exclude_layers = core_exclude_layers;
  s.normalise = normalise;
  return s;
}

// Grey statistics of the voxels with a layer accepted by `keep`, by plain loops.
template <class Keep>
std::vector<double> greys_where(const TestParticle& p, Keep keep) {
  std::vector<double> out;
  for (const Voxel& v : p.voxels)
    if (keep(v)) out.push_back(v.grey);
  return out;
}
std::vector<double> all_greys(const TestParticle& p) {
  return greys_where(p, [](const Voxel&) { return true; });
}
std::vector<double> layer_greys(const TestParticle& p, std::int64_t k) {
  return greys_where(p, [k](const Voxel& v) { return v.layer == k; });
}
double mean_of(const std::vector<double>& values) {
  long double sum = 0;
  for (double v : values) sum += v;
  return static_cast<double>(sum / values.size());
}
double two_pass_std(const std::vector<double>& values) {
  long double mean = 0;
  for (double v : values) mean += v;
  mean /= values.size();
  long double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return static_cast<double>(std::sqrt(squares / values.size()));
}

template <class T>
const std::vector<T>& column(const Table& table, const std::string& name) {
  return table.get<T>(name);
}
const std::vector<double>& reals(const Table& table, const std::string& name) {
  return table.get<double>(name);
}
const std::vector<std::int64_t>& ints(const Table& table, const std::string& name) {
  return table.get<std::int64_t>(name);
}

std::vector<std::string> names(const Table& table) {
  std::vector<std::string> out;
  for (const Column& c : table.columns) out.push_back(c.name);
  return out;
}

// Integer grey 10 + z + 2y + 3x; layer 1 + (z + y + x) % 3 (so every layer is non-empty).
double ramp(index_t z, index_t y, index_t x) {
  return static_cast<double>(10 + z + 2 * y + 3 * x);
}
std::int64_t cycle3(index_t z, index_t y, index_t x) {
  return 1 + (z + y + x) % 3;
}
std::int64_t layer1(index_t, index_t, index_t) {
  return 1;
}

// Three particles in a 10 x 12 x 14 image: A touches the x = 0 face, B is interior, C is the
// single corner voxel at the high faces.
std::vector<TestParticle> three_particles() {
  return {particle(3, box({1, 2, 0}, {3, 5, 4}, ramp, cycle3), 31.5),
          particle(7, box({4, 6, 5}, {6, 9, 8}, ramp, cycle3), 40.0),
          particle(12, box({9, 11, 13}, {10, 12, 14}, ramp, layer1), 6.0)};
}
const Index3 kShape{10, 12, 14};

// ---------------------------------------------------------------------------------------------
// Columns

TEST(Tables, ColumnsInDocumentedOrder) {
  const ParticleTables t = build_tables(merged_of(three_particles(), false), settings_for(kShape));
  const std::vector<std::string> particles = {"label",
                                              "volume",
                                              "volume_physical",
                                              "centroid-0",
                                              "centroid-1",
                                              "centroid-2",
                                              "centroid_local-0",
                                              "centroid_local-1",
                                              "centroid_local-2",
                                              "bbox-0",
                                              "bbox-1",
                                              "bbox-2",
                                              "bbox-3",
                                              "bbox-4",
                                              "bbox-5",
                                              "equivalent_diameter_volume",
                                              "intensity_min",
                                              "intensity_max",
                                              "intensity_mean",
                                              "intensity_std",
                                              "surface_area",
                                              "sphericity",
                                              "n_layers",
                                              "core_mean",
                                              "core_voxels",
                                              "touches_border",
                                              "n_neighbours",
                                              "euler_number",
                                              "inertia_tensor-0-0",
                                              "inertia_tensor-0-1",
                                              "inertia_tensor-0-2",
                                              "inertia_tensor-1-1",
                                              "inertia_tensor-1-2",
                                              "inertia_tensor-2-2",
                                              "inertia_tensor_eigvals-0",
                                              "inertia_tensor_eigvals-1",
                                              "inertia_tensor_eigvals-2",
                                              "axis_major_length",
                                              "axis_minor_length",
                                              "elongation",
                                              "flatness",
                                              "axis-0-0",
                                              "axis-0-1",
                                              "axis-0-2",
                                              "axis-1-0",
                                              "axis-1-1",
                                              "axis-1-2",
                                              "axis-2-0",
                                              "axis-2-1",
                                              "axis-2-2"};
  EXPECT_EQ(names(t.particles), particles);
  // analysis.convex_hull adds the hull columns at the end.
  TableSettings with_hull = settings_for(kShape);
  with_hull.convex_hull = true;
  std::vector<std::string> hull_particles = particles;
  for (const char* name : {"area_convex", "convex_volume", "solidity", "feret_diameter_max"})
    hull_particles.push_back(name);
  EXPECT_EQ(names(build_tables(merged_of(three_particles(), false), with_hull).particles),
            hull_particles);
  EXPECT_EQ(names(t.layers), (std::vector<std::string>{"label", "layer", "count", "graylevel",
                                                       "graylevel_normed", "std"}));
  EXPECT_EQ(names(t.adjacency),
            (std::vector<std::string>{"label_a", "label_b", "shared_faces", "contact_area"}));
  EXPECT_EQ(t.particles.rows(), 3u);
  // What readers require of older files: every column up to n_neighbours (the shape columns
  // and contact_area came later).
  const ParticleTables required = required_layout();
  const auto last_old = std::find(particles.begin(), particles.end(), "n_neighbours") + 1;
  EXPECT_EQ(names(required.particles), std::vector<std::string>(particles.begin(), last_old));
  EXPECT_EQ(names(required.layers), names(t.layers));
  EXPECT_EQ(names(required.adjacency),
            (std::vector<std::string>{"label_a", "label_b", "shared_faces"}));
}

TEST(Tables, EmptyRecordsGiveEmptyTables) {
  const ParticleTables t = build_tables(MergedRecords{}, settings_for(kShape));
  EXPECT_EQ(t.particles.rows(), 0u);
  EXPECT_EQ(t.layers.rows(), 0u);
  EXPECT_EQ(t.adjacency.rows(), 0u);
  EXPECT_TRUE(t.layer_start.empty());
  EXPECT_EQ(t.flat_profile_particles, 0);
}

TEST(Tables, VolumeCentroidAndBoxWithAnisotropicVoxels) {
  // Voxel 2 x 0.5 x 3: a voxel is 3 units³.
  const ParticleTables t =
      build_tables(merged_of(three_particles(), false), settings_for(kShape, {2.0, 0.5, 3.0}));
  const Table& p = t.particles;
  EXPECT_EQ(column<std::uint64_t>(p, "label"), (std::vector<std::uint64_t>{3, 7, 12}));
  EXPECT_EQ(ints(p, "volume"), (std::vector<std::int64_t>{2 * 3 * 4, 2 * 3 * 3, 1}));
  EXPECT_EQ(reals(p, "volume_physical"), (std::vector<double>{72.0, 54.0, 3.0}));
  // A box's centroid is the middle of its index range, (lo + hi - 1) / 2: index units.
  EXPECT_EQ(reals(p, "centroid-0"), (std::vector<double>{1.5, 4.5, 9.0}));
  EXPECT_EQ(reals(p, "centroid-1"), (std::vector<double>{3.0, 7.0, 11.0}));
  EXPECT_EQ(reals(p, "centroid-2"), (std::vector<double>{1.5, 6.0, 13.0}));
  EXPECT_EQ(reals(p, "centroid_local-0"), (std::vector<double>{0.5, 0.5, 0.0}));
  EXPECT_EQ(reals(p, "centroid_local-1"), (std::vector<double>{1.0, 1.0, 0.0}));
  EXPECT_EQ(reals(p, "centroid_local-2"), (std::vector<double>{1.5, 1.0, 0.0}));
  EXPECT_EQ(ints(p, "bbox-0"), (std::vector<std::int64_t>{1, 4, 9}));
  EXPECT_EQ(ints(p, "bbox-1"), (std::vector<std::int64_t>{2, 6, 11}));
  EXPECT_EQ(ints(p, "bbox-2"), (std::vector<std::int64_t>{0, 5, 13}));
  EXPECT_EQ(ints(p, "bbox-3"), (std::vector<std::int64_t>{3, 6, 10}));
  EXPECT_EQ(ints(p, "bbox-4"), (std::vector<std::int64_t>{5, 9, 12}));
  EXPECT_EQ(ints(p, "bbox-5"), (std::vector<std::int64_t>{4, 8, 14}));
  // (6 V / π)^(1/3) in voxels, whatever the voxel size.
  const std::vector<double>& d = reals(p, "equivalent_diameter_volume");
  EXPECT_DOUBLE_EQ(d[0], std::pow(6.0 * 24 / M_PI, 1.0 / 3.0));
  EXPECT_DOUBLE_EQ(d[1], std::pow(6.0 * 18 / M_PI, 1.0 / 3.0));
  EXPECT_DOUBLE_EQ(d[2], 1.2407009817988);  // (6/π)^(1/3)
}

TEST(Tables, CentroidOfAnIrregularParticle) {
  // An L of four voxels: mean z = (0+0+0+2)/4, y = (1+2+3+3)/4, x = (5+5+5+7)/4.
  std::vector<Voxel> voxels = {
      {{0, 1, 5}, 1, 1}, {{0, 2, 5}, 1, 1}, {{0, 3, 5}, 1, 1}, {{2, 3, 7}, 1, 1}};
  const ParticleTables t =
      build_tables(merged_of({particle(1, voxels)}, false), settings_for({5, 5, 9}));
  EXPECT_EQ(reals(t.particles, "centroid-0")[0], 0.5);
  EXPECT_EQ(reals(t.particles, "centroid-1")[0], 2.25);
  EXPECT_EQ(reals(t.particles, "centroid-2")[0], 5.5);
  EXPECT_EQ(reals(t.particles, "centroid_local-0")[0], 0.5);
  EXPECT_EQ(reals(t.particles, "centroid_local-1")[0], 1.25);
  EXPECT_EQ(reals(t.particles, "centroid_local-2")[0], 0.5);
}

TEST(Tables, IntensityColumnsOfIntegerGrey) {
  const std::vector<TestParticle> particles = three_particles();
  const ParticleTables t = build_tables(merged_of(particles, false), settings_for(kShape));
  const Table& p = t.particles;
  // A: grey 10 + z + 2y + 3x over z 1..2, y 2..4, x 0..3 → 10+1+4+0 .. 10+2+8+9.
  EXPECT_EQ(reals(p, "intensity_min")[0], 15.0);
  EXPECT_EQ(reals(p, "intensity_max")[0], 29.0);
  EXPECT_EQ(reals(p, "intensity_min")[2], 10.0 + 9 + 22 + 39);
  EXPECT_EQ(reals(p, "intensity_max")[2], 10.0 + 9 + 22 + 39);
  for (std::size_t i = 0; i < particles.size(); ++i) {
    const std::vector<double> greys = all_greys(particles[i]);
    EXPECT_DOUBLE_EQ(reals(p, "intensity_mean")[i], mean_of(greys)) << i;
    EXPECT_DOUBLE_EQ(reals(p, "intensity_std")[i], two_pass_std(greys)) << i;
  }
  // A by hand: mean of z + 2y + 3x is the sum of the axis means 1.5 + 6 + 4.5, plus 10.
  EXPECT_EQ(reals(p, "intensity_mean")[0], 22.0);
  EXPECT_EQ(reals(p, "intensity_std")[2], 0.0);  // a single voxel
}

TEST(Tables, SphericityOfACubeWithItsTrueArea) {
  // A 2x2x2 cube with the area of a true cube, 24: sphericity (π/6)^(1/3).
  const TestParticle cube = particle(5, box({3, 3, 3}, {5, 5, 5}, ramp, layer1), 24.0);
  const ParticleTables t = build_tables(merged_of({cube}, false), settings_for({8, 8, 8}));
  EXPECT_EQ(reals(t.particles, "surface_area")[0], 24.0);
  EXPECT_NEAR(reals(t.particles, "sphericity")[0], 0.8059959770082348, 1e-15);
}

TEST(Tables, SphericityFormulaWithAnisotropicVoxels) {
  // π^(1/3) (6 V)^(2/3) / A with the physical volume V = n · sz·sy·sx.
  const Spacing3 spacing{2.0, 0.5, 3.0};
  const ParticleTables t =
      build_tables(merged_of(three_particles(), false), settings_for(kShape, spacing));
  const std::vector<double> areas = {31.5, 40.0, 6.0}, volumes = {72.0, 54.0, 3.0};
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(reals(t.particles, "surface_area")[i], areas[i]);
    const double expected =
        std::pow(M_PI, 1.0 / 3.0) * std::pow(6.0 * volumes[i], 2.0 / 3.0) / areas[i];
    EXPECT_NEAR(reals(t.particles, "sphericity")[i], expected, 1e-14 * expected) << i;
  }
}

TEST(Tables, PlanarImageHasNaNSurfaceAndSphericity) {
  // A 2-D image [1, y, x]: no surface area even when the record carries one.
  const TestParticle flat = particle(2, box({0, 1, 1}, {1, 3, 4}, ramp, layer1), 12.0);
  const ParticleTables t =
      build_tables(merged_of({flat}, false), settings_for({1, 6, 6}, {1.0, 0.5, 0.25}));
  EXPECT_TRUE(std::isnan(reals(t.particles, "surface_area")[0]));
  EXPECT_TRUE(std::isnan(reals(t.particles, "sphericity")[0]));
  // The volume columns still apply: 6 voxels of 1 · 0.5 · 0.25.
  EXPECT_EQ(ints(t.particles, "volume")[0], 6);
  EXPECT_EQ(reals(t.particles, "volume_physical")[0], 0.75);
}

TEST(Tables, TouchesBorderOnAnyFaceIn3D) {
  const Index3 shape{6, 7, 8};
  std::vector<TestParticle> particles;
  particles.push_back(particle(1, box({2, 2, 2}, {4, 4, 4}, ramp, layer1)));  // interior
  particles.push_back(particle(2, box({0, 2, 2}, {1, 3, 3}, ramp, layer1)));  // z low
  particles.push_back(particle(3, box({5, 2, 2}, {6, 3, 3}, ramp, layer1)));  // z high
  particles.push_back(particle(4, box({2, 0, 2}, {3, 1, 3}, ramp, layer1)));  // y low
  particles.push_back(particle(5, box({2, 6, 2}, {3, 7, 3}, ramp, layer1)));  // y high
  particles.push_back(particle(6, box({2, 2, 0}, {3, 3, 1}, ramp, layer1)));  // x low
  particles.push_back(particle(7, box({2, 2, 7}, {3, 3, 8}, ramp, layer1)));  // x high
  particles.push_back(particle(8, box({1, 1, 1}, {5, 6, 7}, ramp, layer1)));  // one short of all
  const ParticleTables t = build_tables(merged_of(particles, false), settings_for(shape));
  EXPECT_EQ(column<std::uint8_t>(t.particles, "touches_border"),
            (std::vector<std::uint8_t>{0, 1, 1, 1, 1, 1, 1, 0}));
}

TEST(Tables, TouchesBorderOfPlanarImageIgnoresZ) {
  // Every particle of a [1, y, x] image spans z 0..1: only the y and x faces count.
  const Index3 shape{1, 7, 8};
  std::vector<TestParticle> particles;
  particles.push_back(particle(1, box({0, 2, 2}, {1, 4, 4}, ramp, layer1)));  // interior
  particles.push_back(particle(2, box({0, 0, 2}, {1, 1, 3}, ramp, layer1)));  // y low
  particles.push_back(particle(3, box({0, 3, 7}, {1, 4, 8}, ramp, layer1)));  // x high
  const ParticleTables t = build_tables(merged_of(particles, false), settings_for(shape));
  EXPECT_EQ(column<std::uint8_t>(t.particles, "touches_border"),
            (std::vector<std::uint8_t>{0, 1, 1}));
}

TEST(Tables, NeighboursCountDistinctEntriesOfTheBothWaysList) {
  MergedRecords m = merged_of(three_particles(), false);  // labels 3, 7, 12
  // Contacts 3-7, 3-12 and 12-99 (99 owned elsewhere), both ways, keyed by the owned label.
  m.neighbours = {{3, 7, 4}, {3, 12, 1}, {7, 3, 4}, {12, 3, 1}, {12, 99, 6}};
  m.pairs = {{3, 7, 4}, {3, 12, 1}, {12, 99, 6}};
  const ParticleTables t = build_tables(m, settings_for(kShape));
  EXPECT_EQ(ints(t.particles, "n_neighbours"), (std::vector<std::int64_t>{2, 1, 2}));
}

TEST(Tables, NeighboursOfAnIsolatedParticleAreZero) {
  MergedRecords m = merged_of(three_particles(), false);
  m.neighbours = {{7, 12, 2}, {12, 7, 2}};
  const ParticleTables t = build_tables(m, settings_for(kShape));
  EXPECT_EQ(ints(t.particles, "n_neighbours"), (std::vector<std::int64_t>{0, 1, 1}));
}

TEST(Tables, AdjacencyTableIsThePairList) {
  MergedRecords m = merged_of(three_particles(), false);
  m.pairs = {{3, 7, 4}, {3, 12, 1}, {12, 99, 6}};
  const ParticleTables t = build_tables(m, settings_for(kShape));
  EXPECT_EQ(column<std::uint64_t>(t.adjacency, "label_a"), (std::vector<std::uint64_t>{3, 3, 12}));
  EXPECT_EQ(column<std::uint64_t>(t.adjacency, "label_b"), (std::vector<std::uint64_t>{7, 12, 99}));
  EXPECT_EQ(ints(t.adjacency, "shared_faces"), (std::vector<std::int64_t>{4, 1, 6}));
}

// A box of 3 x 5 x 2 voxels, spacing (2, 1, 0.5): the coordinates' variances per axis are
// (L^2 - 1) / 12 s^2 = 8/3, 2, 1/16, with no covariance.
TEST(Tables, ShapeOfABoxWithAnisotropicVoxels) {
  const Index3 shape{8, 9, 10};
  const ParticleTables t =
      build_tables(merged_of({particle(5, box({1, 2, 3}, {4, 7, 5}, ramp, layer1))}, false),
                   settings_for(shape, {2, 1, 0.5}));
  const double c[3] = {8.0 / 3.0, 2.0, 1.0 / 16.0};
  const double inertia[3] = {c[1] + c[2], c[0] + c[2], c[0] + c[1]};
  const auto at = [&](const std::string& name) { return reals(t.particles, name).at(0); };
  for (int i = 0; i < 3; ++i)
    for (int j = i; j < 3; ++j)
      EXPECT_NEAR(at("inertia_tensor-" + std::to_string(i) + "-" + std::to_string(j)),
                  i == j ? inertia[i] : 0.0, 1e-14);
  const double ev[3] = {inertia[2], inertia[1], inertia[0]};  // descending
  for (int k = 0; k < 3; ++k)
    EXPECT_NEAR(at("inertia_tensor_eigvals-" + std::to_string(k)), ev[k], 1e-14);
  EXPECT_NEAR(at("axis_major_length"), std::sqrt(10 * (ev[0] + ev[1] - ev[2])), 1e-13);
  EXPECT_NEAR(at("axis_minor_length"), std::sqrt(10 * (-ev[0] + ev[1] + ev[2])), 1e-13);
  EXPECT_NEAR(at("elongation"), std::sqrt(c[0] / c[1]), 1e-14);
  EXPECT_NEAR(at("flatness"), std::sqrt(c[1] / c[2]), 1e-13);
  // Principal axes: z, y, x in that order, each with a positive component.
  for (int k = 0; k < 3; ++k)
    for (int a = 0; a < 3; ++a)
      EXPECT_NEAR(at("axis-" + std::to_string(k) + "-" + std::to_string(a)), k == a ? 1.0 : 0.0,
                  1e-14);
  EXPECT_EQ(t.flat_shape_particles, 0);
}

// The hull columns from the merged hull fields: volumes in physical units, solidity the
// voxel count over the hull's.
TEST(Tables, ConvexHullColumnsFromTheRecords) {
  const Index3 shape{8, 9, 10};
  MergedRecords merged = merged_of({particle(5, box({1, 2, 3}, {4, 7, 5}, ramp, layer1))}, false);
  merged.particles.at(0).convex_voxels = 40;  // 30 voxels
  merged.particles.at(0).feret_diameter_max = 7.25;
  TableSettings settings = settings_for(shape, {2, 1, 0.5});
  settings.convex_hull = true;
  const ParticleTables t = build_tables(merged, settings);
  EXPECT_EQ(ints(t.particles, "volume").at(0), 30);
  EXPECT_EQ(ints(t.particles, "area_convex").at(0), 40);
  EXPECT_DOUBLE_EQ(reals(t.particles, "convex_volume").at(0), 40.0);
  EXPECT_DOUBLE_EQ(reals(t.particles, "solidity").at(0), 0.75);
  EXPECT_DOUBLE_EQ(reals(t.particles, "feret_diameter_max").at(0), 7.25);
}

// Five voxels on the main diagonal: covariance 2 in every entry, one axis (1, 1, 1)/sqrt(3);
// the other eigenvalues are 0, so elongation and flatness are undefined (NaN, counted).
TEST(Tables, ShapeOfADiagonalLine) {
  std::vector<Voxel> voxels;
  for (index_t i = 0; i < 5; ++i) voxels.push_back({{i, i, i}, 100.0, 1});
  const ParticleTables t =
      build_tables(merged_of({particle(2, voxels)}, false), settings_for({6, 6, 6}));
  const auto at = [&](const std::string& name) { return reals(t.particles, name).at(0); };
  EXPECT_NEAR(at("inertia_tensor-0-0"), 4.0, 1e-14);
  EXPECT_NEAR(at("inertia_tensor-1-2"), -2.0, 1e-14);
  EXPECT_NEAR(at("inertia_tensor_eigvals-0"), 6.0, 1e-13);
  EXPECT_NEAR(at("inertia_tensor_eigvals-1"), 6.0, 1e-13);
  EXPECT_NEAR(at("inertia_tensor_eigvals-2"), 0.0, 1e-13);
  EXPECT_NEAR(at("axis_major_length"), std::sqrt(120.0), 1e-12);
  EXPECT_NEAR(at("axis_minor_length"), 0.0, 1e-6);
  for (int a = 0; a < 3; ++a)
    EXPECT_NEAR(at("axis-0-" + std::to_string(a)), 1.0 / std::sqrt(3.0), 1e-14);
  EXPECT_TRUE(std::isnan(at("elongation")));
  EXPECT_TRUE(std::isnan(at("flatness")));
  EXPECT_EQ(t.flat_shape_particles, 1);
}

TEST(Tables, ContactAreaFromTheFacesPerAxis) {
  MergedRecords m = merged_of(three_particles(), false);
  AdjacencyRecord pair{3, 7, 9};
  pair.axis_faces[0] = 2, pair.axis_faces[1] = 3, pair.axis_faces[2] = 4;
  m.pairs = {pair};
  // Faces across z span y x: 1 x 0.5; across y: 2 x 0.5; across x: 2 x 1.
  const ParticleTables t = build_tables(m, settings_for(kShape, {2, 1, 0.5}));
  EXPECT_EQ(reals(t.adjacency, "contact_area"), (std::vector<double>{2 * 0.5 + 3 * 1.0 + 4 * 2.0}));
}

TEST(Tables, IntegerGreyParticleOf2To32VoxelsThrows) {
  // Sums of squares of uint16 grey are exact in 64 bits only below 2^32 voxels.
  const std::int64_t limit = std::int64_t(1) << 32;
  MergedRecords m;
  ParticleRecord p;
  p.label = 4;
  p.grey.count = limit;
  p.grey.sum_int = static_cast<std::uint64_t>(limit) * 3;
  p.grey.sum_sq_int = static_cast<std::uint64_t>(limit) * 9;
  p.bbox_hi[0] = p.bbox_hi[1] = p.bbox_hi[2] = 2048;
  m.particles = {p};
  EXPECT_THROW(build_tables(m, settings_for({4096, 4096, 4096})), std::runtime_error);
  // Float grey has no such bound.
  EXPECT_NO_THROW(build_tables(m, settings_for({4096, 4096, 4096}, {1, 1, 1}, true)));
  // One voxel fewer is fine.
  m.particles[0].grey.count = limit - 1;
  m.particles[0].grey.sum_int -= 3;
  m.particles[0].grey.sum_sq_int -= 9;
  const ParticleTables t = build_tables(m, settings_for({4096, 4096, 4096}));
  EXPECT_EQ(ints(t.particles, "volume")[0], limit - 1);
  EXPECT_EQ(reals(t.particles, "intensity_std")[0], 0.0);
}

// ---------------------------------------------------------------------------------------------
// Layers

// A particle whose layer k voxels have the greys greys_by_layer[k-1], one voxel each, in a
// row at z, y = 2; an empty list leaves layer k empty.
TestParticle profile(std::uint64_t label, const std::vector<std::vector<double>>& greys_by_layer,
                     index_t z = 2) {
  TestParticle p;
  p.label = label;
  p.surface_area = 10.0;
  index_t x = 1;
  for (std::size_t k = 0; k < greys_by_layer.size(); ++k)
    for (double g : greys_by_layer[k])
      p.voxels.push_back({{z, 2, x++}, g, static_cast<std::int64_t>(k + 1)});
  return p;
}

TEST(Tables, LayerRowsKeepEmptyLayersWithCountAndGreyZero) {
  // Layers 1 and 3 hold voxels, layer 2 is empty: three rows.
  const TestParticle p = profile(9, {{20, 22}, {}, {40, 41, 45}});
  const ParticleTables t = build_tables(merged_of({p}, false), settings_for({5, 5, 20}));
  const Table& l = t.layers;
  EXPECT_EQ(column<std::uint64_t>(l, "label"), (std::vector<std::uint64_t>{9, 9, 9}));
  EXPECT_EQ(ints(l, "layer"), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(ints(l, "count"), (std::vector<std::int64_t>{2, 0, 3}));
  EXPECT_EQ(reals(l, "graylevel")[0], 21.0);
  EXPECT_EQ(reals(l, "graylevel")[1], 0.0);
  EXPECT_DOUBLE_EQ(reals(l, "graylevel")[2], 42.0);
  EXPECT_EQ(reals(l, "std")[0], 1.0);
  EXPECT_EQ(reals(l, "std")[1], 0.0);
  EXPECT_DOUBLE_EQ(reals(l, "std")[2], std::sqrt(14.0 / 3.0));  // deviations -2, -1, 3
  EXPECT_EQ(ints(t.particles, "n_layers")[0], 3);
}

TEST(Tables, LayerRowsOfIntegerGreyMatchPlainLoops) {
  const std::vector<TestParticle> particles = three_particles();
  const ParticleTables t = build_tables(merged_of(particles, false), settings_for(kShape));
  const Table& l = t.layers;
  std::size_t row = 0;
  for (const TestParticle& p : particles) {
    std::int64_t k_max = 0;
    for (const Voxel& v : p.voxels) k_max = std::max(k_max, v.layer);
    for (std::int64_t k = 1; k <= k_max; ++k, ++row) {
      ASSERT_LT(row, l.rows());
      const std::vector<double> greys = layer_greys(p, k);
      EXPECT_EQ(column<std::uint64_t>(l, "label")[row], p.label);
      EXPECT_EQ(ints(l, "layer")[row], k);
      EXPECT_EQ(ints(l, "count")[row], static_cast<std::int64_t>(greys.size()));
      EXPECT_DOUBLE_EQ(reals(l, "graylevel")[row], mean_of(greys));
      EXPECT_DOUBLE_EQ(reals(l, "std")[row], two_pass_std(greys));
    }
  }
  EXPECT_EQ(row, l.rows());
  EXPECT_EQ(ints(t.particles, "n_layers"), (std::vector<std::int64_t>{3, 3, 1}));
}

TEST(Tables, LayerZeroVoxelsHaveNoRowButCountInTheParticle) {
  // Two voxels in no layer (layer 0), three in layer 1.
  TestParticle p = profile(6, {{10, 12, 14}});
  p.voxels.push_back({{2, 3, 1}, 100, 0});
  p.voxels.push_back({{2, 3, 2}, 200, 0});
  const ParticleTables t = build_tables(merged_of({p}, false), settings_for({5, 5, 20}));
  EXPECT_EQ(t.layers.rows(), 1u);
  EXPECT_EQ(ints(t.layers, "layer")[0], 1);
  EXPECT_EQ(ints(t.layers, "count")[0], 3);
  EXPECT_EQ(reals(t.layers, "graylevel")[0], 12.0);
  EXPECT_EQ(ints(t.particles, "volume")[0], 5);
  EXPECT_EQ(ints(t.particles, "n_layers")[0], 1);
  EXPECT_DOUBLE_EQ(reals(t.particles, "intensity_mean")[0], (10.0 + 12 + 14 + 100 + 200) / 5);
  EXPECT_DOUBLE_EQ(reals(t.particles, "intensity_std")[0], two_pass_std(all_greys(p)));
  EXPECT_EQ(reals(t.particles, "intensity_max")[0], 200.0);
}

// A float particle near 10^6 with a spread of a few float32 steps (0.0625), whose voxels are
// spread over layers 0..3: the hard case for unshifted sums of squares.
TestParticle bright_float_particle() {
  TestParticle p;
  p.label = 21;
  p.surface_area = 50.0;
  for (int i = 0; i < 48; ++i) {
    const double grey = 1.0e6 + 0.0625 * ((i * 7) % 5);
    p.voxels.push_back({{1 + i / 16, 1 + (i / 4) % 4, 1 + i % 4}, grey, (i * 5) % 4});
  }
  return p;
}

TEST(Tables, FloatGreyStdComesFromShiftedSumsIncludingLayerZero) {
  const TestParticle p = bright_float_particle();
  const ParticleTables t =
      build_tables(merged_of({p}, true), settings_for({6, 6, 6}, {1, 1, 1}, true));
  const double expected = two_pass_std(all_greys(p));
  ASSERT_GT(expected, 0.05);
  EXPECT_NEAR(reals(t.particles, "intensity_std")[0], expected, 1e-12 * expected);
  // Layer 0 voxels are counted: the std of layers 1..3 alone differs.
  const double without_layer0 =
      two_pass_std(greys_where(p, [](const Voxel& v) { return v.layer > 0; }));
  EXPECT_GT(std::fabs(without_layer0 - expected), 1e-6);
  EXPECT_DOUBLE_EQ(reals(t.particles, "intensity_mean")[0], mean_of(all_greys(p)));
}

TEST(Tables, FloatGreyLayerMeansAndCoreAddTheShiftBack) {
  const TestParticle p = bright_float_particle();
  const ParticleTables t =
      build_tables(merged_of({p}, true), settings_for({6, 6, 6}, {1, 1, 1}, true, 1));
  for (std::int64_t k = 1; k <= 3; ++k) {
    const std::vector<double> greys = layer_greys(p, k);
    EXPECT_NEAR(reals(t.layers, "graylevel")[k - 1], mean_of(greys), 1e-9) << k;
    EXPECT_NEAR(reals(t.layers, "std")[k - 1], two_pass_std(greys), 1e-9) << k;
    EXPECT_EQ(ints(t.layers, "count")[k - 1], static_cast<std::int64_t>(greys.size())) << k;
  }
  const std::vector<double> core = greys_where(p, [](const Voxel& v) { return v.layer > 1; });
  EXPECT_EQ(ints(t.particles, "core_voxels")[0], static_cast<std::int64_t>(core.size()));
  EXPECT_NEAR(reals(t.particles, "core_mean")[0], mean_of(core), 1e-9);
}

TEST(Tables, FloatGreyUniformParticleHasStdExactlyZero) {
  TestParticle p = bright_float_particle();
  for (Voxel& v : p.voxels) v.grey = 1234.5677490234375;
  const ParticleTables t =
      build_tables(merged_of({p}, true), settings_for({6, 6, 6}, {1, 1, 1}, true));
  EXPECT_EQ(reals(t.particles, "intensity_std")[0], 0.0);
  for (double s : reals(t.layers, "std")) EXPECT_EQ(s, 0.0);
  EXPECT_EQ(reals(t.particles, "intensity_mean")[0], 1234.5677490234375);
}

// Layers 0..3 of four voxels each, grey = 10·layer + voxel (0..3).
TestParticle layered_particle() {
  TestParticle p;
  p.label = 5;
  p.surface_area = 10.0;
  for (std::int64_t k = 0; k <= 3; ++k)
    for (int i = 0; i < 4; ++i) p.voxels.push_back({{1 + k, 1, 1 + i}, 10.0 * k + i, k});
  return p;
}

TEST(Tables, CoreOfExcludeZeroIsEveryVoxelInALayer) {
  const ParticleTables t =
      build_tables(merged_of({layered_particle()}, false), settings_for({8, 8, 8}));
  // Layers 1..3: grey 10..13, 20..23, 30..33 → mean 21.5 over 12 voxels.
  EXPECT_EQ(ints(t.particles, "core_voxels")[0], 12);
  EXPECT_EQ(reals(t.particles, "core_mean")[0], 21.5);
}

TEST(Tables, CoreOfExcludeOneDropsTheSurfaceLayer) {
  const ParticleTables t = build_tables(merged_of({layered_particle()}, false),
                                        settings_for({8, 8, 8}, {1, 1, 1}, false, 1));
  // Layers 2..3: mean 26.5 over 8 voxels.
  EXPECT_EQ(ints(t.particles, "core_voxels")[0], 8);
  EXPECT_EQ(reals(t.particles, "core_mean")[0], 26.5);
}

TEST(Tables, CoreOfExcludeAtOrBeyondDeepestLayerIsNaN) {
  for (int c : {3, 4, 50}) {
    const ParticleTables t = build_tables(merged_of({layered_particle()}, false),
                                          settings_for({8, 8, 8}, {1, 1, 1}, false, c));
    EXPECT_EQ(ints(t.particles, "core_voxels")[0], 0) << c;
    EXPECT_TRUE(std::isnan(reals(t.particles, "core_mean")[0])) << c;
  }
  // c = 2 keeps layer 3 only: 30..33.
  const ParticleTables t = build_tables(merged_of({layered_particle()}, false),
                                        settings_for({8, 8, 8}, {1, 1, 1}, false, 2));
  EXPECT_EQ(ints(t.particles, "core_voxels")[0], 4);
  EXPECT_EQ(reals(t.particles, "core_mean")[0], 31.5);
}

TEST(Tables, RadialMaxNormalisation) {
  // g = 10, 30, 50, 40: (g_k - g_1) / max(g_j - g_1) = 0, 0.5, 1, 0.75.
  const TestParticle p = profile(4, {{9, 11}, {30}, {50, 49, 51}, {40}});
  const ParticleTables t = build_tables(merged_of({p}, false), settings_for({5, 5, 20}));
  EXPECT_EQ(reals(t.layers, "graylevel_normed"), (std::vector<double>{0.0, 0.5, 1.0, 0.75}));
  EXPECT_EQ(t.flat_profile_particles, 0);
}

TEST(Tables, RadialMaxCountsAnEmptyLayerAsGreyZero) {
  // g = 10, (empty: 0), 30: normed 0, (0 - 10) / 20, 1.
  const TestParticle p = profile(4, {{10}, {}, {30}});
  const ParticleTables t = build_tables(merged_of({p}, false), settings_for({5, 5, 20}));
  EXPECT_EQ(reals(t.layers, "graylevel_normed"), (std::vector<double>{0.0, -0.5, 1.0}));
}

TEST(Tables, RadialMaxFlatProfilesAreZerosAndCounted) {
  // Brightest surface (rim), an all-equal profile, and an increasing one in between.
  const std::vector<TestParticle> particles = {profile(1, {{50}, {30}, {20}}, 1),
                                               profile(2, {{30}, {35}}, 2),
                                               profile(3, {{7}, {7}, {7}}, 3)};
  const ParticleTables t = build_tables(merged_of(particles, false), settings_for({5, 5, 20}));
  EXPECT_EQ(reals(t.layers, "graylevel_normed"), (std::vector<double>{0, 0, 0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(t.flat_profile_particles, 2);
}

TEST(Tables, RadialMaxAllZeroGreyIsFlat) {
  const TestParticle p = profile(8, {{0, 0}, {0}, {0}});
  const ParticleTables t = build_tables(merged_of({p}, false), settings_for({5, 5, 20}));
  EXPECT_EQ(reals(t.layers, "graylevel_normed"), (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(t.flat_profile_particles, 1);
}

TEST(Tables, ParticleWithoutLayersIsNotAFlatProfile) {
  TestParticle p = profile(8, {{5}});
  for (Voxel& v : p.voxels) v.layer = 0;
  const ParticleTables t = build_tables(merged_of({p}, false), settings_for({5, 5, 20}));
  EXPECT_EQ(t.layers.rows(), 0u);
  EXPECT_EQ(ints(t.particles, "n_layers")[0], 0);
  EXPECT_EQ(t.flat_profile_particles, 0);
}

TEST(Tables, SurfaceNormalisationDividesByTheSurfaceLayer) {
  // g = 20, (empty: 0), 30, 50: g_k / g_1 = 1, 0, 1.5, 2.5. No flat-profile count.
  const std::vector<TestParticle> particles = {profile(1, {{20}, {}, {30}, {50}}, 1),
                                               profile(2, {{50}, {30}, {20}}, 2)};
  const ParticleTables t =
      build_tables(merged_of(particles, false),
                   settings_for({5, 5, 20}, {1, 1, 1}, false, 0, Normalise::surface));
  EXPECT_EQ(reals(t.layers, "graylevel_normed"),
            (std::vector<double>{1.0, 0.0, 1.5, 2.5, 1.0, 0.6, 0.4}));
  EXPECT_EQ(t.flat_profile_particles, 0);
}

TEST(Tables, SurfaceNormalisationWithZeroSurfaceGreyIsZero) {
  // g_1 = 0 (a black surface layer, or an empty one): every normed value is 0.
  const std::vector<TestParticle> particles = {profile(1, {{0, 0}, {30}, {50}}, 1),
                                               profile(2, {{}, {30}}, 2)};
  const ParticleTables t =
      build_tables(merged_of(particles, false),
                   settings_for({5, 5, 20}, {1, 1, 1}, false, 0, Normalise::surface));
  EXPECT_EQ(reals(t.layers, "graylevel_normed"), (std::vector<double>{0, 0, 0, 0, 0}));
}

TEST(Tables, LayerStartIsEachParticlesFirstLayerRow) {
  // K = 2, 0 (only layer-0 voxels), 3, 1.
  TestParticle none = profile(2, {{5}}, 2);
  none.voxels[0].layer = 0;
  const std::vector<TestParticle> particles = {profile(1, {{1}, {2}}, 1), none,
                                               profile(3, {{1}, {}, {3}}, 3), profile(4, {{9}}, 4)};
  const ParticleTables t = build_tables(merged_of(particles, false), settings_for({5, 5, 20}));
  EXPECT_EQ(t.layer_start, (std::vector<std::int64_t>{0, 2, 2, 5}));
  EXPECT_EQ(t.layers.rows(), 6u);
  EXPECT_EQ(column<std::uint64_t>(t.layers, "label"),
            (std::vector<std::uint64_t>{1, 1, 3, 3, 3, 4}));
  EXPECT_EQ(ints(t.particles, "n_layers"), (std::vector<std::int64_t>{2, 0, 3, 1}));
}

}  // namespace
}  // namespace grapes
