// The distributed tables against a brute-force serial reference, for every rank count and
// many decompositions (1-voxel-thin boxes, ghosts wider than a neighbour's box), and the error
// paths of a run. Runs under mpiexec at 1, 2, 3 and 4 ranks.
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "grapes/config/config.hpp"
#include "grapes/core/error.hpp"
#include "grapes/io/source.hpp"
#include "grapes/output/output.hpp"
#include "grapes/parallel/comm.hpp"
#include "grapes/parallel/grid.hpp"
#include "grapes/run/pipeline.hpp"
#include "support/memory_source.hpp"
#include "support/random_volume.hpp"
#include "support/reference.hpp"

namespace grapes {
namespace {

using test::random_volume;
using test::RefVolume;

int ranks() {
  return grapes::comm_size(MPI_COMM_WORLD);
}
std::array<int, 3> Grid_dims(int count) {
  return Grid::auto_dims(Index3{8, 8, 8}, count);
}

// A fresh result path (collective): rank 0 removes what an earlier run left there, so a run
// that writes nothing fails its checks instead of reading the old file.
std::string output_name(const std::string& tag) {
  const std::string path = "pipeline_np" + std::to_string(ranks()) + "_" + tag + ".h5";
  if (grapes::comm_rank(MPI_COMM_WORLD) == 0) std::remove(path.c_str());
  MPI_Barrier(MPI_COMM_WORLD);
  return path;
}

Config make_config(const RefVolume& v, const std::array<int, 3>& grid, const std::string& ghost,
                   const std::string& output, const std::vector<std::string>& overrides = {}) {
  std::ostringstream yaml;
  yaml << "input: {phantom: {shape: [4, 4, 4]}}\n"
       << "voxel_size: [" << v.spacing[0] << ", " << v.spacing[1] << ", " << v.spacing[2] << "]\n"
       << "analysis: {core_exclude_layers: 1}\n"
       << "decomposition: {grid: [" << grid[0] << ", " << grid[1] << ", " << grid[2]
       << "], ghost: " << ghost << "}\n"
       << "output: {path: " << output << "}\n";
  return parse_config(yaml.str(), "<test>", overrides);
}

template <class Grey>
RunSummary run_on(const RefVolume& v, const Config& config) {
  const Index3 shape{v.shape[0], v.shape[1], v.shape[2]};
  std::vector<Grey> grey(v.grey.begin(), v.grey.end());
  return run_analysis(config, test::memory_source<Grey>(shape, std::move(grey)),
                      test::memory_source<std::uint32_t>(shape, v.labels), MPI_COMM_WORLD,
                      Logger::silent());
}

// Every grid of `ranks` boxes: all ordered factorisations.
std::vector<std::array<int, 3>> all_grids(int count) {
  std::vector<std::array<int, 3>> grids;
  for (int z = 1; z <= count; ++z)
    for (int y = 1; y <= count; ++y)
      if (count % (z * y) == 0) grids.push_back({z, y, count / (z * y)});
  return grids;
}

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

void expect_close(double expected, double actual, const std::string& what) {
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << what;
    return;
  }
  EXPECT_NEAR(actual, expected, 1e-12 * std::max(1.0, std::abs(expected))) << what;
}

// Compares the file's tables with the brute-force reference.
void check_against_reference(const RefVolume& v, const std::string& path, int core_exclude,
                             double layer_width = 0) {
  if (layer_width == 0)  // min_spacing (in the plane for a 2-D image)
    layer_width = v.shape[0] == 1 ? std::min(v.spacing[1], v.spacing[2])
                                  : std::min({v.spacing[0], v.spacing[1], v.spacing[2]});
  const auto reference = test::reference_particles(v, layer_width);
  const Table particles = read_table(path, "/particles");
  const Table layers = read_table(path, "/layers");
  const Table adjacency = read_table(path, "/adjacency");
  ASSERT_EQ(particles.get<std::uint64_t>("label").size(), reference.size()) << path;
  const auto& offsets = particles.get<std::int64_t>("layer_offset");
  ASSERT_EQ(offsets.size(), reference.size() + 1);
  std::size_t row = 0;
  std::size_t pair_row = 0;
  const auto& pair_a = adjacency.get<std::uint64_t>("label_a");
  const auto& pair_b = adjacency.get<std::uint64_t>("label_b");
  const auto& faces = adjacency.get<std::int64_t>("shared_faces");
  for (const auto& [label, p] : reference) {
    const std::string where = path + " label " + std::to_string(label);
    EXPECT_EQ(particles.get<std::uint64_t>("label")[row], label) << where;
    EXPECT_EQ(particles.get<std::int64_t>("volume")[row], p.volume) << where;
    const double n = double(p.volume);
    for (int a = 0; a < 3; ++a) {
      EXPECT_EQ(particles.get<std::int64_t>("bbox-" + std::to_string(a))[row], p.lo[a]) << where;
      EXPECT_EQ(particles.get<std::int64_t>("bbox-" + std::to_string(a + 3))[row], p.hi[a])
          << where;
      expect_close(p.index_sum[a] / n, particles.get<double>("centroid-" + std::to_string(a))[row],
                   where);
      expect_close(p.index_sum[a] / n - p.lo[a],
                   particles.get<double>("centroid_local-" + std::to_string(a))[row], where);
    }
    expect_close(p.min, particles.get<double>("intensity_min")[row], where);
    expect_close(p.max, particles.get<double>("intensity_max")[row], where);
    expect_close(p.sum / n, particles.get<double>("intensity_mean")[row], where);
    EXPECT_NEAR(particles.get<double>("intensity_std")[row], test::two_pass_std(p.values), 1e-9)
        << where;
    expect_close(n * v.spacing[0] * v.spacing[1] * v.spacing[2],
                 particles.get<double>("volume_physical")[row], where);
    expect_close(std::cbrt(6.0 * n / M_PI),
                 particles.get<double>("equivalent_diameter_volume")[row], where);
    bool border = false;
    for (int a = v.shape[0] == 1 ? 1 : 0; a < 3; ++a)
      border = border || p.lo[a] == 0 || p.hi[a] == v.shape[a];
    EXPECT_EQ(particles.get<std::uint8_t>("touches_border")[row], border ? 1 : 0) << where;
    EXPECT_EQ(particles.get<std::int64_t>("n_neighbours")[row], long(p.neighbours.size())) << where;
    // scikit-image's inertia tensor from the two-pass covariance (docs/METHOD.md, "Shape").
    const auto cov = test::covariance(p);
    const double trace = cov[0][0] + cov[1][1] + cov[2][2];
    for (int i = 0; i < 3; ++i)
      for (int j = i; j < 3; ++j)
        EXPECT_NEAR(particles.get<double>("inertia_tensor-" + std::to_string(i) + "-" +
                                          std::to_string(j))[row],
                    i == j ? trace - cov[i][i] : -cov[i][j], 1e-9 * (1 + trace))
            << where << " inertia " << i << j;

    // Layers 1..K with empty ones filled in.
    const long k_max = p.layers.empty() ? 0 : p.layers.rbegin()->first;
    EXPECT_EQ(particles.get<std::int64_t>("n_layers")[row], k_max) << where;
    ASSERT_EQ(offsets[row + 1] - offsets[row], k_max) << where;
    double g1 = 0, max_rise = 0;
    std::vector<double> means;
    for (long k = 1; k <= k_max; ++k) {
      auto it = p.layers.find(k);
      means.push_back(it == p.layers.end() ? 0.0 : it->second.sum / it->second.count);
    }
    if (!means.empty()) g1 = means[0];
    for (double g : means) max_rise = std::max(max_rise, g - g1);
    long core_count = 0;
    double core_sum = 0;
    for (long k = 1; k <= k_max; ++k) {
      const std::size_t r = static_cast<std::size_t>(offsets[row] + k - 1);
      auto it = p.layers.find(k);
      const long count = it == p.layers.end() ? 0 : it->second.count;
      EXPECT_EQ(layers.get<std::uint64_t>("label")[r], label) << where;
      EXPECT_EQ(layers.get<std::int64_t>("layer")[r], k) << where;
      EXPECT_EQ(layers.get<std::int64_t>("count")[r], count) << where << " layer " << k;
      expect_close(means[k - 1], layers.get<double>("graylevel")[r], where);
      expect_close(max_rise > 0 ? (means[k - 1] - g1) / max_rise : 0.0,
                   layers.get<double>("graylevel_normed")[r], where);
      if (count) {
        EXPECT_NEAR(layers.get<double>("std")[r], test::two_pass_std(it->second.values), 1e-9)
            << where << " layer " << k;
      }
      if (k > core_exclude) {
        core_count += count;
        core_sum += count ? it->second.sum : 0.0;
      }
    }
    EXPECT_EQ(particles.get<std::int64_t>("core_voxels")[row], core_count) << where;
    expect_close(core_count ? core_sum / core_count : std::nan(""),
                 particles.get<double>("core_mean")[row], where);

    // Adjacency rows with this label first.
    for (const auto& [other, shared] : p.neighbours) {
      if (other < label) continue;
      ASSERT_LT(pair_row, pair_a.size());
      EXPECT_EQ(pair_a[pair_row], label);
      EXPECT_EQ(pair_b[pair_row], other);
      EXPECT_EQ(faces[pair_row], shared);
      const auto& across = p.axis_neighbours.at(other);
      const auto& s = v.spacing;
      expect_close(across[0] * s[1] * s[2] + across[1] * s[0] * s[2] + across[2] * s[0] * s[1],
                   adjacency.get<double>("contact_area")[pair_row], where);
      ++pair_row;
    }
    ++row;
  }
  EXPECT_EQ(pair_row, pair_a.size());
}

// Bit-identical tables, every column (float grey: `float_tolerance` relative for doubles).
void check_identical(const std::string& expected_path, const std::string& actual_path,
                     double float_tolerance = 0.0) {
  for (const char* group : {"/particles", "/layers", "/adjacency"}) {
    const Table expected = read_table(expected_path, group);
    const Table actual = read_table(actual_path, group);
    ASSERT_EQ(expected.columns.size(), actual.columns.size()) << group;
    for (std::size_t c = 0; c < expected.columns.size(); ++c) {
      const Column& e = expected.columns[c];
      const Column& a = actual.columns[c];
      ASSERT_EQ(e.name, a.name);
      ASSERT_EQ(e.values.index(), a.values.index()) << e.name;
      if (const auto* values = std::get_if<std::vector<double>>(&e.values)) {
        const auto& other = std::get<std::vector<double>>(a.values);
        ASSERT_EQ(values->size(), other.size()) << e.name;
        for (std::size_t i = 0; i < values->size(); ++i) {
          if (float_tolerance > 0 && !std::isnan((*values)[i]))
            EXPECT_NEAR(other[i], (*values)[i], float_tolerance * std::abs((*values)[i]))
                << actual_path << " " << group << "/" << e.name << "[" << i << "]";
          else
            EXPECT_TRUE(same_bits((*values)[i], other[i]))
                << actual_path << " " << group << "/" << e.name << "[" << i << "]";
        }
      } else {
        EXPECT_TRUE(e.values == a.values) << actual_path << " " << group << "/" << e.name;
      }
    }
  }
}

struct Case {
  std::array<long, 3> shape;
  std::array<double, 3> spacing;
  unsigned seed;
};

class PipelineReference : public ::testing::TestWithParam<Case> {};

TEST_P(PipelineReference, EveryGridMatchesBruteForceAndEachOther) {
  const Case c = GetParam();
  const RefVolume v = random_volume(c.shape, c.seed, c.spacing, 255);
  std::string first;
  int variant = 0;
  for (const auto& grid : all_grids(ranks())) {
    for (const std::string ghost : {"auto", "9"}) {
      const std::string path =
          output_name("ref" + std::to_string(c.seed) + "_" + std::to_string(variant++));
      const Config config = make_config(v, grid, ghost, path);
      ASSERT_NO_THROW(run_on<std::uint8_t>(v, config)) << path;
      check_against_reference(v, path, 1);
      if (first.empty())
        first = path;
      else
        check_identical(first, path);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    RandomVolumes, PipelineReference,
    ::testing::Values(Case{{7, 9, 11}, {1, 1, 1}, 1}, Case{{5, 13, 6}, {1, 1, 1}, 2},
                      Case{{12, 10, 12}, {2, 1, 1}, 3}, Case{{4, 3, 19}, {1, 1, 1.5}, 4},
                      Case{{1, 15, 17}, {1, 1, 1}, 5}, Case{{9, 8, 7}, {1, 2, 2}, 6},
                      Case{{6, 11, 9}, {1, 1, 1}, 7}));

TEST(Pipeline, Float32GreyAgreesWithReferenceAndAcrossGridsTo1e12) {
  // Large mean, small spread: the hard case for sums of squares in double (docs/METHOD.md asks
  // 1e-12 relative across decompositions for float grey).
  RefVolume v = random_volume({10, 11, 12}, 41, {1, 1, 1}, 255);
  for (double& g : v.grey) g = static_cast<float>(1000.0 + g * 0.0137);
  std::string first;
  int variant = 0;
  for (const auto& grid : all_grids(ranks())) {
    const std::string path = output_name("float_" + std::to_string(variant++));
    run_on<float>(v, make_config(v, grid, "auto", path));
    check_against_reference(v, path, 1);
    if (first.empty())
      first = path;
    else
      check_identical(first, path, 1e-12);
  }
}

TEST(Pipeline, UInt16GreyAndSixtyFourBitLabels) {
  RefVolume v = random_volume({8, 9, 10}, 11, {1, 1, 1}, 65535);
  const Index3 shape{8, 9, 10};
  const std::string path = output_name("u16");
  const Config config = make_config(v, Grid_dims(ranks()), "auto", path);
  std::vector<std::uint16_t> grey(v.grey.begin(), v.grey.end());
  std::vector<std::uint64_t> labels(v.labels.begin(), v.labels.end());
  run_analysis(config, test::memory_source<std::uint16_t>(shape, std::move(grey)),
               test::memory_source<std::uint64_t>(shape, std::move(labels)), MPI_COMM_WORLD,
               Logger::silent());
  check_against_reference(v, path, 1);
}

TEST(Pipeline, FixedGhostTooSmallNamesParticleAndWidth) {
  // One big particle across every box: with 1 voxel of ghosts its deep voxels are inexact.
  RefVolume v;
  v.shape = {16, 16, 16};
  v.labels.assign(16 * 16 * 16, 42);
  v.grey.assign(16 * 16 * 16, 100);
  const std::string path = output_name("small_ghost");
  std::remove(path.c_str());
  const Config config = make_config(v, Grid_dims(ranks()), "1", path);
  if (ranks() == 1) {
    EXPECT_NO_THROW(run_on<std::uint8_t>(v, config));  // no ghosts needed at all
    return;
  }
  try {
    run_on<std::uint8_t>(v, config);
    FAIL() << "expected an InputError";
  } catch (const InputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("particle 42"), std::string::npos) << message;
    // docs/METHOD.md bound: (extent + 1) / 2 = 8.5 voxels, so ceil(8.5) + 1 = 10.
    EXPECT_NE(message.find("at least 10"), std::string::npos) << message;
  }
  EXPECT_NE(access(path.c_str(), F_OK), 0) << "no output file after an error";
}

TEST(Pipeline, NoParticlesGivesEmptyTables) {
  RefVolume v;
  v.shape = {5, 6, 7};
  v.labels.assign(5 * 6 * 7, 0);
  v.grey.assign(5 * 6 * 7, 9);
  const std::string path = output_name("empty");
  run_on<std::uint8_t>(v, make_config(v, Grid_dims(ranks()), "auto", path));
  EXPECT_EQ(read_table(path, "/particles").rows(), 0u);
  EXPECT_EQ(read_table(path, "/layers").rows(), 0u);
}

// A volume with every voxel background and grey 0; fill() paints boxes.
RefVolume blank(std::array<long, 3> shape) {
  RefVolume v;
  v.shape = shape;
  v.labels.assign(shape[0] * shape[1] * shape[2], 0);
  v.grey.assign(v.labels.size(), 0);
  return v;
}
void fill(RefVolume& v, std::array<long, 3> lo, std::array<long, 3> hi, std::uint32_t label,
          double grey) {
  for (long z = lo[0]; z < hi[0]; ++z)
    for (long y = lo[1]; y < hi[1]; ++y)
      for (long x = lo[2]; x < hi[2]; ++x) {
        v.labels[v.index(z, y, x)] = label;
        v.grey[v.index(z, y, x)] = grey;
      }
}

// Runs `v` on every grid of this rank count (ghost auto and a fixed ghost wider than the
// boxes) and returns the tables of the first run, after checking all runs agree.
struct Tables {
  Table particles, layers, adjacency;
};
Tables run_everywhere(const RefVolume& v, const std::string& tag) {
  std::string first;
  int variant = 0;
  for (const auto& grid : all_grids(ranks()))
    for (const std::string ghost : {"auto", "12"}) {
      const std::string path = output_name(tag + "_" + std::to_string(variant++));
      run_on<std::uint8_t>(v, make_config(v, grid, ghost, path));
      if (first.empty())
        first = path;
      else
        check_identical(first, path);
    }
  return {read_table(first, "/particles"), read_table(first, "/layers"),
          read_table(first, "/adjacency")};
}

std::vector<std::int64_t> layer_counts(const Tables& t, std::uint64_t label) {
  std::vector<std::int64_t> counts;
  const auto& labels = t.layers.get<std::uint64_t>("label");
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] == label) counts.push_back(t.layers.get<std::int64_t>("count")[i]);
  return counts;
}

TEST(HandBuilt, CubeOfThreeHasTwentySixSurfaceVoxelsAndACentre) {
  // 3x3x3 cube in background: the centre is 2 from the outside, the rest 1 (GRAPES layers).
  RefVolume v = blank({7, 7, 7});
  fill(v, {2, 2, 2}, {5, 5, 5}, 9, 100);
  fill(v, {3, 3, 3}, {4, 4, 4}, 9, 200);
  const Tables t = run_everywhere(v, "cube3");
  EXPECT_EQ(layer_counts(t, 9), (std::vector<std::int64_t>{26, 1}));
  EXPECT_EQ(t.layers.get<double>("graylevel"), (std::vector<double>{100, 200}));
  EXPECT_EQ(t.layers.get<double>("graylevel_normed"), (std::vector<double>{0, 1}));
  EXPECT_EQ(t.particles.get<std::int64_t>("n_layers")[0], 2);
  EXPECT_EQ(t.particles.get<std::uint8_t>("touches_border")[0], 0);
  // core_exclude_layers is 1 in these configs: the core is the centre voxel.
  EXPECT_EQ(t.particles.get<std::int64_t>("core_voxels")[0], 1);
  EXPECT_EQ(t.particles.get<double>("core_mean")[0], 200);
}

TEST(HandBuilt, SlabOnAnImageFaceIsOneLayer) {
  // Two voxels thick on the z = 0 face: the black border and the background are both one
  // voxel away from every slab voxel.
  RefVolume v = blank({6, 5, 4});
  fill(v, {0, 0, 0}, {2, 5, 4}, 1, 50);
  const Tables t = run_everywhere(v, "slab");
  EXPECT_EQ(layer_counts(t, 1), (std::vector<std::int64_t>{40}));
  EXPECT_EQ(t.particles.get<std::uint8_t>("touches_border")[0], 1);
  EXPECT_TRUE(std::isnan(t.particles.get<double>("core_mean")[0]));  // no core
}

TEST(HandBuilt, TwoTouchingCubesEachSeeTheOtherAsOutside) {
  // Two 5^3 cubes sharing a 5x5 face: shells of 98, 26 and 1 voxels each; 25 shared faces.
  RefVolume v = blank({7, 7, 12});
  fill(v, {1, 1, 1}, {6, 6, 6}, 4, 10);
  fill(v, {1, 1, 6}, {6, 6, 11}, 5, 20);
  const Tables t = run_everywhere(v, "two_cubes");
  EXPECT_EQ(layer_counts(t, 4), (std::vector<std::int64_t>{98, 26, 1}));
  EXPECT_EQ(layer_counts(t, 5), (std::vector<std::int64_t>{98, 26, 1}));
  EXPECT_EQ(t.adjacency.get<std::uint64_t>("label_a"), (std::vector<std::uint64_t>{4}));
  EXPECT_EQ(t.adjacency.get<std::uint64_t>("label_b"), (std::vector<std::uint64_t>{5}));
  EXPECT_EQ(t.adjacency.get<std::int64_t>("shared_faces"), (std::vector<std::int64_t>{25}));
  EXPECT_EQ(t.particles.get<std::int64_t>("n_neighbours"), (std::vector<std::int64_t>{1, 1}));
}

TEST(HandBuilt, DigitisedSphereLayersMatchAnIndependentCount) {
  // Ball of radius 6: for a voxel p inside, the nearest outside voxel is found by scanning
  // all voxels (independent of the EDT); layer = round(d). Counts per layer must match.
  RefVolume v = blank({17, 17, 17});
  for (long z = 0; z < 17; ++z)
    for (long y = 0; y < 17; ++y)
      for (long x = 0; x < 17; ++x)
        if ((z - 8) * (z - 8) + (y - 8) * (y - 8) + (x - 8) * (x - 8) <= 36)
          v.labels[v.index(z, y, x)] = 1;
  std::map<long, std::int64_t> expected;
  for (long z = 0; z < 17; ++z)
    for (long y = 0; y < 17; ++y)
      for (long x = 0; x < 17; ++x)
        if (v.labels[v.index(z, y, x)])
          ++expected[std::lround(std::sqrt(test::brute_force_d2(v, z, y, x)))];
  const Tables t = run_everywhere(v, "sphere");
  std::vector<std::int64_t> want;
  for (const auto& [layer, count] : expected) want.push_back(count);
  EXPECT_EQ(layer_counts(t, 1), want);
  EXPECT_EQ(t.particles.get<std::int64_t>("n_layers")[0], expected.rbegin()->first);
  // The centre's nearest outside voxel is an offset like (5, 4, 0): sqrt(41) = 6.4, layer 6.
  EXPECT_EQ(expected.rbegin()->first, 6);
}

TEST(HandBuilt, SphericityNearOneForBallsLowerWhenElongated) {
  // A ball of radius 10 and a 20 x 5 x 5 (semi-axes) ellipsoid, apart. Marching cubes
  // overestimates a digitised sphere's area by about 8 %, so a ball scores about 0.92.
  RefVolume v = blank({24, 24, 64});
  for (long z = 0; z < 24; ++z)
    for (long y = 0; y < 24; ++y)
      for (long x = 0; x < 64; ++x) {
        const double bz = z - 11.5, by = y - 11.5, bx = x - 12.0, ex = x - 40.0;
        if (bz * bz + by * by + bx * bx <= 100.0) v.labels[v.index(z, y, x)] = 1;
        if (bz * bz / 25.0 + by * by / 25.0 + ex * ex / 400.0 <= 1.0)
          v.labels[v.index(z, y, x)] = 2;
      }
  const std::string path = output_name("sphericity");
  run_on<std::uint8_t>(v, make_config(v, Grid_dims(ranks()), "auto", path));
  const auto sphericity = read_table(path, "/particles").get<double>("sphericity");
  ASSERT_EQ(sphericity.size(), 2u);
  EXPECT_GT(sphericity[0], 0.88);
  EXPECT_LT(sphericity[0], 1.0);
  EXPECT_LT(sphericity[1], sphericity[0] - 0.1);
}

TEST(HandBuilt, AdjacencyNeedsASharedFace) {
  // A chain 1-2-3 of face-touching bricks across the x range (crossing rank boundaries for
  // x splits), plus 7 touching 1 only along an edge and 8 touching 1 only at a corner.
  RefVolume v = blank({6, 6, 12});
  fill(v, {0, 0, 0}, {2, 2, 4}, 1, 10);
  fill(v, {0, 0, 4}, {2, 2, 8}, 2, 10);
  fill(v, {0, 0, 8}, {2, 3, 12}, 3, 10);
  fill(v, {2, 2, 0}, {4, 4, 3}, 7, 10);  // shares only the edge z=2,y=2 with label 1
  fill(v, {2, 2, 4}, {3, 3, 5}, 8, 10);  // shares only a corner with label 1
  const Tables t = run_everywhere(v, "chain");
  EXPECT_EQ(t.adjacency.get<std::uint64_t>("label_a"), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(t.adjacency.get<std::uint64_t>("label_b"), (std::vector<std::uint64_t>{2, 3}));
  EXPECT_EQ(t.adjacency.get<std::int64_t>("shared_faces"), (std::vector<std::int64_t>{4, 4}));
  EXPECT_EQ(t.particles.get<std::int64_t>("n_neighbours"),
            (std::vector<std::int64_t>{1, 2, 1, 0, 0}));
}

template <class Function>
std::string input_error(Function function) {
  try {
    function();
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

TEST(Pipeline, GrapesLayerWidthWithFineSpacingLeavesLayerZeroOut) {
  // GRAPES rounds distances in its anisotropy units: with 0.5 spacing and layer_width 1 the
  // surface voxels (d = 0.5) round to layer 0 and belong to no layer.
  const RefVolume v = random_volume({9, 10, 11}, 21, {0.5, 0.5, 0.5}, 255);
  const std::string path = output_name("width1");
  const RunSummary summary = run_on<std::uint8_t>(
      v, make_config(v, Grid_dims(ranks()), "auto", path, {"analysis.layer_width=1.0"}));
  check_against_reference(v, path, 1, 1.0);
  long expected_unassigned = 0;
  for (const auto& [label, p] : test::reference_particles(v, 1.0))
    expected_unassigned += p.unassigned;
  EXPECT_GT(expected_unassigned, 0);
  EXPECT_EQ(summary.volume.unassigned_voxels, expected_unassigned);
}

// The growth limit is for blocks whose memory matters (more than kGrowthFreeVoxels): a binder
// phase left in the labels of a tiny volume is analysed (tests/unit/test_output_safety.cpp
// checks the refusal of large blocks, naming the label and the key).
TEST(Pipeline, HugeLabelInATinyVolumeIsNotRefusedForItsGrowth) {
  RefVolume v = blank({40, 12, 12});
  fill(v, {0, 0, 0}, {40, 12, 12}, 99, 50);  // a binder phase left in the labels
  fill(v, {3, 3, 3}, {6, 6, 6}, 5, 150);
  const std::string path = output_name("huge");
  std::remove(path.c_str());
  const Config config =
      make_config(v, {ranks(), 1, 1}, "auto", path, {"decomposition.max_block_growth=1.2"});
  ASSERT_NO_THROW(run_on<std::uint8_t>(v, config));
  EXPECT_EQ(read_table(path, "/particles").rows(), 2u);
}

TEST(Pipeline, OptionalVolumesHoldEveryVoxelsLayerAndDistance) {
  const RefVolume v = random_volume({9, 11, 10}, 31, {1, 1, 2}, 255);
  const std::string path = output_name("volumes");
  run_on<std::uint8_t>(
      v, make_config(v, Grid_dims(ranks()), "auto", path, {"output.volumes=[layers, edt]"}));
  SourceSpec spec;
  spec.key = "test";
  spec.path = path;
  spec.dataset = "/volumes/layers";
  auto layers = open_source(spec, MPI_COMM_WORLD);
  spec.dataset = "/volumes/edt";
  auto distances = open_source(spec, MPI_COMM_WORLD);
  ASSERT_EQ(layers->dtype(), DType::u32);
  ASSERT_EQ(distances->dtype(), DType::f32);
  const Box all{{0, 0, 0}, {9, 11, 10}};
  std::vector<std::uint32_t> layer(all.voxels());
  std::vector<float> distance(all.voxels());
  layers->read_box(all, layer.data());
  distances->read_box(all, distance.data());
  long wrong = 0;
  for (long z = 0; z < 9; ++z)
    for (long y = 0; y < 11; ++y)
      for (long x = 0; x < 10; ++x) {
        const long i = v.index(z, y, x);
        const double d = v.labels[i] ? std::sqrt(test::brute_force_d2(v, z, y, x)) : 0.0;
        wrong += layer[i] != static_cast<std::uint32_t>(test::round_half_even(d));
        wrong += std::abs(distance[i] - d) > 1e-5 * std::max(1.0, d);
      }
  EXPECT_EQ(wrong, 0);
}

// The plan resolves analysis.layer_width = min_spacing once: in the plane for a 2-D image
// (its z spacing is not a distance of the analysis), over all axes for a volume.
TEST(Pipeline, PlanDerivesTheUnitAndLayerWidth) {
  const RefVolume v = random_volume({4, 5, 6}, 3, {0.25, 2, 3}, 255);
  const Config config = make_config(v, {1, 1, ranks()}, "auto", output_name("plan"));
  const RunPlan volume = plan_run(config, Index3{4, 5, 6}, MPI_COMM_WORLD, Logger::silent());
  EXPECT_EQ(volume.edt_unit, 0.25);
  EXPECT_EQ(volume.layer_width, 0.25);
  const RunPlan image = plan_run(config, Index3{1, 5, 6}, MPI_COMM_WORLD, Logger::silent());
  EXPECT_EQ(image.edt_unit, 2.0);
  EXPECT_EQ(image.layer_width, 2.0);
  const Config wide =
      make_config(v, {1, 1, ranks()}, "auto", output_name("plan"), {"analysis.layer_width=1.5"});
  const RunPlan fixed = plan_run(wide, Index3{1, 5, 6}, MPI_COMM_WORLD, Logger::silent());
  EXPECT_EQ(fixed.edt_unit, 2.0);
  EXPECT_EQ(fixed.layer_width, 1.5);
}

TEST(Pipeline, BadInputsAreInputErrorsWithNoOutput) {
  RefVolume v = random_volume({4, 5, 6}, 3, {1, 1, 1}, 255);
  const Index3 shape{4, 5, 6};
  const std::string path = output_name("bad");
  std::remove(path.c_str());
  const Config config = make_config(v, Grid_dims(ranks()), "auto", path);
  std::vector<std::uint8_t> grey(v.grey.begin(), v.grey.end());
  std::vector<float> float_labels(v.labels.begin(), v.labels.end());
  std::string message = input_error([&] {
    run_analysis(config, test::memory_source<std::uint8_t>(shape, grey),
                 test::memory_source<float>(shape, float_labels), MPI_COMM_WORLD, Logger::silent());
  });
  EXPECT_NE(message.find("labels must be integers"), std::string::npos) << message;
  message = input_error([&] {
    run_analysis(
        config, test::memory_source<std::uint8_t>(Index3{4, 5, 7}, std::vector<std::uint8_t>(140)),
        test::memory_source<std::uint32_t>(shape, v.labels), MPI_COMM_WORLD, Logger::silent());
  });
  EXPECT_NE(message.find("shape"), std::string::npos) << message;
  message = input_error([&] {
    run_analysis(config, test::memory_source<std::uint8_t>(Index3{0, 5, 6}, {}),
                 test::memory_source<std::uint32_t>(Index3{0, 5, 6}, {}), MPI_COMM_WORLD,
                 Logger::silent());
  });
  EXPECT_NE(message.find("empty"), std::string::npos) << message;
  Config wrong_grid = make_config(v, {ranks() + 1, 1, 1}, "auto", path);
  message = input_error([&] { run_on<std::uint8_t>(v, wrong_grid); });
  EXPECT_NE(message.find("decomposition.grid"), std::string::npos) << message;
  Config missing_dir = make_config(v, Grid_dims(ranks()), "auto", "no/such/dir/out.h5");
  message = input_error([&] { run_on<std::uint8_t>(v, missing_dir); });
  EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
  EXPECT_NE(access(path.c_str(), F_OK), 0) << "no output file after an error";
}

}  // namespace
}  // namespace grapes
