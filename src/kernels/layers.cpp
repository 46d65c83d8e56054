// Radial layers: line kernels (one function per segment of an x-line, the CPU and GPU drivers
// of kernel_drivers.hpp) over the owned voxels, and the per-voxel layer and distance volumes.
#include "grapes/kernels/layers.hpp"

#include <Kokkos_ScatterView.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "grapes/core/instantiate.hpp"
#include "grapes/kernels/kernel_drivers.hpp"
#include "grapes/kernels/layers_detail.hpp"
#include "grapes/kernels/line_rows.hpp"

namespace grapes {

namespace {

namespace KE = Kokkos::Experimental;
// x fastest on every backend (the views are LayoutRight; a GPU's default would be x slowest).
using Policy3 =
    Kokkos::MDRangePolicy<kx::ExecSpace,
                          Kokkos::Rank<3, Kokkos::Iterate::Right, Kokkos::Iterate::Right>,
                          Kokkos::IndexType<index_t>>;

// Rows per label beyond which the table is sized per label by an extra pass instead.
constexpr std::int64_t kUniformRowLimit = std::int64_t(1) << 23;
// Largest squared distance covered by the lookup table.
constexpr double kTableLimit = double(1 << 22);

// The layer of a squared distance (EDT units): a lookup table when squared distances are whole
// numbers (isotropic data, or spacings whose squares are integers), else sqrt. Distances past
// max_distance map to cap + 1: they cannot be exact.
struct LayerRule {
  View1<std::int32_t> table;  // table(d2) = layer for whole-number d2 < size
  double table_size = 0.0;    // 0: no table
  double width = 1.0;
  double max_d2 = 0.0;
  std::int64_t cap = 0;  // largest layer of an exact distance

  KOKKOS_INLINE_FUNCTION std::int64_t operator()(const float d2) const {
    if (!(static_cast<double>(d2) <= max_d2)) return cap + 1;  // also catches +inf
    if (table_size > 0) return table(static_cast<std::int64_t>(d2));
    return kx::round_half_even(kx::sqrt(static_cast<double>(d2)) / width);
  }
};

LayerRule make_rule(const LayerSettings& settings, const Spacing3& relative_spacing) {
  LayerRule rule;
  rule.width = settings.relative_layer_width;
  // With an unknown bound every finite distance is allowed (the reach check still applies).
  const double bound = std::isfinite(settings.max_distance) ? settings.max_distance : 1e15;
  rule.max_d2 = bound * bound;
  rule.cap = kx::round_half_even(bound / rule.width);
  bool whole = true;
  for (double s : relative_spacing) whole = whole && std::abs(s * s - std::round(s * s)) < 1e-12;
  if (whole && rule.max_d2 < kTableLimit) {
    const std::int64_t size = static_cast<std::int64_t>(std::floor(rule.max_d2)) + 1;
    rule.table = View1<std::int32_t>("grapes::layer_table", size);
    auto host = Kokkos::create_mirror_view(rule.table);
    for (std::int64_t d2 = 0; d2 < size; ++d2)
      host(d2) = static_cast<std::int32_t>(
          kx::round_half_even(std::sqrt(static_cast<double>(d2)) / rule.width));
    Kokkos::deep_copy(rule.table, host);
    rule.table_size = static_cast<double>(size);
  }
  return rule;
}

// Squared distance (EDT units) from an owned voxel to the first voxel beyond an open block
// face: a distance no larger than that cannot depend on data beyond the ghosts.
struct Reach {
  Spacing3 spacing{1, 1, 1};
  bool open_lo[3] = {false, false, false};
  bool open_hi[3] = {false, false, false};
  index_t local_extent[3] = {0, 0, 0};

  explicit Reach(const BlockGeometry& geometry) {
    for (int a = 0; a < 3; ++a) {
      spacing[a] = geometry.relative_spacing[a];
      open_lo[a] = geometry.open_lo[a];
      open_hi[a] = geometry.open_hi[a];
      local_extent[a] = geometry.local.extent(a);
    }
  }
  // Along axis a for local coordinate i; infinite when both faces are image faces.
  KOKKOS_INLINE_FUNCTION double axis2(const int a, const index_t i) const {
    double reach = kx::kInfinity;
    if (open_lo[a]) reach = double(i + 1) * spacing[a];
    if (open_hi[a]) reach = kx::min(reach, double(local_extent[a] - i) * spacing[a]);
    return reach * reach;
  }
};

// What the layer kernels share: the owned voxels' labels and distances, line by line, and the
// classification of one voxel (its layer, or inexact).
template <class Label, class CountScatter, class MinScatter>
struct LayerVoxels {
  View3<const Label> labels;
  View3<const float> dist2;
  LabelIndex<Label> index;
  LineRows lines;
  Reach reach;
  LayerRule rule;
  CountScatter inexact;
  MinScatter first_inexact;
  index_t nx;

  KOKKOS_INLINE_FUNCTION double reach_zy(const index_t line) const {
    return kx::min(reach.axis2(0, line / lines.ny + lines.label_offset[0]),
                   reach.axis2(1, line % lines.ny + lines.label_offset[1]));
  }
  // The layer of a voxel with squared distance d2 at local x lx, or -1 (counted) when its
  // distance may need more ghosts.
  KOKKOS_INLINE_FUNCTION std::int64_t layer(const Label label, const float d2, const index_t lx,
                                            const double reach2) const {
    const std::int64_t layer = rule(d2);
    if (layer > rule.cap || static_cast<double>(d2) > kx::min(reach2, reach.axis2(2, lx))) {
      inexact.access()(0) += 1;
      first_inexact.access()(0).update(static_cast<std::uint64_t>(label));
      return -1;
    }
    return layer;
  }
};

// Per-label largest layer (sizes a per-label table) and the exactness check; only used when
// the uniform table would be too large.
template <class Label, class MaxScatter, class CountScatter, class MinScatter>
struct LayerExtentKernel {
  LayerVoxels<Label, CountScatter, MinScatter> voxels;
  MaxScatter max_layer;
  index_t nx;

  struct Rows {
    const Label* labels;
    const float* dist2;
    template <class F>
    KOKKOS_INLINE_FUNCTION Rows each(const F& f) const {
      return {f(labels), f(dist2)};
    }
  };
  KOKKOS_INLINE_FUNCTION Rows rows(const index_t line) const {
    return {voxels.lines.local_row(voxels.labels, line),
            voxels.lines.local_row(voxels.dist2, line)};
  }
  static std::size_t stage_bytes(const index_t n) { return staged_bytes<Label, float>(n); }
  KOKKOS_INLINE_FUNCTION Rows stage(const kx::TeamMember& team, const index_t line,
                                    const index_t x0, const index_t n) const {
    return staged(team, rows(line), x0, n);
  }

  KOKKOS_INLINE_FUNCTION void segment(const Rows& row, const index_t line, const index_t x0,
                                      const index_t n) const {
    const double reach2 = voxels.reach_zy(line);
    const index_t lx0 = x0 + voxels.lines.label_offset[2];
    auto max_access = max_layer.access();
    Label current = 0;
    std::int32_t id = -1;
    for (index_t x = 0; x < n; ++x) {
      const Label label = row.labels[x];
      if (label == 0) continue;
      if (label != current) {
        current = label;
        id = voxels.index(label);
      }
      const std::int64_t layer = voxels.layer(label, row.dist2[x], lx0 + x, reach2);
      if (layer >= 0) max_access(id).update(layer);
    }
  }
};

// Where the layer sums of one voxel go: [0] count, [1] grey sum, [2] grey sum of squares of
// (label, layer) row `row` (integer grey; float grey, shifted, sums to sums_f). The CPU driver
// adds every voxel at once (branchless); the GPU driver (kRuns) adds runs of voxels of one row
// along x, which spares atomics to one address. Integer sums are the same either way.
template <class Grey, class SumAccess, class SumFAccess, bool kRuns>
struct LayerSink {
  SumAccess sums;
  SumFAccess sums_f;
  std::int64_t row = -1;
  std::uint64_t count = 0, sum = 0, sum_sq = 0;
  double sum_f = 0, sum_sq_f = 0;

  KOKKOS_INLINE_FUNCTION void add(const std::int64_t to, const Grey value, const double shift) {
    if (kRuns && to != row) flush();
    row = to;
    ++count;
    if (std::is_integral<Grey>::value) {
      const std::uint64_t v = static_cast<std::uint64_t>(value);
      sum += v;
      sum_sq += v * v;
    } else {
      const double v = static_cast<double>(value) - shift;
      sum_f += v;
      sum_sq_f += v * v;
    }
    if (!kRuns) flush();
  }
  KOKKOS_INLINE_FUNCTION void flush() {
    if (count == 0) return;
    sums(row, 0) += count;
    if (std::is_integral<Grey>::value) {
      sums(row, 1) += sum;
      sums(row, 2) += sum_sq;
    } else {
      sums_f(row, 0) += sum_f;
      sums_f(row, 1) += sum_sq_f;
    }
    count = sum = sum_sq = 0;
    sum_f = sum_sq_f = 0;
  }
};

// Adds every owned particle voxel to its (label, layer) row (LayerSink). Layer-0 voxels land
// in the label's row 0. With `check`, also the exactness test (uniform table: no extent pass).
template <class Grey, class Label, class SumScatter, class SumFScatter, class CountScatter,
          class MinScatter, bool kRuns>
struct LayerSumKernel {
  LayerVoxels<Label, CountScatter, MinScatter> voxels;
  View3<const Grey> grey;
  View1<const std::int64_t> offset;  // per label index: its layer-0 row
  View1<const double> shift;         // per label index (float grey), see LayerSettings
  bool check;
  SumScatter sums;
  SumFScatter sums_f;
  index_t nx;

  struct Rows {
    const Label* labels;
    const float* dist2;
    const Grey* grey;
    template <class F>
    KOKKOS_INLINE_FUNCTION Rows each(const F& f) const {
      return {f(labels), f(dist2), f(grey)};
    }
  };
  KOKKOS_INLINE_FUNCTION Rows rows(const index_t line) const {
    const LineRows& lines = voxels.lines;
    return {lines.local_row(voxels.labels, line), lines.local_row(voxels.dist2, line),
            lines.owned_row(grey, line)};
  }
  static std::size_t stage_bytes(const index_t n) { return staged_bytes<Label, float, Grey>(n); }
  KOKKOS_INLINE_FUNCTION Rows stage(const kx::TeamMember& team, const index_t line,
                                    const index_t x0, const index_t n) const {
    return staged(team, rows(line), x0, n);
  }

  KOKKOS_INLINE_FUNCTION void segment(const Rows& row, const index_t line, const index_t x0,
                                      const index_t n) const {
    const double reach2 = voxels.reach_zy(line);
    const index_t lx0 = x0 + voxels.lines.label_offset[2];
    LayerSink<Grey, decltype(sums.access()), decltype(sums_f.access()), kRuns> sink{
        sums.access(), sums_f.access()};
    Label current = 0;
    std::int64_t base = 0;
    double grey_shift = 0.0;
    for (index_t x = 0; x < n; ++x) {
      const Label label = row.labels[x];
      if (label == 0) continue;
      if (label != current) {
        current = label;
        const std::int32_t id = voxels.index(label);
        base = offset(id);
        if (!std::is_integral<Grey>::value) grey_shift = shift(id);
      }
      const float d2 = row.dist2[x];
      const std::int64_t layer = check ? voxels.layer(label, d2, lx0 + x, reach2) : voxels.rule(d2);
      if (layer < 0) continue;
      sink.add(base + layer, row.grey[x], grey_shift);
    }
    sink.flush();
  }
};

// The inexact-voxel count and the smallest inexact label, as ScatterViews the kernels add to.
struct InexactViews {
  View1<std::int64_t> count{"grapes::inexact", 1};
  View1<std::uint64_t> first{"grapes::first_inexact", 1};
  decltype(KE::create_scatter_view(count)) count_scatter;
  decltype(KE::create_scatter_view(KE::ScatterMin{}, first)) first_scatter;
  InexactViews() {
    Kokkos::deep_copy(first, std::numeric_limits<std::uint64_t>::max());
    count_scatter = KE::create_scatter_view(count);
    first_scatter = KE::create_scatter_view(KE::ScatterMin{}, first);
  }
  // Into `result`; true when some voxel is inexact.
  bool read(LayerResult& result) {
    KE::contribute(count, count_scatter);
    KE::contribute(first, first_scatter);
    result.inexact_voxels = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), count)(0);
    if (result.inexact_voxels)
      result.first_inexact_label =
          Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), first)(0);
    return result.inexact_voxels != 0;
  }
};

// Named outside any template (nvcc writes decltypes in templates out without `typename`).
using InexactCount = decltype(InexactViews::count_scatter);
using InexactFirst = decltype(InexactViews::first_scatter);
template <class Label>
using Voxels = LayerVoxels<Label, InexactCount, InexactFirst>;

// The kernels with their scatter types deduced, not spelled (nvcc, as above).
template <class Label, class MaxScatter>
LayerExtentKernel<Label, MaxScatter, InexactCount, InexactFirst> extent_kernel(
    const Voxels<Label>& voxels, const MaxScatter& max_layer) {
  return {voxels, max_layer, voxels.nx};
}
template <bool kRuns, class Grey, class Label, class SumScatter, class SumFScatter>
LayerSumKernel<Grey, Label, SumScatter, SumFScatter, InexactCount, InexactFirst, kRuns> sum_kernel(
    const Voxels<Label>& voxels, const View3<const Grey>& grey,
    const View1<const std::int64_t>& offset, const View1<const double>& shift, bool check,
    const SumScatter& sums, const SumFScatter& sums_f) {
  return {voxels, grey, offset, shift, check, sums, sums_f, voxels.nx};
}

// The first row of each label's layers (label i owns rows offset(i) + 0..K_i) and the number
// of rows: uniform K = cap when that table is small (one pass), else K_i from an extent pass.
template <Driver D, class Label>
std::int64_t layer_offsets(const Voxels<Label>& voxels, const std::size_t n,
                           const View1<std::int64_t>::HostMirror& host_offset, bool& uniform) {
  const std::int64_t cap = voxels.rule.cap;
  uniform = std::int64_t(n) * (cap + 1) <= kUniformRowLimit;
  if (uniform) {
    for (std::size_t i = 0; i < n; ++i) host_offset(i) = std::int64_t(i) * (cap + 1);
    return std::int64_t(n) * (cap + 1);
  }
  View1<std::int64_t> max_layer("grapes::max_layer", n);
  auto max_scatter = KE::create_scatter_view(KE::ScatterMax{}, max_layer);
  for_each_line<D>("grapes::layer_extent", extent_kernel(voxels, max_scatter), voxels.lines.lines);
  KE::contribute(max_layer, max_scatter);
  auto host_max = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), max_layer);
  std::int64_t rows = 0;
  for (std::size_t i = 0; i < n; ++i) {
    host_offset(i) = rows;
    rows += host_max(i) + 1;
  }
  return rows;
}

// The per-label grey shifts (float grey) on the device.
View1<double> grey_shifts(const LayerSettings& settings, const std::size_t n, const bool used) {
  View1<double> shift("grapes::grey_shift", used ? n : 0);
  if (!used) return shift;
  if (settings.grey_shift.size() != n)
    throw std::invalid_argument("accumulate_layers: one grey shift per label expected");
  auto host_shift = Kokkos::create_mirror_view(shift);
  for (std::size_t i = 0; i < n; ++i) host_shift(i) = settings.grey_shift[i];
  Kokkos::deep_copy(shift, host_shift);
  return shift;
}

// The layer records of the labels from the sums brought back once; layer 0 (voxels in no
// layer) travels too: the particle's float-grey std needs it.
template <class SumsHost, class SumsFHost, class OffsetHost>
void layer_records(const SumsHost& sums, const SumsFHost& sums_f, const OffsetHost& offset,
                   const std::int64_t rows, const bool float_grey,
                   const std::vector<std::uint64_t>& index_labels, LayerResult& result) {
  const std::size_t n = index_labels.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t end = i + 1 < n ? offset(i + 1) : rows;
    result.unassigned_voxels += static_cast<std::int64_t>(sums(offset(i), 0));
    for (std::int64_t row = offset(i); row < end; ++row) {
      if (sums(row, 0) == 0) continue;  // empty layers are filled in by the tables
      LayerRecord r;
      r.label = index_labels[i];
      r.layer = row - offset(i);
      r.grey.count = static_cast<std::int64_t>(sums(row, 0));
      if (float_grey) {
        r.grey.sum_float = sums_f(row, 0);
        r.grey.sum_sq_float = sums_f(row, 1);
      } else {
        r.grey.sum_int = sums(row, 1);
        r.grey.sum_sq_int = sums(row, 2);
      }
      result.layers.push_back(r);
    }
  }
}

template <Driver D, class Grey, class Label>
LayerResult layers_with(const Block<Grey, Label>& block, const View3<const float>& dist2,
                        const LayerSettings& settings, const LabelIndex<Label>& index,
                        const std::vector<std::uint64_t>& index_labels) {
  LayerResult result;
  const std::size_t n = index_labels.size();
  const LineRows lines(block.geometry);
  InexactViews inexact;
  const Voxels<Label> voxels{block.labels,
                             dist2,
                             index,
                             lines,
                             Reach(block.geometry),
                             make_rule(settings, block.geometry.relative_spacing),
                             inexact.count_scatter,
                             inexact.first_scatter,
                             lines.nx};
  View1<std::int64_t> offset("grapes::layer_offset", n);
  auto host_offset = Kokkos::create_mirror_view(offset);
  bool uniform = true;
  const std::int64_t rows = layer_offsets<D, Label>(voxels, n, host_offset, uniform);
  if (!uniform && inexact.read(result)) return result;  // the caller stops the run
  Kokkos::deep_copy(offset, host_offset);
  const bool float_grey = !std::is_integral<Grey>::value;
  const View1<double> shift = grey_shifts(settings, n, float_grey);
  View2<std::uint64_t> sums("grapes::layer_sums", rows, 3);
  View2<double> sums_f("grapes::layer_sums_f", float_grey ? rows : 0, 2);
  {
    auto sum_scatter = KE::create_scatter_view(sums);
    auto sum_f_scatter = KE::create_scatter_view(sums_f);
    for_each_line<D>("grapes::layer_sums",
                     sum_kernel<D == Driver::gpu>(voxels, block.grey, offset, shift, uniform,
                                                  sum_scatter, sum_f_scatter),
                     lines.lines);
    KE::contribute(sums, sum_scatter);
    KE::contribute(sums_f, sum_f_scatter);
  }
  if (uniform && inexact.read(result)) return result;  // the caller stops the run
  layer_records(Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), sums),
                Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), sums_f), host_offset, rows,
                float_grey, index_labels, result);
  return result;
}

}  // namespace

namespace detail {
template <class Grey, class Label>
LayerResult accumulate_layers_with(const Driver driver, const Block<Grey, Label>& block,
                                   const View3<const float>& dist2, const LayerSettings& settings,
                                   const LabelIndex<Label>& index,
                                   const std::vector<std::uint64_t>& index_labels) {
  kx::ScopedRegion region("grapes::accumulate_layers");
  LayerResult result;
  with_driver(driver, [&](auto d) {
    result = layers_with<decltype(d)::value>(block, dist2, settings, index, index_labels);
  });
  return result;
}
}  // namespace detail

template <class Grey, class Label>
LayerResult accumulate_layers(const Block<Grey, Label>& block, const View3<const float>& dist2,
                              const LayerSettings& settings, const LabelIndex<Label>& index,
                              const std::vector<std::uint64_t>& index_labels) {
  return detail::accumulate_layers_with(kx::kDefaultDriver, block, dist2, settings, index,
                                        index_labels);
}

namespace {

template <class Label>
struct LayerVolumeKernel {
  View3<const Label> labels;
  View3<const float> dist2;
  View3<std::uint32_t> out;
  Index3 offset;
  LayerRule rule;
  KOKKOS_INLINE_FUNCTION void operator()(const index_t z, const index_t y, const index_t x) const {
    const index_t lz = z + offset[0], ly = y + offset[1], lx = x + offset[2];
    out(z, y, x) =
        labels(lz, ly, lx) == 0 ? 0u : static_cast<std::uint32_t>(rule(dist2(lz, ly, lx)));
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

Policy3 owned_policy(const Box& owned) {
  return Policy3({0, 0, 0}, {owned.extent(0), owned.extent(1), owned.extent(2)});
}

}  // namespace

template <class Label>
View3<std::uint32_t> layer_volume(const View3<const Label>& labels, const BlockGeometry& geometry,
                                  const View3<const float>& dist2, const LayerSettings& settings) {
  auto out = make_view3<std::uint32_t>("grapes::layer_volume", geometry.owned);
  Kokkos::parallel_for("grapes::layer_volume", owned_policy(geometry.owned),
                       LayerVolumeKernel<Label>{labels, dist2, out, geometry.owned_offset(),
                                                make_rule(settings, geometry.relative_spacing)});
  return out;
}

View3<float> distance_volume(const BlockGeometry& geometry, const View3<const float>& dist2,
                             double min_spacing) {
  auto out = make_view3<float>("grapes::distance_volume", geometry.owned);
  Kokkos::parallel_for("grapes::distance_volume", owned_policy(geometry.owned),
                       DistanceVolumeKernel{dist2, out, geometry.owned_offset(), min_spacing});
  return out;
}

#define GRAPES_LAYERS(Grey, Label)                                                             \
  template LayerResult accumulate_layers(const Block<Grey, Label>&, const View3<const float>&, \
                                         const LayerSettings&, const LabelIndex<Label>&,       \
                                         const std::vector<std::uint64_t>&);                   \
  template LayerResult detail::accumulate_layers_with(                                         \
      Driver, const Block<Grey, Label>&, const View3<const float>&, const LayerSettings&,      \
      const LabelIndex<Label>&, const std::vector<std::uint64_t>&);
GRAPES_FOR_EACH_GREY_AND_LABEL(GRAPES_LAYERS)
#undef GRAPES_LAYERS
#define GRAPES_LAYER_VOLUME(Label)                                                            \
  template View3<std::uint32_t> layer_volume(const View3<const Label>&, const BlockGeometry&, \
                                             const View3<const float>&, const LayerSettings&);
GRAPES_FOR_EACH_LABEL(GRAPES_LAYER_VOLUME)
#undef GRAPES_LAYER_VOLUME

}  // namespace grapes
