// Marching-cubes surface cells per label: see surface.hpp for the cell ownership rule and the
// configuration classes, include/grapes/kernels/marching_cubes_tables.hpp for the triangles.
//
// The kernel walks rows of cells along x: one work item is a chunk of a row (the whole row on
// CPUs up to kHostChunk cells, kDeviceChunk cells on GPUs), whose 4 corner rows (z, y),
// (z, y+1), (z+1, y), (z+1, y+1) are read as plain arrays. About 7 cells in 8 lie inside one
// label or the background (8 equal corners) and contribute nothing, so a row goes by blocks of
// kBlock cells (the last one moved back to end with the row):
//   - a flag per cell, whether its corners differ (loads, XORs, ORs: vectorised), packed into
//     a bit mask; nothing more when no flag is set;
//   - per corner column (vectorised): the largest label, the smallest non-zero label and
//     which corners are non-zero;
//   - then only the flagged cells, found with count-trailing-zeros. A cell whose non-zero
//     corners all carry its largest label (one particle and the background: the common case)
//     takes its configuration from the column bits, one table read and one count. A cell with
//     several labels (a contact) compares its 8 corners with the largest and the smallest
//     label and loops over any further ones.
// Rows shorter than a block and the padding cells at the image's x faces go cell by cell.
//
// Cells are counted per (label, class) in a table indexed by label - offset: every uint8/uint16
// value, or for wider labels the min..max range of the region (one reduction) when it is
// modest; sparse wide labels use the LabelIndex of the region instead. The table is an integer
// ScatterView (plain adds on Serial, per-thread copies on OpenMP, atomics on GPUs): exact, so
// the order of the adds does not matter.
#include "grapes/kernels/surface.hpp"

#include <Kokkos_ScatterView.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "grapes/core/format.hpp"
#include "grapes/core/instantiate.hpp"
#include "grapes/kernels/kernel_drivers.hpp"
#include "grapes/kernels/label_index.hpp"
#include "grapes/kernels/marching_cubes_tables.hpp"
#include "grapes/kernels/surface_detail.hpp"

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

// The shape of one triangle: |u x w| per axis for edge vectors u, w in doubled cell units.
// Its area for any spacing s is 1/8 sqrt(c0^2 s1^2 s2^2 + c1^2 s0^2 s2^2 + c2^2 s0^2 s1^2).
using TriangleShape = std::array<int, 3>;

std::vector<std::pair<TriangleShape, int>> triangle_shapes(int config) {
  std::vector<std::pair<TriangleShape, int>> shapes;  // sorted shape -> multiplicity
  for (int t = mc::kTriangleOffset[config]; t < mc::kTriangleOffset[config + 1]; ++t) {
    int p[3][3];
    for (int v = 0; v < 3; ++v) {
      const int code = mc::kTriangleVertices[3 * t + v];
      p[v][0] = code / 9, p[v][1] = (code / 3) % 3, p[v][2] = code % 3;
    }
    int u[3], w[3];
    for (int a = 0; a < 3; ++a) u[a] = p[1][a] - p[0][a], w[a] = p[2][a] - p[0][a];
    const TriangleShape shape{std::abs(u[1] * w[2] - u[2] * w[1]),
                              std::abs(u[2] * w[0] - u[0] * w[2]),
                              std::abs(u[0] * w[1] - u[1] * w[0])};
    auto at = std::lower_bound(shapes.begin(), shapes.end(), std::make_pair(shape, 0));
    if (at != shapes.end() && at->first == shape)
      ++at->second;
    else
      shapes.insert(at, {shape, 1});
  }
  return shapes;
}

// Eight times the Euler contribution of a cell's configuration to the closed voxel cubes of a
// label (26-connected foreground; docs/METHOD.md, "Euler number"). The cell's centre is one
// lattice point p: p counts once, each of the 6 edges at p half (an edge has 2 ends), each of
// the 12 faces at p a quarter, each of the 8 cubes an eighth; an edge is there when one of the
// 4 corners on its side is, a face when one of the 2 corners that share it is.
int euler_eighths(int config) {
  if (config == 0) return 0;
  int edges = 0, faces = 0;
  for (int axis = 0; axis < 3; ++axis) {
    const int bit = 4 >> axis;  // corner d's offset along z, y, x: bits 4, 2, 1
    int side[2] = {0, 0};
    for (int d = 0; d < 8; ++d)
      if (config >> d & 1) side[(d & bit) ? 1 : 0] = 1;
    edges += side[0] + side[1];
    for (int d = 0; d < 8; ++d)  // the pairs (d, d + bit): corners sharing a face
      if (!(d & bit) && ((config >> d & 1) || (config >> (d | bit) & 1))) ++faces;
  }
  int cubes = 0;
  for (int d = 0; d < 8; ++d) cubes += config >> d & 1;
  return 8 - 4 * edges + 2 * faces - cubes;
}

// Classes: configurations with the same triangle shapes and the same Euler contribution.
SurfaceClasses build_surface_classes() {
  SurfaceClasses classes;
  std::vector<std::pair<std::vector<std::pair<TriangleShape, int>>, int>> seen;
  for (int config = 0; config < 256; ++config) {
    const auto shapes = std::make_pair(triangle_shapes(config), euler_eighths(config));
    const auto at = std::find(seen.begin(), seen.end(), shapes);
    if (at != seen.end()) {
      classes.class_of[config] = static_cast<std::uint8_t>(at - seen.begin());
      continue;
    }
    if (classes.count == kSurfaceClasses)
      throw std::logic_error("surface: more cell classes than kSurfaceClasses");
    seen.push_back(shapes);
    classes.euler_eighths[classes.count] = shapes.second;
    classes.representative[classes.count] = config;
    classes.class_of[config] = static_cast<std::uint8_t>(classes.count++);
  }
  return classes;
}

// Owned cells (origin + extents, global indices), block origin, image shape.
struct Geometry {
  index_t block_lo[3];
  index_t cells_lo[3];
  index_t cells_n[3];
  index_t shape[3];
};

// Cells classified at once: a bit each in a 64-bit mask.
constexpr int kBlock = 64;
// Cells per work item along x: the CPU driver (whole rows in practice), the GPU driver (a team
// of threads, one per cell).
constexpr index_t kHostChunk = 1024;
constexpr index_t kDeviceChunk = 512;

// Index of the lowest set bit of a non-zero mask.
KOKKOS_INLINE_FUNCTION int lowest_bit(const std::uint64_t mask) {
#if defined(__CUDA_ARCH__) || defined(__HIP_DEVICE_COMPILE__)
  return __ffsll(static_cast<long long>(mask)) - 1;
#elif defined(__GNUC__) || defined(__clang__)
  return __builtin_ctzll(mask);
#else
  int bit = 0;
  while (((mask >> bit) & 1u) == 0) ++bit;
  return bit;
#endif
}

// The kBlock flags (0 or 1) as a bit mask, 8 at a time: byte k of a 64-bit word at bit 8 k,
// gathered into bit 56 + k by one multiplication (the partial products below bit 56 fall on
// distinct bits: no carries). Compilers turn the byte loop into one load.
KOKKOS_INLINE_FUNCTION std::uint64_t pack_flags(const std::uint8_t (&flag)[kBlock]) {
  std::uint64_t mask = 0;
  for (int w = 0; w < kBlock / 8; ++w) {
    std::uint64_t bytes = 0;
    for (int k = 0; k < 8; ++k) bytes |= std::uint64_t(flag[8 * w + k]) << (8 * k);
    mask |= ((bytes * 0x0102040810204080ull) >> 56) << (8 * w);
  }
  return mask;
}

// Entry of the area table of a label: label - offset.
struct OffsetSlots {
  std::uint64_t offset = 0;
  template <class Label>
  KOKKOS_INLINE_FUNCTION index_t operator()(const Label label) const {
    return static_cast<index_t>(static_cast<std::uint64_t>(label) - offset);
  }
};

using CellTable = Kokkos::View<std::int64_t**, Kokkos::LayoutRight, kx::ExecSpace>;
using CellScatter = decltype(Kokkos::Experimental::create_scatter_view(CellTable()));

// Counts the cells of one chunk of a row of owned cells along x per (label, class).
template <class Label, class Slots>
struct RowCells {
  View3<const Label> labels;
  View1<const Label> zeros;  // a row of padding as long as the block's x extent
  View1<const std::uint8_t> config_class;
  CellScatter cells;
  Slots slots;
  Geometry g;
  index_t chunk;  // cells per work item along x
  index_t chunks_per_row;

  template <class Access>
  KOKKOS_INLINE_FUNCTION void add(const Label label, const unsigned config, Access& access) const {
    access(slots(label), config_class(config)) += 1;
  }

  // The non-zero labels of corners `rest` of a cell (corner d at offset (d >> 2, (d >> 1) & 1,
  // d & 1)), one at a time.
  template <class Access>
  KOKKOS_INLINE_FUNCTION void labels_of(const Label (&c)[8], unsigned rest, Access& access) const {
    while (rest != 0) {
      const Label label = c[lowest_bit(rest)];
      unsigned config = 0;
      for (int d = 0; d < 8; ++d) config |= unsigned(c[d] == label) << d;
      rest &= ~config;
      add(label, config, access);
    }
  }

  // One cell of any kind.
  template <class Access>
  KOKKOS_INLINE_FUNCTION void cell(const Label (&c)[8], Access& access) const {
    Label diff = 0;
    for (int d = 1; d < 8; ++d) diff |= Label(c[d] ^ c[0]);
    if (diff == 0) return;
    unsigned nonzero = 0;
    for (int d = 0; d < 8; ++d) nonzero |= unsigned(c[d] != 0) << d;
    labels_of(c, nonzero, access);
  }

  // The cells first .. kBlock - 1 of the block of kBlock cells whose low corners are at
  // block x b .. b + kBlock - 1 in the rows r[0..3].
  template <class Access>
  KOKKOS_INLINE_FUNCTION void cell_block(const Label* const (&r)[4], const index_t b,
                                         const int first, Access& access) const {
    const Label* const r0 = r[0];
    const Label* const r1 = r[1];
    const Label* const r2 = r[2];
    const Label* const r3 = r[3];
    // A flag per cell (0 or 1): do its corners differ?
    std::uint8_t flag[kBlock];
    for (int k = 0; k < kBlock; ++k) {
      const Label v = r0[b + k];
      flag[k] =
          Label((r0[b + k + 1] ^ v) | (r1[b + k] ^ v) | (r1[b + k + 1] ^ v) | (r2[b + k] ^ v) |
                (r2[b + k + 1] ^ v) | (r3[b + k] ^ v) | (r3[b + k + 1] ^ v)) != 0;
    }
    std::uint64_t mask = pack_flags(flag) & (~std::uint64_t(0) << first);
    if (mask == 0) return;
    // Per corner column: the largest label, the smallest non-zero label minus 1 (wrapping to
    // the largest value for a background column), and which corners are non-zero, at their
    // configuration bits (row q at bit 2 q; the next column's at bit 2 q + 1).
    Label top[kBlock + 1], low[kBlock + 1];
    std::uint8_t bits[kBlock + 1];
    for (int k = 0; k <= kBlock; ++k) {
      const Label c0 = r0[b + k], c1 = r1[b + k], c2 = r2[b + k], c3 = r3[b + k];
      top[k] = kx::max(kx::max(c0, c1), kx::max(c2, c3));
      low[k] =
          kx::min(kx::min(Label(c0 - 1), Label(c1 - 1)), kx::min(Label(c2 - 1), Label(c3 - 1)));
      bits[k] = std::uint8_t((c0 != 0) | (c1 != 0) << 2 | (c2 != 0) << 4 | (c3 != 0) << 6);
    }
    while (mask != 0) {
      const int k = lowest_bit(mask);
      mask &= mask - 1;
      const Label label = kx::max(top[k], top[k + 1]);
      if (Label(label - 1) == kx::min(low[k], low[k + 1])) {
        // One label and the background: its corners are the non-zero ones.
        add(label, unsigned(bits[k]) | unsigned(bits[k + 1]) << 1, access);
      } else {
        // Several labels: the largest and the smallest, then any others.
        const Label c[8] = {r0[b + k], r0[b + k + 1], r1[b + k], r1[b + k + 1],
                            r2[b + k], r2[b + k + 1], r3[b + k], r3[b + k + 1]};
        const Label smallest = Label(kx::min(low[k], low[k + 1]) + 1);
        unsigned config = 0, smallest_config = 0;
        for (int d = 0; d < 8; ++d) {
          config |= unsigned(c[d] == label) << d;
          smallest_config |= unsigned(c[d] == smallest) << d;
        }
        add(label, config, access);
        add(smallest, smallest_config, access);
        const unsigned rest =
            (unsigned(bits[k]) | unsigned(bits[k + 1]) << 1) & ~(config | smallest_config);
        if (rest != 0) labels_of(c, rest, access);
      }
    }
  }

  KOKKOS_INLINE_FUNCTION void operator()(const index_t item) const {
    const index_t row = item / chunks_per_row;
    const index_t part = item - row * chunks_per_row;
    const index_t cz = row / g.cells_n[1] + g.cells_lo[0];
    const index_t cy = row % g.cells_n[1] + g.cells_lo[1];
    // Corner rows q = 2 dz + dy, indexed by block x; rows outside the image are padding.
    const Label* r[4];
    for (int q = 0; q < 4; ++q) {
      const index_t z = cz + (q >> 1), y = cy + (q & 1);
      const bool inside = z >= 0 && z < g.shape[0] && y >= 0 && y < g.shape[1];
      r[q] = inside ? &labels(z - g.block_lo[0], y - g.block_lo[1], 0) : zeros.data();
    }
    const index_t nx = g.shape[2];
    index_t x = g.cells_lo[2] + part * chunk;  // global x of the cell's low corners
    const index_t x_end = kx::min(x + chunk, g.cells_lo[2] + g.cells_n[2]);
    auto access = cells.access();
    // Block x index of global x: b = x - block_lo. Padding corners (x = -1, x = nx) are 0.
    const index_t shift = g.block_lo[2];
    if (x < 0) {  // the cell before the image: corners -1 (padding) and 0
      const Label c[8] = {0, r[0][-shift], 0, r[1][-shift], 0, r[2][-shift], 0, r[3][-shift]};
      cell(c, access);
      x = 0;
    }
    // Cells with both corner columns inside the image: blocks of kBlock, the last one moved
    // back to end with the row (its cells already done are left out); one by one when there
    // are fewer.
    const index_t b_begin = x - shift, b_end = kx::max(x, kx::min(x_end, nx - 1)) - shift;
    if (b_end - b_begin >= kBlock) {
      for (index_t b = b_begin; b < b_end; b += kBlock) {
        const index_t start = kx::min(b, b_end - kBlock);
        cell_block(r, start, int(b - start), access);
      }
    } else {
      for (index_t b = b_begin; b < b_end; ++b) {
        const Label c[8] = {r[0][b], r[0][b + 1], r[1][b], r[1][b + 1],
                            r[2][b], r[2][b + 1], r[3][b], r[3][b + 1]};
        cell(c, access);
      }
    }
    if (b_end + shift < x_end) {  // the cell at the high face: corners nx - 1 and nx (padding)
      const index_t e = nx - 1 - shift;
      const Label c[8] = {r[0][e], 0, r[1][e], 0, r[2][e], 0, r[3][e], 0};
      cell(c, access);
    }
  }
};

// The GPU driver of the cells: a team per chunk of a row of cells copies the chunk's 4 corner
// rows (one voxel more, padding as 0) into team scratch, consecutive threads on consecutive
// voxels, then one thread per cell classifies it with RowCells::cell.
template <class Label, class Slots>
struct CellTeams {
  RowCells<Label, Slots> cells;
  index_t chunk;  // cells per team

  static std::size_t scratch_bytes(const index_t chunk) {
    return 4 * kx::scratch_bytes<Label>(chunk + 1);
  }

  // Corner row q of the cell row (cz, cy) at global x x0 .. x0 + n, into team scratch.
  KOKKOS_INLINE_FUNCTION const Label* stage(const kx::TeamMember& team, const int q,
                                            const index_t cz, const index_t cy, const index_t x0,
                                            const index_t n) const {
    const Geometry& g = cells.g;
    const index_t z = cz + (q >> 1), y = cy + (q & 1);
    const bool inside = z >= 0 && z < g.shape[0] && y >= 0 && y < g.shape[1];
    const Label* row = inside ? &cells.labels(z - g.block_lo[0], y - g.block_lo[1], 0) : nullptr;
    kx::ScratchView<Label> out(team.team_scratch(0), static_cast<std::size_t>(n + 1));
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, n + 1), [&](const index_t j) {
      const index_t x = x0 + j;
      out(j) = inside && x >= 0 && x < g.shape[2] ? row[x - g.block_lo[2]] : Label(0);
    });
    return out.data();
  }

  KOKKOS_INLINE_FUNCTION void operator()(const kx::TeamMember& team) const {
    const Geometry& g = cells.g;
    const index_t item = team.league_rank();
    const index_t row = item / cells.chunks_per_row;
    const index_t part = item - row * cells.chunks_per_row;
    const index_t cz = row / g.cells_n[1] + g.cells_lo[0];
    const index_t cy = row % g.cells_n[1] + g.cells_lo[1];
    const index_t x0 = g.cells_lo[2] + part * chunk;  // global x of the first cell's low corners
    const index_t n = kx::min(chunk, g.cells_lo[2] + g.cells_n[2] - x0);
    const Label* r[4];
    for (int q = 0; q < 4; ++q) r[q] = stage(team, q, cz, cy, x0, n);
    team.team_barrier();
    Kokkos::parallel_for(Kokkos::TeamThreadRange(team, n), [&](const index_t k) {
      auto access = cells.cells.access();
      const Label c[8] = {r[0][k], r[0][k + 1], r[1][k], r[1][k + 1],
                          r[2][k], r[2][k + 1], r[3][k], r[3][k + 1]};
      cells.cell(c, access);
    });
  }
};

// Runs the cell kernel with the given label -> table entry map over `entries` table entries.
template <class Label, class Slots>
CellTable::HostMirror count_cells(const Driver driver, const View3<const Label>& labels,
                                  const Geometry& g, const Slots& slots, const index_t entries) {
  const SurfaceClasses& classes = surface_classes();
  View1<std::uint8_t> config_class("grapes::surface::config_class", 256);
  {
    auto host_classes = Kokkos::create_mirror_view(config_class);
    for (int c = 0; c < 256; ++c) host_classes(c) = classes.class_of[c];
    Kokkos::deep_copy(config_class, host_classes);
  }
  const index_t chunk = driver == Driver::cpu ? kHostChunk : kDeviceChunk;
  const index_t chunks_per_row = (g.cells_n[2] + chunk - 1) / chunk;
  const index_t items = g.cells_n[0] * g.cells_n[1] * chunks_per_row;

  CellTable cells("grapes::surface::cells", static_cast<std::size_t>(entries), kSurfaceClasses);
  CellScatter scatter(cells);
  const RowCells<Label, Slots> row_cells{
      labels,
      View1<const Label>(driver == Driver::cpu
                             ? View1<Label>("grapes::surface::padding", labels.extent(2))
                             : View1<Label>()),
      config_class,
      scatter,
      slots,
      g,
      chunk,
      chunks_per_row};
  if (driver == Driver::cpu) {
    Kokkos::parallel_for("grapes::surface::cells", kx::LinePolicy(0, items), row_cells);
  } else {
    kx::TeamPolicy policy(static_cast<int>(items), kx::team_threads());
    policy.set_scratch_size(0, Kokkos::PerTeam(CellTeams<Label, Slots>::scratch_bytes(chunk)));
    Kokkos::parallel_for("grapes::surface::cells", policy,
                         CellTeams<Label, Slots>{row_cells, chunk});
  }
  Kokkos::Experimental::contribute(cells, scatter);
  return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), cells);
}

// The records of the table entries with a cell; entry i is label_of(i).
template <class LabelOf>
std::vector<SurfaceRecord> records_of(const CellTable::HostMirror& cells, LabelOf label_of) {
  std::vector<SurfaceRecord> records;
  for (std::size_t i = 0; i < cells.extent(0); ++i) {
    SurfaceRecord record;
    bool any = false;
    for (int c = 0; c < kSurfaceClasses; ++c) {
      record.cells[c] = cells(i, c);
      any = any || record.cells[c] != 0;
    }
    if (!any) continue;
    record.label = label_of(i);
    records.push_back(record);
  }
  return records;
}

// Checks the boxes and returns the cell geometry and the region of corner voxels.
Geometry cell_geometry(const BlockGeometry& block, index_t view_extents[3], Box& region) {
  const Box image = whole_box(block.image_shape);
  const Box& owned = block.owned;
  const Box& local = block.local;
  if (owned.intersect(image) != owned || local.intersect(image) != local)
    throw std::invalid_argument("surface_cells: owned box " + box_text(owned) + " or block " +
                                box_text(local) + " reaches outside the image");
  for (int a = 0; a < 3; ++a)
    if (view_extents[a] != local.extent(a))
      throw std::invalid_argument("surface_cells: view extents differ from block " +
                                  box_text(local));
  Geometry g{};
  for (int a = 0; a < 3; ++a) {
    region.lo[a] = owned.lo[a];
    region.hi[a] = std::min(owned.hi[a] + 1, block.image_shape[a]);
    g.block_lo[a] = local.lo[a];
    g.cells_lo[a] = owned.lo[a] == 0 ? -1 : owned.lo[a];
    g.cells_n[a] = owned.hi[a] - g.cells_lo[a];
    g.shape[a] = block.image_shape[a];
  }
  if (!owned.empty() && region.intersect(local) != region)
    throw std::invalid_argument("surface_cells: block " + box_text(local) +
                                " must cover the owned box " + box_text(owned) +
                                " plus one voxel on each high side inside the image");
  return g;
}

// Wide labels: a table over the min..max range of the region when it costs at most about
// 1/16 byte per region voxel (or is small), else the compact index of the labels present.
template <class Label>
std::vector<SurfaceRecord> wide_label_cells(const Driver driver, const View3<const Label>& labels,
                                            const Geometry& g, const Box& region,
                                            const Box& local) {
  Box view_region;  // the region in the view's coordinates
  for (int a = 0; a < 3; ++a) {
    view_region.lo[a] = region.lo[a] - local.lo[a];
    view_region.hi[a] = region.hi[a] - local.lo[a];
  }
  const auto range = detail::label_range_with<Label>(driver, labels, view_region);
  if (range.max_val < range.min_val) return {};  // background only
  const std::uint64_t span = range.max_val - range.min_val + 1;
  const std::uint64_t bytes_per_entry = kSurfaceClasses * sizeof(std::int64_t);
  const std::uint64_t dense_limit = std::max<std::uint64_t>(
      1u << 12, static_cast<std::uint64_t>(region.voxels()) / (16 * bytes_per_entry));
  if (span <= dense_limit) {
    const std::uint64_t offset = range.min_val;
    const auto cells =
        count_cells<Label>(driver, labels, g, OffsetSlots{offset}, static_cast<index_t>(span));
    return records_of(cells, [offset](std::size_t i) { return offset + i; });
  }
  std::vector<std::uint64_t> present;
  const LabelIndex<Label> index =
      detail::build_label_index_with<Label>(driver, labels, view_region, present);
  if (present.empty()) return {};
  const auto cells =
      count_cells<Label>(driver, labels, g, index, static_cast<index_t>(present.size()));
  return records_of(cells, [&present](std::size_t i) { return present[i]; });
}

}  // namespace

const SurfaceClasses& surface_classes() {
  static const SurfaceClasses classes = build_surface_classes();
  return classes;
}

std::array<double, kSurfaceClasses> class_areas(const Spacing3& spacing) {
  const std::array<double, 256> areas = configuration_areas(spacing);
  const SurfaceClasses& classes = surface_classes();
  std::array<double, kSurfaceClasses> out{};
  for (int c = 0; c < classes.count; ++c) out[c] = areas[classes.representative[c]];
  return out;
}

double surface_area(const SurfaceRecord& record, const std::array<double, kSurfaceClasses>& areas) {
  double area = 0.0;
  for (int c = 0; c < kSurfaceClasses; ++c) area += static_cast<double>(record.cells[c]) * areas[c];
  return area;
}

std::int64_t euler_number(const SurfaceRecord& record) {
  const SurfaceClasses& classes = surface_classes();
  std::int64_t eighths = 0;
  for (int c = 0; c < classes.count; ++c) eighths += record.cells[c] * classes.euler_eighths[c];
  // The eighths of a complete label add up to whole numbers; a remainder means missing cells.
  if (eighths % 8 != 0)
    throw std::logic_error("surface: label " + std::to_string(record.label) +
                           " has an Euler sum of " + std::to_string(eighths) + "/8");
  return eighths / 8;
}

namespace detail {
template <class Label>
std::vector<SurfaceRecord> surface_cells_with(const Driver driver, const View3<const Label>& labels,
                                              const BlockGeometry& geometry) {
  kx::ScopedRegion region_guard("grapes::surface_cells");
  index_t extents[3];
  for (int a = 0; a < 3; ++a) extents[a] = static_cast<index_t>(labels.extent(a));
  Box region;  // voxels that are corners of owned cells
  const Geometry g = cell_geometry(geometry, extents, region);
  if (geometry.owned.empty()) return {};
  if constexpr (sizeof(Label) <= 2) {
    // Every label value has an entry (at most 65,536 x kSurfaceClasses counts).
    const index_t entries = index_t(std::numeric_limits<Label>::max()) + 1;
    const auto cells = count_cells<Label>(driver, labels, g, OffsetSlots{0}, entries);
    return records_of(cells, [](std::size_t i) { return std::uint64_t(i); });
  } else {
    return wide_label_cells<Label>(driver, labels, g, region, geometry.local);
  }
}
}  // namespace detail

template <class Label>
std::vector<SurfaceRecord> surface_cells(const View3<const Label>& labels,
                                         const BlockGeometry& geometry) {
  return detail::surface_cells_with<Label>(kx::kDefaultDriver, labels, geometry);
}

#define GRAPES_INSTANTIATE_SURFACE(Label)                                             \
  template std::vector<SurfaceRecord> surface_cells<Label>(const View3<const Label>&, \
                                                           const BlockGeometry&);     \
  template std::vector<SurfaceRecord> detail::surface_cells_with<Label>(              \
      Driver, const View3<const Label>&, const BlockGeometry&);
GRAPES_FOR_EACH_LABEL(GRAPES_INSTANTIATE_SURFACE)
#undef GRAPES_INSTANTIATE_SURFACE

}  // namespace grapes
