// Benchmark of squared_edt on a synthetic dense volume of random touching balls (uint16 labels),
// built in memory: seconds and Mvoxels/s per pass, for the default window and for the pure
// lower-envelope (FH) path, which must give the same bits.
//
//   grapes_edt_bench [--size N] [--balls B] [--rmin R] [--rmax R] [--repeat K]
//                    [--spacing sz sy sx] [--seed S] [--no-envelope]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include <CLI/CLI.hpp>

#include "grapes/kernels/edt.hpp"
#include "grapes/kernels/edt_detail.hpp"
#include "grapes/run/runtime.hpp"

namespace {

struct Options {
  grapes::index_t size = 400;
  int balls = 3000;
  double rmin = 10.0, rmax = 25.0;
  int repeat = 3;
  grapes::Spacing3 spacing{1.0, 1.0, 1.0};
  unsigned seed = 1;
  bool envelope = true;  // also time the pure lower-envelope path and compare the bits
};

// Command line via CLI11 (`--help` lists the options); exits on bad input.
Options parse(int argc, char** argv) {
  Options o;
  CLI::App app{"EDT benchmark on random touching balls"};
  std::vector<double> spacing;
  app.add_option("--size", o.size, "edge of the cubic volume");
  app.add_option("--balls", o.balls, "number of balls");
  app.add_option("--rmin", o.rmin, "smallest ball radius");
  app.add_option("--rmax", o.rmax, "largest ball radius");
  app.add_option("--repeat", o.repeat, "runs, best kept");
  app.add_option("--seed", o.seed, "random seed");
  app.add_option("--spacing", spacing, "z y x spacing")->expected(3);
  bool no_envelope = false;
  app.add_flag("--no-envelope", no_envelope, "skip the lower-envelope comparison");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    std::exit(app.exit(error));
  }
  o.envelope = !no_envelope;
  if (!spacing.empty()) o.spacing = {spacing[0], spacing[1], spacing[2]};
  return o;
}

// Random balls, later ones painted over earlier ones, so particles touch and cut each other.
grapes::View3<std::uint16_t> make_volume(const Options& o) {
  using grapes::index_t;
  const index_t n = o.size;
  grapes::View3<std::uint16_t> labels("labels", n, n, n);
  auto host = Kokkos::create_mirror_view(labels);
  Kokkos::deep_copy(host, std::uint16_t(0));
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> centre(0.0, double(n));
  std::uniform_real_distribution<double> radius(o.rmin, o.rmax);
  for (int b = 0; b < o.balls; ++b) {
    const double c[3] = {centre(rng), centre(rng), centre(rng)};
    const double r = radius(rng);
    const std::uint16_t label = static_cast<std::uint16_t>(1 + b % 65535);
    index_t lo[3], hi[3];
    for (int a = 0; a < 3; ++a) {
      lo[a] = std::max<index_t>(0, index_t(c[a] - r));
      hi[a] = std::min<index_t>(n, index_t(c[a] + r) + 2);
    }
    for (index_t z = lo[0]; z < hi[0]; ++z)
      for (index_t y = lo[1]; y < hi[1]; ++y) {
        const double dzy = (z - c[0]) * (z - c[0]) + (y - c[1]) * (y - c[1]);
        if (dzy > r * r) continue;
        for (index_t x = lo[2]; x < hi[2]; ++x)
          if (dzy + (x - c[2]) * (x - c[2]) <= r * r) host(z, y, x) = label;
      }
  }
  Kokkos::deep_copy(labels, host);
  return labels;
}

void run(const char* name, const grapes::View3<const std::uint16_t>& labels,
         const grapes::EdtGeometry& geometry, const grapes::View3<float>& dist2, int window,
         int repeat) {
  const double mvox = double(labels.size()) / 1e6;
  grapes::detail::EdtPassTimes best;
  double best_total = 1e300;
  for (int r = 0; r < repeat; ++r) {
    grapes::detail::EdtPassTimes t;
    grapes::detail::squared_edt_tuned<std::uint16_t>(labels, geometry, dist2, window, &t);
    const double total = t.x + t.y + t.z;
    if (total < best_total) {
      best_total = total;
      best = t;
    }
  }
  std::printf(
      "%-12s x %7.3f s (%7.0f Mvox/s)  y %7.3f s (%6.0f Mvox/s)  z %7.3f s (%6.0f Mvox/s)"
      "  total %7.3f s (%5.0f Mvox/s)\n",
      name, best.x, mvox / best.x, best.y, mvox / best.y, best.z, mvox / best.z, best_total,
      mvox / best_total);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  grapes::Runtime runtime(argc, argv);
  {
    const Options o = parse(argc, argv);
    std::printf("volume %ld^3 uint16, %d balls of radius %.1f..%.1f, spacing [%g %g %g], %s\n",
                static_cast<long>(o.size), o.balls, o.rmin, o.rmax, o.spacing[0], o.spacing[1],
                o.spacing[2], grapes::kx::execution_space_name());
    Kokkos::Timer build;
    grapes::View3<std::uint16_t> labels = make_volume(o);
    std::printf("built in %.2f s\n", build.seconds());
    grapes::EdtGeometry geometry;
    geometry.spacing = o.spacing;
    grapes::View3<float> fast("fast", o.size, o.size, o.size);
    run("windowed", labels, geometry, fast, grapes::detail::kEdtDefaultWindow, o.repeat);
    if (!o.envelope) return 0;
    grapes::View3<float> slow("slow", o.size, o.size, o.size);
    run("envelope", labels, geometry, slow, 0, o.repeat);

    // Same bits both ways; also a summary of the distances.
    auto a = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), fast);
    auto b = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), slow);
    std::size_t differ = 0, particle = 0;
    float largest = 0.0f;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (std::memcmp(a.data() + i, b.data() + i, sizeof(float)) != 0) ++differ;
      if (a.data()[i] > 0.0f) ++particle;
      largest = std::max(largest, a.data()[i]);
    }
    std::printf(
        "particle voxels %.1f %%, largest squared distance %g, windowed vs envelope: "
        "%zu voxels differ\n",
        100.0 * double(particle) / double(a.size()), double(largest), differ);
    if (differ != 0) return 1;
  }
  return 0;
}
