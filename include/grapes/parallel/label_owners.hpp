#pragma once
// Merging partial records across ranks. Each label has one owner rank; owners hold
// contiguous label ranges in rank order, so after the merge the global table sorted by label
// is simply the ranks' pieces in rank order (no global sort, no gather to rank 0).
#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <type_traits>
#include <utility>
#include <vector>

#include "grapes/parallel/comm.hpp"

namespace grapes {

class LabelOwnership {
 public:
  // Splitters from a sample of every rank's labels (collective). `local_sorted_labels` are the
  // labels this rank has records for, sorted.
  static LabelOwnership build(MPI_Comm comm, const std::vector<std::uint64_t>& local_sorted_labels);

  int owner(std::uint64_t label) const {
    return static_cast<int>(std::lower_bound(splitters_.begin(), splitters_.end(), label) -
                            splitters_.begin());
  }
  const std::vector<std::uint64_t>& splitters() const { return splitters_; }

 private:
  std::vector<std::uint64_t> splitters_;  // rank r owns labels in (splitters[r-1], splitters[r]]
};

// For each of `labels` (this rank's, any order), value_of(label) evaluated on the label's
// owner rank: the reverse direction of route_and_merge. Collective.
std::vector<double> fetch_from_owners(MPI_Comm comm, const LabelOwnership& ownership,
                                      const std::vector<std::uint64_t>& labels,
                                      const std::function<double(std::uint64_t)>& value_of);

// Sorts by `less` and merges records with equal keys (Record::merge): the local merge of the
// records of several blocks (slabs, steps) of one rank. Stable: equal keys merge in input order.
template <class Record, class Less>
std::vector<Record> merge_sorted(std::vector<Record> records, Less less) {
  std::stable_sort(records.begin(), records.end(), less);
  std::vector<Record> merged;
  for (const Record& record : records) {
    if (!merged.empty() && !less(merged.back(), record) && !less(record, merged.back()))
      merged.back().merge(record);
    else
      merged.push_back(record);
  }
  return merged;
}

// Sends every record to the owner of label_of(record), then sorts by `less` and merges
// records with equal keys (Record::merge). Collective. Records must be trivially copyable.
template <class Record, class LabelOf, class Less>
std::vector<Record> route_and_merge(MPI_Comm comm, const LabelOwnership& ownership,
                                    const std::vector<Record>& records, LabelOf label_of,
                                    Less less) {
  static_assert(std::is_trivially_copyable<Record>::value, "records travel as bytes");
  const int size = comm_size(comm);
  std::vector<std::vector<char>> outgoing(size);
  for (const Record& record : records) {
    auto& buffer = outgoing[ownership.owner(label_of(record))];
    const std::size_t at = buffer.size();
    buffer.resize(at + sizeof(Record));
    std::memcpy(buffer.data() + at, &record, sizeof(Record));
  }
  const std::vector<std::vector<char>> incoming = alltoall_bytes(comm, outgoing);
  std::vector<Record> received;
  for (const auto& buffer : incoming) {
    const std::size_t count = buffer.size() / sizeof(Record);
    const std::size_t at = received.size();
    received.resize(at + count);
    if (count) std::memcpy(received.data() + at, buffer.data(), count * sizeof(Record));
  }
  // Equal keys merge in rank order, so float sums are reproducible for a given run.
  return merge_sorted(std::move(received), less);
}

// The orders records are merged in.
struct ByLabel {
  template <class Record>
  bool operator()(const Record& p, const Record& q) const {
    return p.label < q.label;
  }
};
struct ByLabelAndLayer {
  template <class Record>
  bool operator()(const Record& p, const Record& q) const {
    return p.label != q.label ? p.label < q.label : p.layer < q.layer;
  }
};
struct ByLabelPair {
  template <class Record>
  bool operator()(const Record& p, const Record& q) const {
    return p.label_a != q.label_a ? p.label_a < q.label_a : p.label_b < q.label_b;
  }
};

}  // namespace grapes
