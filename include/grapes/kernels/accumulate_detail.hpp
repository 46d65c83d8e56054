#pragma once
// The particle, adjacency and overlap kernels with an explicit driver (kernel_drivers.hpp), for
// the tests and the benchmarks only: accumulate.hpp's functions use kx::kDefaultDriver. Either
// driver runs on every backend and gives the same records, bit for bit, for integer grey.
#include <cstdint>
#include <vector>

#include "grapes/kernels/accumulate.hpp"
#include "grapes/kernels/kernel_drivers.hpp"

namespace grapes::detail {

template <class Grey, class Label>
std::vector<ParticleRecord> accumulate_particles_with(
    Driver driver, const Block<Grey, Label>& block, const LabelIndex<Label>& index,
    const std::vector<std::uint64_t>& index_labels);

template <class Label>
std::vector<AdjacencyRecord> accumulate_adjacency_with(Driver driver,
                                                       const View3<const Label>& labels,
                                                       const BlockGeometry& geometry,
                                                       std::size_t label_count_hint);

template <class ReferenceLabel, class Label>
std::vector<OverlapRecord> accumulate_overlaps_with(Driver driver,
                                                    const View3<const ReferenceLabel>& reference,
                                                    const View3<const Label>& labels,
                                                    const BlockGeometry& geometry,
                                                    std::size_t label_count_hint);

}  // namespace grapes::detail
