// Label -> compact index maps (label_index.hpp): label_index_from_list in dense and sparse
// mode, and build_label_index over a sub-region of small random volumes of every label type,
// against the distinct labels found by a plain loop here. Lookups run in a Kokkos kernel and
// come back through a host mirror, so the tests hold on device builds too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <vector>

#include "grapes/kernels/label_index.hpp"

namespace grapes {
namespace {

template <class Label>
struct Lookup {
  LabelIndex<Label> index;
  View1<const Label> queries;
  View1<std::int32_t> answers;
  KOKKOS_INLINE_FUNCTION void operator()(const std::int64_t i) const {
    answers(i) = index(queries(i));
  }
};

// index(label) for every label, evaluated in a kernel of the default execution space.
template <class Label>
std::vector<std::int32_t> lookup(const LabelIndex<Label>& index,
                                 const std::vector<std::uint64_t>& labels) {
  const std::size_t n = labels.size();
  View1<Label> queries("queries", n);
  auto host_queries = Kokkos::create_mirror_view(queries);
  for (std::size_t i = 0; i < n; ++i) host_queries(i) = static_cast<Label>(labels[i]);
  Kokkos::deep_copy(queries, host_queries);
  View1<std::int32_t> answers("answers", n);
  Kokkos::parallel_for(
      "test::lookup",
      Kokkos::RangePolicy<kx::ExecSpace, Kokkos::IndexType<std::int64_t>>(0, std::int64_t(n)),
      Lookup<Label>{index, queries, answers});
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), answers);
  return std::vector<std::int32_t>(host.data(), host.data() + n);
}

// Every label of `present` maps to its position, every label of `absent` to -1.
template <class Label>
void expect_lookups(const LabelIndex<Label>& index, const std::vector<std::uint64_t>& present,
                    const std::vector<std::uint64_t>& absent) {
  EXPECT_EQ(index.count, static_cast<std::int32_t>(present.size()));
  const std::vector<std::int32_t> found = lookup(index, present);
  for (std::size_t i = 0; i < present.size(); ++i)
    EXPECT_EQ(found[i], static_cast<std::int32_t>(i)) << "label " << present[i];
  const std::vector<std::int32_t> missing = lookup(index, absent);
  for (std::size_t i = 0; i < absent.size(); ++i)
    EXPECT_EQ(missing[i], -1) << "label " << absent[i];
}

constexpr std::uint64_t kTop64 = std::numeric_limits<std::uint64_t>::max();

// ---------------------------------------------------------------------------------------------
// label_index_from_list

template <class Label>
class LabelIndexFromList : public ::testing::Test {};
using LabelTypes = ::testing::Types<std::uint8_t, std::uint16_t, std::uint32_t, std::uint64_t>;
TYPED_TEST_SUITE(LabelIndexFromList, LabelTypes);

TYPED_TEST(LabelIndexFromList, OneToNIsDense) {
  std::vector<std::uint64_t> labels;
  for (std::uint64_t l = 1; l <= 50; ++l) labels.push_back(l);
  const auto index = label_index_from_list<TypeParam>(labels);
  EXPECT_TRUE(index.use_dense);
  expect_lookups(index, labels, {0, 51, 52, 200, 255});
}

TYPED_TEST(LabelIndexFromList, GapsBelowAndAboveTheRange) {
  const std::uint64_t top = std::numeric_limits<TypeParam>::max();
  const std::vector<std::uint64_t> labels = {top - 200, top - 197, top - 190, top - 3};
  const auto index = label_index_from_list<TypeParam>(labels);
  expect_lookups(index, labels,
                 {0, 1, top - 201, top - 199, top - 198, top - 191, top - 100, top - 2, top});
}

TYPED_TEST(LabelIndexFromList, EmptyListFindsNothing) {
  const auto index = label_index_from_list<TypeParam>({});
  EXPECT_EQ(index.count, 0);
  expect_lookups(index, {}, {0, 1, 2, 100, std::numeric_limits<TypeParam>::max()});
}

TYPED_TEST(LabelIndexFromList, SingleLabelAtTheTopOfTheType) {
  const std::uint64_t top = std::numeric_limits<TypeParam>::max();
  const auto index = label_index_from_list<TypeParam>({top});
  expect_lookups(index, {top}, {0, 1, top - 1});
}

TEST(LabelIndexFromList, HugeGapsAreSparse) {
  const std::vector<std::uint64_t> labels = {1, std::uint64_t(1) << 40, std::uint64_t(1) << 63};
  const auto index = label_index_from_list<std::uint64_t>(labels);
  EXPECT_FALSE(index.use_dense);
  expect_lookups(index, labels,
                 {0, 2, (std::uint64_t(1) << 40) - 1, (std::uint64_t(1) << 40) + 1,
                  (std::uint64_t(1) << 63) - 1, (std::uint64_t(1) << 63) + 1, kTop64});
}

TEST(LabelIndexFromList, SparseUint32) {
  const std::vector<std::uint64_t> labels = {5, 6, std::uint64_t(1) << 30, 4000000000u};
  const auto index = label_index_from_list<std::uint32_t>(labels);
  EXPECT_FALSE(index.use_dense);
  expect_lookups(index, labels, {0, 4, 7, (std::uint64_t(1) << 30) + 1, 3999999999u, 0xffffffffu});
}

TEST(LabelIndexFromList, ManyRandomSparseLabels) {
  std::mt19937_64 rng(17);
  std::set<std::uint64_t> chosen;
  while (chosen.size() < 1000) chosen.insert(rng() | 1);  // odd: every even label is absent
  const std::vector<std::uint64_t> labels(chosen.begin(), chosen.end());
  const auto index = label_index_from_list<std::uint64_t>(labels);
  EXPECT_FALSE(index.use_dense);
  std::vector<std::uint64_t> absent = {0, 2, kTop64 - 1, labels.front() - 1, labels.back() + 1};
  for (std::uint64_t l : labels) absent.push_back(l + 1);
  expect_lookups(index, labels, absent);
}

TEST(LabelIndexFromList, EitherSideOfTheDenseLimitLooksUpTheSame) {
  // Ranges of 2^20 and 2^20 + 1 labels with 3 labels: whichever mode each picks, the same map.
  for (std::uint64_t last : {std::uint64_t(1) << 20, (std::uint64_t(1) << 20) + 1}) {
    const std::vector<std::uint64_t> labels = {1, 777, last};
    expect_lookups(label_index_from_list<std::uint32_t>(labels), labels,
                   {0, 2, 776, 778, last - 1, last + 1, 0xffffffffu});
  }
}

// ---------------------------------------------------------------------------------------------
// build_label_index over a region of a view

// A view of `extents` with labels drawn in x runs: inside `region` from `inside` (or 0 with
// probability 0.3), elsewhere from `outside`.
template <class Label>
View3<Label> random_labels(std::mt19937_64& rng, const Index3& extents, const Box& region,
                           const std::vector<std::uint64_t>& inside,
                           const std::vector<std::uint64_t>& outside) {
  View3<Label> view = make_view3<Label>("labels", whole_box(extents));
  auto host = Kokkos::create_mirror_view(view);
  std::uniform_int_distribution<std::size_t> pick_in(0, inside.size() - 1);
  std::uniform_int_distribution<std::size_t> pick_out(0, outside.size() - 1);
  std::uniform_int_distribution<int> run(1, 4);
  std::bernoulli_distribution background(0.3);
  for (index_t z = 0; z < extents[0]; ++z)
    for (index_t y = 0; y < extents[1]; ++y) {
      std::uint64_t value = 0;
      int left = 0;
      for (index_t x = 0; x < extents[2]; ++x) {
        if (!region.contains({z, y, x})) {
          host(z, y, x) = static_cast<Label>(outside[pick_out(rng)]);
          continue;
        }
        if (left-- <= 0) {
          value = background(rng) ? 0 : inside[pick_in(rng)];
          left = run(rng) - 1;
        }
        host(z, y, x) = static_cast<Label>(value);
      }
    }
  Kokkos::deep_copy(view, host);
  return view;
}

// The distinct non-zero labels of `region`, by a plain loop over a host copy.
template <class Label>
std::vector<std::uint64_t> distinct_labels(const View3<Label>& view, const Box& region) {
  auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), view);
  std::set<std::uint64_t> found;
  for (index_t z = region.lo[0]; z < region.hi[0]; ++z)
    for (index_t y = region.lo[1]; y < region.hi[1]; ++y)
      for (index_t x = region.lo[2]; x < region.hi[2]; ++x)
        if (host(z, y, x) != 0) found.insert(host(z, y, x));
  return {found.begin(), found.end()};
}

// build_label_index over `region` lists exactly the region's labels and maps each to its
// position; the labels only outside the region and 0 map to -1.
template <class Label>
void check_region(const View3<Label>& view, const Box& region,
                  const std::vector<std::uint64_t>& outside) {
  std::vector<std::uint64_t> listed = {99, 98, 97};  // junk the call must replace
  const LabelIndex<Label> index = build_label_index<Label>(view, region, listed);
  const std::vector<std::uint64_t> expected = distinct_labels(view, region);
  EXPECT_EQ(listed, expected);
  std::vector<std::uint64_t> absent = {0};
  for (std::uint64_t l : outside)
    if (!std::binary_search(expected.begin(), expected.end(), l)) absent.push_back(l);
  expect_lookups(index, expected, absent);
}

template <class Label>
class BuildLabelIndex : public ::testing::Test {};
TYPED_TEST_SUITE(BuildLabelIndex, LabelTypes);

TYPED_TEST(BuildLabelIndex, SmallLabelsOverASubRegion) {
  std::mt19937_64 rng(100 + sizeof(TypeParam));
  std::vector<std::uint64_t> inside, outside;
  for (std::uint64_t l = 1; l <= 60; ++l) inside.push_back(l);
  for (std::uint64_t l = 200; l <= 255; ++l) outside.push_back(l);
  const Index3 extents{6, 7, 9};
  const Box region{{1, 2, 1}, {5, 6, 8}};
  for (int trial = 0; trial < 5; ++trial)
    check_region(random_labels<TypeParam>(rng, extents, region, inside, outside), region, outside);
}

TYPED_TEST(BuildLabelIndex, LabelsNearTheTopOfTheType) {
  std::mt19937_64 rng(200 + sizeof(TypeParam));
  const std::uint64_t top = std::numeric_limits<TypeParam>::max();
  std::vector<std::uint64_t> inside, outside;
  for (std::uint64_t i = 0; i <= 30; ++i) inside.push_back(top - 30 + i);  // up to top
  for (std::uint64_t l = top - 100; l < top - 60; ++l) outside.push_back(l);
  const Index3 extents{5, 4, 11};
  const Box region{{0, 1, 3}, {4, 4, 11}};
  check_region(random_labels<TypeParam>(rng, extents, region, inside, outside), region, outside);
}

TYPED_TEST(BuildLabelIndex, WholeViewAsRegion) {
  std::mt19937_64 rng(300 + sizeof(TypeParam));
  std::vector<std::uint64_t> inside = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233};
  const Index3 extents{3, 5, 7};
  const Box region = whole_box(extents);
  check_region(random_labels<TypeParam>(rng, extents, region, inside, {1}), region, {4, 100, 250});
}

TYPED_TEST(BuildLabelIndex, EmptyOrBackgroundRegionListsNothing) {
  std::mt19937_64 rng(400 + sizeof(TypeParam));
  const Index3 extents{4, 4, 4};
  const View3<TypeParam> view =
      random_labels<TypeParam>(rng, extents, Box{{1, 1, 1}, {3, 3, 3}}, {0}, {7, 9});
  for (const Box& region : {Box{{1, 1, 1}, {3, 3, 3}},     // all background
                            Box{{2, 0, 0}, {2, 4, 4}},     // no voxels
                            Box{{0, 0, 0}, {4, 4, 0}}}) {  // no voxels
    std::vector<std::uint64_t> listed = {5};
    const auto index = build_label_index<TypeParam>(view, region, listed);
    EXPECT_TRUE(listed.empty());
    expect_lookups(index, {}, {0, 7, 9});
  }
}

template <class Label>
class BuildLabelIndexWide : public ::testing::Test {};
using WideLabelTypes = ::testing::Types<std::uint32_t, std::uint64_t>;
TYPED_TEST_SUITE(BuildLabelIndexWide, WideLabelTypes);

TYPED_TEST(BuildLabelIndexWide, OffsetDenseLabels) {
  // Labels 10^9 .. 10^9 + 40: a small table far from 0.
  std::mt19937_64 rng(500 + sizeof(TypeParam));
  std::vector<std::uint64_t> inside, outside;
  for (std::uint64_t l = 1000000000; l <= 1000000040; ++l) inside.push_back(l);
  outside = {1, 999999999, 1000000041, 1000000100};
  const Box region{{1, 0, 2}, {4, 5, 9}};
  check_region(random_labels<TypeParam>(rng, {5, 5, 10}, region, inside, outside), region, outside);
}

TYPED_TEST(BuildLabelIndexWide, HugeGapsAreFoundSparsely) {
  std::mt19937_64 rng(600 + sizeof(TypeParam));
  const std::uint64_t top = std::numeric_limits<TypeParam>::max();
  const std::vector<std::uint64_t> inside = {3, 4, top / 3, top / 2 + 1, top - 1, top};
  const std::vector<std::uint64_t> outside = {2, 5, top / 3 + 1, top - 2};
  const Box region{{0, 1, 1}, {3, 5, 7}};
  for (int trial = 0; trial < 3; ++trial)
    check_region(random_labels<TypeParam>(rng, {4, 6, 8}, region, inside, outside), region,
                 outside);
}

TYPED_TEST(BuildLabelIndexWide, WideSpanOfTwoLabels) {
  // Labels 1 and 3·10^6 only: a span of millions with two labels present.
  std::mt19937_64 rng(700 + sizeof(TypeParam));
  const Box region{{0, 0, 0}, {2, 3, 4}};
  check_region(random_labels<TypeParam>(rng, {2, 3, 4}, region, {1, 3000000}, {2}), region,
               {2, 2999999, 3000001});
}

}  // namespace
}  // namespace grapes
