#include "grapes/parallel/slabs.hpp"

#include <algorithm>

#include "grapes/core/error.hpp"
#include "grapes/core/instantiate.hpp"
#include "grapes/parallel/comm.hpp"

namespace grapes {

namespace {

// The volumes of the thickest slab of `thickness` planes (a margin on both sides).
std::uint64_t slab_bytes(const Box& owned, index_t thickness, const Index3& ghost,
                         const Index3& image, const VoxelBytes& bytes, bool distances) {
  Box slab = owned;
  slab.hi[0] = slab.lo[0] + thickness;
  Box local = slab.grow(ghost, whole_box(image));  // y and x as the slabs will have them
  local.lo[0] = 0;
  local.hi[0] = std::min<index_t>(thickness + 2 * ghost[0], image[0]);
  return block_bytes(slab, local, bytes, distances);
}

// The thickest slab (planes) that fits `room`, 0 when not even one plane does.
index_t thickest_fit(const Box& owned, const Index3& ghost, const Index3& image,
                     const VoxelBytes& bytes, bool distances, std::uint64_t room) {
  index_t low = 0, high = owned.extent(0);
  while (low < high) {  // the largest t in [0, extent] with bytes(t) <= room
    const index_t t = (low + high + 1) / 2;
    if (slab_bytes(owned, t, ghost, image, bytes, distances) <= room)
      low = t;
    else
      high = t - 1;
  }
  return low;
}

}  // namespace

SlabPlan plan_slabs(const Box& owned, const Index3& ghost_width, const Index3& image_shape,
                    const VoxelBytes& bytes, bool distances, std::optional<std::uint64_t> budget,
                    MPI_Comm comm) {
  std::int64_t slabs = owned.empty() ? 0 : 1;
  std::uint64_t smallest_budget = 0;  // when one plane does not fit
  if (budget && !owned.empty()) {
    const std::uint64_t room = *budget > kFixedBytes ? *budget - kFixedBytes : 0;
    const index_t t = thickest_fit(owned, ghost_width, image_shape, bytes, distances, room);
    if (t == 0)
      smallest_budget =
          kFixedBytes + slab_bytes(owned, 1, ghost_width, image_shape, bytes, distances);
    else
      slabs = (owned.extent(0) + t - 1) / t;
  }
  agree_or_throw(comm, [&] {
    if (smallest_budget > 0)
      throw InputError("decomposition.memory_per_rank = " + bytes_text(*budget) +
                       " is too small for even one plane of this rank's box with its ghost "
                       "layers; the smallest budget that works is " +
                       bytes_text(smallest_budget) + " (or use more ranks)");
  });
  const std::int64_t count = allreduce_max(comm, slabs);
  SlabPlan plan;
  const index_t planes = owned.extent(0);
  for (std::int64_t s = 0; s < count; ++s) {
    Box slab = owned;
    slab.lo[0] = owned.lo[0] + (s < slabs ? planes * s / slabs : planes);
    slab.hi[0] = owned.lo[0] + (s < slabs ? planes * (s + 1) / slabs : planes);
    if (slab.empty()) slab.hi = slab.lo;
    const Box local = slab.empty() ? slab : slab.grow(ghost_width, whole_box(image_shape));
    plan.owned.push_back(slab);
    plan.local.push_back(local);
    plan.largest_bytes = std::max(plan.largest_bytes, block_bytes(slab, local, bytes, distances));
  }
  return plan;
}

template <class Grey, class Label>
void SlabBuffers<Grey, Label>::reserve(const SlabPlan& plan, bool distances) {
  std::size_t grey = 0, labels = 0;
  for (std::size_t s = 0; s < plan.owned.size(); ++s) {
    grey = std::max<std::size_t>(grey, plan.owned[s].voxels());
    labels = std::max<std::size_t>(labels, plan.local[s].voxels());
  }
  // Exactly the size this pass needs: a larger buffer kept from the first pass (fewer, larger
  // slabs of owned voxels only) plus the distances would exceed the budget.
  const auto fit = [](auto& buffer, std::size_t size, const char* name) {
    if (buffer.extent(0) == size) return;
    using Buffer = std::decay_t<decltype(buffer)>;
    buffer = Buffer();  // the old one goes first
    buffer = Buffer(Kokkos::view_alloc(std::string(name), Kokkos::WithoutInitializing), size);
    prepare_large_allocation(
        buffer.data(), size * sizeof(typename Buffer::value_type),
        Kokkos::SpaceAccessibility<Kokkos::HostSpace, kx::MemSpace>::accessible);
  };
  fit(grey_, grey, "grapes::slab_grey");
  fit(labels_, labels, "grapes::slab_labels");
  if (distances) fit(dist2_, labels, "grapes::slab_dist2");
}

#define GRAPES_SLAB_BUFFERS(Grey, Label) template class SlabBuffers<Grey, Label>;
GRAPES_FOR_EACH_GREY_AND_LABEL(GRAPES_SLAB_BUFFERS)
#undef GRAPES_SLAB_BUFFERS

}  // namespace grapes
