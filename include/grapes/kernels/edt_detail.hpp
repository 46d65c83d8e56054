#pragma once
// Internals of squared_edt, exposed for the tests and the benchmark only.
#include "grapes/kernels/edt.hpp"
#include "grapes/kernels/kernel_drivers.hpp"

namespace grapes::detail {

// Largest window step of the y and z passes before a block of columns falls back to the
// Felzenszwalb–Huttenlocher lower envelope.
constexpr int kEdtDefaultWindow = 64;

struct EdtPassTimes {
  double x = 0.0, y = 0.0, z = 0.0;  // seconds
};

// squared_edt with a chosen window (0: every line uses the lower envelope; the result is the
// same bits whatever the window) and driver (kernel_drivers.hpp: the same bits with either, on
// any backend; the GPU driver allocates a second float per voxel). When `times` is not null,
// each pass is fenced and timed.
template <class Label>
void squared_edt_tuned(const View3<const Label>& labels, const EdtGeometry& geometry,
                       const View3<float>& dist2, int window, EdtPassTimes* times,
                       Driver driver = kx::kDefaultDriver);

}  // namespace grapes::detail
