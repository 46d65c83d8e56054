#include "grapes/parallel/label_owners.hpp"

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

std::vector<double> fetch_from_owners(MPI_Comm comm, const LabelOwnership& ownership,
                                      const std::vector<std::uint64_t>& labels,
                                      const std::function<double(std::uint64_t)>& value_of) {
  const int size = comm_size(comm);
  std::vector<std::vector<char>> questions(size);
  std::vector<std::vector<std::size_t>> positions(size);  // where each answer goes
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const int owner = ownership.owner(labels[i]);
    auto& buffer = questions[owner];
    buffer.resize(buffer.size() + sizeof(std::uint64_t));
    std::memcpy(buffer.data() + buffer.size() - sizeof(std::uint64_t), &labels[i],
                sizeof(std::uint64_t));
    positions[owner].push_back(i);
  }
  const std::vector<std::vector<char>> asked = alltoall_bytes(comm, questions);
  std::vector<std::vector<char>> answers(size);
  for (int r = 0; r < size; ++r) {
    const std::size_t count = asked[r].size() / sizeof(std::uint64_t);
    answers[r].resize(count * sizeof(double));
    for (std::size_t i = 0; i < count; ++i) {
      std::uint64_t label = 0;
      std::memcpy(&label, asked[r].data() + i * sizeof(std::uint64_t), sizeof label);
      const double value = value_of(label);
      std::memcpy(answers[r].data() + i * sizeof(double), &value, sizeof value);
    }
  }
  const std::vector<std::vector<char>> replies = alltoall_bytes(comm, answers);
  std::vector<double> values(labels.size(), 0.0);
  for (int r = 0; r < size; ++r)
    for (std::size_t i = 0; i < positions[r].size(); ++i)
      std::memcpy(&values[positions[r][i]], replies[r].data() + i * sizeof(double), sizeof(double));
  return values;
}

}  // namespace grapes
