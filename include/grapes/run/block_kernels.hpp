#pragma once
// Stage "kernels" (docs/ARCHITECTURE.md): everything one block with its ghost margin gives —
// the distance transform, the layer sums with their exactness proof, the surface cells and the
// face adjacency — as partial records of the block's owned voxels. A rank's box is one block
// or a sequence of slabs; the partial records of all its blocks are appended and merged once
// (merge.hpp), and the result does not depend on how the box was cut.
#include <cstdint>
#include <vector>

#include "grapes/core/records.hpp"
#include "grapes/core/volume.hpp"
// accumulate.hpp only for the callers that run accumulate_overlaps too (run/volume_analysis.cpp
// got it through layers.hpp); it belongs in their own includes.
#include "grapes/kernels/accumulate.hpp"
#include "grapes/kernels/layers.hpp"
#include "grapes/kernels/surface.hpp"
#include "grapes/run/phase_clock.hpp"

namespace grapes {

// Runs every kernel on `block`. `dist2` covers block.geometry.local and receives the squared
// distances (EDT units); the caller may reuse it (optional volumes, the next slab).
// `owned_labels` (sorted) must contain every label with owned voxels in the block. Ends the
// phases "edt", "layers", "surface", "adjacency" on `clock` (printed when `print`).
template <class Grey, class Label>
PartialRecords block_kernels(const Block<Grey, Label>& block, const View3<float>& dist2,
                             const LayerSettings& settings,
                             const std::vector<std::uint64_t>& owned_labels, PhaseClock& clock,
                             bool print = true);

}  // namespace grapes
