// Kernel benchmark that needs only Kokkos (no MPI, HDF5 or CLI11), so it builds and runs on a
// bare GPU node (bench/CMakeLists.txt builds it standalone: cmake -S bench ...). It generates a
// phantom block in device memory (touching balls of ~19 voxels radius on a jittered lattice,
// uint16 labels, uint8 grey, as the paper-scale phantom), times each kernel of a block and the
// whole block (label index, particles, EDT, layers, surface, adjacency) with the driver of the
// build's execution space (or one chosen), and prints voxels per second, the bandwidth the
// kernel's minimum memory traffic implies against the device's measured copy bandwidth, and
// checksums of every result, which are the same on every backend, driver and thread count.
//
//   grapes_kernel_bench [--size N] [--repeat K] [--driver default|cpu|gpu|both] [--window W]
//                       [--kokkos-...]
#include <Kokkos_Core.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "grapes/kernels/accumulate_detail.hpp"
#include "grapes/kernels/edt_detail.hpp"
#include "grapes/kernels/label_index.hpp"
#include "grapes/kernels/layers_detail.hpp"
#include "grapes/kernels/surface_detail.hpp"

namespace {

using grapes::Driver;
using grapes::index_t;

struct Options {
  index_t size = 256;
  int repeat = 3;
  std::string driver = "default";
  int window = grapes::detail::kEdtDefaultWindow;
};

[[noreturn]] void usage(const char* program) {
  std::fprintf(stderr,
               "usage: %s [--size N] [--repeat K] [--driver default|cpu|gpu|both] [--window W]"
               " [--kokkos-...]\n",
               program);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--kokkos", 0) == 0) continue;  // Kokkos' own
    if (i + 1 >= argc) usage(argv[0]);
    const char* value = argv[++i];
    if (arg == "--size")
      o.size = std::atol(value);
    else if (arg == "--repeat")
      o.repeat = std::atoi(value);
    else if (arg == "--driver")
      o.driver = value;
    else if (arg == "--window")
      o.window = std::atoi(value);
    else
      usage(argv[0]);
  }
  if (o.size <= 0 || o.repeat <= 0) usage(argv[0]);
  if (o.driver != "default" && o.driver != "cpu" && o.driver != "gpu" && o.driver != "both")
    usage(argv[0]);
  return o;
}

// ---------------------------------------------------------------------------------------------
// The phantom, in integer arithmetic (the same voxels on every backend): lattice cells of
// kCell voxels, each holding one ball (5% of cells none) with its centre jittered by up to
// 0.2 kCell and radius 0.50-0.62 kCell; a voxel takes the nearest ball centre that holds it.
// A voxel can only be in the balls of the 2 x 2 x 2 cells on its side of its cell's middle.

constexpr index_t kCell = 34;
constexpr index_t kSub = 16;  // centres and radii in 1/16 voxel

KOKKOS_INLINE_FUNCTION std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

struct PhantomKernel {
  grapes::View3<std::uint16_t> labels;
  grapes::View3<std::uint8_t> grey;
  index_t n, cells;  // voxels and lattice cells per axis

  KOKKOS_INLINE_FUNCTION void operator()(const index_t z, const index_t y, const index_t x) const {
    const index_t p[3] = {z, y, x};
    index_t base[3];
    for (int a = 0; a < 3; ++a) base[a] = p[a] / kCell - (p[a] % kCell < kCell / 2 ? 1 : 0);
    std::int64_t best = -1, best_d2 = 0, best_r2 = 1;
    for (int c = 0; c < 8; ++c) {
      index_t cell[3];
      bool inside = true;
      for (int a = 0; a < 3; ++a) {
        cell[a] = base[a] + ((c >> a) & 1);
        inside = inside && cell[a] >= 0 && cell[a] < cells;
      }
      if (!inside) continue;
      const std::int64_t id = (cell[0] * cells + cell[1]) * cells + cell[2];
      const std::uint64_t h = mix(static_cast<std::uint64_t>(id));
      if (h % 100 < 5) continue;  // an empty cell
      std::int64_t d2 = 0;
      for (int a = 0; a < 3; ++a) {
        const std::int64_t jitter =
            static_cast<std::int64_t>((h >> (8 * a + 8)) % (2 * kCell * kSub / 5 + 1)) -
            kCell * kSub / 5;
        const std::int64_t d =
            p[a] * kSub + kSub / 2 - (cell[a] * kCell * kSub + kCell * kSub / 2 + jitter);
        d2 += d * d;
      }
      const std::int64_t r =
          kCell * kSub / 2 + static_cast<std::int64_t>((h >> 40) % (kCell * kSub * 12 / 100));
      if (d2 <= r * r && (best < 0 || d2 < best_d2)) best = id, best_d2 = d2, best_r2 = r * r;
    }
    const std::uint64_t noise = mix(static_cast<std::uint64_t>((z * n + y) * n + x) ^ 0x5EEDull);
    if (best < 0) {
      labels(z, y, x) = 0;
      grey(z, y, x) = static_cast<std::uint8_t>(30 + (noise & 15));
    } else {
      labels(z, y, x) = static_cast<std::uint16_t>(best % 65535 + 1);
      const std::int64_t tone =
          150 + static_cast<std::int64_t>(mix(best) & 31) - 50 * best_d2 / best_r2;
      grey(z, y, x) = static_cast<std::uint8_t>(tone + static_cast<std::int64_t>(noise & 15));
    }
  }
};

struct Phantom {
  grapes::View3<std::uint16_t> labels;
  grapes::View3<std::uint8_t> grey;
  grapes::BlockGeometry geometry;
  double max_radius = 0;  // voxels: bounds every distance
};

Phantom make_phantom(const index_t n) {
  const grapes::Box box{{0, 0, 0}, {n, n, n}};
  Phantom p{grapes::make_view3<std::uint16_t>("labels", box),
            grapes::make_view3<std::uint8_t>("grey", box),
            grapes::block_geometry(box, box, box.hi, {1, 1, 1}), double(kCell) * 0.62 + 1};
  using Policy =
      Kokkos::MDRangePolicy<grapes::kx::ExecSpace,
                            Kokkos::Rank<3, Kokkos::Iterate::Right, Kokkos::Iterate::Right>,
                            Kokkos::IndexType<index_t>>;
  Kokkos::parallel_for("phantom", Policy({0, 0, 0}, {n, n, n}),
                       PhantomKernel{p.labels, p.grey, n, n / kCell + 2});
  Kokkos::fence();
  return p;
}

// ---------------------------------------------------------------------------------------------
// Checksums: FNV-1a over the records' integers (host), and a sum of hashes of (position, bits)
// of the distances (device; an integer sum, so independent of the order of the adds).

struct Fnv {
  std::uint64_t h = 1469598103934665603ull;
  void add(std::uint64_t v) {
    for (int b = 0; b < 8; ++b) h = (h ^ ((v >> (8 * b)) & 0xff)) * 1099511628211ull;
  }
};

struct DistanceSum {
  grapes::View3<float> dist2;
  index_t ny, nx;
  KOKKOS_INLINE_FUNCTION void operator()(const index_t v, std::uint64_t& sum) const {
    const index_t z = v / (ny * nx), y = (v / nx) % ny, x = v % nx;
    const float d = dist2(z, y, x);
    std::uint32_t bits = 0;
    std::memcpy(&bits, &d, sizeof(bits));
    sum += mix(static_cast<std::uint64_t>(bits) ^ (static_cast<std::uint64_t>(v) << 32));
  }
};

std::uint64_t distance_checksum(const grapes::View3<float>& dist2) {
  std::uint64_t sum = 0;
  Kokkos::parallel_reduce("checksum", grapes::kx::LinePolicy(0, index_t(dist2.size())),
                          DistanceSum{dist2, index_t(dist2.extent(1)), index_t(dist2.extent(2))},
                          sum);
  return sum;
}

struct Results {
  std::uint64_t index = 0, particles = 0, edt = 0, layers = 0, surface = 0, adjacency = 0;
  std::uint64_t all() const {
    Fnv f;
    for (std::uint64_t v : {index, particles, edt, layers, surface, adjacency}) f.add(v);
    return f.h;
  }
};

void add_grey(Fnv& f, const grapes::GreySums& g) {
  f.add(std::uint64_t(g.count));
  f.add(g.sum_int);
  f.add(g.sum_sq_int);
}

std::uint64_t checksum(const std::vector<grapes::ParticleRecord>& records) {
  Fnv f;
  for (const auto& r : records) {
    f.add(r.label);
    add_grey(f, r.grey);
    for (int a = 0; a < 3; ++a) {
      f.add(std::uint64_t(r.index_sum[a]));
      f.add(std::uint64_t(r.bbox_lo[a]));
      f.add(std::uint64_t(r.bbox_hi[a]));
    }
    f.add(std::uint64_t(r.grey_min));
    f.add(std::uint64_t(r.grey_max));
  }
  return f.h;
}

std::uint64_t checksum(const grapes::LayerResult& result) {
  Fnv f;
  f.add(std::uint64_t(result.inexact_voxels));
  f.add(std::uint64_t(result.unassigned_voxels));
  for (const auto& r : result.layers) {
    f.add(r.label);
    f.add(std::uint64_t(r.layer));
    add_grey(f, r.grey);
  }
  return f.h;
}

std::uint64_t checksum(const std::vector<grapes::SurfaceRecord>& records) {
  Fnv f;
  for (const auto& r : records) {
    f.add(r.label);
    for (std::int64_t c : r.cells) f.add(std::uint64_t(c));
  }
  return f.h;
}

std::uint64_t checksum(const std::vector<grapes::AdjacencyRecord>& records) {
  Fnv f;
  for (const auto& r : records) {
    f.add(r.label_a);
    f.add(r.label_b);
    f.add(std::uint64_t(r.shared_faces));
  }
  return f.h;
}

std::uint64_t checksum(const std::vector<std::uint64_t>& labels) {
  Fnv f;
  for (std::uint64_t l : labels) f.add(l);
  return f.h;
}

// ---------------------------------------------------------------------------------------------
// Timing

enum Kernel {
  kIndex,
  kParticles,
  kEdtX,
  kEdtY,
  kEdtZ,
  kEdt,
  kLayers,
  kSurface,
  kAdjacency,
  kBlock,
  kKernels
};
const char* const kNames[kKernels] = {"label index", "particles",  "edt x pass", "edt y pass",
                                      "edt z pass",  "edt",        "layers",     "surface",
                                      "adjacency",   "whole block"};
// Minimum memory traffic per voxel (bytes): uint16 labels (2), uint8 grey (1), float distances
// (4) read or written once per pass.
const double kBytes[kKernels] = {2, 3, 6, 10, 10, 26, 7, 2, 2, 42};

struct Times {
  double t[kKernels];
  Times() { std::fill(t, t + kKernels, 1e300); }
  void keep_best(const Times& other) {
    for (int k = 0; k < kKernels; ++k) t[k] = std::min(t[k], other.t[k]);
  }
};

// One run of the whole block with `driver`: each kernel fenced and timed.
Results run_block(const Phantom& p, const grapes::View3<float>& dist2, const Driver driver,
                  const int window, Times& times) {
  using namespace grapes;
  Results results;
  Kokkos::Timer total, timer;
  auto lap = [&](Kernel k) {
    Kokkos::fence();
    times.t[k] = timer.seconds();
    timer.reset();
  };
  std::vector<std::uint64_t> owned;
  const auto index =
      detail::build_label_index_with<std::uint16_t>(driver, p.labels, p.geometry.owned, owned);
  lap(kIndex);
  const Block<std::uint8_t, std::uint16_t> block{p.grey, p.labels, p.geometry};
  const auto particles = detail::accumulate_particles_with(driver, block, index, owned);
  lap(kParticles);
  detail::EdtPassTimes passes;
  detail::squared_edt_tuned<std::uint16_t>(p.labels, edt_geometry(p.geometry), dist2, window,
                                           &passes, driver);
  lap(kEdt);
  times.t[kEdtX] = passes.x, times.t[kEdtY] = passes.y, times.t[kEdtZ] = passes.z;
  LayerSettings settings;
  settings.max_distance = p.max_radius;
  const LayerResult layers =
      detail::accumulate_layers_with(driver, block, dist2, settings, index, owned);
  lap(kLayers);
  const auto surfaces = detail::surface_cells_with<std::uint16_t>(driver, p.labels, p.geometry);
  lap(kSurface);
  const auto adjacency =
      detail::accumulate_adjacency_with<std::uint16_t>(driver, p.labels, p.geometry, owned.size());
  lap(kAdjacency);
  times.t[kBlock] = total.seconds();
  results.index = checksum(owned);
  results.particles = checksum(particles);
  results.edt = distance_checksum(dist2);
  results.layers = checksum(layers);
  results.surface = checksum(surfaces);
  results.adjacency = checksum(adjacency);
  std::printf(
      "  %zu labels, %zu layer rows, %zu surface records, %zu neighbour pairs, %lld "
      "inexact voxels\n",
      owned.size(), layers.layers.size(), surfaces.size(), adjacency.size(),
      static_cast<long long>(layers.inexact_voxels));
  return results;
}

// Device copy bandwidth (bytes read + written per second) of a 1 GiB (or block-sized) copy.
double copy_bandwidth(const index_t voxels) {
  const index_t n = std::min<index_t>(index_t(1) << 28, std::max<index_t>(voxels, 1 << 20));
  grapes::View1<float> a(Kokkos::view_alloc("copy_a", Kokkos::WithoutInitializing), n);
  grapes::View1<float> b(Kokkos::view_alloc("copy_b", Kokkos::WithoutInitializing), n);
  Kokkos::deep_copy(a, 1.0f);
  Kokkos::deep_copy(b, a);
  double best = 1e300;
  for (int r = 0; r < 5; ++r) {
    Kokkos::fence();
    Kokkos::Timer timer;
    Kokkos::deep_copy(b, a);
    Kokkos::fence();
    best = std::min(best, timer.seconds());
  }
  return 2.0 * double(n) * sizeof(float) / best;
}

void print_table(const Times& times, const double voxels, const double copy_bw) {
  std::printf("%-12s %10s %12s %10s %10s %8s\n", "kernel", "best s", "voxels/s", "bytes/vox",
              "GB/s", "of copy");
  for (int k = 0; k < kKernels; ++k) {
    const double s = times.t[k];
    const double bw = kBytes[k] * voxels / s;
    std::printf("%-12s %10.4f %12.3e %10.0f %10.1f %7.1f%%\n", kNames[k], s, voxels / s, kBytes[k],
                bw / 1e9, 100.0 * bw / copy_bw);
  }
}

void print_checksums(const Results& r) {
  std::printf(
      "checksums: index %016llx particles %016llx edt %016llx layers %016llx surface "
      "%016llx adjacency %016llx\nchecksum %016llx\n",
      static_cast<unsigned long long>(r.index), static_cast<unsigned long long>(r.particles),
      static_cast<unsigned long long>(r.edt), static_cast<unsigned long long>(r.layers),
      static_cast<unsigned long long>(r.surface), static_cast<unsigned long long>(r.adjacency),
      static_cast<unsigned long long>(r.all()));
}

// Times the block `repeat` times with `driver`; prints the table and the checksums.
Results bench_driver(const Phantom& p, const Options& o, const Driver driver,
                     const double copy_bw) {
  grapes::View3<float> dist2 = grapes::make_view3<float>("dist2", p.geometry.local);
  Kokkos::deep_copy(dist2, 0.0f);  // fault the pages in before timing
  Times best;
  Results results;
  std::printf("driver %s:\n", grapes::driver_name(driver));
  for (int r = 0; r < o.repeat; ++r) {
    Times times;
    results = run_block(p, dist2, driver, o.window, times);
    std::printf("  run %d: whole block %.4f s\n", r + 1, times.t[kBlock]);
    best.keep_best(times);
  }
  print_table(best, double(p.geometry.local.voxels()), copy_bw);
  print_checksums(results);
  return results;
}

// Host -> device copy of the block's labels and grey, as a run does once per block (a host
// backend has nothing to copy).
void time_upload(const Phantom& p) {
  if (!grapes::kx::is_gpu<grapes::kx::ExecSpace>) {
    std::printf("upload: none (host backend: the views are host memory)\n");
    return;
  }
  auto labels = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), p.labels);
  auto grey = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), p.grey);
  Kokkos::fence();
  Kokkos::Timer timer;
  Kokkos::deep_copy(p.labels, labels);
  Kokkos::deep_copy(p.grey, grey);
  Kokkos::fence();
  const double s = timer.seconds();
  const double bytes = double(p.labels.span() * 2 + p.grey.span());
  std::printf("upload: labels + grey host -> device %.4f s (%.1f GB/s, pageable host memory)\n", s,
              bytes / s / 1e9);
}

}  // namespace

int main(int argc, char** argv) {
  Kokkos::ScopeGuard kokkos(argc, argv);
  const Options o = parse(argc, argv);
  const index_t n = o.size;
  std::printf(
      "grapes kernel benchmark: Kokkos %d.%d.%d, %s (concurrency %d), block %ld^3 "
      "(%.3g voxels), uint16 labels, uint8 grey\n",
      KOKKOS_VERSION / 10000, KOKKOS_VERSION / 100 % 100, KOKKOS_VERSION % 100,
      grapes::kx::execution_space_name(), static_cast<int>(grapes::kx::ExecSpace().concurrency()),
      static_cast<long>(n), double(n) * double(n) * double(n));
  const double copy_bw = copy_bandwidth(n * n * n);
  std::printf("device copy bandwidth: %.1f GB/s (read + write)\n", copy_bw / 1e9);
  Kokkos::Timer timer;
  const Phantom p = make_phantom(n);
  std::printf("phantom generated in %.3f s\n", timer.seconds());
  time_upload(p);
  std::vector<Driver> drivers;
  if (o.driver == "default" || o.driver == "both") drivers.push_back(grapes::kx::kDefaultDriver);
  if (o.driver == "cpu" || (o.driver == "both" && grapes::kx::kDefaultDriver != Driver::cpu))
    drivers.push_back(Driver::cpu);
  if (o.driver == "gpu" || (o.driver == "both" && grapes::kx::kDefaultDriver != Driver::gpu))
    drivers.push_back(Driver::gpu);
  std::vector<std::uint64_t> sums;
  for (Driver d : drivers) sums.push_back(bench_driver(p, o, d, copy_bw).all());
  if (sums.size() == 2 && sums[0] != sums[1]) {
    std::printf("DRIVERS DISAGREE\n");
    return 1;
  }
  return 0;
}
