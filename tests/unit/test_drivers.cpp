// The GPU-shaped drivers of every per-voxel kernel (include/grapes/kernels/kernel_drivers.hpp)
// against the CPU drivers, both run on this build's backend (Serial, OpenMP, or a GPU): the EDT's
// distances bit for bit (windowed and lower-envelope paths, isotropic and anisotropic), the
// particle, layer, surface, adjacency and overlap records and the label index equal, on random
// multi-label blocks with ghosts, odd extents, rows longer than a team's chunk, 2-D images and
// every label type. Integer grey sums are equal; float grey sums (double, added in another
// grouping) to 1e-12 relative.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "grapes/kernels/accumulate_detail.hpp"
#include "grapes/kernels/edt_detail.hpp"
#include "grapes/kernels/label_index.hpp"
#include "grapes/kernels/layers_detail.hpp"
#include "grapes/kernels/surface_detail.hpp"

namespace grapes {
namespace {

// A random image: balls of random labels painted over each other on a background with some
// isolated voxels; the block is `owned` grown by `ghost` (clipped to the image).
struct Case {
  Index3 shape{0, 0, 0};
  Box owned;
  Index3 ghost{0, 0, 0};
  Spacing3 spacing{1, 1, 1};
  int balls = 20;
  double radius = 6.0;
  std::uint64_t label_scale = 1;  // labels are 1 + random * label_scale (wide, sparse labels)
  unsigned seed = 1;

  Box local() const { return owned.grow(ghost, whole_box(shape)); }
  std::string describe() const {
    std::ostringstream out;
    out << "shape [" << shape[0] << "," << shape[1] << "," << shape[2] << "] owned [" << owned.lo[0]
        << "," << owned.lo[1] << "," << owned.lo[2] << ")-[" << owned.hi[0] << "," << owned.hi[1]
        << "," << owned.hi[2] << ") ghost " << ghost[0] << " spacing [" << spacing[0] << ","
        << spacing[1] << "," << spacing[2] << "] seed " << seed;
    return out.str();
  }
};

std::vector<std::uint64_t> image_labels(const Case& c) {
  const index_t n = voxel_count(c.shape);
  std::vector<std::uint64_t> labels(static_cast<std::size_t>(n), 0);
  std::mt19937_64 rng(c.seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int b = 0; b < c.balls; ++b) {
    double centre[3];
    for (int a = 0; a < 3; ++a) centre[a] = unit(rng) * double(c.shape[a]);
    const double r = c.radius * (0.5 + unit(rng));
    const std::uint64_t label = 1 + (rng() % 200) * c.label_scale;
    for (index_t z = 0; z < c.shape[0]; ++z)
      for (index_t y = 0; y < c.shape[1]; ++y)
        for (index_t x = 0; x < c.shape[2]; ++x) {
          const double dz = c.shape[0] == 1 ? 0.0 : z - centre[0];
          const double d2 =
              dz * dz + (y - centre[1]) * (y - centre[1]) + (x - centre[2]) * (x - centre[2]);
          if (d2 <= r * r)
            labels[static_cast<std::size_t>((z * c.shape[1] + y) * c.shape[2] + x)] = label;
        }
  }
  for (index_t v = 0; v < n; v += 37)
    labels[static_cast<std::size_t>(v)] = 1 + (rng() % 7) * c.label_scale;
  return labels;
}

template <class T>
View3<T> block_view(const std::vector<std::uint64_t>& values, const Index3& shape, const Box& box) {
  View3<T> view = make_view3<T>("block", box);
  auto host = Kokkos::create_mirror_view(view);
  for (index_t i = 0; i < box.extent(0); ++i)
    for (index_t j = 0; j < box.extent(1); ++j)
      for (index_t k = 0; k < box.extent(2); ++k) {
        const index_t z = box.lo[0] + i, y = box.lo[1] + j, x = box.lo[2] + k;
        host(i, j, k) =
            static_cast<T>(values[static_cast<std::size_t>((z * shape[1] + y) * shape[2] + x)]);
      }
  Kokkos::deep_copy(view, host);
  return view;
}

template <class T>
std::vector<T> host_values(const View3<T>& view) {
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), view);
  return std::vector<T>(host.data(), host.data() + host.size());
}

// Grey levels from the voxel index (and, for float grey, fractions).
template <class Grey>
std::vector<std::uint64_t> image_grey(const Case& c) {
  std::vector<std::uint64_t> grey(static_cast<std::size_t>(voxel_count(c.shape)));
  std::mt19937_64 rng(c.seed + 1000);
  for (auto& g : grey) g = rng() % (sizeof(Grey) == 1 ? 256 : 65536);
  return grey;
}

template <class Label>
void expect_same_edt(const Case& c) {
  SCOPED_TRACE(c.describe());
  const Box local = c.local();
  const auto values = image_labels(c);
  const View3<Label> labels = block_view<Label>(values, c.shape, local);
  const BlockGeometry g = block_geometry(c.owned, local, c.shape, c.spacing);
  for (int window : {detail::kEdtDefaultWindow, 2, 0}) {
    View3<float> a("a", local.extent(0), local.extent(1), local.extent(2));
    View3<float> b("b", local.extent(0), local.extent(1), local.extent(2));
    detail::squared_edt_tuned<Label>(labels, edt_geometry(g), a, window, nullptr, Driver::cpu);
    detail::squared_edt_tuned<Label>(labels, edt_geometry(g), b, window, nullptr, Driver::gpu);
    const auto va = host_values(a), vb = host_values(b);
    ASSERT_EQ(va.size(), vb.size());
    std::size_t differ = 0;
    for (std::size_t i = 0; i < va.size(); ++i)
      differ += std::memcmp(&va[i], &vb[i], sizeof(float)) != 0;
    EXPECT_EQ(differ, 0u) << "window " << window;
  }
}

std::vector<Case> cases() {
  std::vector<Case> out;
  auto add = [&](Index3 shape, Box owned, Index3 ghost, Spacing3 spacing, int balls, double r) {
    Case c;
    c.shape = shape;
    c.owned = owned;
    c.ghost = ghost;
    c.spacing = spacing;
    c.balls = balls;
    c.radius = r;
    c.seed = static_cast<unsigned>(out.size() + 1);
    out.push_back(c);
  };
  add({23, 37, 71}, {{0, 0, 0}, {23, 37, 71}}, {0, 0, 0}, {1, 1, 1}, 25, 6);
  add({30, 29, 45}, {{8, 7, 10}, {20, 21, 33}}, {4, 5, 6}, {1, 1, 1}, 25, 7);
  add({18, 20, 1100}, {{0, 0, 0}, {18, 20, 1100}}, {0, 0, 0}, {1, 1, 1}, 60, 8);  // long rows
  add({20, 24, 33}, {{3, 2, 5}, {17, 20, 30}}, {2, 3, 2}, {2, 1, 1}, 15, 6);
  add({16, 21, 27}, {{0, 0, 0}, {16, 21, 27}}, {0, 0, 0}, {1.7, 1.3, 1}, 12, 5);
  add({1, 60, 130}, {{0, 10, 0}, {1, 50, 130}}, {0, 5, 0}, {1, 1, 1}, 20, 9);  // 2-D
  add({40, 40, 40}, {{0, 0, 0}, {40, 40, 40}}, {0, 0, 0}, {1, 1, 1}, 2, 30);   // overflows
  return out;
}

TEST(Drivers, EdtIsBitIdentical) {
  for (const Case& c : cases()) {
    expect_same_edt<std::uint16_t>(c);
    if (c.seed % 3 == 0) expect_same_edt<std::uint64_t>(c);
  }
  Case c = cases()[1];
  expect_same_edt<std::uint8_t>(c);
  expect_same_edt<std::uint32_t>(c);
}

// ---------------------------------------------------------------------------------------------
// Records

template <class Grey, class Label>
struct BlockData {
  Case c;
  View3<Label> labels;
  View3<Grey> grey;
  View3<float> dist2;
  BlockGeometry geometry;
  std::vector<std::uint64_t> owned_labels;
  LabelIndex<Label> index;

  explicit BlockData(const Case& cs) : c(cs) {
    const Box local = c.local();
    labels = block_view<Label>(image_labels(c), c.shape, local);
    auto grey_values = image_grey<Grey>(c);
    grey = block_view<Grey>(grey_values, c.shape, c.owned);
    if (!std::is_integral<Grey>::value) {  // fractions, so that float sums round
      auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), grey);
      for (std::size_t i = 0; i < host.size(); ++i)
        host.data()[i] = Grey(host.data()[i] / 7.0 + 0.1);
      Kokkos::deep_copy(grey, host);
    }
    geometry = block_geometry(c.owned, local, c.shape, c.spacing);
    dist2 = View3<float>("dist2", local.extent(0), local.extent(1), local.extent(2));
    squared_edt<Label>(labels, edt_geometry(geometry), dist2);
    Box region;  // the owned box in the view's coordinates
    for (int a = 0; a < 3; ++a) {
      region.lo[a] = c.owned.lo[a] - local.lo[a];
      region.hi[a] = c.owned.hi[a] - local.lo[a];
    }
    index = build_label_index<Label>(labels, region, owned_labels);
  }
  Block<Grey, Label> block() const { return {grey, labels, geometry}; }
};

void expect_same_grey(const GreySums& a, const GreySums& b) {
  EXPECT_EQ(a.count, b.count);
  EXPECT_EQ(a.sum_int, b.sum_int);
  EXPECT_EQ(a.sum_sq_int, b.sum_sq_int);
  EXPECT_NEAR(a.sum_float, b.sum_float, 1e-12 * std::abs(a.sum_float));
  EXPECT_NEAR(a.sum_sq_float, b.sum_sq_float, 1e-12 * std::abs(a.sum_sq_float));
}

template <class Grey, class Label>
void expect_same_particles(const BlockData<Grey, Label>& d) {
  const auto a = detail::accumulate_particles_with(Driver::cpu, d.block(), d.index, d.owned_labels);
  const auto b = detail::accumulate_particles_with(Driver::gpu, d.block(), d.index, d.owned_labels);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_FALSE(a.empty());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].label, b[i].label);
    expect_same_grey(a[i].grey, b[i].grey);
    for (int k = 0; k < 3; ++k) {
      EXPECT_EQ(a[i].index_sum[k], b[i].index_sum[k]);
      EXPECT_EQ(a[i].index_product_sum[k], b[i].index_product_sum[k]);
      EXPECT_EQ(a[i].index_product_sum[k + 3], b[i].index_product_sum[k + 3]);
      EXPECT_EQ(a[i].bbox_lo[k], b[i].bbox_lo[k]);
      EXPECT_EQ(a[i].bbox_hi[k], b[i].bbox_hi[k]);
    }
    EXPECT_EQ(a[i].grey_min, b[i].grey_min);
    EXPECT_EQ(a[i].grey_max, b[i].grey_max);
  }
}

template <class Grey, class Label>
void expect_same_layers(const BlockData<Grey, Label>& d, double max_distance) {
  LayerSettings settings;
  settings.max_distance = max_distance;
  if (!std::is_integral<Grey>::value) settings.grey_shift.assign(d.owned_labels.size(), 11.5);
  const auto a = detail::accumulate_layers_with(Driver::cpu, d.block(), d.dist2, settings, d.index,
                                                d.owned_labels);
  const auto b = detail::accumulate_layers_with(Driver::gpu, d.block(), d.dist2, settings, d.index,
                                                d.owned_labels);
  EXPECT_EQ(a.inexact_voxels, b.inexact_voxels);
  EXPECT_EQ(a.first_inexact_label, b.first_inexact_label);
  EXPECT_EQ(a.unassigned_voxels, b.unassigned_voxels);
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    EXPECT_EQ(a.layers[i].label, b.layers[i].label);
    EXPECT_EQ(a.layers[i].layer, b.layers[i].layer);
    expect_same_grey(a.layers[i].grey, b.layers[i].grey);
  }
}

template <class Label>
void expect_same_surfaces(const View3<Label>& labels, const BlockGeometry& g) {
  const auto a = detail::surface_cells_with<Label>(Driver::cpu, labels, g);
  const auto b = detail::surface_cells_with<Label>(Driver::gpu, labels, g);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].label, b[i].label);
    for (int k = 0; k < kSurfaceClasses; ++k) EXPECT_EQ(a[i].cells[k], b[i].cells[k]);
  }
}

template <class Grey, class Label>
void expect_same_records(const Case& c) {
  SCOPED_TRACE(c.describe());
  const BlockData<Grey, Label> d(c);
  expect_same_particles(d);
  expect_same_layers(d, 30.0);           // uniform table, exactness checked per voxel
  expect_same_layers(d, kx::kInfinity);  // per-label extents first
  expect_same_layers(d, 2.0);            // most voxels inexact
  expect_same_surfaces(d.labels, d.geometry);
  const auto adj_a = detail::accumulate_adjacency_with<Label>(Driver::cpu, d.labels, d.geometry, 8);
  const auto adj_b = detail::accumulate_adjacency_with<Label>(Driver::gpu, d.labels, d.geometry, 8);
  ASSERT_EQ(adj_a.size(), adj_b.size());
  for (std::size_t i = 0; i < adj_a.size(); ++i) {
    EXPECT_EQ(adj_a[i].label_a, adj_b[i].label_a);
    EXPECT_EQ(adj_a[i].label_b, adj_b[i].label_b);
    EXPECT_EQ(adj_a[i].shared_faces, adj_b[i].shared_faces);
    for (int axis = 0; axis < 3; ++axis)
      EXPECT_EQ(adj_a[i].axis_faces[axis], adj_b[i].axis_faces[axis]);
  }
  // Overlaps of the owned labels with a shifted labelling of the owned box.
  Case shifted = c;
  shifted.seed += 77;
  const View3<std::uint16_t> reference =
      block_view<std::uint16_t>(image_labels(shifted), c.shape, c.owned);
  const auto ov_a = detail::accumulate_overlaps_with<std::uint16_t, Label>(Driver::cpu, reference,
                                                                           d.labels, d.geometry, 8);
  const auto ov_b = detail::accumulate_overlaps_with<std::uint16_t, Label>(Driver::gpu, reference,
                                                                           d.labels, d.geometry, 8);
  ASSERT_EQ(ov_a.size(), ov_b.size());
  for (std::size_t i = 0; i < ov_a.size(); ++i) {
    EXPECT_EQ(ov_a[i].reference_label, ov_b[i].reference_label);
    EXPECT_EQ(ov_a[i].step_label, ov_b[i].step_label);
    EXPECT_EQ(ov_a[i].voxels, ov_b[i].voxels);
  }
}

TEST(Drivers, RecordsAreIdentical) {
  const auto all = cases();
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i == 6) continue;  // the two huge balls add nothing here
    expect_same_records<std::uint8_t, std::uint16_t>(all[i]);
  }
  expect_same_records<std::uint16_t, std::uint8_t>(all[1]);
  expect_same_records<float, std::uint32_t>(all[1]);
  expect_same_records<std::uint16_t, std::uint64_t>(all[2]);
  expect_same_records<float, std::uint16_t>(all[3]);
}

TEST(Drivers, WideLabelPathsAreIdentical) {
  for (std::uint64_t scale : {std::uint64_t(1), std::uint64_t(1) << 20, std::uint64_t(1) << 40}) {
    Case c = cases()[1];
    c.label_scale = scale;
    SCOPED_TRACE("label scale " + std::to_string(scale));
    const Box local = c.local();
    const auto values = image_labels(c);
    const BlockGeometry g = block_geometry(c.owned, local, c.shape, c.spacing);
    if (scale < (std::uint64_t(1) << 32)) {
      expect_same_surfaces(block_view<std::uint32_t>(values, c.shape, local), g);
    }
    const View3<std::uint64_t> labels = block_view<std::uint64_t>(values, c.shape, local);
    expect_same_surfaces(labels, g);
    Box region{{1, 2, 3}, {local.extent(0) - 1, local.extent(1), local.extent(2) - 2}};
    std::vector<std::uint64_t> la, lb;
    const auto ia = detail::build_label_index_with<std::uint64_t>(Driver::cpu, labels, region, la);
    const auto ib = detail::build_label_index_with<std::uint64_t>(Driver::gpu, labels, region, lb);
    EXPECT_EQ(la, lb);
    EXPECT_EQ(ia.count, ib.count);
    EXPECT_EQ(ia.use_dense, ib.use_dense);
    const auto range_a = detail::label_range_with<std::uint64_t>(Driver::cpu, labels, region);
    const auto range_b = detail::label_range_with<std::uint64_t>(Driver::gpu, labels, region);
    EXPECT_EQ(range_a.min_val, range_b.min_val);
    EXPECT_EQ(range_a.max_val, range_b.max_val);
    EXPECT_EQ(range_a.min_val, la.front());
    EXPECT_EQ(range_a.max_val, la.back());
  }
}

}  // namespace
}  // namespace grapes
