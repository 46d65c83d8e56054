// Merging records across ranks (reconcile.hpp, docs/METHOD.md "Ownership and merging"):
// label ownership, route_and_merge against a brute-force global merge computed on every rank
// from an allgather written here, merge_sorted, and fetch_from_owners. Run at 1..4 ranks.
#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "grapes/core/records.hpp"
#include "grapes/parallel/comm.hpp"
#include "grapes/parallel/label_owners.hpp"

namespace grapes {
namespace {

const MPI_Comm kWorld = MPI_COMM_WORLD;

int rank_count() {
  int size = 0;
  MPI_Comm_size(kWorld, &size);
  return size;
}
int this_rank() {
  int rank = 0;
  MPI_Comm_rank(kWorld, &rank);
  return rank;
}

// Every rank's `mine`, in rank order (plain MPI_Allgatherv of bytes).
template <class T>
std::vector<std::vector<T>> gather_all(const std::vector<T>& mine) {
  const int size = rank_count();
  const int bytes = static_cast<int>(mine.size() * sizeof(T));
  std::vector<int> counts(size), displs(size);
  MPI_Allgather(&bytes, 1, MPI_INT, counts.data(), 1, MPI_INT, kWorld);
  int total = 0;
  for (int r = 0; r < size; ++r) {
    displs[r] = total;
    total += counts[r];
  }
  std::vector<char> all(std::max(total, 1));
  MPI_Allgatherv(mine.data(), bytes, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE,
                 kWorld);
  std::vector<std::vector<T>> out(size);
  for (int r = 0; r < size; ++r) {
    out[r].resize(counts[r] / sizeof(T));
    if (counts[r]) std::memcpy(out[r].data(), all.data() + displs[r], counts[r]);
  }
  return out;
}

template <class T>
std::vector<T> concatenated(const std::vector<std::vector<T>>& parts) {
  std::vector<T> out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// The owner of `label` from the splitters by their definition: rank r owns
// (splitters[r-1], splitters[r]], the last rank everything above.
int owner_by_scan(const std::vector<std::uint64_t>& splitters, std::uint64_t label) {
  int r = 0;
  while (r < static_cast<int>(splitters.size()) && label > splitters[r]) ++r;
  return r;
}

template <class Record>
bool same_bits(const Record& a, const Record& b) {
  return std::memcmp(&a, &b, sizeof(Record)) == 0;
}

template <class Record>
void expect_same_records(const std::vector<Record>& actual, const std::vector<Record>& expected,
                         const char* what) {
  EXPECT_EQ(actual.size(), expected.size()) << what << " on rank " << this_rank();
  for (std::size_t i = 0; i < std::min(actual.size(), expected.size()); ++i)
    EXPECT_TRUE(same_bits(actual[i], expected[i]))
        << what << " record " << i << " on rank " << this_rank();
}

// A label pool with small values, a dense run and values near the top of uint64.
std::vector<std::uint64_t> label_pool() {
  std::vector<std::uint64_t> pool;
  for (std::uint64_t l = 1; l <= 40; ++l) pool.push_back(l);
  for (std::uint64_t l = 0; l < 10; ++l) pool.push_back((std::uint64_t(1) << 63) + 3 * l);
  for (std::uint64_t l = 0; l < 5; ++l) pool.push_back(~std::uint64_t(0) - l);
  return pool;
}

std::vector<std::uint64_t> sorted_unique(std::vector<std::uint64_t> labels) {
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  return labels;
}

// ---------------------------------------------------------------------------------------------
// LabelOwnership::build

// The checks every ownership must pass for the labels `global` (every rank's, any order):
// the same splitters on every rank, P-1 of them, non-decreasing; owner() agrees with the
// ranges; owners are non-decreasing in label order.
void check_ownership(const LabelOwnership& ownership, std::vector<std::uint64_t> global) {
  const std::vector<std::uint64_t>& splitters = ownership.splitters();
  EXPECT_EQ(splitters.size(), static_cast<std::size_t>(rank_count() - 1));
  EXPECT_TRUE(std::is_sorted(splitters.begin(), splitters.end()));
  for (const auto& other : gather_all(splitters)) EXPECT_EQ(other, splitters);
  global = sorted_unique(global);
  for (std::uint64_t extra :
       {std::uint64_t(0), std::uint64_t(1), std::uint64_t(1) << 40, ~std::uint64_t(0)})
    global.push_back(extra);
  global = sorted_unique(global);
  std::vector<int> owners;
  for (std::uint64_t label : global) {
    const int owner = ownership.owner(label);
    EXPECT_GE(owner, 0);
    EXPECT_LT(owner, rank_count());
    EXPECT_EQ(owner, owner_by_scan(splitters, label)) << "label " << label;
    owners.push_back(owner);
  }
  EXPECT_TRUE(std::is_sorted(owners.begin(), owners.end()));
  for (const auto& other : gather_all(owners)) EXPECT_EQ(other, owners);
}

TEST(Ownership, DistinctRandomLabelsPerRank) {
  std::mt19937_64 rng(10 + this_rank());
  std::vector<std::uint64_t> mine;
  for (int i = 0; i < 300; ++i) mine.push_back(rng() % 100000 * rank_count() + this_rank() + 1);
  mine = sorted_unique(mine);
  check_ownership(LabelOwnership::build(kWorld, mine), concatenated(gather_all(mine)));
}

TEST(Ownership, RanksWithoutLabels) {
  // Only rank 0 and the last rank hold labels.
  std::vector<std::uint64_t> mine;
  if (this_rank() == 0 || this_rank() == rank_count() - 1)
    for (std::uint64_t l = 1; l <= 50; ++l) mine.push_back(l * 7 + this_rank());
  check_ownership(LabelOwnership::build(kWorld, mine), concatenated(gather_all(mine)));
}

TEST(Ownership, NoRankHasLabels) {
  const LabelOwnership ownership = LabelOwnership::build(kWorld, {});
  check_ownership(ownership, {});
}

TEST(Ownership, DuplicateLabelsAcrossRanks) {
  // Every rank holds the same labels, and each its own few.
  std::vector<std::uint64_t> mine = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29};
  mine.push_back(1000 + this_rank());
  mine = sorted_unique(mine);
  check_ownership(LabelOwnership::build(kWorld, mine), concatenated(gather_all(mine)));
}

TEST(Ownership, AllLabelsOnOneRank) {
  std::vector<std::uint64_t> mine;
  if (this_rank() == rank_count() - 1)
    for (std::uint64_t l = 1; l <= 1000; ++l) mine.push_back(l);
  const LabelOwnership ownership = LabelOwnership::build(kWorld, mine);
  check_ownership(ownership, concatenated(gather_all(mine)));
  // Split over every rank, not left with the rank that holds them: 250 each at 4 ranks.
  std::vector<int> owned(rank_count(), 0);
  for (std::uint64_t l = 1; l <= 1000; ++l) ++owned[owner_by_scan(ownership.splitters(), l)];
  for (int r = 0; r < rank_count(); ++r) {
    EXPECT_GE(owned[r], 750 / rank_count()) << "rank " << r;
    EXPECT_LE(owned[r], 1250 / rank_count()) << "rank " << r;
  }
}

TEST(Ownership, DistinctLabelsAreBalancedWithinAQuarter) {
  // 4000 distinct labels dealt at random over the ranks: each owns N/P ± 25%.
  std::mt19937_64 rng(77);  // the same deal on every rank
  std::uniform_int_distribution<int> deal(0, rank_count() - 1);
  std::vector<std::uint64_t> mine, global;
  for (std::uint64_t l = 1; l <= 4000; ++l) {
    const std::uint64_t label = l * 13;
    global.push_back(label);
    if (deal(rng) == this_rank()) mine.push_back(label);
  }
  const LabelOwnership ownership = LabelOwnership::build(kWorld, mine);
  check_ownership(ownership, global);
  std::vector<int> owned(rank_count(), 0);
  for (std::uint64_t label : global) ++owned[owner_by_scan(ownership.splitters(), label)];
  const int share = 4000 / rank_count();
  for (int r = 0; r < rank_count(); ++r) {
    EXPECT_GE(owned[r], share * 3 / 4) << "rank " << r;
    EXPECT_LE(owned[r], share * 5 / 4) << "rank " << r;
  }
}

// ---------------------------------------------------------------------------------------------
// route_and_merge

GreySums random_sums(std::mt19937_64& rng) {
  GreySums s;
  s.count = 1 + static_cast<std::int64_t>(rng() % 20);
  s.sum_int = rng() % 100000;
  s.sum_sq_int = rng() % 10000000;
  return s;
}

std::vector<LayerRecord> random_layers(std::mt19937_64& rng, int count) {
  const std::vector<std::uint64_t> pool = label_pool();
  std::vector<LayerRecord> out;
  for (int i = 0; i < count; ++i)
    out.push_back(
        {pool[rng() % pool.size()], static_cast<std::int64_t>(rng() % 4), random_sums(rng)});
  return out;
}

// The global merge by brute force: every rank's records, summed per (label, layer) field by
// field, in key order.
std::vector<LayerRecord> brute_force_layers(const std::vector<LayerRecord>& all) {
  std::map<std::pair<std::uint64_t, std::int64_t>, LayerRecord> merged;
  for (const LayerRecord& r : all) {
    auto [at, inserted] = merged.try_emplace({r.label, r.layer}, LayerRecord{r.label, r.layer, {}});
    GreySums& s = at->second.grey;
    s.count += r.grey.count;
    s.sum_int += r.grey.sum_int;
    s.sum_sq_int += r.grey.sum_sq_int;
    s.sum_float += r.grey.sum_float;
    s.sum_sq_float += r.grey.sum_sq_float;
  }
  std::vector<LayerRecord> out;
  for (const auto& [key, r] : merged) out.push_back(r);
  return out;
}

template <class Record, class LabelOf>
std::vector<Record> owned_by(const std::vector<Record>& records, const LabelOwnership& ownership,
                             int rank, LabelOf label_of) {
  std::vector<Record> out;
  for (const Record& r : records)
    if (owner_by_scan(ownership.splitters(), label_of(r)) == rank) out.push_back(r);
  return out;
}

const auto kLabelOf = [](const auto& r) { return r.label; };
const auto kFirstLabel = [](const AdjacencyRecord& r) { return r.label_a; };

// Ownership from this rank's distinct record labels, as the pipeline builds it.
template <class Record, class LabelOf>
LabelOwnership ownership_of(const std::vector<Record>& records, LabelOf label_of) {
  std::vector<std::uint64_t> labels;
  for (const Record& r : records) labels.push_back(label_of(r));
  return LabelOwnership::build(kWorld, sorted_unique(labels));
}

TEST(RouteAndMerge, LayerRecordsEndOnTheirOwnerMergedAndSorted) {
  std::mt19937_64 rng(1000 + this_rank());
  const std::vector<LayerRecord> mine = random_layers(rng, 100 + 50 * this_rank());
  const LabelOwnership ownership = ownership_of(mine, kLabelOf);
  const std::vector<LayerRecord> merged =
      route_and_merge(kWorld, ownership, mine, kLabelOf, ByLabelAndLayer{});
  const std::vector<LayerRecord> global = brute_force_layers(concatenated(gather_all(mine)));
  expect_same_records(merged, owned_by(global, ownership, this_rank(), kLabelOf), "layers");
  // The ranks' pieces in rank order are the global sorted merge.
  expect_same_records(concatenated(gather_all(merged)), global, "concatenated layers");
}

TEST(RouteAndMerge, RanksWithoutRecordsAndLabelsOutsideTheSample) {
  // Only rank 0 has records, and the ownership comes from other labels (the last rank's):
  // records still travel to the owner of their label's range.
  std::mt19937_64 rng(2000 + this_rank());
  const std::vector<LayerRecord> mine =
      this_rank() == 0 ? random_layers(rng, 200) : std::vector<LayerRecord>{};
  std::vector<std::uint64_t> sample;
  if (this_rank() == rank_count() - 1) sample = {5, 10, 20, 30, std::uint64_t(1) << 63};
  const LabelOwnership ownership = LabelOwnership::build(kWorld, sample);
  const std::vector<LayerRecord> merged =
      route_and_merge(kWorld, ownership, mine, kLabelOf, ByLabelAndLayer{});
  const std::vector<LayerRecord> global = brute_force_layers(concatenated(gather_all(mine)));
  expect_same_records(merged, owned_by(global, ownership, this_rank(), kLabelOf), "layers");
  expect_same_records(concatenated(gather_all(merged)), global, "concatenated layers");
}

TEST(RouteAndMerge, NoRecordsAnywhere) {
  const LabelOwnership ownership = LabelOwnership::build(kWorld, {});
  const std::vector<LayerRecord> merged =
      route_and_merge(kWorld, ownership, std::vector<LayerRecord>{}, kLabelOf, ByLabelAndLayer{});
  EXPECT_TRUE(merged.empty());
}

TEST(RouteAndMerge, AdjacencyPairsByFirstLabel) {
  std::mt19937_64 rng(3000 + this_rank());
  const std::vector<std::uint64_t> pool = label_pool();
  std::vector<AdjacencyRecord> mine;
  for (int i = 0; i < 150; ++i) {
    std::uint64_t a = pool[rng() % pool.size()], b = pool[rng() % pool.size()];
    if (a == b) continue;
    if (a > b) std::swap(a, b);
    mine.push_back({a, b, static_cast<std::int64_t>(1 + rng() % 9)});
  }
  const LabelOwnership ownership = ownership_of(mine, kFirstLabel);
  const std::vector<AdjacencyRecord> merged =
      route_and_merge(kWorld, ownership, mine, kFirstLabel, ByLabelPair{});
  std::map<std::pair<std::uint64_t, std::uint64_t>, std::int64_t> faces;
  for (const AdjacencyRecord& r : concatenated(gather_all(mine)))
    faces[{r.label_a, r.label_b}] += r.shared_faces;
  std::vector<AdjacencyRecord> global;
  for (const auto& [pair, shared] : faces) global.push_back({pair.first, pair.second, shared});
  expect_same_records(merged, owned_by(global, ownership, this_rank(), kFirstLabel), "pairs");
  expect_same_records(concatenated(gather_all(merged)), global, "concatenated pairs");
}

TEST(RouteAndMerge, ParticleRecordsMergeBoxesAndGreyRange) {
  std::mt19937_64 rng(4000 + this_rank());
  const std::vector<std::uint64_t> pool = label_pool();
  std::vector<ParticleRecord> mine;
  for (int i = 0; i < 120; ++i) {
    ParticleRecord p;
    p.label = pool[rng() % pool.size()];
    p.grey = random_sums(rng);
    for (int a = 0; a < 3; ++a) {
      p.index_sum[a] = static_cast<std::int64_t>(rng() % 5000);
      p.bbox_lo[a] = static_cast<std::int64_t>(rng() % 100);
      p.bbox_hi[a] = p.bbox_lo[a] + 1 + static_cast<std::int64_t>(rng() % 50);
    }
    p.grey_min = static_cast<double>(rng() % 1000);
    p.grey_max = p.grey_min + static_cast<double>(rng() % 1000);
    mine.push_back(p);
  }
  const LabelOwnership ownership = ownership_of(mine, kLabelOf);
  const std::vector<ParticleRecord> merged =
      route_and_merge(kWorld, ownership, mine, kLabelOf, ByLabel{});
  // Brute force, field by field.
  std::map<std::uint64_t, ParticleRecord> by_label;
  for (const ParticleRecord& p : concatenated(gather_all(mine))) {
    auto [at, fresh] = by_label.try_emplace(p.label, p);
    if (fresh) continue;
    ParticleRecord& q = at->second;
    q.grey.count += p.grey.count;
    q.grey.sum_int += p.grey.sum_int;
    q.grey.sum_sq_int += p.grey.sum_sq_int;
    for (int a = 0; a < 3; ++a) {
      q.index_sum[a] += p.index_sum[a];
      q.bbox_lo[a] = std::min(q.bbox_lo[a], p.bbox_lo[a]);
      q.bbox_hi[a] = std::max(q.bbox_hi[a], p.bbox_hi[a]);
    }
    q.grey_min = std::min(q.grey_min, p.grey_min);
    q.grey_max = std::max(q.grey_max, p.grey_max);
  }
  std::vector<ParticleRecord> global;
  for (const auto& [label, p] : by_label) global.push_back(p);
  expect_same_records(merged, owned_by(global, ownership, this_rank(), kLabelOf), "particles");
  expect_same_records(concatenated(gather_all(merged)), global, "concatenated particles");
}

// A record whose merge is not commutative: `trail` records the order records were merged in.
struct Trail {
  std::uint64_t label = 0;
  std::uint64_t trail = 0;
  void merge(const Trail& other) { trail = trail * 1000003u + other.trail; }
};

TEST(RouteAndMerge, EqualKeysMergeInRankThenInputOrder) {
  std::mt19937_64 rng(5000 + this_rank());
  std::vector<Trail> mine;
  for (std::uint64_t i = 0; i < 60; ++i)
    mine.push_back({1 + rng() % 12, (std::uint64_t(this_rank()) << 32) + i + 1});
  const LabelOwnership ownership = ownership_of(mine, kLabelOf);
  const std::vector<Trail> merged = route_and_merge(kWorld, ownership, mine, kLabelOf, ByLabel{});
  // Fold every rank's records in (rank, position) order with the same formula.
  std::map<std::uint64_t, std::uint64_t> folded;
  for (const auto& part : gather_all(mine))
    for (const Trail& t : part) {
      auto [at, fresh] = folded.try_emplace(t.label, t.trail);
      if (!fresh) at->second = at->second * 1000003u + t.trail;
    }
  std::vector<Trail> global;
  for (const auto& [label, trail] : folded) global.push_back({label, trail});
  expect_same_records(merged, owned_by(global, ownership, this_rank(), kLabelOf), "trails");
}

// ---------------------------------------------------------------------------------------------
// merge_sorted

TEST(MergeSorted, SortsAndMergesEqualKeys) {
  std::mt19937_64 rng(6000);
  const std::vector<LayerRecord> records = random_layers(rng, 300);
  const std::vector<LayerRecord> merged = merge_sorted(records, ByLabelAndLayer{});
  expect_same_records(merged, brute_force_layers(records), "merge_sorted");
}

TEST(MergeSorted, EqualKeysMergeInInputOrder) {
  const std::vector<Trail> records = {{5, 1}, {3, 2}, {5, 3}, {5, 4}, {3, 5}, {9, 6}};
  const std::vector<Trail> merged = merge_sorted(records, ByLabel{});
  const std::uint64_t k = 1000003u;
  const std::vector<Trail> expected = {{3, 2 * k + 5}, {5, (1 * k + 3) * k + 4}, {9, 6}};
  expect_same_records(merged, expected, "trails");
}

TEST(MergeSorted, EmptyAndSingle) {
  EXPECT_TRUE(merge_sorted(std::vector<AdjacencyRecord>{}, ByLabelPair{}).empty());
  const std::vector<AdjacencyRecord> one = {{4, 6, 2}};
  expect_same_records(merge_sorted(one, ByLabelPair{}), one, "single");
}

TEST(MergeSorted, PairsWithEqualFirstLabelStayApart) {
  const std::vector<AdjacencyRecord> records = {{2, 9, 1}, {2, 5, 4}, {2, 9, 10}, {1, 9, 3}};
  const std::vector<AdjacencyRecord> expected = {{1, 9, 3}, {2, 5, 4}, {2, 9, 11}};
  expect_same_records(merge_sorted(records, ByLabelPair{}), expected, "pairs");
}

// ---------------------------------------------------------------------------------------------
// fetch_from_owners

// Asks for `labels` with value_of = 1000·rank + label % 997 evaluated where it runs: each
// answer must come from the label's owner, and the owner only ever sees labels it owns.
void check_fetch(const LabelOwnership& ownership, const std::vector<std::uint64_t>& labels) {
  std::vector<std::uint64_t> seen;
  const std::vector<double> values =
      fetch_from_owners(kWorld, ownership, labels, [&](std::uint64_t label) {
        seen.push_back(label);
        return 1000.0 * this_rank() + static_cast<double>(label % 997);
      });
  EXPECT_EQ(values.size(), labels.size());
  for (std::size_t i = 0; i < std::min(values.size(), labels.size()); ++i) {
    const int owner = owner_by_scan(ownership.splitters(), labels[i]);
    EXPECT_EQ(values[i], 1000.0 * owner + static_cast<double>(labels[i] % 997))
        << "label " << labels[i] << " asked by rank " << this_rank();
  }
  for (std::uint64_t label : seen)
    EXPECT_EQ(owner_by_scan(ownership.splitters(), label), this_rank()) << "label " << label;
  // Every question was answered once: the calls over all ranks number the labels asked.
  const std::size_t asked = concatenated(gather_all(labels)).size();
  EXPECT_EQ(concatenated(gather_all(seen)).size(), asked);
}

LabelOwnership random_ownership(std::uint64_t seed) {
  std::mt19937_64 rng(seed + this_rank());
  std::vector<std::uint64_t> mine;
  for (int i = 0; i < 80; ++i) mine.push_back(1 + rng() % 5000);
  return LabelOwnership::build(kWorld, sorted_unique(mine));
}

TEST(FetchFromOwners, EveryAnswerComesFromTheOwner) {
  const LabelOwnership ownership = random_ownership(7000);
  std::mt19937_64 rng(7100 + this_rank());
  std::vector<std::uint64_t> labels;
  for (int i = 0; i < 100; ++i) labels.push_back(1 + rng() % 6000);  // any order, repeats
  check_fetch(ownership, labels);
}

TEST(FetchFromOwners, SameLabelsAskedByEveryRankAndTwice) {
  const LabelOwnership ownership = random_ownership(8000);
  std::vector<std::uint64_t> labels = {4999, 1, 2500, 1, 0, ~std::uint64_t(0), 2500, 17};
  labels.push_back(100 + this_rank());
  check_fetch(ownership, labels);
}

TEST(FetchFromOwners, SomeRanksAskNothing) {
  const LabelOwnership ownership = random_ownership(9000);
  std::vector<std::uint64_t> labels;
  if (this_rank() % 2 == 0)
    for (std::uint64_t l = 1; l <= 5000; l += 37) labels.push_back(l);
  check_fetch(ownership, labels);
}

TEST(FetchFromOwners, NoRankAsksAnything) {
  const LabelOwnership ownership = random_ownership(9500);
  check_fetch(ownership, {});
}

}  // namespace
}  // namespace grapes
