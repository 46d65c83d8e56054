#pragma once
// The surface kernel with an explicit driver (kernel_drivers.hpp), for the tests and the
// benchmarks only: surface_cells uses kx::kDefaultDriver. Either driver runs on every backend
// and gives the same records, bit for bit.
#include <vector>

#include "grapes/kernels/kernel_drivers.hpp"
#include "grapes/kernels/surface.hpp"

namespace grapes::detail {

template <class Label>
std::vector<SurfaceRecord> surface_cells_with(Driver driver, const View3<const Label>& labels,
                                              const BlockGeometry& geometry);

}  // namespace grapes::detail
