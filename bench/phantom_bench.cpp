// Timing of the built-in phantom on one process: particle placement and the voxel fill of a
// cube at the paper's particle size (moved out of the test suite: timings are benchmarks).
//
//   grapes_phantom_bench [--size N]      (default 256; 750 is the paper-scale volume, 1.3 GB)
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

#include <CLI/CLI.hpp>

#include "grapes/io/phantom.hpp"
#include "grapes/run/runtime.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void time_phantom(grapes::index_t size) {
  grapes::PhantomSpec spec = grapes::paper_scale_phantom();
  spec.shape = {size, size, size};
  const auto t0 = std::chrono::steady_clock::now();
  const grapes::Phantom phantom(spec);
  const double placement = seconds_since(t0);
  const auto n = static_cast<std::size_t>(grapes::voxel_count(spec.shape));
  std::vector<std::uint8_t> grey(n);
  std::vector<std::uint16_t> labels(n);
  const auto t1 = std::chrono::steady_clock::now();
  phantom.fill_box(grapes::whole_box(spec.shape), 1, grey.data(), grapes::DType::u8, labels.data(),
                   grapes::DType::u16);
  const double fill = seconds_since(t1);
  std::vector<std::size_t> sizes(phantom.particle_count() + 1, 0);
  for (std::uint16_t l : labels) ++sizes[l];
  std::size_t present = 0;
  for (std::size_t l = 1; l < sizes.size(); ++l) present += sizes[l] > 0;
  const double solid = static_cast<double>(n - sizes[0]);
  std::printf(
      "phantom %lld^3: %zu particles (%zu in the image), solid %.3f, mean volume %.0f voxels; "
      "placement %.3f s, fill %.3f s (%.0f Mvoxel/s)\n",
      static_cast<long long>(size), phantom.particle_count(), present, solid / double(n),
      present ? solid / double(present) : 0.0, placement, fill, double(n) / fill / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  grapes::Runtime runtime(argc, argv);
  CLI::App app{"Timing of the built-in phantom (placement and voxel fill)"};
  grapes::index_t size = 256;
  app.add_option("--size", size, "Edge of the cube in voxels")->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  time_phantom(size);
  return 0;
}
