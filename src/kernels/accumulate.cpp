// Per-voxel particle sums, face adjacency and label overlaps: line kernels (one function per
// segment of an x-line, the CPU and GPU drivers of kernel_drivers.hpp).
#include "grapes/kernels/accumulate.hpp"

#include <Kokkos_ScatterView.hpp>
#include <Kokkos_UnorderedMap.hpp>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "grapes/core/instantiate.hpp"
#include "grapes/kernels/accumulate_detail.hpp"
#include "grapes/kernels/kernel_drivers.hpp"
#include "grapes/kernels/line_rows.hpp"

namespace grapes {

namespace {

namespace KE = Kokkos::Experimental;

// ---------------------------------------------------------------------------------------
// Particle sums, run-length along x: one contribution per run of equal labels. Contributions
// go through ScatterViews: plain adds on Serial, per-thread copies on OpenMP, atomics on GPUs.

// Counts, index sums and the sums of index products zz, yy, xx, zy, zx, yx (records.hpp).
enum IntField {
  kCount,
  kSumZ,
  kSumY,
  kSumX,
  kSumZZ,
  kSumYY,
  kSumXX,
  kSumZY,
  kSumZX,
  kSumYX,
  kIntFields
};
enum GreyField { kSum, kSumSq, kGreyFields };

struct ParticleViews {
  View2<std::int64_t> sums;       // count, index sums, sums of index products
  View2<std::int64_t> lo, hi;     // bounding box (inclusive lo, exclusive hi) per axis
  View2<std::uint64_t> grey_int;  // integer grey: sum, sum of squares
  View2<double> grey_float;       // float grey: sum, sum of squares
  View1<double> grey_min, grey_max;

  explicit ParticleViews(std::size_t n)
      : sums("grapes::particle_sums", n, kIntFields),
        lo("grapes::particle_lo", n, 3),
        hi("grapes::particle_hi", n, 3),
        grey_int("grapes::particle_grey_int", n, kGreyFields),
        grey_float("grapes::particle_grey_float", n, kGreyFields),
        grey_min("grapes::particle_grey_min", n),
        grey_max("grapes::particle_grey_max", n) {
    Kokkos::deep_copy(lo, std::numeric_limits<std::int64_t>::max());
    Kokkos::deep_copy(hi, std::numeric_limits<std::int64_t>::min());
    Kokkos::deep_copy(grey_min, std::numeric_limits<double>::infinity());
    Kokkos::deep_copy(grey_max, -std::numeric_limits<double>::infinity());
  }
};

template <class Grey, class Label, class Sum, class Min, class Max, class SumU, class SumF,
          class MinF, class MaxF>
struct ParticleKernel {
  View3<const Grey> grey;
  View3<const Label> labels;
  LabelIndex<Label> index;
  LineRows lines;
  index_t nx;
  Sum sums;
  Min lo;
  Max hi;
  SumU grey_int;
  SumF grey_float;
  MinF grey_min;
  MaxF grey_max;

  struct Rows {
    const Label* labels;
    const Grey* grey;
    template <class F>
    KOKKOS_INLINE_FUNCTION Rows each(const F& f) const {
      return {f(labels), f(grey)};
    }
  };
  KOKKOS_INLINE_FUNCTION Rows rows(const index_t line) const {
    return {lines.local_row(labels, line), lines.owned_row(grey, line)};
  }
  static std::size_t stage_bytes(const index_t n) { return staged_bytes<Label, Grey>(n); }
  KOKKOS_INLINE_FUNCTION Rows stage(const kx::TeamMember& team, const index_t line,
                                    const index_t x0, const index_t n) const {
    return staged(team, rows(line), x0, n);
  }

  // The ScatterView accesses of one work item (per-thread copies on OpenMP: taken once).
  template <class S>
  using AccessOf = decltype(std::declval<const S&>().access());
  struct Access {
    AccessOf<Sum> sum;
    AccessOf<Min> low;
    AccessOf<Max> high;
    AccessOf<SumU> sum_int;
    AccessOf<SumF> sum_float;
    AccessOf<MinF> minimum;
    AccessOf<MaxF> maximum;
  };

  // The runs of equal labels among voxels x0 .. x0 + n - 1 of the line, one contribution each.
  KOKKOS_INLINE_FUNCTION void segment(const Rows& row, const index_t line, const index_t x0,
                                      const index_t n) const {
    const index_t z = line / lines.ny, y = line % lines.ny;
    const index_t gz = lines.owned_lo[0] + z, gy = lines.owned_lo[1] + y;
    Access access{sums.access(),       lo.access(),       hi.access(),      grey_int.access(),
                  grey_float.access(), grey_min.access(), grey_max.access()};
    index_t x = 0;
    while (x < n) {
      const Label label = row.labels[x];
      index_t end = x + 1;
      while (end < n && row.labels[end] == label) ++end;
      const std::int32_t id = index(label);
      if (id >= 0) run(row.grey, x, end, id, {gz, gy, lines.owned_lo[2] + x0}, access);
      x = end;  // background: no grey to read
    }
  }

  // Adds the run [x, end) of label index `id`; origin: global (z, y, x) of grey_row[0].
  KOKKOS_INLINE_FUNCTION void run(const Grey* grey_row, const index_t x, const index_t end,
                                  const std::int32_t id, const Index3& origin,
                                  Access& access) const {
    std::uint64_t run_sum = 0, run_sum_sq = 0;
    double run_sum_f = 0, run_sum_sq_f = 0;
    Grey run_low = grey_row[x], run_high = grey_row[x];  // min/max in the native type
    for (index_t i = x; i < end; ++i) {
      const Grey value = grey_row[i];
      if (std::is_integral<Grey>::value) {
        const std::uint64_t v = static_cast<std::uint64_t>(value);
        run_sum += v;
        run_sum_sq += v * v;
      } else {
        const double v = static_cast<double>(value);
        run_sum_f += v;
        run_sum_sq_f += v * v;
      }
      run_low = value < run_low ? value : run_low;
      run_high = value > run_high ? value : run_high;
    }
    const index_t gz = origin[0], gy = origin[1];
    const index_t n = end - x, x0 = origin[2] + x, x1 = origin[2] + end;
    // Sums over x0..x1-1 of x and of x^2, each from the closed form m(m-1)/2, (m-1)m(2m-1)/6.
    const index_t sum_x = n * (x0 + x1 - 1) / 2;
    const index_t sum_xx = ((x1 - 1) * x1 * (2 * x1 - 1) - (x0 - 1) * x0 * (2 * x0 - 1)) / 6;
    access.sum(id, kCount) += n;
    access.sum(id, kSumZ) += n * gz;
    access.sum(id, kSumY) += n * gy;
    access.sum(id, kSumX) += sum_x;
    access.sum(id, kSumZZ) += n * gz * gz;
    access.sum(id, kSumYY) += n * gy * gy;
    access.sum(id, kSumXX) += sum_xx;
    access.sum(id, kSumZY) += n * gz * gy;
    access.sum(id, kSumZX) += gz * sum_x;
    access.sum(id, kSumYX) += gy * sum_x;
    access.low(id, 0).update(gz);
    access.low(id, 1).update(gy);
    access.low(id, 2).update(x0);
    access.high(id, 0).update(gz + 1);
    access.high(id, 1).update(gy + 1);
    access.high(id, 2).update(x1);
    if (std::is_integral<Grey>::value) {
      access.sum_int(id, kSum) += run_sum;
      access.sum_int(id, kSumSq) += run_sum_sq;
    } else {
      access.sum_float(id, kSum) += run_sum_f;
      access.sum_float(id, kSumSq) += run_sum_sq_f;
    }
    access.minimum(id).update(static_cast<double>(run_low));
    access.maximum(id).update(static_cast<double>(run_high));
  }
};

}  // namespace

namespace {

// The kernel with its scatter types deduced: nvcc's front end writes decltypes of
// ScatterViews in templates out without `typename` (a host compiler error), so no kernel type
// is spelled with them.
template <class Grey, class Label, class... Scatter>
ParticleKernel<Grey, Label, Scatter...> particle_kernel(const Block<Grey, Label>& block,
                                                        const LabelIndex<Label>& index,
                                                        const LineRows& lines,
                                                        const Scatter&... scatter) {
  return {block.grey, block.labels, index, lines, lines.nx, scatter...};
}

// Runs the particle kernel with `driver` into `views`.
template <class Grey, class Label>
void particle_sums(const Driver driver, const Block<Grey, Label>& block,
                   const LabelIndex<Label>& index, ParticleViews& views) {
  const LineRows lines(block.geometry);
  auto sums = KE::create_scatter_view(views.sums);
  auto lo = KE::create_scatter_view(KE::ScatterMin{}, views.lo);
  auto hi = KE::create_scatter_view(KE::ScatterMax{}, views.hi);
  auto grey_int = KE::create_scatter_view(views.grey_int);
  auto grey_float = KE::create_scatter_view(views.grey_float);
  auto grey_min = KE::create_scatter_view(KE::ScatterMin{}, views.grey_min);
  auto grey_max = KE::create_scatter_view(KE::ScatterMax{}, views.grey_max);
  for_each_line(
      "grapes::particle_sums", driver,
      particle_kernel(block, index, lines, sums, lo, hi, grey_int, grey_float, grey_min, grey_max),
      lines.lines);
  KE::contribute(views.sums, sums);
  KE::contribute(views.lo, lo);
  KE::contribute(views.hi, hi);
  KE::contribute(views.grey_int, grey_int);
  KE::contribute(views.grey_float, grey_float);
  KE::contribute(views.grey_min, grey_min);
  KE::contribute(views.grey_max, grey_max);
}

// The records of the labels with voxels, from the tables brought back once.
std::vector<ParticleRecord> particle_records(const ParticleViews& views,
                                             const std::vector<std::uint64_t>& index_labels) {
  const auto host = [](const auto& view) {
    return Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), view);
  };
  const auto sums = host(views.sums);
  const auto lo = host(views.lo);
  const auto hi = host(views.hi);
  const auto grey_int = host(views.grey_int);
  const auto grey_float = host(views.grey_float);
  const auto grey_min = host(views.grey_min);
  const auto grey_max = host(views.grey_max);
  std::vector<ParticleRecord> records;
  records.reserve(index_labels.size());
  for (std::size_t i = 0; i < index_labels.size(); ++i) {
    if (sums(i, kCount) == 0) continue;
    ParticleRecord r;
    r.label = index_labels[i];
    r.grey.count = sums(i, kCount);
    r.grey.sum_int = grey_int(i, kSum);
    r.grey.sum_sq_int = grey_int(i, kSumSq);
    r.grey.sum_float = grey_float(i, kSum);
    r.grey.sum_sq_float = grey_float(i, kSumSq);
    for (int a = 0; a < 3; ++a) {
      r.index_sum[a] = sums(i, kSumZ + a);
      r.index_product_sum[a] = sums(i, kSumZZ + a);
      r.index_product_sum[a + 3] = sums(i, kSumZY + a);
      r.bbox_lo[a] = lo(i, a);
      r.bbox_hi[a] = hi(i, a);
    }
    r.grey_min = grey_min(i);
    r.grey_max = grey_max(i);
    records.push_back(r);
  }
  return records;
}

}  // namespace

namespace detail {
template <class Grey, class Label>
std::vector<ParticleRecord> accumulate_particles_with(
    const Driver driver, const Block<Grey, Label>& block, const LabelIndex<Label>& index,
    const std::vector<std::uint64_t>& index_labels) {
  kx::ScopedRegion region("grapes::accumulate_particles");
  ParticleViews views(index_labels.size());
  particle_sums(driver, block, index, views);
  return particle_records(views, index_labels);
}
}  // namespace detail

template <class Grey, class Label>
std::vector<ParticleRecord> accumulate_particles(const Block<Grey, Label>& block,
                                                 const LabelIndex<Label>& index,
                                                 const std::vector<std::uint64_t>& index_labels) {
  return detail::accumulate_particles_with(kx::kDefaultDriver, block, index, index_labels);
}

namespace {

// ---------------------------------------------------------------------------------------
// Adjacency: faces between owned voxels and their +z, +y, +x neighbours.

// A map key: a label pair and, for adjacency, the axis its faces cross (overlaps: 0). All
// fields 64-bit, so the key has no padding for the map's byte hash.
struct LabelPair {
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  std::uint64_t axis = 0;
  KOKKOS_INLINE_FUNCTION bool operator==(const LabelPair& other) const {
    return a == other.a && b == other.b && axis == other.axis;
  }
};

using PairMap = Kokkos::UnorderedMap<LabelPair, std::int64_t, kx::ExecSpace>;

template <class Label>
struct AdjacencyKernel {
  View3<const Label> labels;
  LineRows lines;
  Index3 neighbour_limit;  // local index bound for a +1 neighbour per axis (exclusive)
  PairMap map;

  // A contact face between two particles spans many voxels along x, so faces are counted in
  // a pending run per direction and the map (hashing, atomics) is touched once per run.
  struct Pending {
    std::uint64_t a = 0, b = 0;
    std::int64_t count = 0;
    std::uint64_t axis = 0;  // the faces cross this axis
  };

  KOKKOS_INLINE_FUNCTION void flush(const Pending& pending) const {
    if (pending.count == 0) return;
    LabelPair key;
    key.a = pending.a;
    key.b = pending.b;
    key.axis = pending.axis;
    const auto result = map.insert(key, 0);
    if (result.failed()) return;  // map full: the host notices and retries larger
    Kokkos::atomic_add(&map.value_at(result.index()), pending.count);
  }

  KOKKOS_INLINE_FUNCTION void add(Pending& pending, const Label here, const Label other) const {
    if (other == 0 || other == here) return;
    const std::uint64_t a = here < other ? here : other;
    const std::uint64_t b = here < other ? other : here;
    if (a == pending.a && b == pending.b) {
      ++pending.count;
      return;
    }
    flush(pending);
    pending.a = a;
    pending.b = b;
    pending.count = 1;
  }

  // The line's rows at x (owned x 0 is local x label_offset[2]); the +z and +y rows are the
  // line's own row where the neighbour is outside the block (then they never differ).
  struct Rows {
    const Label* row;
    const Label* row_z;
    const Label* row_y;
    template <class F>
    KOKKOS_INLINE_FUNCTION Rows each(const F& f) const {
      return {f(row), f(row_z), f(row_y)};
    }
  };
  index_t nx;
  KOKKOS_INLINE_FUNCTION bool has(const int axis, const index_t line) const {
    const index_t l = axis == 0 ? line / lines.ny : line % lines.ny;
    return l + lines.label_offset[axis] + 1 < neighbour_limit[axis];
  }
  KOKKOS_INLINE_FUNCTION Rows rows(const index_t line) const {
    const Label* row = lines.local_row(labels, line);
    // The +z and +y rows lie one plane and one row of the label view further on.
    return {row, has(0, line) ? row + labels.stride(0) : row,
            has(1, line) ? row + labels.stride(1) : row};
  }
  static std::size_t stage_bytes(const index_t n) { return 3 * kx::scratch_bytes<Label>(n + 1); }
  // Not staged(): the row itself is read one voxel past the chunk.
  KOKKOS_INLINE_FUNCTION Rows stage(const kx::TeamMember& team, const index_t line,
                                    const index_t x0, const index_t n) const {
    const Rows at = advanced(rows(line), x0);
    // One voxel past the chunk where the +x neighbour exists.
    const index_t past = kx::min(n + 1, neighbour_limit[2] - lines.label_offset[2] - x0);
    const Label* row = kx::stage(team, at.row, past);
    return {row, has(0, line) ? kx::stage(team, at.row_z, n) : row,
            has(1, line) ? kx::stage(team, at.row_y, n) : row};
  }

  // The faces of voxels x0 .. x0 + n - 1 of the line with their +z, +y, +x neighbours.
  KOKKOS_INLINE_FUNCTION void segment(const Rows& rows, const index_t line, const index_t x0,
                                      const index_t n) const {
    const bool has_z = has(0, line), has_y = has(1, line);
    // rows.row[x + 1] exists for x + 1 < x_end.
    const index_t x_end = neighbour_limit[2] - lines.label_offset[2] - x0;
    Pending along_z, along_y, along_x;
    along_y.axis = 1;
    along_x.axis = 2;
    const Label* row = rows.row;
    const Label* row_z = rows.row_z;
    const Label* row_y = rows.row_y;
    for (index_t x = 0; x < n; ++x) {
      const Label here = row[x];
      if (here == 0) continue;
      // Most voxels are inside a particle: all three neighbours equal, nothing to count.
      if (row_z[x] == here && row_y[x] == here && (x + 1 >= x_end || row[x + 1] == here)) continue;
      if (has_z) add(along_z, here, row_z[x]);
      if (has_y) add(along_y, here, row_y[x]);
      if (x + 1 < x_end) add(along_x, here, row[x + 1]);
    }
    flush(along_z);
    flush(along_y);
    flush(along_x);
  }
};

}  // namespace

namespace {

// The (a, b, axis, count) entries of a pair map filled by `launch(map)`, sorted; the map starts
// at `capacity` entries and grows until no insertion failed.
using PairEntry = std::tuple<std::uint64_t, std::uint64_t, std::uint64_t, std::int64_t>;
template <class Launch>
std::vector<PairEntry> pair_entries(const char* what, std::uint32_t capacity,
                                    const Launch& launch) {
  std::vector<PairEntry> entries;
  for (;;) {
    PairMap map(capacity);
    launch(map);
    Kokkos::fence();
    if (!map.failed_insert()) {
      PairMap::HostMirror host_map;  // NOLINT: Kokkos names it so
      host_map.create_copy_view(map);
      for (std::uint32_t i = 0; i < host_map.capacity(); ++i) {
        if (!host_map.valid_at(i)) continue;
        const LabelPair key = host_map.key_at(i);
        entries.emplace_back(key.a, key.b, key.axis, host_map.value_at(i));
      }
      break;
    }
    if (capacity >= (1u << 30))  // a billion label pairs: nothing real gets here
      throw std::runtime_error(std::string(what) + ": more than 2^30 label pairs on one rank");
    capacity *= 4;
  }
  std::sort(entries.begin(), entries.end());  // keys are distinct
  return entries;
}

// One record per pair, its faces per axis from the entries of each axis.
std::vector<AdjacencyRecord> adjacency_records(const std::vector<PairEntry>& entries) {
  std::vector<AdjacencyRecord> records;
  for (const auto& [a, b, axis, count] : entries) {
    if (records.empty() || records.back().label_a != a || records.back().label_b != b)
      records.push_back(AdjacencyRecord{a, b});
    records.back().shared_faces += count;
    records.back().axis_faces[axis] += count;
  }
  return records;
}

std::vector<OverlapRecord> overlap_records(const std::vector<PairEntry>& entries) {
  std::vector<OverlapRecord> records;
  records.reserve(entries.size());
  for (const auto& [a, b, axis, count] : entries) records.push_back(OverlapRecord{a, b, count});
  return records;
}

}  // namespace

namespace detail {
template <class Label>
std::vector<AdjacencyRecord> accumulate_adjacency_with(const Driver driver,
                                                       const View3<const Label>& labels,
                                                       const BlockGeometry& geometry,
                                                       std::size_t label_count_hint) {
  kx::ScopedRegion region("grapes::accumulate_adjacency");
  if (geometry.owned.empty()) return {};
  const LineRows lines(geometry);
  Index3 limit;  // local is clipped to the image
  for (int a = 0; a < 3; ++a) limit[a] = geometry.local.extent(a);
  // Particles touch about a dozen others, across up to 3 axes each: size the map for that,
  // retry larger if it fills.
  const auto capacity = static_cast<std::uint32_t>(
      std::min<std::size_t>(1u << 30, std::max<std::size_t>(1u << 12, 32 * label_count_hint)));
  return adjacency_records(pair_entries("adjacency", capacity, [&](const PairMap& map) {
    for_each_line("grapes::adjacency", driver,
                  AdjacencyKernel<Label>{labels, lines, limit, map, lines.nx}, lines.lines);
  }));
}
}  // namespace detail

template <class Label>
std::vector<AdjacencyRecord> accumulate_adjacency(const View3<const Label>& labels,
                                                  const BlockGeometry& geometry,
                                                  std::size_t label_count_hint) {
  return detail::accumulate_adjacency_with(kx::kDefaultDriver, labels, geometry, label_count_hint);
}

namespace {

// Overlaps: runs of equal (reference, label) pairs along x, one map update per run.
template <class ReferenceLabel, class Label>
struct OverlapKernel {
  View3<const ReferenceLabel> reference;  // covers the owned box
  View3<const Label> labels;              // covers the block
  LineRows lines;
  PairMap map;
  index_t nx;

  KOKKOS_INLINE_FUNCTION void flush(std::uint64_t a, std::uint64_t b, std::int64_t count) const {
    if (count == 0 || a == 0 || b == 0) return;
    LabelPair key;
    key.a = a;
    key.b = b;
    const auto result = map.insert(key, 0);
    if (result.failed()) return;  // map full: the host notices and retries larger
    Kokkos::atomic_add(&map.value_at(result.index()), count);
  }

  struct Rows {
    const ReferenceLabel* reference;
    const Label* labels;
    template <class F>
    KOKKOS_INLINE_FUNCTION Rows each(const F& f) const {
      return {f(reference), f(labels)};
    }
  };
  KOKKOS_INLINE_FUNCTION Rows rows(const index_t line) const {
    return {lines.owned_row(reference, line), lines.local_row(labels, line)};
  }
  static std::size_t stage_bytes(const index_t n) { return staged_bytes<ReferenceLabel, Label>(n); }
  KOKKOS_INLINE_FUNCTION Rows stage(const kx::TeamMember& team, const index_t line,
                                    const index_t x0, const index_t n) const {
    return staged(team, rows(line), x0, n);
  }

  KOKKOS_INLINE_FUNCTION void segment(const Rows& rows, index_t, index_t, const index_t n) const {
    std::uint64_t a = 0, b = 0;
    std::int64_t count = 0;
    for (index_t x = 0; x < n; ++x) {
      const std::uint64_t r = rows.reference[x], l = rows.labels[x];
      if (r == a && l == b) {
        ++count;
        continue;
      }
      flush(a, b, count);
      a = r, b = l, count = 1;
    }
    flush(a, b, count);
  }
};

}  // namespace

namespace detail {
template <class ReferenceLabel, class Label>
std::vector<OverlapRecord> accumulate_overlaps_with(const Driver driver,
                                                    const View3<const ReferenceLabel>& reference,
                                                    const View3<const Label>& labels,
                                                    const BlockGeometry& geometry,
                                                    std::size_t label_count_hint) {
  kx::ScopedRegion region("grapes::accumulate_overlaps");
  if (geometry.owned.empty()) return {};
  const LineRows lines(geometry);
  // Registered steps: each label overlaps a few others; retry larger if the map fills.
  const auto capacity = static_cast<std::uint32_t>(
      std::min<std::size_t>(1u << 30, std::max<std::size_t>(1u << 12, 8 * label_count_hint)));
  return overlap_records(pair_entries("overlaps", capacity, [&](const PairMap& map) {
    for_each_line("grapes::overlaps", driver,
                  OverlapKernel<ReferenceLabel, Label>{reference, labels, lines, map, lines.nx},
                  lines.lines);
  }));
}
}  // namespace detail

template <class ReferenceLabel, class Label>
std::vector<OverlapRecord> accumulate_overlaps(const View3<const ReferenceLabel>& reference,
                                               const View3<const Label>& labels,
                                               const BlockGeometry& geometry,
                                               std::size_t label_count_hint) {
  return detail::accumulate_overlaps_with(kx::kDefaultDriver, reference, labels, geometry,
                                          label_count_hint);
}

#define GRAPES_OVERLAPS_WITH(ReferenceLabel, Label)                                                \
  template std::vector<OverlapRecord> accumulate_overlaps(const View3<const ReferenceLabel>&,      \
                                                          const View3<const Label>&,               \
                                                          const BlockGeometry&, std::size_t);      \
  template std::vector<OverlapRecord> detail::accumulate_overlaps_with(                            \
      Driver, const View3<const ReferenceLabel>&, const View3<const Label>&, const BlockGeometry&, \
      std::size_t);
#define GRAPES_OVERLAPS(Label)               \
  GRAPES_OVERLAPS_WITH(std::uint8_t, Label)  \
  GRAPES_OVERLAPS_WITH(std::uint16_t, Label) \
  GRAPES_OVERLAPS_WITH(std::uint32_t, Label) \
  GRAPES_OVERLAPS_WITH(std::uint64_t, Label)
GRAPES_FOR_EACH_LABEL(GRAPES_OVERLAPS)
#undef GRAPES_OVERLAPS
#undef GRAPES_OVERLAPS_WITH

#define GRAPES_PARTICLES(Grey, Label)                                                          \
  template std::vector<ParticleRecord> accumulate_particles(                                   \
      const Block<Grey, Label>&, const LabelIndex<Label>&, const std::vector<std::uint64_t>&); \
  template std::vector<ParticleRecord> detail::accumulate_particles_with(                      \
      Driver, const Block<Grey, Label>&, const LabelIndex<Label>&,                             \
      const std::vector<std::uint64_t>&);
GRAPES_FOR_EACH_GREY_AND_LABEL(GRAPES_PARTICLES)
#undef GRAPES_PARTICLES
#define GRAPES_ADJACENCY(Label)                                                                  \
  template std::vector<AdjacencyRecord> accumulate_adjacency(const View3<const Label>&,          \
                                                             const BlockGeometry&, std::size_t); \
  template std::vector<AdjacencyRecord> detail::accumulate_adjacency_with(                       \
      Driver, const View3<const Label>&, const BlockGeometry&, std::size_t);
GRAPES_FOR_EACH_LABEL(GRAPES_ADJACENCY)
#undef GRAPES_ADJACENCY

}  // namespace grapes
