#pragma once
// Internals of squared_edt, exposed for the tests and the benchmark only.
#include "grapes/edt.hpp"

namespace grapes::detail {

// Largest window step of the y and z passes before a block of columns falls back to the
// Felzenszwalb–Huttenlocher lower envelope.
constexpr int kEdtDefaultWindow = 64;

struct EdtPassTimes {
  double x = 0.0, y = 0.0, z = 0.0;  // seconds
};

// squared_edt with a chosen window (0: every block of columns uses the lower envelope; the
// result is the same bits whatever the window). When `times` is not null, each pass is fenced
// and timed.
template <class Label>
void squared_edt_tuned(const View3<const Label>& labels, const EdtGeometry& geometry,
                       const View3<float>& dist2, int window, EdtPassTimes* times);

}  // namespace grapes::detail
