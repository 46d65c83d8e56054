#include "grapes/accumulate.hpp"
#include "grapes/owned_lines.hpp"

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
    for (index_t x = 0; x < lines.nx; ++x) {
      const index_t lx = x + lines.label_offset[2];
      const Label here = labels(lz, ly, lx);
      if (here == 0) continue;
      if (has_z) add(along_z, here, labels(lz + 1, ly, lx));
      if (has_y) add(along_y, here, labels(lz, ly + 1, lx));
      if (lx + 1 < neighbour_limit[2]) add(along_x, here, labels(lz, ly, lx + 1));
    }
    flush(along_z);
    flush(along_y);
    flush(along_x);
  }
};

}  // namespace

template <class Label>
std::vector<AdjacencyRecord> accumulate_adjacency(const View3<const Label>& labels,
                                                  const Box& local, const Box& owned,
                                                  const Index3& image_shape,
                                                  std::size_t label_count_hint) {
  Kokkos::Profiling::pushRegion("grapes::accumulate_adjacency");
  std::vector<AdjacencyRecord> records;
  if (owned.empty()) {
    Kokkos::Profiling::popRegion();
    return records;
  }
  const OwnedLines lines(owned, local);
  Index3 limit;
  for (int a = 0; a < 3; ++a) limit[a] = std::min(local.hi[a], image_shape[a]) - local.lo[a];
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
    capacity *= 4;
  }
  std::sort(records.begin(), records.end(), [](const auto& p, const auto& q) {
    return p.label_a != q.label_a ? p.label_a < q.label_a : p.label_b < q.label_b;
  });
  Kokkos::Profiling::popRegion();
  return records;
}

#define GRAPES_INSTANTIATE_GL(Grey, Label)                                                   \
  template std::vector<ParticleRecord> accumulate_particles(                                 \
      const Block<Grey, Label>&, const LabelIndex<Label>&, const std::vector<std::uint64_t>&);
#define GRAPES_INSTANTIATE_L(Label)                                                            \
  GRAPES_INSTANTIATE_GL(std::uint8_t, Label)                                                   \
  GRAPES_INSTANTIATE_GL(std::uint16_t, Label)                                                  \
  GRAPES_INSTANTIATE_GL(float, Label)                                                          \
  template std::vector<AdjacencyRecord> accumulate_adjacency(                                  \
      const View3<const Label>&, const Box&, const Box&, const Index3&, std::size_t);
GRAPES_INSTANTIATE_L(std::uint8_t)
GRAPES_INSTANTIATE_L(std::uint16_t)
GRAPES_INSTANTIATE_L(std::uint32_t)
GRAPES_INSTANTIATE_L(std::uint64_t)
#undef GRAPES_INSTANTIATE_L
#undef GRAPES_INSTANTIATE_GL

}  // namespace grapes
