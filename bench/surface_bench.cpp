// Benchmark of surface_areas on the paper-scale phantom (750^3 voxels, ~10,000 touching
// particles of radius ~18.85, uint16 labels) or a smaller cube with the same particle size,
// built in memory; times the whole-image call (owned = local = image) on one rank.
//
//   grapes_surface_bench [--size N] [--repeat K] [--u32] [--spacing sz sy sx] [--stats]
//                        [--dump FILE]
//
// --u32 converts the labels to uint32 (the wide-label path); --stats counts the cells whose 8
// corners are not all equal; --dump writes "label area" lines (%.17g) to FILE, to compare the
// results of two builds.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "grapes/io/phantom.hpp"
#include "grapes/kernels/surface.hpp"
#include "grapes/run/runtime.hpp"

namespace {

// CPU time of the process (not counting time spent waiting for a core on a busy machine).
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

struct Options {
  grapes::index_t size = 750;
  int repeat = 3;
  bool u32 = false;
  bool stats = false;
  grapes::Spacing3 spacing{1.0, 1.0, 1.0};
  std::string dump;
};

// Command line via CLI11 (`--help` lists the options); exits on bad input.
Options parse(int argc, char** argv) {
  Options o;
  CLI::App app{"Surface-area benchmark on the paper-scale phantom"};
  std::vector<double> spacing;
  app.add_option("--size", o.size, "edge of the cubic volume")->check(CLI::PositiveNumber);
  app.add_option("--repeat", o.repeat, "runs, best kept")->check(CLI::PositiveNumber);
  app.add_flag("--u32", o.u32, "uint32 labels instead of uint16");
  app.add_flag("--stats", o.stats, "print the fraction of cells with differing corners");
  app.add_option("--dump", o.dump, "write the per-label areas to this file");
  app.add_option("--spacing", spacing, "z y x spacing")->expected(3);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    std::exit(app.exit(error));
  }
  if (!spacing.empty()) o.spacing = {spacing[0], spacing[1], spacing[2]};
  return o;
}

// Cells (including the padding cells at the image faces) whose 8 corners are not all equal.
double mixed_cell_fraction(const std::vector<std::uint16_t>& v, const grapes::Index3& n) {
  using grapes::index_t;
  auto at = [&](index_t z, index_t y, index_t x) -> std::uint16_t {
    if (z < 0 || y < 0 || x < 0 || z >= n[0] || y >= n[1] || x >= n[2]) return 0;
    return v[(z * n[1] + y) * n[2] + x];
  };
  std::uint64_t mixed = 0;
  for (index_t z = -1; z < n[0]; ++z)
    for (index_t y = -1; y < n[1]; ++y)
      for (index_t x = -1; x < n[2]; ++x) {
        const std::uint16_t c = at(z, y, x);
        bool same = true;
        for (int d = 1; d < 8 && same; ++d)
          same = at(z + (d >> 2), y + ((d >> 1) & 1), x + (d & 1)) == c;
        if (!same) ++mixed;
      }
  return double(mixed) / double((n[0] + 1) * (n[1] + 1) * (n[2] + 1));
}

template <class Label>
int time_surface(const grapes::View3<const Label>& labels, const Options& o,
                 const grapes::Index3& shape) {
  const grapes::Box box = grapes::whole_box(shape);
  std::vector<grapes::SurfaceRecord> records;
  double best = 1e300, total = 0.0, best_cpu = 1e300;
  for (int r = 0; r < o.repeat; ++r) {
    Kokkos::fence();
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = cpu_seconds();
    records =
        grapes::surface_cells<Label>(labels, grapes::block_geometry(box, box, shape, o.spacing));
    Kokkos::fence();
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = cpu_seconds() - cpu_start;
    std::printf("  run %d: %.3f s (cpu %.3f s)\n", r + 1, s, cpu);
    best_cpu = std::min(best_cpu, cpu);
    std::fflush(stdout);
    best = std::min(best, s);
    total += s;
  }
  const auto class_areas = grapes::class_areas(o.spacing);
  double area = 0.0;
  for (const auto& rec : records) area += grapes::surface_area(rec, class_areas);
  const double cells = double(shape[0] + 1) * double(shape[1] + 1) * double(shape[2] + 1);
  std::printf(
      "surface_cells %s: best %.3f s, mean %.3f s over %d runs = %.2f ns per cell (%.3g cells; "
      "best cpu time %.3f s = %.2f ns per cell); %zu labels, total area %.10g\n",
      sizeof(Label) == 2 ? "uint16" : "uint32", best, total / o.repeat, o.repeat,
      1e9 * best / cells, cells, best_cpu, 1e9 * best_cpu / cells, records.size(), area);
  if (!o.dump.empty()) {
    std::FILE* f = std::fopen(o.dump.c_str(), "w");
    if (!f) {
      std::fprintf(stderr, "cannot write %s\n", o.dump.c_str());
      return 1;
    }
    for (const auto& rec : records)
      std::fprintf(f, "%llu %.17g\n", static_cast<unsigned long long>(rec.label),
                   grapes::surface_area(rec, class_areas));
    std::fclose(f);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  grapes::Runtime runtime(argc, argv);
  int status = 0;
  {
    const Options o = parse(argc, argv);
    grapes::PhantomSpec spec = grapes::paper_scale_phantom();
    spec.shape = {o.size, o.size, o.size};
    const auto build_start = std::chrono::steady_clock::now();
    const grapes::Phantom phantom(spec);
    const grapes::Box box = grapes::whole_box(spec.shape);
    std::vector<std::uint16_t> host(static_cast<std::size_t>(box.voxels()));
    phantom.fill_box(box, grapes::kPhantomDefaultStep, nullptr, grapes::DType::u8, host.data(),
                     grapes::DType::u16);
    std::printf(
        "phantom %ld^3, %zu particles, built in %.2f s; spacing [%g %g %g], %s\n",
        static_cast<long>(o.size), phantom.particle_count(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - build_start).count(),
        o.spacing[0], o.spacing[1], o.spacing[2], grapes::kx::execution_space_name());
    if (o.stats)
      std::printf("cells with mixed corners: %.2f %%\n",
                  100.0 * mixed_cell_fraction(host, spec.shape));
    std::fflush(stdout);

    const std::size_t n = host.size();
    if (o.u32) {
      grapes::View3<std::uint32_t> labels = grapes::make_view3<std::uint32_t>("labels", box);
      auto mirror = Kokkos::create_mirror_view(labels);
      for (std::size_t i = 0; i < n; ++i) mirror.data()[i] = host[i];
      std::vector<std::uint16_t>().swap(host);
      Kokkos::deep_copy(labels, mirror);
      status = time_surface<std::uint32_t>(labels, o, spec.shape);
    } else {
      grapes::View3<std::uint16_t> labels = grapes::make_view3<std::uint16_t>("labels", box);
      auto mirror = Kokkos::create_mirror_view(labels);
      std::copy(host.begin(), host.end(), mirror.data());
      std::vector<std::uint16_t>().swap(host);
      Kokkos::deep_copy(labels, mirror);
      status = time_surface<std::uint16_t>(labels, o, spec.shape);
    }
  }
  return status;
}
