#pragma once
// The layer kernels with an explicit driver (kernel_drivers.hpp), for the tests and the
// benchmarks only: accumulate_layers uses kx::kDefaultDriver. Either driver runs on every
// backend and gives the same records, bit for bit, for integer grey.
#include <cstdint>
#include <vector>

#include "grapes/kernels/kernel_drivers.hpp"
#include "grapes/kernels/layers.hpp"

namespace grapes::detail {

template <class Grey, class Label>
LayerResult accumulate_layers_with(Driver driver, const Block<Grey, Label>& block,
                                   const View3<const float>& dist2, const LayerSettings& settings,
                                   const LabelIndex<Label>& index,
                                   const std::vector<std::uint64_t>& index_labels);

}  // namespace grapes::detail
