#include "grapes/layers.hpp"
#include "grapes/instantiate.hpp"

#include <Kokkos_ScatterView.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "grapes/owned_lines.hpp"

namespace grapes {

namespace {

namespace KE = Kokkos::Experimental;
using LinePolicy = Kokkos::RangePolicy<kx::ExecSpace, Kokkos::IndexType<index_t>>;
using Policy3 = Kokkos::MDRangePolicy<kx::ExecSpace, Kokkos::Rank<3>, Kokkos::IndexType<index_t>>;

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

// Per-label largest layer (sizes a per-label table) and the exactness check; only used when
// the uniform table would be too large.
template <class Label, class MaxScatter, class CountScatter, class MinScatter>
struct LayerExtentKernel {
  View3<const Label> labels;
  View3<const float> dist2;
  LabelIndex<Label> index;
  OwnedLines lines;
  Reach reach;
  LayerRule rule;
  MaxScatter max_layer;
  CountScatter inexact;
  MinScatter first_inexact;

  KOKKOS_INLINE_FUNCTION void operator()(const index_t line) const {
    const index_t lz = line / lines.ny + lines.label_offset[0];
    const index_t ly = line % lines.ny + lines.label_offset[1];
    const double reach_zy = kx::min(reach.axis2(0, lz), reach.axis2(1, ly));
    auto max_access = max_layer.access();
    const Label* label_row = &labels(lz, ly, lines.label_offset[2]);
    const float* dist2_row = &dist2(lz, ly, lines.label_offset[2]);
    Label current = 0;
    std::int32_t id = -1;
    for (index_t x = 0; x < lines.nx; ++x) {
      const index_t lx = x + lines.label_offset[2];
      const Label label = label_row[x];
      if (label == 0) continue;
      if (label != current) {
        current = label;
        id = index(label);
      }
      const float d2 = dist2_row[x];
      const std::int64_t layer = rule(d2);
      if (layer > rule.cap || static_cast<double>(d2) > kx::min(reach_zy, reach.axis2(2, lx))) {
        inexact.access()(0) += 1;
        first_inexact.access()(0).update(static_cast<std::uint64_t>(label));
        continue;
      }
      max_access(id).update(layer);
    }
  }
};

// Adds every owned particle voxel to its (label, layer) row: [0] count, [1] grey sum, [2] grey
// sum of squares (integer grey; float grey sums go to sums_f). Layer-0 voxels land in the
// label's row 0. With `check`, also the exactness test (uniform table: no extent pass).
template <class Grey, class Label, class SumScatter, class SumFScatter, class CountScatter,
          class MinScatter>
struct LayerSumKernel {
  View3<const Grey> grey;
  View3<const Label> labels;
  View3<const float> dist2;
  LabelIndex<Label> index;
  OwnedLines lines;
  Reach reach;
  LayerRule rule;
  View1<const std::int64_t> offset;  // per label index: its layer-0 row
  View1<const double> shift;         // per label index (float grey), see LayerSettings
  bool check;
  SumScatter sums;
  SumFScatter sums_f;
  CountScatter inexact;
  MinScatter first_inexact;

  KOKKOS_INLINE_FUNCTION void operator()(const index_t line) const {
    const index_t z = line / lines.ny, y = line % lines.ny;
    const index_t lz = z + lines.label_offset[0], ly = y + lines.label_offset[1];
    const double reach_zy = kx::min(reach.axis2(0, lz), reach.axis2(1, ly));
    auto access = sums.access();
    auto access_f = sums_f.access();
    // Plain row pointers: no reloads of the views' data and strides after every add.
    const Label* label_row = &labels(lz, ly, lines.label_offset[2]);
    const float* dist2_row = &dist2(lz, ly, lines.label_offset[2]);
    const Grey* grey_row = &grey(z, y, 0);
    Label current = 0;
    std::int64_t base = 0;
    double grey_shift = 0.0;
    for (index_t x = 0; x < lines.nx; ++x) {
      const index_t lx = x + lines.label_offset[2];
      const Label label = label_row[x];
      if (label == 0) continue;
      if (label != current) {
        current = label;
        const std::int32_t id = index(label);
        base = offset(id);
        if (!std::is_integral<Grey>::value) grey_shift = shift(id);
      }
      const float d2 = dist2_row[x];
      const std::int64_t layer = rule(d2);
      if (check &&
          (layer > rule.cap || static_cast<double>(d2) > kx::min(reach_zy, reach.axis2(2, lx)))) {
        inexact.access()(0) += 1;
        first_inexact.access()(0).update(static_cast<std::uint64_t>(label));
        continue;
      }
      const std::int64_t row = base + layer;
      const Grey value = grey_row[x];
      access(row, 0) += 1;
      if (std::is_integral<Grey>::value) {
        const std::uint64_t v = static_cast<std::uint64_t>(value);
        access(row, 1) += v;
        access(row, 2) += v * v;
      } else {
        const double v = static_cast<double>(value) - grey_shift;
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
  kx::ScopedRegion region("grapes::accumulate_layers");
  LayerResult result;
  const std::size_t n = index_labels.size();
  const OwnedLines lines(block.geometry);
  const Reach reach(block.geometry);
  const LayerRule rule = make_rule(settings, block.geometry.relative_spacing);
  View1<std::int64_t> inexact("grapes::inexact", 1);
  View1<std::uint64_t> first_inexact("grapes::first_inexact", 1);
  Kokkos::deep_copy(first_inexact, std::numeric_limits<std::uint64_t>::max());
  auto inexact_scatter = KE::create_scatter_view(inexact);
  auto first_scatter = KE::create_scatter_view(KE::ScatterMin{}, first_inexact);

  // Rows: label i owns rows offset(i) + 0..K_i. Uniform K = cap when that table is small
  // (one pass), else K_i from an extent pass.
  View1<std::int64_t> offset("grapes::layer_offset", n);
  auto host_offset = Kokkos::create_mirror_view(offset);
  const bool uniform = std::int64_t(n) * (rule.cap + 1) <= kUniformRowLimit;
  std::int64_t rows = 0;
  if (uniform) {
    for (std::size_t i = 0; i < n; ++i) host_offset(i) = std::int64_t(i) * (rule.cap + 1);
    rows = std::int64_t(n) * (rule.cap + 1);
  } else {
    View1<std::int64_t> max_layer("grapes::max_layer", n);
    auto max_scatter = KE::create_scatter_view(KE::ScatterMax{}, max_layer);
    Kokkos::parallel_for(
        "grapes::layer_extent", LinePolicy(0, lines.lines),
        LayerExtentKernel<Label, decltype(max_scatter), decltype(inexact_scatter),
                          decltype(first_scatter)>{block.labels, dist2, index, lines, reach, rule,
                                                   max_scatter, inexact_scatter, first_scatter});
    KE::contribute(max_layer, max_scatter);
    auto host_max = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), max_layer);
    for (std::size_t i = 0; i < n; ++i) {
      host_offset(i) = rows;
      rows += host_max(i) + 1;
    }
  }
  Kokkos::deep_copy(offset, host_offset);
  const bool float_grey = !std::is_integral<Grey>::value;
  View1<double> shift("grapes::grey_shift", float_grey ? n : 0);
  if (float_grey) {
    if (settings.grey_shift.size() != n)
      throw std::invalid_argument("accumulate_layers: one grey shift per label expected");
    auto host_shift = Kokkos::create_mirror_view(shift);
    for (std::size_t i = 0; i < n; ++i) host_shift(i) = settings.grey_shift[i];
    Kokkos::deep_copy(shift, host_shift);
  }
  View2<std::uint64_t> sums("grapes::layer_sums", rows, 3);
  View2<double> sums_f("grapes::layer_sums_f", float_grey ? rows : 0, 2);
  {
    auto sum_scatter = KE::create_scatter_view(sums);
    auto sum_f_scatter = KE::create_scatter_view(sums_f);
    Kokkos::parallel_for(
        "grapes::layer_sums", LinePolicy(0, lines.lines),
        LayerSumKernel<Grey, Label, decltype(sum_scatter), decltype(sum_f_scatter),
                       decltype(inexact_scatter), decltype(first_scatter)>{
            block.grey, block.labels, dist2, index, lines, reach, rule, offset, shift, uniform,
            sum_scatter, sum_f_scatter, inexact_scatter, first_scatter});
    KE::contribute(sums, sum_scatter);
    KE::contribute(sums_f, sum_f_scatter);
  }
  KE::contribute(inexact, inexact_scatter);
  KE::contribute(first_inexact, first_scatter);
  result.inexact_voxels = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), inexact)(0);
  if (result.inexact_voxels) {
    result.first_inexact_label =
        Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), first_inexact)(0);
    return result;  // the caller stops the run
  }
  auto host_sums = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), sums);
  auto host_sums_f = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), sums_f);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t end = i + 1 < n ? host_offset(i + 1) : rows;
    result.unassigned_voxels += static_cast<std::int64_t>(host_sums(host_offset(i), 0));
    // Layer 0 (voxels in no layer) travels too: the particle's float-grey std needs it.
    for (std::int64_t row = host_offset(i); row < end; ++row) {
      if (host_sums(row, 0) == 0) continue;  // empty layers are filled in by the tables
      LayerRecord r;
      r.label = index_labels[i];
      r.layer = row - host_offset(i);
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
  return result;
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
                                         const std::vector<std::uint64_t>&);
GRAPES_FOR_EACH_GREY_AND_LABEL(GRAPES_LAYERS)
#undef GRAPES_LAYERS
#define GRAPES_LAYER_VOLUME(Label)                                                            \
  template View3<std::uint32_t> layer_volume(const View3<const Label>&, const BlockGeometry&, \
                                             const View3<const float>&, const LayerSettings&);
GRAPES_FOR_EACH_LABEL(GRAPES_LAYER_VOLUME)
#undef GRAPES_LAYER_VOLUME

}  // namespace grapes
