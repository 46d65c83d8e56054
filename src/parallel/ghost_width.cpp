#include "grapes/parallel/ghost_width.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "grapes/core/error.hpp"
#include "grapes/core/format.hpp"
#include "grapes/core/kokkos_compat.hpp"
#include "grapes/parallel/comm.hpp"

namespace grapes {

double distance_bound(const ParticleRecord& p, const Spacing3& spacing, bool planar) {
  double bound = kx::kInfinity;
  for (int a = planar ? 1 : 0; a < 3; ++a)
    bound = std::min(bound, double(p.bbox_hi[a] - p.bbox_lo[a] + 1) / 2.0 * spacing[a]);
  return bound;
}

Index3 ghost_for(double bound, const Spacing3& spacing, bool planar) {
  Index3 width{0, 0, 0};
  for (int a = planar ? 1 : 0; a < 3; ++a)
    width[a] = static_cast<index_t>(std::ceil(bound / spacing[a] - 1e-9)) + 1;
  return width;
}

GhostChoice choose_ghost(std::optional<int> fixed_width,
                         const std::vector<ParticleRecord>& particles, const Spacing3& spacing,
                         bool planar, MPI_Comm comm) {
  double largest_bound = 0.0;
  std::uint64_t largest_label = 0;
  for (const ParticleRecord& p : particles) {
    const double bound = distance_bound(p, spacing, planar);
    if (bound > largest_bound) largest_bound = bound, largest_label = p.label;
  }
  GhostChoice choice;
  choice.global_bound = allreduce_max(comm, largest_bound);
  const std::int64_t candidate =
      largest_label && largest_bound == choice.global_bound ? std::int64_t(largest_label) : -1;
  choice.largest =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, allreduce_max(comm, candidate)));
  if (fixed_width) {
    for (int a = planar ? 1 : 0; a < 3; ++a) choice.width[a] = *fixed_width;
  } else {
    choice.width = ghost_for(choice.global_bound, spacing, planar);
  }
  for (int a = planar ? 1 : 0; a < 3; ++a) choice.width[a] = std::max<index_t>(1, choice.width[a]);
  return choice;
}

void check_block_growth(double max_growth, const GhostChoice& ghost, const Box& owned,
                        const Box& local, int rank, MPI_Comm comm) {
  agree_or_throw(comm, [&] {
    const double growth = owned.empty() ? 1.0 : double(local.voxels()) / double(owned.voxels());
    // Tiny blocks (a 3^3 cube on four ranks is "9x its owned box") cost nothing: the limit is
    // for blocks whose memory can matter.
    if (growth > max_growth && local.voxels() > kGrowthFreeVoxels)
      throw InputError(
          "decomposition.ghost: a ghost width of " + shape_text(ghost.width) +
          " voxels makes rank " + std::to_string(rank) + "'s block " + fixed_text(growth, 2) +
          "x its owned box (limit " + "decomposition.max_block_growth = " +
          fixed_text(max_growth, 2) + "). Label " + std::to_string(ghost.largest) +
          " is the largest particle; remove huge labels (e.g. a binder phase) from the label "
          "volume, use fewer ranks, or raise the limit");
  });
}

void check_layer_count(const GhostChoice& ghost, double layer_width, MPI_Comm comm) {
  agree_or_throw(comm, [&] {
    if (!(layer_width > 0.0)) throw InputError("analysis.layer_width must be > 0");
    const double layers = ghost.global_bound / layer_width;
    if (layers <= kMaxLayersPerParticle) return;
    throw InputError("analysis.layer_width = " + short_text(layer_width) + " gives particle " +
                     std::to_string(ghost.largest) + " (the largest, distances up to " +
                     short_text(ghost.global_bound) + ") about " + short_text(layers) +
                     " layers, more than the " + short_text(kMaxLayersPerParticle) +
                     " per particle a layer table may hold; use a layer_width of at least " +
                     short_text(ghost.global_bound / kMaxLayersPerParticle) +
                     " (physical units, as voxel_size), or min_spacing");
  });
}

void throw_inexact(const GhostChoice& ghost, std::int64_t inexact_voxels,
                   std::uint64_t first_inexact_label, const std::vector<ParticleRecord>& particles,
                   const LabelOwnership& ownership, const Spacing3& spacing, bool planar,
                   MPI_Comm comm) {
  const std::int64_t total = allreduce_sum(comm, inexact_voxels);
  std::int64_t mine =
      inexact_voxels ? std::int64_t(first_inexact_label) : std::numeric_limits<std::int64_t>::max();
  std::int64_t label = 0;
  MPI_Allreduce(&mine, &label, 1, MPI_INT64_T, MPI_MIN, comm);
  // The owner of the label knows its global bounding box, hence the width it needs.
  const int owner = ownership.owner(static_cast<std::uint64_t>(label));
  std::int64_t needed_here = 0;
  if (comm_rank(comm) == owner)
    for (const ParticleRecord& p : particles)
      if (p.label == static_cast<std::uint64_t>(label)) {
        const Index3 width = ghost_for(distance_bound(p, spacing, planar), spacing, planar);
        needed_here = *std::max_element(width.begin(), width.end());
      }
  const std::int64_t needed = broadcast_value(comm, needed_here, owner);
  // Through an agreement: every rank throws together, so destructors may still make
  // collective calls on the way out (comm.hpp, unwinding_collectively).
  agree_or_throw(comm, [&] {
    throw InputError(
        "decomposition.ghost = " + std::to_string(ghost.width[2]) + " is too small: particle " +
        std::to_string(label) + " has voxels whose distance needs data beyond the ghost layers (" +
        std::to_string(total) + " voxels in all); it needs a ghost width of at least " +
        std::to_string(needed) + " (or use decomposition.ghost: auto)");
  });
  throw std::logic_error("throw_inexact: the agreement did not throw");
}

}  // namespace grapes
