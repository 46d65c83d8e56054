#include "grapes/reconcile.hpp"

namespace grapes {

LabelOwnership LabelOwnership::build(MPI_Comm comm,
                                     const std::vector<std::uint64_t>& local_sorted_labels) {
  const int size = comm_size(comm);
  // Up to 8 samples per rank per rank keeps the ranges balanced within a few percent.
  const std::size_t wanted = static_cast<std::size_t>(8 * size);
  std::vector<std::uint64_t> samples;
  const std::size_t n = local_sorted_labels.size();
  if (n <= wanted) {
    samples = local_sorted_labels;
  } else {
    for (std::size_t i = 0; i < wanted; ++i) samples.push_back(local_sorted_labels[i * n / wanted]);
  }
  std::vector<char> mine(samples.size() * sizeof(std::uint64_t));
  if (!mine.empty()) std::memcpy(mine.data(), samples.data(), mine.size());
  std::vector<std::uint64_t> all;
  for (const auto& buffer : allgather_bytes(comm, mine)) {
    const std::size_t at = all.size();
    all.resize(at + buffer.size() / sizeof(std::uint64_t));
    if (!buffer.empty()) std::memcpy(all.data() + at, buffer.data(), buffer.size());
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  LabelOwnership ownership;
  // P-1 splitters; rank r owns (splitters[r-1], splitters[r]]. Repeated splitters leave a rank
  // with an empty range, which is fine.
  for (int r = 1; r < size; ++r) {
    if (all.empty()) {
      ownership.splitters_.push_back(0);
    } else {
      const std::size_t at = all.size() * static_cast<std::size_t>(r) / size;
      ownership.splitters_.push_back(all[at == 0 ? 0 : at - 1]);
    }
  }
  return ownership;
}

}  // namespace grapes
