#include "grapes/parallel/memory.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "grapes/core/error.hpp"
#include "grapes/core/format.hpp"
#include "grapes/parallel/comm.hpp"

namespace grapes {

namespace {

// MemAvailable of /proc/meminfo in bytes (0 when unknown).
std::uint64_t mem_available() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return 0;
}

// What a cgroup v2 memory limit leaves (0 when there is none).
std::uint64_t cgroup_room() {
  std::ifstream max_file("/sys/fs/cgroup/memory.max"),
      current_file("/sys/fs/cgroup/memory.current");
  std::string max_text;
  std::uint64_t current = 0;
  if (!(max_file >> max_text) || max_text == "max" || !(current_file >> current)) return 0;
  const std::uint64_t limit = std::strtoull(max_text.c_str(), nullptr, 10);
  return limit > current ? limit - current : 1;
}

// The ranks sharing this node's memory, and whether this rank is the first of them.
struct NodeShare {
  int ranks = 1;
  bool first = true;
};
NodeShare this_node(MPI_Comm comm) {
  MPI_Comm node = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node),
            "MPI_Comm_split_type");
  const NodeShare share{comm_size(node), comm_rank(node) == 0};
  MPI_Comm_free(&node);
  return share;
}

std::string processor_name() {
  char name[MPI_MAX_PROCESSOR_NAME] = {};
  int length = 0;
  check_mpi(MPI_Get_processor_name(name, &length), "MPI_Get_processor_name");
  return std::string(name, static_cast<std::size_t>(length));
}

// What this rank may use: the node's MemAvailable (or what a cgroup limit leaves, if less)
// over the ranks sharing it; 0 when unknown. GRAPES_TEST_MEMORY_AVAILABLE replaces it.
std::uint64_t offered_here(const NodeShare& share) {
  if (const char* test = std::getenv("GRAPES_TEST_MEMORY_AVAILABLE"))
    return std::strtoull(test, nullptr, 10);
  std::uint64_t node = mem_available();
  const std::uint64_t room = cgroup_room();
  if (room > 0) node = node > 0 ? std::min(node, room) : room;
  return node / static_cast<std::uint64_t>(share.ranks);
}

}  // namespace

std::uint64_t block_bytes(const Box& owned, const Box& local, const VoxelBytes& bytes,
                          bool distances) {
  const auto owned_voxels = static_cast<std::uint64_t>(owned.voxels());
  const auto local_voxels = static_cast<std::uint64_t>(local.voxels());
  return owned_voxels * bytes.grey + local_voxels * (bytes.labels + (distances ? 4 : 0));
}

MemoryOffer memory_offered_per_rank(MPI_Comm comm) {
  const NodeShare share = this_node(comm);
  const std::uint64_t mine = offered_here(share);
  // The smallest over nodes and a rank that sees it; unknown (0) counts as no limit there.
  // A double holds byte counts exactly up to 2^53 (8 PiB).
  struct {
    double bytes;
    int rank;
  } local{mine ? static_cast<double>(mine) : 0x1p62, comm_rank(comm)}, fullest{0.0, 0};
  check_mpi(MPI_Allreduce(&local, &fullest, 1, MPI_DOUBLE_INT, MPI_MINLOC, comm),
            "MPI_Allreduce (memory per rank)");
  MemoryOffer offer;
  offer.per_rank = static_cast<std::uint64_t>(fullest.bytes);
  offer.node = processor_name();
  broadcast(comm, offer.node, fullest.rank);
  offer.ranks_on_node = broadcast_value(comm, share.ranks, fullest.rank);
  offer.nodes = static_cast<int>(allreduce_sum(comm, std::int64_t{share.first ? 1 : 0}));
  return offer;
}

std::string MemoryOffer::describe() const {
  const std::string ranks =
      std::to_string(ranks_on_node) + (ranks_on_node == 1 ? " rank" : " ranks");
  if (nodes == 1)
    return "the node " + node + " (" + ranks + ") offers " + bytes_text(per_rank) + " per rank";
  return "the fullest of the " + std::to_string(nodes) + " nodes, " + node + " (" + ranks +
         "), offers " + bytes_text(per_rank) + " per rank";
}

std::string bytes_text(std::uint64_t bytes) {
  const double mib = static_cast<double>(bytes) / double(1 << 20);
  if (mib >= 1024) return fixed_text(mib / 1024, 2) + " GiB";
  if (mib >= 1) return fixed_text(mib, 1) + " MiB";
  return fixed_text(mib * 1024, 1) + " KiB";
}

void check_memory(std::uint64_t need, const std::string& what, MPI_Comm comm) {
  const auto largest =
      static_cast<std::uint64_t>(allreduce_max(comm, static_cast<std::int64_t>(need)));
  const MemoryOffer offer = memory_offered_per_rank(comm);
  if (largest <= offer.per_rank) return;
  throw InputError(what + " needs " + bytes_text(largest) + " on the busiest rank, but " +
                   offer.describe() + ": set decomposition.memory_per_rank (e.g. " +
                   bytes_text(std::max<std::uint64_t>(offer.per_rank * 3 / 4, 128ull << 20)) +
                   ") to process each box in slabs, or use more ranks");
}

void check_budget(std::optional<std::uint64_t> budget, MPI_Comm comm) {
  if (!budget) return;
  const MemoryOffer offer = memory_offered_per_rank(comm);
  if (*budget > offer.per_rank)
    throw InputError("decomposition.memory_per_rank = " + bytes_text(*budget) + " is more than " +
                     offer.describe() + ": lower it, or use fewer ranks per node");
}

}  // namespace grapes
