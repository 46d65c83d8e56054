#include "grapes/kernels/label_index.hpp"

#include <algorithm>
#include <limits>

#include "grapes/core/instantiate.hpp"
#include "grapes/kernels/kernel_drivers.hpp"

namespace grapes {

namespace {

using kx::LinePolicy;

// Line kernels over the x rows of the region: simple loops the compiler can vectorise.
struct RegionLines {
  Index3 lo;
  index_t ny, nx, lines;
  explicit RegionLines(const Box& region)
      : lo(region.lo),
        ny(region.extent(1)),
        nx(region.extent(2)),
        lines(region.extent(0) * region.extent(1)) {}
};

// Smallest and largest non-zero label, CPU driver: one x-line per work item, branchless (the
// smallest as the smallest label - 1, background wrapping to the largest value).
template <class Label>
struct LineLabelRange {
  View3<const Label> labels;
  RegionLines region;
  using value_type = Kokkos::MinMaxScalar<std::uint64_t>;
  KOKKOS_INLINE_FUNCTION void operator()(const index_t line, value_type& range) const {
    const Label* p = &labels(region.lo[0] + line / region.ny, region.lo[1] + line % region.ny,
                             region.lo[2]);  // a plain pointer: no view reloads
    Label small = ~Label(0), large = 0;
    for (index_t x = 0; x < region.nx; ++x) {
      small = kx::min(small, Label(p[x] - 1));
      large = kx::max(large, p[x]);
    }
    if (large == 0) return;
    if (std::uint64_t(small) + 1 < range.min_val) range.min_val = std::uint64_t(small) + 1;
    if (large > range.max_val) range.max_val = large;
  }
};

// The same, GPU driver: one voxel per thread, x fastest (coalesced).
template <class Label>
struct VoxelLabelRange {
  View3<const Label> labels;
  RegionLines region;
  using value_type = Kokkos::MinMaxScalar<std::uint64_t>;
  KOKKOS_INLINE_FUNCTION void operator()(const index_t voxel, value_type& range) const {
    const index_t line = voxel / region.nx;
    const Label value = labels(region.lo[0] + line / region.ny, region.lo[1] + line % region.ny,
                               region.lo[2] + voxel % region.nx);
    if (value == 0) return;
    if (std::uint64_t(value) < range.min_val) range.min_val = value;
    if (std::uint64_t(value) > range.max_val) range.max_val = value;
  }
};

// Marks the labels present (an idempotent store, once per run: no atomic needed). CPU driver:
// one x-line per work item; GPU driver: one voxel per thread, which compares with the voxel
// before it.
template <class Label>
struct MarkPresent {
  View3<const Label> labels;
  RegionLines region;
  View1<std::int32_t> present;
  std::uint64_t min_label;
  KOKKOS_INLINE_FUNCTION const Label* row(const index_t line) const {
    return &labels(region.lo[0] + line / region.ny, region.lo[1] + line % region.ny, region.lo[2]);
  }
  KOKKOS_INLINE_FUNCTION void mark(const Label value, const Label previous) const {
    if (value != 0 && value != previous) present(value - min_label) = 1;
  }
  KOKKOS_INLINE_FUNCTION void operator()(const index_t line) const {
    const Label* p = row(line);
    Label previous = 0;
    for (index_t x = 0; x < region.nx; ++x) {
      mark(p[x], previous);
      previous = p[x];
    }
  }
  struct Voxels {};
  KOKKOS_INLINE_FUNCTION void operator()(Voxels, const index_t voxel) const {
    const Label* p = row(voxel / region.nx);
    const index_t x = voxel % region.nx;
    mark(p[x], x > 0 ? p[x - 1] : Label(0));
  }
};

struct NumberPresent {
  View1<std::int32_t> table;  // in: 1 where present; out: index or -1
  KOKKOS_INLINE_FUNCTION void operator()(const std::int64_t i, std::int32_t& running,
                                         const bool final_pass) const {
    const std::int32_t present = table(i);
    if (final_pass) table(i) = present ? running : -1;
    running += present;
  }
};

}  // namespace

template <class Label>
LabelIndex<Label> label_index_from_list(const std::vector<std::uint64_t>& sorted_labels) {
  LabelIndex<Label> index;
  index.count = static_cast<std::int32_t>(sorted_labels.size());
  if (sorted_labels.empty()) {
    index.dense_size = 0;
    return index;
  }
  const std::uint64_t range = sorted_labels.back() - sorted_labels.front() + 1;
  // Dense when the table costs at most ~4 entries per label (or is small anyway).
  index.use_dense = range <= std::max<std::uint64_t>(1u << 20, 4 * sorted_labels.size());
  if (index.use_dense) {
    index.min_label = sorted_labels.front();
    index.dense_size = range;
    index.dense = View1<std::int32_t>("grapes::label_index_dense", range);
    auto host = Kokkos::create_mirror_view(index.dense);
    Kokkos::deep_copy(host, -1);
    for (std::size_t i = 0; i < sorted_labels.size(); ++i)
      host(sorted_labels[i] - index.min_label) = static_cast<std::int32_t>(i);
    Kokkos::deep_copy(index.dense, host);
  } else {
    index.sorted = View1<std::uint64_t>("grapes::label_index_sorted", sorted_labels.size());
    auto host = Kokkos::create_mirror_view(index.sorted);
    for (std::size_t i = 0; i < sorted_labels.size(); ++i) host(i) = sorted_labels[i];
    Kokkos::deep_copy(index.sorted, host);
  }
  return index;
}

namespace {

// Mark, number with a scan, read back the labels present: a dense index over
// [min_label, min_label + span).
template <class Label>
LabelIndex<Label> dense_index(const Driver driver, const View3<const Label>& labels,
                              const Box& region, const std::uint64_t min_label,
                              const std::uint64_t span, std::vector<std::uint64_t>& labels_out) {
  const RegionLines lines(region);
  View1<std::int32_t> table("grapes::label_present", span);
  const MarkPresent<Label> mark{labels, lines, table, min_label};
  if (driver == Driver::cpu)
    Kokkos::parallel_for("grapes::label_mark", LinePolicy(0, lines.lines), mark);
  else
    Kokkos::parallel_for("grapes::label_mark",
                         Kokkos::RangePolicy<kx::ExecSpace, typename MarkPresent<Label>::Voxels,
                                             Kokkos::IndexType<index_t>>(0, lines.lines * lines.nx),
                         mark);
  std::int32_t total = 0;
  Kokkos::parallel_scan("grapes::label_number",
                        Kokkos::RangePolicy<kx::ExecSpace, Kokkos::IndexType<std::int64_t>>(
                            0, static_cast<std::int64_t>(span)),
                        NumberPresent{table}, total);
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), table);
  labels_out.reserve(static_cast<std::size_t>(total));
  for (std::uint64_t i = 0; i < span; ++i)
    if (host(i) >= 0) labels_out.push_back(min_label + i);
  LabelIndex<Label> index;
  index.dense = table;
  index.min_label = min_label;
  index.dense_size = span;
  index.count = total;
  index.use_dense = true;
  return index;
}

// Sparse labels: gather the region on the host and sort (rare: huge label values).
template <class Label>
LabelIndex<Label> sorted_index(const View3<const Label>& labels, const Box& region,
                               std::vector<std::uint64_t>& labels_out) {
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), labels);
  for (index_t z = region.lo[0]; z < region.hi[0]; ++z)
    for (index_t y = region.lo[1]; y < region.hi[1]; ++y) {
      Label previous = 0;
      for (index_t x = region.lo[2]; x < region.hi[2]; ++x) {
        const Label value = host(z, y, x);
        if (value != 0 && value != previous) labels_out.push_back(value);
        previous = value;
      }
    }
  std::sort(labels_out.begin(), labels_out.end());
  labels_out.erase(std::unique(labels_out.begin(), labels_out.end()), labels_out.end());
  return label_index_from_list<Label>(labels_out);
}

}  // namespace

namespace detail {
template <class Label>
Kokkos::MinMaxScalar<std::uint64_t> label_range_with(const Driver driver,
                                                     const View3<const Label>& labels,
                                                     const Box& region) {
  Kokkos::MinMaxScalar<std::uint64_t> range;
  range.min_val = std::numeric_limits<std::uint64_t>::max();
  range.max_val = 0;
  if (region.empty()) return range;
  const RegionLines lines(region);
  const auto reducer = Kokkos::MinMax<std::uint64_t>(range);
  if (driver == Driver::cpu)
    Kokkos::parallel_reduce("grapes::label_range", LinePolicy(0, lines.lines),
                            LineLabelRange<Label>{labels, lines}, reducer);
  else
    Kokkos::parallel_reduce("grapes::label_range", LinePolicy(0, lines.lines * lines.nx),
                            VoxelLabelRange<Label>{labels, lines}, reducer);
  return range;
}

template <class Label>
LabelIndex<Label> build_label_index_with(const Driver driver, const View3<const Label>& labels,
                                         const Box& region,
                                         std::vector<std::uint64_t>& labels_out) {
  labels_out.clear();
  if (region.empty()) return label_index_from_list<Label>(labels_out);
  Kokkos::MinMaxScalar<std::uint64_t> range;
  if constexpr (sizeof(Label) <= 2) {  // every possible label fits a small table: no range pass
    range.min_val = 1;
    range.max_val = (std::uint64_t(1) << (8 * sizeof(Label))) - 1;
  } else {
    range = label_range_with<Label>(driver, labels, region);
  }
  if (range.max_val < range.min_val) return label_index_from_list<Label>(labels_out);  // none
  const std::uint64_t span = range.max_val - range.min_val + 1;
  if (span <= std::max<std::uint64_t>(1u << 22, static_cast<std::uint64_t>(region.voxels())))
    return dense_index<Label>(driver, labels, region, range.min_val, span, labels_out);
  return sorted_index<Label>(labels, region, labels_out);
}
}  // namespace detail

template <class Label>
LabelIndex<Label> build_label_index(const View3<const Label>& labels, const Box& region,
                                    std::vector<std::uint64_t>& labels_out) {
  return detail::build_label_index_with<Label>(kx::kDefaultDriver, labels, region, labels_out);
}

#define GRAPES_LABEL_INDEX(Label)                                                     \
  template LabelIndex<Label> build_label_index(const View3<const Label>&, const Box&, \
                                               std::vector<std::uint64_t>&);          \
  template LabelIndex<Label> detail::build_label_index_with(                          \
      Driver, const View3<const Label>&, const Box&, std::vector<std::uint64_t>&);    \
  template Kokkos::MinMaxScalar<std::uint64_t> detail::label_range_with(              \
      Driver, const View3<const Label>&, const Box&);                                 \
  template LabelIndex<Label> label_index_from_list<Label>(const std::vector<std::uint64_t>&);
GRAPES_FOR_EACH_LABEL(GRAPES_LABEL_INDEX)
#undef GRAPES_LABEL_INDEX

}  // namespace grapes
