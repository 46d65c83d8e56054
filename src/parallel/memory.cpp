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

int ranks_on_this_node(MPI_Comm comm) {
  MPI_Comm node = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node),
            "MPI_Comm_split_type");
  const int ranks = comm_size(node);
  MPI_Comm_free(&node);
  return ranks;
}

}  // namespace

std::uint64_t block_bytes(const Box& owned, const Box& local, const VoxelBytes& bytes,
                          bool distances) {
  const auto owned_voxels = static_cast<std::uint64_t>(owned.voxels());
  const auto local_voxels = static_cast<std::uint64_t>(local.voxels());
  return owned_voxels * bytes.grey + local_voxels * (bytes.labels + (distances ? 4 : 0));
}

std::uint64_t memory_offered_per_rank(MPI_Comm comm) {
  if (const char* test = std::getenv("GRAPES_TEST_MEMORY_AVAILABLE"))
    return std::strtoull(test, nullptr, 10);
  std::uint64_t node = mem_available();
  const std::uint64_t room = cgroup_room();
  if (room > 0) node = node > 0 ? std::min(node, room) : room;
  const std::uint64_t mine = node / static_cast<std::uint64_t>(ranks_on_this_node(comm));
  // The smallest over nodes; unknown (0) on a node counts as no limit there.
  const std::int64_t offered =
      -allreduce_max(comm, -static_cast<std::int64_t>(mine ? mine : (1ull << 62)));
  return static_cast<std::uint64_t>(offered);
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
  const std::uint64_t offered = memory_offered_per_rank(comm);
  if (largest <= offered) return;
  throw InputError(what + " needs " + bytes_text(largest) + " on the busiest rank, but the node " +
                   "offers " + bytes_text(offered) + " per rank: set " +
                   "decomposition.memory_per_rank (e.g. " +
                   bytes_text(std::max<std::uint64_t>(offered * 3 / 4, 128ull << 20)) +
                   ") to process each box in slabs, or use more ranks");
}

void check_budget(std::optional<std::uint64_t> budget, MPI_Comm comm) {
  if (!budget) return;
  const std::uint64_t offered = memory_offered_per_rank(comm);
  if (*budget > offered)
    throw InputError("decomposition.memory_per_rank = " + bytes_text(*budget) +
                     " is more than this node offers each of its ranks (" + bytes_text(offered) +
                     "): lower it, or use fewer ranks per node");
}

}  // namespace grapes
