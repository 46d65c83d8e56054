#pragma once
// Ghost widths (docs/METHOD.md, "Exactness"): how wide the margin of each rank's block must be
// for every owned voxel's distance to be exact, from the global bounding boxes of the
// particles; and the errors when a chosen width cannot work.
#include <mpi.h>

#include <cstdint>
#include <vector>

#include <optional>

#include "grapes/core/records.hpp"
#include "grapes/core/types.hpp"
#include "grapes/parallel/label_owners.hpp"

namespace grapes {

// How far (physical units) a particle's voxels can be from a non-particle voxel: along axis a
// a voxel is at most (extent + 1) / 2 steps from the voxels just outside the bounding box.
double distance_bound(const ParticleRecord& p, const Spacing3& spacing, bool planar);

// Ghost width (voxels) per axis that makes every distance up to `bound` exact (+1).
Index3 ghost_for(double bound, const Spacing3& spacing, bool planar);

struct GhostChoice {
  Index3 width{0, 0, 0};      // at least 1 on every analysed axis (surface, adjacency)
  double global_bound = 0.0;  // largest distance_bound over all particles
  std::uint64_t largest = 0;  // the particle with that bound
};

// Collective: `particles` are this rank's merged (global) records. `fixed_width`: the width
// the user chose (decomposition.ghost), or nullopt for auto.
GhostChoice choose_ghost(std::optional<int> fixed_width,
                         const std::vector<ParticleRecord>& particles, const Spacing3& spacing,
                         bool planar, MPI_Comm comm);

// Blocks of at most this many voxels (owned + ghosts: 256^3, a few hundred MiB at most) are
// never refused for their growth.
constexpr std::int64_t kGrowthFreeVoxels = std::int64_t(1) << 24;

// Throws InputError (every rank) when a block of more than kGrowthFreeVoxels voxels would
// exceed `max_growth` x its box (decomposition.max_block_growth).
void check_block_growth(double max_growth, const GhostChoice& ghost, const Box& owned,
                        const Box& local, int rank, MPI_Comm comm);

// The most layers one particle may have (its distance bound / the layer width): more is a
// layer table of absurd size (analysis.layer_width = 1e-9 asks for a 134 GB one).
constexpr double kMaxLayersPerParticle = 1e6;

// Collective: throws InputError naming analysis.layer_width when the largest particle
// (ghost.global_bound, physical units) would have more than kMaxLayersPerParticle layers of
// `layer_width` (physical units).
void check_layer_count(const GhostChoice& ghost, double layer_width, MPI_Comm comm);

// Collective, after the layer pass found `inexact_voxels` (this rank) distances that needed
// data beyond the ghosts: throws the InputError naming the particle and the width it needs.
[[noreturn]] void throw_inexact(const GhostChoice& ghost, std::int64_t inexact_voxels,
                                std::uint64_t first_inexact_label,
                                const std::vector<ParticleRecord>& particles,
                                const LabelOwnership& ownership, const Spacing3& spacing,
                                bool planar, MPI_Comm comm);

}  // namespace grapes
