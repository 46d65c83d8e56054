#include "grapes/accumulate.hpp"

#include <Kokkos_ScatterView.hpp>
#include <Kokkos_UnorderedMap.hpp>

#include <algorithm>
#include <limits>
#include <type_traits>

namespace grapes {

namespace {

namespace KE = Kokkos::Experimental;
using LinePolicy = Kokkos::RangePolicy<kx::ExecSpace, Kokkos::IndexType<index_t>>;

template <class T>
using View2 = Kokkos::View<T**, Kokkos::LayoutRight, kx::MemSpace>;

// Owned-region geometry shared by the line kernels: line l = (z, y) of the owned box.
struct OwnedLines {
  Index3 owned_lo;      // global
  Index3 label_offset;  // owned.lo - local.lo (where the owned box starts in the label view)
  index_t ny = 0, nx = 0;
  index_t lines = 0;

  OwnedLines(const Box& owned, const Box& local) {
    for (int a = 0; a < 3; ++a) {
      owned_lo[a] = owned.lo[a];
      label_offset[a] = owned.lo[a] - local.lo[a];
    }
    ny = owned.extent(1);
    nx = owned.extent(2);
    lines = owned.extent(0) * ny;
  }
};

// ---------------------------------------------------------------------------------------
// Particle sums, run-length along x: atomics only once per run of equal labels.

enum IntField { kCount, kSumZ, kSumY, kSumX, kLoZ, kLoY, kLoX, kHiZ, kHiY, kHiX, kIntFields };
enum RealField { kSumF, kSumSqF, kMin, kMax, kRealFields };

template <class Grey, class Label>
struct ParticleKernel {
  View3<const Grey> grey;
  View3<const Label> labels;
  LabelIndex<Label> index;
  OwnedLines lines;
  View2<std::int64_t> ints;
  View2<std::uint64_t> grey_int;  // sum, sum of squares
  View2<double> reals;

  KOKKOS_INLINE_FUNCTION void flush(const std::int32_t id, const index_t gz, const index_t gy,
                                    const index_t x0, const index_t x1, const std::uint64_t sum,
                                    const std::uint64_t sum_sq, const double sum_f,
                                    const double sum_sq_f, const double low,
                                    const double high) const {
    const index_t n = x1 - x0;
    Kokkos::atomic_add(&ints(id, kCount), n);
    Kokkos::atomic_add(&ints(id, kSumZ), n * gz);
    Kokkos::atomic_add(&ints(id, kSumY), n * gy);
    Kokkos::atomic_add(&ints(id, kSumX), n * (x0 + x1 - 1) / 2);  // sum of x0..x1-1
    Kokkos::atomic_fetch_min(&ints(id, kLoZ), gz);
    Kokkos::atomic_fetch_min(&ints(id, kLoY), gy);
    Kokkos::atomic_fetch_min(&ints(id, kLoX), x0);
    Kokkos::atomic_fetch_max(&ints(id, kHiZ), gz + 1);
    Kokkos::atomic_fetch_max(&ints(id, kHiY), gy + 1);
    Kokkos::atomic_fetch_max(&ints(id, kHiX), x1);
    if (std::is_integral<Grey>::value) {
      Kokkos::atomic_add(&grey_int(id, 0), sum);
      Kokkos::atomic_add(&grey_int(id, 1), sum_sq);
    } else {
      Kokkos::atomic_add(&reals(id, kSumF), sum_f);
      Kokkos::atomic_add(&reals(id, kSumSqF), sum_sq_f);
    }
    Kokkos::atomic_fetch_min(&reals(id, kMin), low);
    Kokkos::atomic_fetch_max(&reals(id, kMax), high);
  }

  KOKKOS_INLINE_FUNCTION void operator()(const index_t line) const {
    const index_t z = line / lines.ny, y = line % lines.ny;
    const index_t gz = lines.owned_lo[0] + z, gy = lines.owned_lo[1] + y;
    const index_t lz = z + lines.label_offset[0], ly = y + lines.label_offset[1];
    index_t x = 0;
    while (x < lines.nx) {
      const Label label = labels(lz, ly, x + lines.label_offset[2]);
      index_t end = x + 1;
      while (end < lines.nx && labels(lz, ly, end + lines.label_offset[2]) == label) ++end;
      const std::int32_t id = index(label);
      if (id >= 0) {
        std::uint64_t sum = 0, sum_sq = 0;
        double sum_f = 0, sum_sq_f = 0;
        double low = kx::kInfinity;
        double high = -low;
        for (index_t i = x; i < end; ++i) {
          const Grey value = grey(z, y, i);
          if (std::is_integral<Grey>::value) {
            const std::uint64_t v = static_cast<std::uint64_t>(value);
            sum += v;
            sum_sq += v * v;
          } else {
            const double v = static_cast<double>(value);
            sum_f += v;
            sum_sq_f += v * v;
          }
          const double v = static_cast<double>(value);
          low = v < low ? v : low;
          high = v > high ? v : high;
        }
        flush(id, gz, gy, lines.owned_lo[2] + x, lines.owned_lo[2] + end, sum, sum_sq, sum_f,
              sum_sq_f, low, high);
      }
      x = end;
    }
  }
};

}  // namespace

template <class Grey, class Label>
std::vector<ParticleRecord> accumulate_particles(const Block<Grey, Label>& block,
                                                 const LabelIndex<Label>& index,
                                                 const std::vector<std::uint64_t>& index_labels) {
  Kokkos::Profiling::pushRegion("grapes::accumulate_particles");
  const std::size_t n = index_labels.size();
  View2<std::int64_t> ints("grapes::particle_ints", n, kIntFields);
  View2<std::uint64_t> grey_int("grapes::particle_grey_int", n, 2);
  View2<double> reals("grapes::particle_reals", n, kRealFields);
  {
    auto host_ints = Kokkos::create_mirror_view(ints);
    auto host_reals = Kokkos::create_mirror_view(reals);
    Kokkos::deep_copy(host_ints, 0);
    Kokkos::deep_copy(host_reals, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      for (int f : {kLoZ, kLoY, kLoX}) host_ints(i, f) = std::numeric_limits<std::int64_t>::max();
      for (int f : {kHiZ, kHiY, kHiX}) host_ints(i, f) = std::numeric_limits<std::int64_t>::min();
      host_reals(i, kMin) = std::numeric_limits<double>::infinity();
      host_reals(i, kMax) = -std::numeric_limits<double>::infinity();
    }
    Kokkos::deep_copy(ints, host_ints);
    Kokkos::deep_copy(reals, host_reals);
  }
  const OwnedLines lines(block.owned, block.local);
  Kokkos::parallel_for("grapes::particle_sums", LinePolicy(0, lines.lines),
                       ParticleKernel<Grey, Label>{block.grey, block.labels, index, lines, ints,
                                                   grey_int, reals});
  auto host_ints = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), ints);
  auto host_grey = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), grey_int);
  auto host_reals = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), reals);
  std::vector<ParticleRecord> records;
  records.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (host_ints(i, kCount) == 0) continue;
    ParticleRecord r;
    r.label = index_labels[i];
    r.grey.count = host_ints(i, kCount);
    r.grey.sum_int = host_grey(i, 0);
    r.grey.sum_sq_int = host_grey(i, 1);
    r.grey.sum_float = host_reals(i, kSumF);
    r.grey.sum_sq_float = host_reals(i, kSumSqF);
    for (int a = 0; a < 3; ++a) {
      r.index_sum[a] = host_ints(i, kSumZ + a);
      r.bbox_lo[a] = host_ints(i, kLoZ + a);
      r.bbox_hi[a] = host_ints(i, kHiZ + a);
    }
    r.grey_min = host_reals(i, kMin);
    r.grey_max = host_reals(i, kMax);
    records.push_back(r);
  }
  Kokkos::Profiling::popRegion();
  return records;
}

namespace {

// ---------------------------------------------------------------------------------------
// Layers. Distances are in EDT units (relative spacing); a voxel's layer is
// round_half_even(sqrt(d2) / width).

struct LayerGeometry {
  Spacing3 spacing;
  double width = 1.0;
  // Reach: squared distance (EDT units) from an owned voxel to the first voxel beyond an open
  // block face is min over open faces of (steps * spacing)^2. open_lo/hi mark open faces.
  bool open_lo[3] = {false, false, false};
  bool open_hi[3] = {false, false, false};
  index_t local_extent[3] = {0, 0, 0};

  LayerGeometry(const LayerSettings& settings, const Box& local, const Index3& image) {
    for (int a = 0; a < 3; ++a) {
      spacing[a] = settings.relative_spacing[a];
      open_lo[a] = local.lo[a] > 0;
      open_hi[a] = local.hi[a] < image[a];
      local_extent[a] = local.extent(a);
    }
    width = settings.relative_layer_width;
  }

  // Squared reach along one axis for local coordinate i (infinite when both faces are borders).
  KOKKOS_INLINE_FUNCTION double axis_reach2(const int a, const index_t i) const {
    double reach = kx::kInfinity;
    if (open_lo[a]) reach = double(i + 1) * spacing[a];
    if (open_hi[a]) reach = kx::min(reach, double(local_extent[a] - i) * spacing[a]);
    return reach * reach;
  }

  KOKKOS_INLINE_FUNCTION std::int64_t layer(const float d2) const {
    return kx::round_half_even(kx::sqrt(static_cast<double>(d2)) / width);
  }
};

template <class Label, class MaxScatter, class CountScatter, class MinScatter>
struct LayerExtentKernel {
  View3<const Label> labels;
  View3<const float> dist2;
  LabelIndex<Label> index;
  OwnedLines lines;
  LayerGeometry geometry;
  MaxScatter max_layer;      // per label index
  CountScatter counters;     // [0] unassigned (layer 0), [1] inexact voxels
  MinScatter first_inexact;  // [0] smallest inexact label

  KOKKOS_INLINE_FUNCTION void operator()(const index_t line) const {
    const index_t lz = line / lines.ny + lines.label_offset[0];
    const index_t ly = line % lines.ny + lines.label_offset[1];
    const double reach_zy = kx::min(geometry.axis_reach2(0, lz), geometry.axis_reach2(1, ly));
    auto max_access = max_layer.access();
    auto count_access = counters.access();
    Label current = 0;
    std::int32_t id = -1;
    for (index_t x = 0; x < lines.nx; ++x) {
      const index_t lx = x + lines.label_offset[2];
      const Label label = labels(lz, ly, lx);
      if (label == 0) continue;
      if (label != current) {
        current = label;
        id = index(label);
      }
      const float d2 = dist2(lz, ly, lx);
      if (static_cast<double>(d2) > kx::min(reach_zy, geometry.axis_reach2(2, lx))) {
        count_access(1) += 1;
        first_inexact.access()(0).update(static_cast<std::uint64_t>(label));
      }
      const std::int64_t layer = geometry.layer(d2);
      if (layer == 0) count_access(0) += 1;
      max_access(id).update(layer);
    }
  }
};

template <class Grey, class Label, class SumScatter, class SumFScatter>
struct LayerSumKernel {
  View3<const Grey> grey;
  View3<const Label> labels;
  View3<const float> dist2;
  LabelIndex<Label> index;
  OwnedLines lines;
  LayerGeometry geometry;
  View1<const std::int64_t> offset;  // per label index: first row of its layers (layer 0 row)
  View1<const std::int64_t> max_layer;
  SumScatter sums;     // [row][0] count, [1] grey sum, [2] grey sum of squares (integers)
  SumFScatter sums_f;  // [row][0] grey sum, [1] grey sum of squares (float grey)

  KOKKOS_INLINE_FUNCTION void operator()(const index_t line) const {
    const index_t z = line / lines.ny, y = line % lines.ny;
    const index_t lz = z + lines.label_offset[0], ly = y + lines.label_offset[1];
    auto access = sums.access();
    auto access_f = sums_f.access();
    Label current = 0;
    std::int64_t base = 0;
    for (index_t x = 0; x < lines.nx; ++x) {
      const index_t lx = x + lines.label_offset[2];
      const Label label = labels(lz, ly, lx);
      if (label == 0) continue;
      if (label != current) {
        current = label;
        base = offset(index(label));
      }
      const std::int64_t layer = geometry.layer(dist2(lz, ly, lx));
      const std::int64_t row = base + layer;
      const Grey value = grey(z, y, x);
      access(row, 0) += 1;
      if (std::is_integral<Grey>::value) {
        const std::uint64_t v = static_cast<std::uint64_t>(value);
        access(row, 1) += v;
        access(row, 2) += v * v;
      } else {
        const double v = static_cast<double>(value);
        access_f(row, 0) += v;
        access_f(row, 1) += v * v;
      }
    }
  }
};

}  // namespace

template <class Grey, class Label>
LayerResult accumulate_layers(const Block<Grey, Label>& block, const View3<const float>& dist2,
                              const LayerSettings& settings, const LabelIndex<Label>& index,
                              const std::vector<std::uint64_t>& index_labels) {
  Kokkos::Profiling::pushRegion("grapes::accumulate_layers");
  LayerResult result;
  const std::size_t n = index_labels.size();
  const OwnedLines lines(block.owned, block.local);
  const LayerGeometry geometry(settings, block.local, block.image_shape);

  // Pass 1: the largest layer of each label (sizes the table), layer-0 voxels, exactness.
  View1<std::int64_t> max_layer("grapes::max_layer", n);
  View1<std::int64_t> counters("grapes::layer_counters", 2);
  View1<std::uint64_t> first_inexact("grapes::first_inexact", 1);
  Kokkos::deep_copy(first_inexact, std::numeric_limits<std::uint64_t>::max());
  {
    auto max_scatter = KE::create_scatter_view(KE::ScatterMax{}, max_layer);
    auto count_scatter = KE::create_scatter_view(counters);
    auto min_scatter = KE::create_scatter_view(KE::ScatterMin{}, first_inexact);
    Kokkos::parallel_for(
        "grapes::layer_extent", LinePolicy(0, lines.lines),
        LayerExtentKernel<Label, decltype(max_scatter), decltype(count_scatter),
                          decltype(min_scatter)>{block.labels, dist2, index, lines, geometry,
                                                 max_scatter, count_scatter, min_scatter});
    KE::contribute(max_layer, max_scatter);
    KE::contribute(counters, count_scatter);
    KE::contribute(first_inexact, min_scatter);
  }
  auto host_counters = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), counters);
  auto host_first = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), first_inexact);
  result.unassigned_voxels = host_counters(0);
  result.inexact_voxels = host_counters(1);
  result.first_inexact_label = result.inexact_voxels ? host_first(0) : 0;
  if (result.inexact_voxels) {  // the caller stops the run; no table needed
    Kokkos::Profiling::popRegion();
    return result;
  }

  // Rows: label i owns rows [offset(i), offset(i) + max_layer(i} + 1), one per layer 0..K.
  auto host_max = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), max_layer);
  View1<std::int64_t> offset("grapes::layer_offset", n);
  auto host_offset = Kokkos::create_mirror_view(offset);
  std::int64_t rows = 0;
  for (std::size_t i = 0; i < n; ++i) {
    host_offset(i) = rows;
    rows += host_max(i) + 1;
  }
  Kokkos::deep_copy(offset, host_offset);
  const bool float_grey = !std::is_integral<Grey>::value;
  View2<std::uint64_t> sums("grapes::layer_sums", rows, 3);
  View2<double> sums_f("grapes::layer_sums_f", float_grey ? rows : 0, 2);
  {
    auto sum_scatter = KE::create_scatter_view(sums);
    auto sum_f_scatter = KE::create_scatter_view(sums_f);
    Kokkos::parallel_for(
        "grapes::layer_sums", LinePolicy(0, lines.lines),
        LayerSumKernel<Grey, Label, decltype(sum_scatter), decltype(sum_f_scatter)>{
            block.grey, block.labels, dist2, index, lines, geometry, offset, max_layer,
            sum_scatter, sum_f_scatter});
    KE::contribute(sums, sum_scatter);
    KE::contribute(sums_f, sum_f_scatter);
  }
  auto host_sums = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), sums);
  auto host_sums_f = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), sums_f);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::int64_t layer = 1; layer <= host_max(i); ++layer) {
      const std::int64_t row = host_offset(i) + layer;
      if (host_sums(row, 0) == 0) continue;  // empty layers are filled in by the tables
      LayerRecord r;
      r.label = index_labels[i];
      r.layer = layer;
      r.grey.count = static_cast<std::int64_t>(host_sums(row, 0));
      if (float_grey) {
        r.grey.sum_float = host_sums_f(row, 0);
        r.grey.sum_sq_float = host_sums_f(row, 1);
      } else {
        r.grey.sum_int = host_sums(row, 1);
        r.grey.sum_sq_int = host_sums(row, 2);
      }
      result.layers.push_back(r);
    }
  }
  Kokkos::Profiling::popRegion();
  return result;
}

namespace {

// ---------------------------------------------------------------------------------------
// Adjacency: faces between owned voxels and their +z, +y, +x neighbours.

struct LabelPair {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  KOKKOS_INLINE_FUNCTION bool operator==(const LabelPair& other) const {
    return a == other.a && b == other.b;
  }
};

using PairMap = Kokkos::UnorderedMap<LabelPair, std::int64_t, kx::ExecSpace>;

template <class Label>
struct AdjacencyKernel {
  View3<const Label> labels;
  OwnedLines lines;
  Index3 neighbour_limit;  // local index bound for a +1 neighbour per axis (exclusive)
  PairMap map;

  KOKKOS_INLINE_FUNCTION void add(const Label p, const Label q) const {
    if (p == 0 || q == 0 || p == q) return;
    LabelPair key;
    key.a = p < q ? p : q;
    key.b = p < q ? q : p;
    const auto result = map.insert(key, 0);
    if (result.failed()) return;  // map full: the host notices and retries larger
    Kokkos::atomic_add(&map.value_at(result.index()), std::int64_t(1));
  }

  KOKKOS_INLINE_FUNCTION void operator()(const index_t line) const {
    const index_t lz = line / lines.ny + lines.label_offset[0];
    const index_t ly = line % lines.ny + lines.label_offset[1];
    for (index_t x = 0; x < lines.nx; ++x) {
      const index_t lx = x + lines.label_offset[2];
      const Label here = labels(lz, ly, lx);
      if (here == 0) continue;
      if (lz + 1 < neighbour_limit[0]) add(here, labels(lz + 1, ly, lx));
      if (ly + 1 < neighbour_limit[1]) add(here, labels(lz, ly + 1, lx));
      if (lx + 1 < neighbour_limit[2]) add(here, labels(lz, ly, lx + 1));
    }
  }
};

}  // namespace

template <class Label>
std::vector<AdjacencyRecord> accumulate_adjacency(const View3<const Label>& labels,
                                                  const Box& local, const Box& owned,
                                                  const Index3& image_shape) {
  Kokkos::Profiling::pushRegion("grapes::accumulate_adjacency");
  std::vector<AdjacencyRecord> records;
  if (owned.empty()) {
    Kokkos::Profiling::popRegion();
    return records;
  }
  const OwnedLines lines(owned, local);
  Index3 limit;
  for (int a = 0; a < 3; ++a) limit[a] = std::min(local.hi[a], image_shape[a]) - local.lo[a];
  std::uint32_t capacity = 1u << 12;
  for (;;) {
    PairMap map(capacity);
    Kokkos::parallel_for("grapes::adjacency", LinePolicy(0, lines.lines),
                         AdjacencyKernel<Label>{labels, lines, limit, map});
    Kokkos::fence();
    if (!map.failed_insert()) {
      PairMap::HostMirror host_map;  // NOLINT: Kokkos names it so
      host_map.create_copy_view(map);
      for (std::uint32_t i = 0; i < host_map.capacity(); ++i) {
        if (!host_map.valid_at(i)) continue;
        const LabelPair key = host_map.key_at(i);
        records.push_back({key.a, key.b, host_map.value_at(i)});
      }
      break;
    }
    capacity *= 4;
  }
  std::sort(records.begin(), records.end(), [](const auto& p, const auto& q) {
    return p.label_a != q.label_a ? p.label_a < q.label_a : p.label_b < q.label_b;
  });
  Kokkos::Profiling::popRegion();
  return records;
}

namespace {

template <class Label>
struct LayerVolumeKernel {
  View3<const Label> labels;
  View3<const float> dist2;
  View3<std::uint32_t> out;
  Index3 offset;
  LayerGeometry geometry;
  KOKKOS_INLINE_FUNCTION void operator()(const index_t z, const index_t y, const index_t x) const {
    const index_t lz = z + offset[0], ly = y + offset[1], lx = x + offset[2];
    out(z, y, x) = labels(lz, ly, lx) == 0
                       ? 0u
                       : static_cast<std::uint32_t>(geometry.layer(dist2(lz, ly, lx)));
  }
};

struct DistanceVolumeKernel {
  View3<const float> dist2;
  View3<float> out;
  Index3 offset;
  double min_spacing;
  KOKKOS_INLINE_FUNCTION void operator()(const index_t z, const index_t y, const index_t x) const {
    out(z, y, x) = static_cast<float>(
        kx::sqrt(static_cast<double>(dist2(z + offset[0], y + offset[1], x + offset[2]))) *
        min_spacing);
  }
};

using Policy3 = Kokkos::MDRangePolicy<kx::ExecSpace, Kokkos::Rank<3>, Kokkos::IndexType<index_t>>;

Index3 offset_in(const Box& owned, const Box& local) {
  return {owned.lo[0] - local.lo[0], owned.lo[1] - local.lo[1], owned.lo[2] - local.lo[2]};
}

}  // namespace

template <class Label>
View3<std::uint32_t> layer_volume(const View3<const Label>& labels, const Box& local,
                                  const Box& owned, const View3<const float>& dist2,
                                  const LayerSettings& settings) {
  auto out = make_view3<std::uint32_t>("grapes::layer_volume", owned);
  const LayerGeometry geometry(settings, local, local.hi);  // reach is not used here
  Kokkos::parallel_for(
      "grapes::layer_volume",
      Policy3({0, 0, 0}, {owned.extent(0), owned.extent(1), owned.extent(2)}),
      LayerVolumeKernel<Label>{labels, dist2, out, offset_in(owned, local), geometry});
  return out;
}

View3<float> distance_volume(const Box& local, const Box& owned, const View3<const float>& dist2,
                             double min_spacing) {
  auto out = make_view3<float>("grapes::distance_volume", owned);
  Kokkos::parallel_for("grapes::distance_volume",
                       Policy3({0, 0, 0}, {owned.extent(0), owned.extent(1), owned.extent(2)}),
                       DistanceVolumeKernel{dist2, out, offset_in(owned, local), min_spacing});
  return out;
}

#define GRAPES_INSTANTIATE_GL(Grey, Label)                                                   \
  template std::vector<ParticleRecord> accumulate_particles(                                 \
      const Block<Grey, Label>&, const LabelIndex<Label>&, const std::vector<std::uint64_t>&); \
  template LayerResult accumulate_layers(const Block<Grey, Label>&, const View3<const float>&,  \
                                         const LayerSettings&, const LabelIndex<Label>&,       \
                                         const std::vector<std::uint64_t>&);
#define GRAPES_INSTANTIATE_L(Label)                                                            \
  GRAPES_INSTANTIATE_GL(std::uint8_t, Label)                                                   \
  GRAPES_INSTANTIATE_GL(std::uint16_t, Label)                                                  \
  GRAPES_INSTANTIATE_GL(float, Label)                                                          \
  template std::vector<AdjacencyRecord> accumulate_adjacency(const View3<const Label>&,        \
                                                             const Box&, const Box&,           \
                                                             const Index3&);                   \
  template View3<std::uint32_t> layer_volume(const View3<const Label>&, const Box&, const Box&, \
                                             const View3<const float>&, const LayerSettings&);
GRAPES_INSTANTIATE_L(std::uint8_t)
GRAPES_INSTANTIATE_L(std::uint16_t)
GRAPES_INSTANTIATE_L(std::uint32_t)
GRAPES_INSTANTIATE_L(std::uint64_t)
#undef GRAPES_INSTANTIATE_L
#undef GRAPES_INSTANTIATE_GL

}  // namespace grapes
