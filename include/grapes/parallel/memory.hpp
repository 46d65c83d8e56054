#pragma once
// Memory per rank (docs/ARCHITECTURE.md, "Memory per rank"): what a block needs, what the
// node offers, and the check that stops a run with a clear message before a large allocation
// instead of letting the kernel kill it.
#include <mpi.h>

#include <cstdint>
#include <optional>
#include <string>

#include "grapes/core/types.hpp"

namespace grapes {

// Element sizes of the two volumes.
struct VoxelBytes {
  std::uint64_t grey = 1;
  std::uint64_t labels = 2;
};

// Memory the stages need besides the volumes: tables indexed by label value (layer rows,
// surface cell counts), EDT scratch, MPI and HDF5 buffers. A generous constant.
constexpr std::uint64_t kFixedBytes = 96ull << 20;

// One block's volumes: grey over `owned`, labels over `local`, and (with `distances`) one
// float squared distance per voxel of `local`.
std::uint64_t block_bytes(const Box& owned, const Box& local, const VoxelBytes& bytes,
                          bool distances);

// The memory offered to each rank of the fullest node (the smallest offer over the nodes): the
// kernel's MemAvailable (and what a cgroup limit leaves, when one is set), divided by the ranks
// sharing the node. GRAPES_TEST_MEMORY_AVAILABLE (bytes per rank) replaces the probe, for tests.
struct MemoryOffer {
  std::uint64_t per_rank = 0;
  std::string node;       // MPI_Get_processor_name of that node
  int ranks_on_node = 1;  // the ranks sharing it
  int nodes = 1;          // the nodes of the run
  // "the node n1 (4 ranks), offers 7.67 GiB per rank" ("the fullest of the 2 nodes, ...").
  std::string describe() const;
};
// Collective: every rank gets the same offer.
MemoryOffer memory_offered_per_rank(MPI_Comm comm);

// "1.25 GiB" / "512.0 MiB" / "976.6 KiB".
std::string bytes_text(std::uint64_t bytes);

// Collective: throws InputError on every rank when the largest `need` over ranks exceeds the
// memory offered per rank, naming the figures, what needs it and the keys that help.
void check_memory(std::uint64_t need, const std::string& what, MPI_Comm comm);
// Collective: InputError when decomposition.memory_per_rank is more than the node offers.
void check_budget(std::optional<std::uint64_t> budget, MPI_Comm comm);

}  // namespace grapes
