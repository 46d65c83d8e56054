// Marching-cubes surface area per label (docs/METHOD.md): agreement with scikit-image on the
// fixtures of tests/fixtures/make_surface_fixtures.py, closed forms, digitised spheres against
// 4πR², and invariance under splitting the image into owned boxes.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "grapes/kernels/marching_cubes_tables.hpp"
#include "grapes/kernels/surface.hpp"

namespace grapes {
namespace {

// ---------------------------------------------------------------------------------------------
// Helpers

// A label's area from the cell counts of one block.
struct LabelArea {
  std::uint64_t label = 0;
  double area = 0.0;
};

// Runs surface_cells on the block `local` of a global C-order label array.
template <class Label>
std::vector<SurfaceRecord> cells_of(const std::vector<std::uint64_t>& values, const Index3& shape,
                                    const Box& local, const Box& owned) {
  View3<Label> block = make_view3<Label>("labels", local);
  auto host = Kokkos::create_mirror_view(block);
  for (index_t i = 0; i < local.extent(0); ++i)
    for (index_t j = 0; j < local.extent(1); ++j)
      for (index_t k = 0; k < local.extent(2); ++k) {
        const index_t z = local.lo[0] + i, y = local.lo[1] + j, x = local.lo[2] + k;
        host(i, j, k) = static_cast<Label>(values[(z * shape[1] + y) * shape[2] + x]);
      }
  Kokkos::deep_copy(block, host);
  return surface_cells<Label>(block, block_geometry(owned, local, shape, {1, 1, 1}));
}

// The same as areas (physical units).
template <class Label>
std::vector<LabelArea> areas_of(const std::vector<std::uint64_t>& values, const Index3& shape,
                                const Box& local, const Box& owned, const Spacing3& spacing) {
  const auto areas = class_areas(spacing);
  std::vector<LabelArea> out;
  for (const SurfaceRecord& r : cells_of<Label>(values, shape, local, owned))
    out.push_back({r.label, surface_area(r, areas)});
  return out;
}

template <class Label>
std::vector<LabelArea> whole_image_areas(const std::vector<std::uint64_t>& values,
                                         const Index3& shape, const Spacing3& spacing) {
  return areas_of<Label>(values, shape, whole_box(shape), whole_box(shape), spacing);
}

std::map<std::uint64_t, double> as_map(const std::vector<LabelArea>& records) {
  std::map<std::uint64_t, double> out;
  for (const auto& r : records) out[r.label] += r.area;
  return out;
}

// A digitised ball: voxels whose centre lies within the ellipsoid of semi-axes `radii` (index
// units) around `centre` (index coordinates).
std::vector<std::uint64_t> ball(const Index3& shape, const Spacing3& centre, const Spacing3& radii,
                                std::uint64_t label) {
  std::vector<std::uint64_t> values(voxel_count(shape), 0);
  for (index_t z = 0; z < shape[0]; ++z)
    for (index_t y = 0; y < shape[1]; ++y)
      for (index_t x = 0; x < shape[2]; ++x) {
        const double dz = (z - centre[0]) / radii[0], dy = (y - centre[1]) / radii[1],
                     dx = (x - centre[2]) / radii[2];
        if (dz * dz + dy * dy + dx * dx <= 1.0) values[(z * shape[1] + y) * shape[2] + x] = label;
      }
  return values;
}

// Independent random labels 0..n_labels per voxel: every cell configuration occurs.
std::vector<std::uint64_t> noise(const Index3& shape, int n_labels, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pick(0, n_labels);
  std::vector<std::uint64_t> values(voxel_count(shape));
  for (auto& v : values) v = static_cast<std::uint64_t>(pick(rng));
  return values;
}

// Random Voronoi particles touching each other, with a slab of background through them.
std::vector<std::uint64_t> blobs(const Index3& shape, int n_labels, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::array<double, 3>> seeds(n_labels);
  for (auto& s : seeds)
    for (int a = 0; a < 3; ++a)
      s[a] = std::uniform_real_distribution<double>(0.0, double(shape[a]))(rng);
  std::vector<std::uint64_t> values(voxel_count(shape));
  for (index_t z = 0; z < shape[0]; ++z)
    for (index_t y = 0; y < shape[1]; ++y)
      for (index_t x = 0; x < shape[2]; ++x) {
        int best = 0;
        double best_d = std::numeric_limits<double>::max();
        for (int s = 0; s < n_labels; ++s) {
          const double d = (z - seeds[s][0]) * (z - seeds[s][0]) +
                           (y - seeds[s][1]) * (y - seeds[s][1]) +
                           (x - seeds[s][2]) * (x - seeds[s][2]);
          if (d < best_d) best_d = d, best = s;
        }
        const bool gap = std::abs(x - y + 2) <= 1;
        values[(z * shape[1] + y) * shape[2] + x] = gap ? 0 : std::uint64_t(best + 1);
      }
  return values;
}

// ---------------------------------------------------------------------------------------------
// Fixtures written by tests/fixtures/make_surface_fixtures.py (scikit-image references)

struct FixtureCase {
  std::string name;
  Index3 shape{};
  Spacing3 spacing{};
  std::vector<std::uint64_t> values;
  std::map<std::uint64_t, double> reference;
};

std::string fixture_path() {
  const std::string relative = "tests/fixtures/surface_cases.txt";
  if (const char* source = std::getenv("GRAPES_SOURCE_DIR"))
    return std::string(source) + "/" + relative;
  for (const std::string prefix : {"", "../", "../../", "../../../"})
    if (std::ifstream(prefix + relative)) return prefix + relative;
  return relative;
}

std::vector<FixtureCase> read_fixtures() {
  const std::string path = fixture_path();
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path + " (set GRAPES_SOURCE_DIR)");
  std::vector<FixtureCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream head(line);
    std::string keyword;
    head >> keyword;
    if (keyword != "case") throw std::runtime_error(path + ": expected 'case', got: " + line);
    FixtureCase c;
    head >> c.name;
    std::string word;
    in >> word >> c.shape[0] >> c.shape[1] >> c.shape[2];
    if (word != "shape") throw std::runtime_error(path + ": " + c.name + ": expected shape");
    in >> word >> c.spacing[0] >> c.spacing[1] >> c.spacing[2];
    if (word != "spacing") throw std::runtime_error(path + ": " + c.name + ": expected spacing");
    in >> word;
    if (word != "values") throw std::runtime_error(path + ": " + c.name + ": expected values");
    c.values.resize(voxel_count(c.shape));
    for (auto& v : c.values) in >> v;
    std::size_t n = 0;
    in >> word >> n;
    if (word != "labels") throw std::runtime_error(path + ": " + c.name + ": expected labels");
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t label = 0;
      double area = 0.0;
      in >> label >> area;
      c.reference[label] = area;
    }
    in >> word;
    if (!in || word != "end") throw std::runtime_error(path + ": " + c.name + ": bad format");
    std::getline(in, line);  // rest of the "end" line
    cases.push_back(std::move(c));
  }
  return cases;
}

const std::vector<FixtureCase>& fixtures() {
  static const std::vector<FixtureCase> cases = read_fixtures();
  return cases;
}

// docs/METHOD.md asks for 1% per particle. The table reproduces scikit-image's Lewiner
// triangulation of every binary configuration, so the only difference left is skimage's float32
// vertices (about 1e-7 relative); 1e-5 leaves room for that and fails on any table or cell error.
constexpr double kSkimageTolerance = 1e-5;

// Largest relative deviation from the reference over the labels of one case; also checks that
// exactly the reference labels come back.
template <class Label>
double check_case(const FixtureCase& c) {
  const auto result = whole_image_areas<Label>(c.values, c.shape, c.spacing);
  EXPECT_TRUE(
      std::is_sorted(result.begin(), result.end(),
                     [](const LabelArea& a, const LabelArea& b) { return a.label < b.label; }))
      << c.name;
  const auto got = as_map(result);
  EXPECT_EQ(got.size(), result.size()) << c.name << ": a label came back twice";
  EXPECT_EQ(got.size(), c.reference.size()) << c.name;
  double worst = 0.0;
  for (const auto& [label, area] : c.reference) {
    const auto it = got.find(label);
    if (it == got.end()) {
      ADD_FAILURE() << c.name << ": label " << label << " missing";
      continue;
    }
    const double deviation = std::abs(it->second / area - 1.0);
    worst = std::max(worst, deviation);
    EXPECT_LT(deviation, kSkimageTolerance)
        << c.name << " label " << label << ": " << it->second << " vs skimage " << area;
  }
  return worst;
}

TEST(Surface, FixturesArePresent) {
  ASSERT_GE(fixtures().size(), 15u);
  for (const auto& c : fixtures()) EXPECT_FALSE(c.reference.empty()) << c.name;
}

TEST(Surface, MatchesSkimageOnFixtures) {
  double worst = 0.0;
  std::size_t labels = 0;
  for (const auto& c : fixtures()) {
    std::uint64_t max_label = 0;
    for (const auto v : c.values) max_label = std::max(max_label, v);
    // Every label type that can hold the case's labels.
    worst = std::max(worst, check_case<std::uint64_t>(c));
    if (max_label <= 0xffffffffu) worst = std::max(worst, check_case<std::uint32_t>(c));
    if (max_label <= 0xffffu) worst = std::max(worst, check_case<std::uint16_t>(c));
    if (max_label <= 0xffu) worst = std::max(worst, check_case<std::uint8_t>(c));
    labels += c.reference.size();
  }
  std::printf(
      "[ surface ] %zu fixture cases, %zu labels: max relative deviation from skimage %.3g\n",
      fixtures().size(), labels, worst);
  RecordProperty("max_relative_deviation", std::to_string(worst));
}

// ---------------------------------------------------------------------------------------------
// Closed forms

// A lone voxel gives 8 corner triangles with vertices at half the spacing along each axis:
// total area sqrt((sy sx)^2 + (sz sx)^2 + (sz sy)^2), sqrt(3) for unit spacing.
TEST(Surface, SingleVoxelClosedForm) {
  const Index3 shape{3, 4, 5};
  std::vector<std::uint64_t> values(voxel_count(shape), 0);
  values[(1 * 4 + 2) * 5 + 2] = 42;
  for (const Spacing3 s : {Spacing3{1, 1, 1}, Spacing3{2, 1, 1}, Spacing3{0.3, 1.7, 0.9}}) {
    const double expected = std::sqrt(s[1] * s[2] * s[1] * s[2] + s[0] * s[2] * s[0] * s[2] +
                                      s[0] * s[1] * s[0] * s[1]);
    const auto result = whole_image_areas<std::uint16_t>(values, shape, s);
    ASSERT_EQ(result.size(), 1u);
    EXPECT_EQ(result[0].label, 42u);
    EXPECT_NEAR(result[0].area, expected, 1e-12 * expected);
  }
}

// A voxel on the image corner is closed by the padding: same area as inside the image.
TEST(Surface, ImageFacesAreClosedByPadding) {
  const Index3 shape{2, 2, 2};
  for (int corner = 0; corner < 8; ++corner) {
    std::vector<std::uint64_t> values(8, 0);
    values[corner] = 1;
    const auto result = whole_image_areas<std::uint8_t>(values, shape, {1, 1, 1});
    ASSERT_EQ(result.size(), 1u);
    EXPECT_NEAR(result[0].area, std::sqrt(3.0), 1e-12);
  }
  // A label filling the whole image: a closed box surface.
  std::vector<std::uint64_t> full(8, 5);
  const auto result = whole_image_areas<std::uint8_t>(full, shape, {1, 1, 1});
  ASSERT_EQ(result.size(), 1u);
  EXPECT_GT(result[0].area, 0.0);
}

TEST(Surface, BackgroundOnlyAndEmptyOwnedBox) {
  const Index3 shape{4, 4, 4};
  const std::vector<std::uint64_t> zeros(voxel_count(shape), 0);
  EXPECT_TRUE(whole_image_areas<std::uint32_t>(zeros, shape, {1, 1, 1}).empty());
  const auto values = noise(shape, 3, 1);
  const Box empty{{2, 2, 2}, {2, 4, 4}};
  EXPECT_TRUE(areas_of<std::uint32_t>(values, shape, whole_box(shape), empty, {1, 1, 1}).empty());
}

TEST(Surface, RejectsBlockWithoutHighGhost) {
  const Index3 shape{6, 6, 6};
  const auto values = noise(shape, 2, 2);
  const Box owned{{0, 0, 0}, {3, 6, 6}};
  EXPECT_THROW(areas_of<std::uint8_t>(values, shape, owned, owned, {1, 1, 1}),
               std::invalid_argument);
  const Box outside{{0, 0, 0}, {7, 6, 6}};
  EXPECT_THROW(areas_of<std::uint8_t>(values, shape, whole_box(shape), outside, {1, 1, 1}),
               std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Digitised spheres against 4πR²
//
// Marching cubes on a binary mask does not converge to the smooth area: the level-0.5 surface
// of a staircase is a corrugated surface whose area exceeds the smooth one by a factor that
// depends on the local normal only, so the relative bias tends to a constant as R grows
// rather than to zero. Measured with skimage (same definition, R = 5..60): +7.9% to +9.2%
// for cubic voxels (+8.8% at R = 60), +11% to +12.4% with 2:1 voxels, whose staircases are
// steeper. The test pins those bands; a table or cell bug moves a sphere far outside them.

struct SphereCase {
  double radius;
  Spacing3 spacing;
  double min_bias, max_bias;
};

TEST(Surface, DigitisedSpheresOverestimateByAKnownFactor) {
  const SphereCase cases[] = {
      {5, {1, 1, 1}, 0.06, 0.10},     {10, {1, 1, 1}, 0.075, 0.10},
      {20, {1, 1, 1}, 0.08, 0.095},   {5, {0.5, 0.5, 0.5}, 0.08, 0.095},
      {10, {2, 1, 1}, 0.10, 0.135},   {20, {2, 1, 1}, 0.11, 0.13},
      {10, {1, 1, 0.5}, 0.10, 0.135}, {20, {1, 1, 0.5}, 0.11, 0.13},
  };
  for (const auto& sc : cases) {
    Index3 shape;
    Spacing3 centre, radii;
    const double offset[3] = {0.3, 0.1, 0.45};  // generic position: no symmetric ties
    for (int a = 0; a < 3; ++a) {
      const index_t half = static_cast<index_t>(std::ceil(sc.radius / sc.spacing[a])) + 2;
      shape[a] = 2 * half + 1;
      centre[a] = half + offset[a];
      radii[a] = sc.radius / sc.spacing[a];
    }
    const auto values = ball(shape, centre, radii, 1);
    const auto result = whole_image_areas<std::uint8_t>(values, shape, sc.spacing);
    ASSERT_EQ(result.size(), 1u);
    const double bias = result[0].area / (4.0 * M_PI * sc.radius * sc.radius) - 1.0;
    std::printf("[ surface ] sphere R=%g spacing (%g, %g, %g): area/4piR^2 - 1 = %+.4f\n",
                sc.radius, sc.spacing[0], sc.spacing[1], sc.spacing[2], bias);
    EXPECT_GE(bias, sc.min_bias) << "R " << sc.radius;
    EXPECT_LE(bias, sc.max_bias) << "R " << sc.radius;
  }
}

// ---------------------------------------------------------------------------------------------
// Decomposition invariance: owned boxes tiling the image, each with a block reaching one voxel
// past its high side (or a wider ghost), add up to the whole-image areas.

using Grid = std::array<std::vector<index_t>, 3>;

std::vector<index_t> cuts(index_t n, int parts) {
  std::vector<index_t> out;
  for (int p = 0; p <= parts; ++p) out.push_back(n * p / parts);
  return out;
}

template <class Label>
void check_decomposition(const std::vector<std::uint64_t>& values, const Index3& shape,
                         const Spacing3& spacing, const Grid& grid, index_t ghost_low,
                         index_t ghost_high, const std::string& what) {
  const auto whole = as_map(whole_image_areas<Label>(values, shape, spacing));
  std::map<std::uint64_t, double> summed;
  std::map<std::uint64_t, SurfaceRecord> merged;  // cell counts added up over the blocks
  const Box image = whole_box(shape);
  for (std::size_t i = 0; i + 1 < grid[0].size(); ++i)
    for (std::size_t j = 0; j + 1 < grid[1].size(); ++j)
      for (std::size_t k = 0; k + 1 < grid[2].size(); ++k) {
        const Box owned{{grid[0][i], grid[1][j], grid[2][k]},
                        {grid[0][i + 1], grid[1][j + 1], grid[2][k + 1]}};
        Box local;
        for (int a = 0; a < 3; ++a) {
          local.lo[a] = owned.lo[a] - ghost_low;
          local.hi[a] = owned.hi[a] + ghost_high;
        }
        local = local.intersect(image);
        for (const auto& r : areas_of<Label>(values, shape, local, owned, spacing)) {
          EXPECT_GT(r.area, 0.0);
          summed[r.label] += r.area;
        }
        for (const SurfaceRecord& r : cells_of<Label>(values, shape, local, owned)) {
          SurfaceRecord& m = merged[r.label];
          m.label = r.label;
          m.merge(r);
        }
      }
  ASSERT_EQ(summed.size(), whole.size()) << what;
  for (const auto& [label, area] : whole) {
    ASSERT_TRUE(summed.count(label)) << what << ": label " << label;
    EXPECT_NEAR(summed[label], area, 1e-9 * area) << what << ": label " << label;
    // Merged integer counts give the whole image's area to the last bit.
    EXPECT_EQ(surface_area(merged[label], class_areas(spacing)), area)
        << what << ": label " << label;
  }
  // And the whole image's Euler numbers.
  for (const SurfaceRecord& r : cells_of<Label>(values, shape, image, image))
    EXPECT_EQ(euler_number(merged[r.label]), euler_number(r)) << what << ": label " << r.label;
}

TEST(Surface, DecompositionInvariance) {
  struct Volume {
    std::string name;
    Index3 shape;
    Spacing3 spacing;
    std::vector<std::uint64_t> values;
  };
  std::vector<Volume> volumes;
  volumes.push_back({"noise", {9, 10, 11}, {1, 1, 1}, noise({9, 10, 11}, 4, 7)});
  volumes.push_back({"blobs", {12, 13, 14}, {2, 1, 0.5}, blobs({12, 13, 14}, 9, 3)});
  // A ball cut by every image face.
  volumes.push_back(
      {"clipped ball", {10, 9, 8}, {1, 1, 1}, ball({10, 9, 8}, {4.5, 4.2, 3.7}, {6, 5.5, 5}, 300)});
  for (const auto& fixture : fixtures())
    if (fixture.name == "large_labels")
      volumes.push_back({fixture.name, fixture.shape, fixture.spacing, fixture.values});

  for (const auto& v : volumes) {
    const Index3& s = v.shape;
    const std::vector<Grid> grids = {
        Grid{{cuts(s[0], 2), cuts(s[1], 3), cuts(s[2], 1)}},
        Grid{{cuts(s[0], 1), cuts(s[1], 2), cuts(s[2], 3)}},
        Grid{{cuts(s[0], 3), cuts(s[1], 2), cuts(s[2], 4)}},
        Grid{{cuts(s[0], int(s[0])), cuts(s[1], 1), cuts(s[2], 1)}},  // 1-voxel-thin slabs
        Grid{{cuts(s[0], 1), cuts(s[1], int(s[1])), cuts(s[2], 1)}},
        Grid{{cuts(s[0], 1), cuts(s[1], 1), cuts(s[2], int(s[2]))}},
        Grid{{cuts(s[0], int(s[0])), cuts(s[1], 3), cuts(s[2], int(s[2]))}},   // thin rods
        Grid{{{0, 1, s[0] - 1, s[0]}, {0, s[1] - 1, s[1]}, {0, 2, 3, s[2]}}},  // uneven cuts
    };
    for (std::size_t g = 0; g < grids.size(); ++g) {
      const std::string what = v.name + " grid " + std::to_string(g);
      check_decomposition<std::uint64_t>(v.values, s, v.spacing, grids[g], 0, 1, what);
      check_decomposition<std::uint64_t>(v.values, s, v.spacing, grids[g], 2, 3,
                                         what + " wide ghost");
    }
    std::uint64_t max_label = *std::max_element(v.values.begin(), v.values.end());
    if (max_label <= 0xffff)
      check_decomposition<std::uint16_t>(v.values, s, v.spacing, grids[2], 0, 1,
                                         v.name + " uint16");
  }
}

// ---------------------------------------------------------------------------------------------
// Euler number (docs/METHOD.md): the per-cell contributions against a direct count of the closed
// voxel cubes' vertices, edges, faces and cubes, and against hand-made topologies.

// V - E + F - C of the union of the closed unit cubes of `label`'s voxels, each lattice element
// tested against the voxels that contain it (voxel v spans [v, v + 1] per axis).
std::int64_t direct_euler(const std::vector<std::uint64_t>& values, const Index3& shape,
                          std::uint64_t label) {
  const auto at = [&](index_t z, index_t y, index_t x) {
    if (z < 0 || y < 0 || x < 0 || z >= shape[0] || y >= shape[1] || x >= shape[2]) return false;
    return values[(z * shape[1] + y) * shape[2] + x] == label;
  };
  // Is any voxel v with v[a] in {p[a] - 1, p[a]} where free[a], v[a] = p[a] otherwise, there?
  const auto any = [&](const index_t(&p)[3], const bool(&free)[3]) {
    for (int dz = free[0] ? -1 : 0; dz <= 0; ++dz)
      for (int dy = free[1] ? -1 : 0; dy <= 0; ++dy)
        for (int dx = free[2] ? -1 : 0; dx <= 0; ++dx)
          if (at(p[0] + dz, p[1] + dy, p[2] + dx)) return true;
    return false;
  };
  std::int64_t vertices = 0, edges = 0, faces = 0, cubes = 0;
  for (index_t z = 0; z <= shape[0]; ++z)
    for (index_t y = 0; y <= shape[1]; ++y)
      for (index_t x = 0; x <= shape[2]; ++x) {
        const index_t p[3] = {z, y, x};
        vertices += any(p, {true, true, true});
        // The edge from p along a: voxels with v[a] = p[a]; the face from p spanning the two
        // axes other than a: voxels with those two fixed.
        edges +=
            any(p, {false, true, true}) + any(p, {true, false, true}) + any(p, {true, true, false});
        faces += any(p, {true, false, false}) + any(p, {false, true, false}) +
                 any(p, {false, false, true});
        cubes += at(z, y, x);
      }
  return vertices - edges + faces - cubes;
}

TEST(Surface, EulerNumberEqualsDirectCount) {
  const std::vector<std::pair<Index3, std::vector<std::uint64_t>>> volumes = {
      {{6, 7, 8}, noise({6, 7, 8}, 1, 11)},  // one label with many holes and tunnels
      {{7, 6, 5}, noise({7, 6, 5}, 3, 12)},
      {{9, 10, 11}, blobs({9, 10, 11}, 7, 13)},
      {{10, 9, 8}, ball({10, 9, 8}, {4.5, 4.2, 3.7}, {6, 5.5, 5}, 300)}};
  for (const auto& [shape, values] : volumes) {
    const auto records = cells_of<std::uint64_t>(values, shape, whole_box(shape), whole_box(shape));
    ASSERT_FALSE(records.empty());
    for (const SurfaceRecord& r : records)
      EXPECT_EQ(euler_number(r), direct_euler(values, shape, r.label)) << "label " << r.label;
  }
}

TEST(Surface, EulerNumberOfKnownTopologies) {
  const Index3 shape{9, 9, 9};
  const auto index = [&](index_t z, index_t y, index_t x) { return (z * 9 + y) * 9 + x; };
  std::vector<std::uint64_t> values(voxel_count(shape), 0);
  // Label 1: a 7^3 cube with two one-voxel voids (Euler 1 + 2).
  for (index_t z = 1; z < 8; ++z)
    for (index_t y = 1; y < 8; ++y)
      for (index_t x = 1; x < 8; ++x) values[index(z, y, x)] = 1;
  values[index(3, 3, 3)] = 0;
  values[index(5, 5, 5)] = 0;
  // Diagonal neighbours only (26-connected: one component, Euler 1).
  std::vector<std::uint64_t> diagonal(voxel_count(shape), 0);
  diagonal[index(2, 2, 2)] = diagonal[index(3, 3, 3)] = 4;
  // A ring of voxels in a plane around one hole (Euler 0).
  std::vector<std::uint64_t> ring(voxel_count(shape), 0);
  for (index_t y = 2; y < 7; ++y)
    for (index_t x = 2; x < 7; ++x)
      if (y == 2 || y == 6 || x == 2 || x == 6) ring[index(4, y, x)] = 9;
  const std::vector<std::pair<std::vector<std::uint64_t>, std::int64_t>> cases = {
      {values, 3}, {diagonal, 1}, {ring, 0}};
  for (const auto& [volume, expected] : cases) {
    const auto records = cells_of<std::uint16_t>(volume, shape, whole_box(shape), whole_box(shape));
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(euler_number(records[0]), expected) << "label " << records[0].label;
  }
}

// ---------------------------------------------------------------------------------------------
// Long rows: the kernel classifies cells in blocks along x (with the last block of a row moved
// back to end with it) and splits rows longer than its chunk into work items, so rows of a few
// cells, of many blocks plus a remainder and of several chunks are compared with a plain
// per-cell evaluation of the same definition.

// Area of each configuration from the tables (spacing applied), as surface.cpp defines it.
std::array<double, 256> reference_configuration_areas(const Spacing3& spacing) {
  std::array<double, 256> areas{};
  for (int config = 0; config < 256; ++config)
    for (int t = mc::kTriangleOffset[config]; t < mc::kTriangleOffset[config + 1]; ++t) {
      double p[3][3];
      for (int v = 0; v < 3; ++v) {
        const int code = mc::kTriangleVertices[3 * t + v];
        const int doubled[3] = {code / 9, (code / 3) % 3, code % 3};
        for (int a = 0; a < 3; ++a) p[v][a] = 0.5 * doubled[a] * spacing[a];
      }
      double u[3], w[3];
      for (int a = 0; a < 3; ++a) u[a] = p[1][a] - p[0][a], w[a] = p[2][a] - p[0][a];
      const double cx = u[1] * w[2] - u[2] * w[1], cy = u[2] * w[0] - u[0] * w[2],
                   cz = u[0] * w[1] - u[1] * w[0];
      areas[config] += 0.5 * std::sqrt(cx * cx + cy * cy + cz * cz);
    }
  return areas;
}

// Every cell of the padded image, every distinct non-zero label of its corners.
std::map<std::uint64_t, double> reference_areas(const std::vector<std::uint64_t>& values,
                                                const Index3& n, const Spacing3& spacing) {
  const auto areas = reference_configuration_areas(spacing);
  auto at = [&](index_t z, index_t y, index_t x) -> std::uint64_t {
    if (z < 0 || y < 0 || x < 0 || z >= n[0] || y >= n[1] || x >= n[2]) return 0;
    return values[(z * n[1] + y) * n[2] + x];
  };
  std::map<std::uint64_t, double> out;
  for (index_t z = -1; z < n[0]; ++z)
    for (index_t y = -1; y < n[1]; ++y)
      for (index_t x = -1; x < n[2]; ++x) {
        std::uint64_t c[8];
        for (int d = 0; d < 8; ++d) c[d] = at(z + (d >> 2), y + ((d >> 1) & 1), x + (d & 1));
        for (int d = 0; d < 8; ++d) {
          if (c[d] == 0 || std::find(c, c + d, c[d]) != c + d) continue;
          int config = 0;
          for (int e = 0; e < 8; ++e) config |= (c[e] == c[d] ? 1 : 0) << e;
          if (areas[config] > 0.0) out[c[d]] += areas[config];
        }
      }
  return out;
}

// Random balls of radius rmin..rmax painted one over the other (touching, cutting each other),
// labels 1..count.
std::vector<std::uint64_t> painted_balls(const Index3& n, int count, double rmin, double rmax,
                                         unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> values(voxel_count(n), 0);
  for (int b = 0; b < count; ++b) {
    double c[3];
    for (int a = 0; a < 3; ++a)
      c[a] = std::uniform_real_distribution<double>(0.0, double(n[a]))(rng);
    const double r = std::uniform_real_distribution<double>(rmin, rmax)(rng);
    for (index_t z = 0; z < n[0]; ++z)
      for (index_t y = 0; y < n[1]; ++y)
        for (index_t x = 0; x < n[2]; ++x) {
          const double dz = z - c[0], dy = y - c[1], dx = x - c[2];
          if (dz * dz + dy * dy + dx * dx <= r * r)
            values[(z * n[1] + y) * n[2] + x] = std::uint64_t(b + 1);
        }
  }
  return values;
}

// The labels mapped through `map` (0 stays 0).
template <class Map>
std::vector<std::uint64_t> relabelled(std::vector<std::uint64_t> values, Map map) {
  for (auto& v : values)
    if (v != 0) v = map(v);
  return values;
}

template <class Label>
void expect_reference(const std::vector<std::uint64_t>& values, const Index3& shape,
                      const Spacing3& spacing, const std::string& what) {
  const auto reference = reference_areas(values, shape, spacing);
  const auto result = whole_image_areas<Label>(values, shape, spacing);
  EXPECT_TRUE(
      std::is_sorted(result.begin(), result.end(),
                     [](const LabelArea& a, const LabelArea& b) { return a.label < b.label; }))
      << what;
  const auto got = as_map(result);
  ASSERT_EQ(got.size(), result.size()) << what << ": a label came back twice";
  ASSERT_EQ(got.size(), reference.size()) << what;
  for (const auto& [label, area] : reference) {
    ASSERT_TRUE(got.count(label)) << what << ": label " << label;
    EXPECT_NEAR(got.at(label), area, 1e-12 * area) << what << ": label " << label;
  }
}

TEST(Surface, MatchesPerCellReferenceOnLongRows) {
  struct Volume {
    std::string name;
    Index3 shape;
    Spacing3 spacing;
    std::vector<std::uint64_t> values;
  };
  std::vector<Volume> volumes;
  // Every configuration, up to 4 labels per cell; rows with fewer cells than a block (64),
  // exactly one block, one block and a few cells, several blocks and a remainder.
  for (const index_t nx : {31, 64, 65, 66, 97, 150, 200})
    volumes.push_back({"noise x" + std::to_string(nx),
                       {5, 6, nx},
                       {1, 1, 1},
                       noise({5, 6, nx}, 3, unsigned(nx))});
  // One label and the background only.
  volumes.push_back({"binary noise", {4, 5, 97}, {1, 1, 1}, noise({4, 5, 97}, 1, 11)});
  // Touching particles (contacts), a background gap, anisotropic voxels.
  volumes.push_back({"blobs", {9, 8, 133}, {2, 1, 0.5}, blobs({9, 8, 133}, 12, 5)});
  volumes.push_back(
      {"balls", {20, 22, 161}, {1, 1.5, 1}, painted_balls({20, 22, 161}, 40, 2.0, 7.0, 9)});
  // Rows of several work items (chunks of 1024 cells on CPUs, 64 on GPUs).
  volumes.push_back({"long noise", {3, 4, 2300}, {1, 1, 1}, noise({3, 4, 2300}, 2, 13)});
  volumes.push_back(
      {"long balls", {9, 8, 2100}, {1, 1, 1}, painted_balls({9, 8, 2100}, 60, 1.5, 4.5, 17)});

  for (const auto& v : volumes) {
    std::uint64_t max_label = *std::max_element(v.values.begin(), v.values.end());
    expect_reference<std::uint64_t>(v.values, v.shape, v.spacing, v.name + " uint64");
    expect_reference<std::uint32_t>(v.values, v.shape, v.spacing, v.name + " uint32");
    expect_reference<std::uint16_t>(v.values, v.shape, v.spacing, v.name + " uint16");
    if (max_label <= 0xff)
      expect_reference<std::uint8_t>(v.values, v.shape, v.spacing, v.name + " uint8");
    // The largest values of each type (the smallest-label trick wraps around 0).
    expect_reference<std::uint8_t>(
        relabelled(v.values, [](std::uint64_t l) { return 0xff - l % 4; }), v.shape, v.spacing,
        v.name + " uint8 top labels");
    expect_reference<std::uint16_t>(
        relabelled(v.values, [](std::uint64_t l) { return 0xffff - l; }), v.shape, v.spacing,
        v.name + " uint16 top labels");
    // Wide labels far from 0: a table over their range.
    expect_reference<std::uint32_t>(
        relabelled(v.values, [](std::uint64_t l) { return 4000000000u + 7 * l; }), v.shape,
        v.spacing, v.name + " uint32 offset labels");
    // Sparse 64-bit labels: the label index.
    expect_reference<std::uint64_t>(
        relabelled(v.values, [](std::uint64_t l) { return 0x9e3779b97f4a7c15ull * l; }), v.shape,
        v.spacing, v.name + " uint64 sparse labels");
  }
}

TEST(Surface, DecompositionInvarianceOnLongRows) {
  const Index3 s{7, 6, 150};
  const auto values = painted_balls(s, 25, 1.5, 5.0, 21);
  const std::vector<Grid> grids = {
      Grid{{cuts(s[0], 1), cuts(s[1], 1), cuts(s[2], 4)}},  // x cuts inside blocks
      Grid{{cuts(s[0], 2), cuts(s[1], 3), {0, 64, 65, 129, 150}}},
      Grid{{cuts(s[0], 1), cuts(s[1], 2), {0, 1, 149, 150}}},
  };
  for (std::size_t g = 0; g < grids.size(); ++g) {
    const std::string what = "long balls grid " + std::to_string(g);
    check_decomposition<std::uint16_t>(values, s, {1, 1, 1}, grids[g], 0, 1, what);
    check_decomposition<std::uint32_t>(values, s, {1, 2, 1}, grids[g], 2, 3, what + " wide");
  }
  // Owned boxes splitting rows longer than a work item.
  const Index3 l{3, 4, 2300};
  const auto long_values = painted_balls(l, 30, 1.0, 3.0, 23);
  check_decomposition<std::uint16_t>(long_values, l, {1, 1, 1},
                                     Grid{{cuts(l[0], 1), cuts(l[1], 2), {0, 700, 1500, 2300}}}, 0,
                                     1, "long rows");
}

}  // namespace
}  // namespace grapes
