#pragma once
// Bounded memory per rank (decomposition.memory_per_rank; docs/ARCHITECTURE.md, "Slabs"): a
// rank's box cut along z into slabs whose blocks (slab + ghost margin) fit the budget, and the
// buffers, allocated once and reused for every slab. Partial records of all slabs merge into
// the same tables as one block's (records.hpp), so the tables do not depend on the cut.
#include <mpi.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "grapes/core/volume.hpp"
#include "grapes/parallel/memory.hpp"

namespace grapes {

struct SlabPlan {
  std::vector<Box> owned;           // the slabs of the box along z, in order
  std::vector<Box> local;           // each grown by the ghost width, clipped to the image
  std::uint64_t largest_bytes = 0;  // the largest slab's volumes (block_bytes)
  bool whole_box() const { return owned.size() <= 1; }
};

// Without a budget the whole box is one slab. With one, the fewest slabs of equal thickness
// whose blocks fit `budget` minus kFixedBytes. Collective: every rank gets the same number of
// slabs (trailing empty ones where its box has fewer planes), so collective reads and writes
// pair up. Throws InputError (every rank) naming the smallest budget that works when even
// one-plane slabs do not fit.
SlabPlan plan_slabs(const Box& owned, const Index3& ghost_width, const Index3& image_shape,
                    const VoxelBytes& bytes, bool distances, std::optional<std::uint64_t> budget,
                    MPI_Comm comm);

// The volumes of one slab at a time in buffers sized once per pass for its largest slab (so
// the two passes' buffers never add up): views over them have the slab's extents
// (LayoutRight, contiguous), so the kernels see an ordinary block.
template <class Grey, class Label>
class SlabBuffers {
 public:
  void reserve(const SlabPlan& plan, bool distances);
  View3<Grey> grey(const Box& owned) const { return over(grey_, owned); }
  View3<Label> labels(const Box& local) const { return over(labels_, local); }
  View3<float> dist2(const Box& local) const { return over(dist2_, local); }

 private:
  template <class T>
  static View3<T> over(const View1<T>& buffer, const Box& box) {
    return View3<T>(buffer.data(), box.extent(0), box.extent(1), box.extent(2));
  }
  View1<Grey> grey_;
  View1<Label> labels_;
  View1<float> dist2_;
};

}  // namespace grapes
