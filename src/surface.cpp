// Marching-cubes surface area per label (SPEC §3): see surface.hpp for the cell ownership rule
// and include/grapes/marching_cubes_tables.hpp for the triangles.
//
// For a binary mask at level 0.5 every vertex sits on an edge midpoint or the cell centre, so
// the area a cell contributes to label L depends only on which of its 8 corners carry L (the
// configuration) and on the spacing. The 256 areas are computed once per call on the host;
// the kernel visits each owned cell once and, for each distinct non-zero label among its
// corners, adds the area of that label's configuration.
#include "grapes/surface.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

#include "grapes/marching_cubes_tables.hpp"

namespace grapes {

namespace {

// Area of each configuration's triangles, spacing applied (physical units).
std::array<double, 256> configuration_areas(const Spacing3& spacing) {
  std::array<double, 256> areas{};
  for (int config = 0; config < 256; ++config) {
    double sum = 0.0;
    for (int t = mc::kTriangleOffset[config]; t < mc::kTriangleOffset[config + 1]; ++t) {
      double p[3][3];
      for (int v = 0; v < 3; ++v) {
        const int code = mc::kTriangleVertices[3 * t + v];
        const int doubled[3] = {code / 9, (code / 3) % 3, code % 3};
        for (int a = 0; a < 3; ++a) p[v][a] = 0.5 * doubled[a] * spacing[a];
      }
      double u[3], w[3];
      for (int a = 0; a < 3; ++a) {
        u[a] = p[1][a] - p[0][a];
        w[a] = p[2][a] - p[0][a];
      }
      const double cx = u[1] * w[2] - u[2] * w[1];
      const double cy = u[2] * w[0] - u[0] * w[2];
      const double cz = u[0] * w[1] - u[1] * w[0];
      sum += 0.5 * std::sqrt(cx * cx + cy * cy + cz * cz);
    }
    areas[config] = sum;
  }
  return areas;
}

// Geometry shared by the kernels: `region` (the voxels that are corners of owned cells) and the
// owned cells, both as origin + extents in global indices, and the block origin.
struct Geometry {
  index_t block_lo[3];
  index_t region_lo[3];
  index_t region_n[3];
  index_t cells_lo[3];
  index_t cells_n[3];
  index_t shape[3];
};

// Gathering the distinct non-zero labels of the region, with repeats: a voxel is a run start
// when its label differs from the previous voxel of its row, so every label has a run start (its
// first voxel in some row), and run starts are usually far fewer than voxels.
template <class Label>
struct RunStarts {
  View3<const Label> labels;
  Geometry g;

  // The label of region voxel (i, j, k) when it starts a run, else 0.
  KOKKOS_INLINE_FUNCTION Label start(index_t i, index_t j, index_t k) const {
    const index_t bi = i + g.region_lo[0] - g.block_lo[0];
    const index_t bj = j + g.region_lo[1] - g.block_lo[1];
    const index_t bk = k + g.region_lo[2] - g.block_lo[2];
    const Label label = labels(bi, bj, bk);
    return (k == 0 || labels(bi, bj, bk - 1) != label) ? label : Label(0);
  }
};

template <class Label>
struct CountRunStarts {
  RunStarts<Label> runs;
  KOKKOS_INLINE_FUNCTION void operator()(index_t i, index_t j, index_t k, index_t& count) const {
    if (runs.start(i, j, k) != 0) ++count;
  }
};

// Writes the run starts in any order (they are sorted afterwards).
template <class Label>
struct WriteRunStarts {
  RunStarts<Label> runs;
  View1<Label> out;
  Kokkos::View<index_t, kx::MemSpace> next;
  KOKKOS_INLINE_FUNCTION void operator()(index_t i, index_t j, index_t k) const {
    const Label label = runs.start(i, j, k);
    if (label != 0) out(Kokkos::atomic_fetch_add(&next(), index_t(1))) = label;
  }
};

template <class Label>
struct CellAreas {
  View3<const Label> labels;
  View1<const Label> sorted_labels;
  View1<const double> config_area;
  View1<double> area;  // per entry of sorted_labels
  Geometry g;
  index_t label_count;

  KOKKOS_INLINE_FUNCTION index_t find(Label label) const {
    index_t low = 0, high = label_count;
    while (low < high) {
      const index_t middle = low + (high - low) / 2;
      if (sorted_labels(middle) < label)
        low = middle + 1;
      else
        high = middle;
    }
    return low;  // always found: the list holds every label of the region
  }

  KOKKOS_INLINE_FUNCTION void operator()(index_t i, index_t j, index_t k) const {
    // Cell corner 0 in global and in block indices; corners outside the image are padding.
    const index_t c[3] = {i + g.cells_lo[0], j + g.cells_lo[1], k + g.cells_lo[2]};
    const index_t b[3] = {c[0] - g.block_lo[0], c[1] - g.block_lo[1], c[2] - g.block_lo[2]};
    bool low_in[3], high_in[3];
    for (int a = 0; a < 3; ++a) {
      low_in[a] = c[a] >= 0;
      high_in[a] = c[a] + 1 < g.shape[a];
    }
    Label corner[8];
    for (int d = 0; d < 8; ++d) {
      const int dz = (d >> 2) & 1, dy = (d >> 1) & 1, dx = d & 1;
      const bool inside = (dz ? high_in[0] : low_in[0]) && (dy ? high_in[1] : low_in[1]) &&
                          (dx ? high_in[2] : low_in[2]);
      corner[d] = inside ? labels(b[0] + dz, b[1] + dy, b[2] + dx) : Label(0);
    }
    bool uniform = true;
    for (int d = 1; d < 8; ++d) uniform = uniform && corner[d] == corner[0];
    if (uniform) return;  // inside one label or background: no surface
    for (int d = 0; d < 8; ++d) {
      const Label label = corner[d];
      if (label == 0) continue;
      bool seen = false;
      for (int e = 0; e < d; ++e) seen = seen || corner[e] == label;
      if (seen) continue;
      int config = 0;
      for (int e = d; e < 8; ++e) config |= (corner[e] == label ? 1 : 0) << e;
      const double a = config_area(config);
      if (a > 0.0) Kokkos::atomic_add(&area(find(label)), a);
    }
  }
};

std::string box_text(const Box& box) {
  std::string text = "[";
  for (int a = 0; a < 3; ++a)
    text += (a ? ", " : "") + std::to_string(box.lo[a]) + ":" + std::to_string(box.hi[a]);
  return text + "]";
}

}  // namespace

template <class Label>
std::vector<SurfaceRecord> surface_areas(const View3<const Label>& labels, const Box& local,
                                         const Box& owned, const Index3& image_shape,
                                         const Spacing3& spacing) {
  const Box image = whole_box(image_shape);
  if (owned.intersect(image) != owned || local.intersect(image) != local)
    throw std::invalid_argument("surface_areas: owned box " + box_text(owned) + " or block " +
                                box_text(local) + " reaches outside the image");
  for (int a = 0; a < 3; ++a)
    if (static_cast<index_t>(labels.extent(a)) != local.extent(a))
      throw std::invalid_argument("surface_areas: view extents differ from block " +
                                  box_text(local));
  if (owned.empty()) return {};

  Geometry g{};
  Box region;  // voxels that are corners of owned cells
  for (int a = 0; a < 3; ++a) {
    region.lo[a] = owned.lo[a];
    region.hi[a] = std::min(owned.hi[a] + 1, image_shape[a]);
    g.block_lo[a] = local.lo[a];
    g.region_lo[a] = region.lo[a];
    g.region_n[a] = region.extent(a);
    g.cells_lo[a] = owned.lo[a] == 0 ? -1 : owned.lo[a];
    g.cells_n[a] = owned.hi[a] - g.cells_lo[a];
    g.shape[a] = image_shape[a];
  }
  if (region.intersect(local) != region)
    throw std::invalid_argument("surface_areas: block " + box_text(local) +
                                " must cover the owned box " + box_text(owned) +
                                " plus one voxel on each high side inside the image");

  // x fastest in the iteration, as in memory (LayoutRight).
  using Policy =
      Kokkos::MDRangePolicy<kx::ExecSpace, Kokkos::IndexType<index_t>,
                            Kokkos::Rank<3, Kokkos::Iterate::Right, Kokkos::Iterate::Right>>;
  const Policy region_policy({0, 0, 0}, {g.region_n[0], g.region_n[1], g.region_n[2]});

  // Distinct non-zero labels of the region: run starts on the device, sort/unique on the host.
  const RunStarts<Label> runs{labels, g};
  index_t starts = 0;
  Kokkos::parallel_reduce("grapes::surface::count_labels", region_policy,
                          CountRunStarts<Label>{runs}, starts);
  View1<Label> run_labels("grapes::surface::run_labels", static_cast<std::size_t>(starts));
  Kokkos::parallel_for(
      "grapes::surface::gather_labels", region_policy,
      WriteRunStarts<Label>{runs, run_labels,
                            Kokkos::View<index_t, kx::MemSpace>("grapes::surface::next")});
  auto host_labels = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), run_labels);
  Label* begin = host_labels.data();
  std::sort(begin, begin + starts);
  const index_t label_count = std::unique(begin, begin + starts) - begin;
  if (label_count == 0) return {};
  View1<Label> sorted_labels("grapes::surface::labels", static_cast<std::size_t>(label_count));
  Kokkos::deep_copy(sorted_labels,
                    Kokkos::subview(host_labels, std::make_pair(index_t(0), label_count)));

  const std::array<double, 256> areas = configuration_areas(spacing);
  View1<double> config_area("grapes::surface::config_area", 256);
  {
    auto host_areas = Kokkos::create_mirror_view(config_area);
    for (int c = 0; c < 256; ++c) host_areas(c) = areas[c];
    Kokkos::deep_copy(config_area, host_areas);
  }

  View1<double> area("grapes::surface::area", static_cast<std::size_t>(label_count));
  Kokkos::parallel_for("grapes::surface::cells",
                       Policy({0, 0, 0}, {g.cells_n[0], g.cells_n[1], g.cells_n[2]}),
                       CellAreas<Label>{labels, sorted_labels, config_area, area, g, label_count});

  auto host_area = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), area);
  std::vector<SurfaceRecord> records;
  for (index_t i = 0; i < label_count; ++i)
    if (host_area(i) > 0.0)
      records.push_back(SurfaceRecord{static_cast<std::uint64_t>(host_labels(i)), host_area(i)});
  return records;
}

#define GRAPES_INSTANTIATE_SURFACE(Label)                   \
  template std::vector<SurfaceRecord> surface_areas<Label>( \
      const View3<const Label>&, const Box&, const Box&, const Index3&, const Spacing3&);
GRAPES_INSTANTIATE_SURFACE(std::uint8_t)
GRAPES_INSTANTIATE_SURFACE(std::uint16_t)
GRAPES_INSTANTIATE_SURFACE(std::uint32_t)
GRAPES_INSTANTIATE_SURFACE(std::uint64_t)
#undef GRAPES_INSTANTIATE_SURFACE

}  // namespace grapes
