#include "grapes/accumulate.hpp"
#include "grapes/instantiate.hpp"
#include "grapes/owned_lines.hpp"

#include <Kokkos_ScatterView.hpp>
#include <Kokkos_UnorderedMap.hpp>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <type_traits>

namespace grapes {

namespace {

namespace KE = Kokkos::Experimental;
using LinePolicy = Kokkos::RangePolicy<kx::ExecSpace, Kokkos::IndexType<index_t>>;

// ---------------------------------------------------------------------------------------
// Particle sums, run-length along x: one contribution per run of equal labels. Contributions
// go through ScatterViews: plain adds on Serial, per-thread copies on OpenMP, atomics on GPUs.

enum IntField { kCount, kSumZ, kSumY, kSumX, kIntFields };
enum GreyField { kSum, kSumSq, kGreyFields };

struct ParticleViews {
  View2<std::int64_t> sums;       // count, index sums
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
  OwnedLines lines;
  Sum sums;
  Min lo;
  Max hi;
  SumU grey_int;
  SumF grey_float;
  MinF grey_min;
  MaxF grey_max;

  KOKKOS_INLINE_FUNCTION void operator()(const index_t line) const {
    const index_t z = line / lines.ny, y = line % lines.ny;
    const index_t gz = lines.owned_lo[0] + z, gy = lines.owned_lo[1] + y;
    const index_t lz = z + lines.label_offset[0], ly = y + lines.label_offset[1];
    auto sum = sums.access();
    auto low = lo.access();
    auto high = hi.access();
    auto sum_int = grey_int.access();
    auto sum_float = grey_float.access();
    auto minimum = grey_min.access();
    auto maximum = grey_max.access();
    // Plain row pointers (LayoutRight rows are contiguous): the compiler need not reload the
    // views' data and strides after every store.
    const Label* label_row = &labels(lz, ly, lines.label_offset[2]);
    const Grey* grey_row = &grey(z, y, 0);
    index_t x = 0;
    while (x < lines.nx) {
      const Label label = label_row[x];
      index_t end = x + 1;
      while (end < lines.nx && label_row[end] == label) ++end;
      const std::int32_t id = index(label);
      if (id < 0) {  // background: no grey to read
        x = end;
        continue;
      }
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
      const index_t n = end - x, x0 = lines.owned_lo[2] + x, x1 = lines.owned_lo[2] + end;
      sum(id, kCount) += n;
      sum(id, kSumZ) += n * gz;
      sum(id, kSumY) += n * gy;
      sum(id, kSumX) += n * (x0 + x1 - 1) / 2;  // sum of x0..x1-1
      low(id, 0).update(gz);
      low(id, 1).update(gy);
      low(id, 2).update(x0);
      high(id, 0).update(gz + 1);
      high(id, 1).update(gy + 1);
      high(id, 2).update(x1);
      if (std::is_integral<Grey>::value) {
        sum_int(id, kSum) += run_sum;
        sum_int(id, kSumSq) += run_sum_sq;
      } else {
        sum_float(id, kSum) += run_sum_f;
        sum_float(id, kSumSq) += run_sum_sq_f;
      }
      minimum(id).update(static_cast<double>(run_low));
      maximum(id).update(static_cast<double>(run_high));
      x = end;
    }
  }
};

}  // namespace

template <class Grey, class Label>
std::vector<ParticleRecord> accumulate_particles(const Block<Grey, Label>& block,
                                                 const LabelIndex<Label>& index,
                                                 const std::vector<std::uint64_t>& index_labels) {
  kx::ScopedRegion region("grapes::accumulate_particles");
  const std::size_t n = index_labels.size();
  ParticleViews views(n);
  const OwnedLines lines(block.geometry);
  {
    auto sums = KE::create_scatter_view(views.sums);
    auto lo = KE::create_scatter_view(KE::ScatterMin{}, views.lo);
    auto hi = KE::create_scatter_view(KE::ScatterMax{}, views.hi);
    auto grey_int = KE::create_scatter_view(views.grey_int);
    auto grey_float = KE::create_scatter_view(views.grey_float);
    auto grey_min = KE::create_scatter_view(KE::ScatterMin{}, views.grey_min);
    auto grey_max = KE::create_scatter_view(KE::ScatterMax{}, views.grey_max);
    Kokkos::parallel_for(
        "grapes::particle_sums", LinePolicy(0, lines.lines),
        ParticleKernel<Grey, Label, decltype(sums), decltype(lo), decltype(hi), decltype(grey_int),
                       decltype(grey_float), decltype(grey_min), decltype(grey_max)>{
            block.grey, block.labels, index, lines, sums, lo, hi, grey_int, grey_float, grey_min,
            grey_max});
    KE::contribute(views.sums, sums);
    KE::contribute(views.lo, lo);
    KE::contribute(views.hi, hi);
    KE::contribute(views.grey_int, grey_int);
    KE::contribute(views.grey_float, grey_float);
    KE::contribute(views.grey_min, grey_min);
    KE::contribute(views.grey_max, grey_max);
  }
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
  records.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
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
      r.bbox_lo[a] = lo(i, a);
      r.bbox_hi[a] = hi(i, a);
    }
    r.grey_min = grey_min(i);
    r.grey_max = grey_max(i);
    records.push_back(r);
  }
  return records;
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

  // A contact face between two particles spans many voxels along x, so faces are counted in
  // a pending run per direction and the map (hashing, atomics) is touched once per run.
  struct Pending {
    std::uint64_t a = 0, b = 0;
    std::int64_t count = 0;
  };

  KOKKOS_INLINE_FUNCTION void flush(const Pending& pending) const {
    if (pending.count == 0) return;
    LabelPair key;
    key.a = pending.a;
    key.b = pending.b;
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

  KOKKOS_INLINE_FUNCTION void operator()(const index_t line) const {
    const index_t lz = line / lines.ny + lines.label_offset[0];
    const index_t ly = line % lines.ny + lines.label_offset[1];
    const bool has_z = lz + 1 < neighbour_limit[0], has_y = ly + 1 < neighbour_limit[1];
    Pending along_z, along_y, along_x;
    const index_t x0 = lines.label_offset[2];
    const Label* row = &labels(lz, ly, x0);
    const Label* row_z = has_z ? &labels(lz + 1, ly, x0) : row;
    const Label* row_y = has_y ? &labels(lz, ly + 1, x0) : row;
    const index_t x_end = neighbour_limit[2] - x0;  // row[x + 1] exists for x + 1 < x_end
    for (index_t x = 0; x < lines.nx; ++x) {
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

template <class Label>
std::vector<AdjacencyRecord> accumulate_adjacency(const View3<const Label>& labels,
                                                  const BlockGeometry& geometry,
                                                  std::size_t label_count_hint) {
  kx::ScopedRegion region("grapes::accumulate_adjacency");
  std::vector<AdjacencyRecord> records;
  if (geometry.owned.empty()) return records;
  const OwnedLines lines(geometry);
  Index3 limit;  // local is clipped to the image
  for (int a = 0; a < 3; ++a) limit[a] = geometry.local.extent(a);
  // Particles touch about a dozen others: size the map for that, retry larger if it fills.
  std::uint32_t capacity = static_cast<std::uint32_t>(
      std::min<std::size_t>(1u << 30, std::max<std::size_t>(1u << 12, 16 * label_count_hint)));
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
    if (capacity >= (1u << 30))  // a billion label pairs: nothing real gets here
      throw std::runtime_error("adjacency: more than 2^30 label pairs on one rank");
    capacity *= 4;
  }
  std::sort(records.begin(), records.end(), [](const auto& p, const auto& q) {
    return p.label_a != q.label_a ? p.label_a < q.label_a : p.label_b < q.label_b;
  });
  return records;
}

namespace {

// Overlaps: runs of equal (reference, label) pairs along x, one map update per run.
template <class ReferenceLabel, class Label>
struct OverlapKernel {
  View3<const ReferenceLabel> reference;  // covers the owned box
  View3<const Label> labels;              // covers the block
  OwnedLines lines;
  PairMap map;

  KOKKOS_INLINE_FUNCTION void flush(std::uint64_t a, std::uint64_t b, std::int64_t count) const {
    if (count == 0 || a == 0 || b == 0) return;
    LabelPair key;
    key.a = a;
    key.b = b;
    const auto result = map.insert(key, 0);
    if (result.failed()) return;  // map full: the host notices and retries larger
    Kokkos::atomic_add(&map.value_at(result.index()), count);
  }

  KOKKOS_INLINE_FUNCTION void operator()(const index_t line) const {
    const index_t z = line / lines.ny, y = line % lines.ny;
    const ReferenceLabel* ref_row = &reference(z, y, 0);
    const Label* row =
        &labels(z + lines.label_offset[0], y + lines.label_offset[1], lines.label_offset[2]);
    std::uint64_t a = 0, b = 0;
    std::int64_t count = 0;
    for (index_t x = 0; x < lines.nx; ++x) {
      const std::uint64_t r = ref_row[x], l = row[x];
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

template <class ReferenceLabel, class Label>
std::vector<OverlapRecord> accumulate_overlaps(const View3<const ReferenceLabel>& reference,
                                               const View3<const Label>& labels,
                                               const BlockGeometry& geometry,
                                               std::size_t label_count_hint) {
  kx::ScopedRegion region("grapes::accumulate_overlaps");
  std::vector<OverlapRecord> records;
  if (geometry.owned.empty()) return records;
  const OwnedLines lines(geometry);
  // Registered steps: each label overlaps a few others; retry larger if the map fills.
  std::uint32_t capacity = static_cast<std::uint32_t>(
      std::min<std::size_t>(1u << 30, std::max<std::size_t>(1u << 12, 8 * label_count_hint)));
  for (;;) {
    PairMap map(capacity);
    Kokkos::parallel_for("grapes::overlaps", LinePolicy(0, lines.lines),
                         OverlapKernel<ReferenceLabel, Label>{reference, labels, lines, map});
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
    if (capacity >= (1u << 30))
      throw std::runtime_error("overlaps: more than 2^30 label pairs on one rank");
    capacity *= 4;
  }
  std::sort(records.begin(), records.end(), [](const auto& p, const auto& q) {
    return p.reference_label != q.reference_label ? p.reference_label < q.reference_label
                                                  : p.step_label < q.step_label;
  });
  return records;
}

#define GRAPES_OVERLAPS_WITH(ReferenceLabel, Label)                                           \
  template std::vector<OverlapRecord> accumulate_overlaps(const View3<const ReferenceLabel>&, \
                                                          const View3<const Label>&,          \
                                                          const BlockGeometry&, std::size_t);
#define GRAPES_OVERLAPS(Label)               \
  GRAPES_OVERLAPS_WITH(std::uint8_t, Label)  \
  GRAPES_OVERLAPS_WITH(std::uint16_t, Label) \
  GRAPES_OVERLAPS_WITH(std::uint32_t, Label) \
  GRAPES_OVERLAPS_WITH(std::uint64_t, Label)
GRAPES_FOR_EACH_LABEL(GRAPES_OVERLAPS)
#undef GRAPES_OVERLAPS
#undef GRAPES_OVERLAPS_WITH

#define GRAPES_PARTICLES(Grey, Label)                        \
  template std::vector<ParticleRecord> accumulate_particles( \
      const Block<Grey, Label>&, const LabelIndex<Label>&, const std::vector<std::uint64_t>&);
GRAPES_FOR_EACH_GREY_AND_LABEL(GRAPES_PARTICLES)
#undef GRAPES_PARTICLES
#define GRAPES_ADJACENCY(Label)                                                         \
  template std::vector<AdjacencyRecord> accumulate_adjacency(const View3<const Label>&, \
                                                             const BlockGeometry&, std::size_t);
GRAPES_FOR_EACH_LABEL(GRAPES_ADJACENCY)
#undef GRAPES_ADJACENCY

}  // namespace grapes
