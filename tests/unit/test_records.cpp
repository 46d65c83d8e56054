// Partial records (records.hpp): GreySums::variance against exact computations written here
// (two-pass integer numerators, closed forms for two-valued sets built as counts), the float
// zero clamp, and the merges of every record type — also that every order of merging the same
// partial records gives the same bits (docs/METHOD.md, "Exact sums and identical tables").
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "grapes/core/records.hpp"

namespace grapes {
namespace {

using u128 = unsigned __int128;

// ---------------------------------------------------------------------------------------------
// Helpers

// Integer grey sums of explicit values.
GreySums int_sums(const std::vector<std::uint64_t>& values) {
  GreySums s;
  for (std::uint64_t v : values) {
    ++s.count;
    s.sum_int += v;
    s.sum_sq_int += v * v;
  }
  return s;
}

// Integer grey sums of `count` copies of each value, without materialising the voxels.
struct Bin {
  std::uint64_t value;
  std::uint64_t count;
};
GreySums int_sums_of_bins(const std::vector<Bin>& bins) {
  GreySums s;
  for (const Bin& b : bins) {
    s.count += static_cast<std::int64_t>(b.count);
    s.sum_int += b.value * b.count;
    s.sum_sq_int += b.value * b.value * b.count;
  }
  return s;
}

// Float grey sums of explicit values, summed in double in order.
GreySums float_sums(const std::vector<double>& values) {
  GreySums s;
  for (double v : values) {
    ++s.count;
    s.sum_float += v;
    s.sum_sq_float += v * v;
  }
  return s;
}

// The population variance of integer values by the two-pass formula in exact integers:
// Σ(n·x − S)² / n³ (no cancellation anywhere), as a long double.
long double exact_variance(const std::vector<std::uint64_t>& values) {
  const u128 n = values.size();
  u128 sum = 0;
  for (std::uint64_t v : values) sum += v;
  u128 numerator = 0;
  for (std::uint64_t v : values) {
    const u128 nx = n * v;
    const u128 deviation = nx > sum ? nx - sum : sum - nx;
    numerator += deviation * deviation;
  }
  return static_cast<long double>(numerator) / static_cast<long double>(n * n * n);
}

// The population variance of doubles by the two-pass formula in long double.
long double two_pass_variance(const std::vector<double>& values) {
  long double mean = 0;
  for (double v : values) mean += v;
  mean /= values.size();
  long double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return squares / values.size();
}

// |actual − expected| within `ulps` units in the last place of the double nearest expected.
void expect_within_ulps(double actual, long double expected, int ulps) {
  const double nearest = static_cast<double>(expected);
  const double ulp = std::nextafter(nearest, std::numeric_limits<double>::infinity()) - nearest;
  EXPECT_LE(std::fabs(static_cast<long double>(actual) - expected), ulps * ulp)
      << "actual " << actual << " expected " << static_cast<double>(expected);
}

template <class Record>
bool same_bits(const Record& a, const Record& b) {
  return std::memcmp(&a, &b, sizeof(Record)) == 0;
}

// Merges `parts` in the order given by `order`: the first one is copied, the rest merged in.
template <class Record>
Record merge_in_order(const std::vector<Record>& parts, const std::vector<int>& order) {
  Record merged = parts[order[0]];
  for (std::size_t i = 1; i < order.size(); ++i) merged.merge(parts[order[i]]);
  return merged;
}

// Every order of merging `parts` gives the bits of the first order.
template <class Record>
void expect_order_independent(const std::vector<Record>& parts) {
  std::vector<int> order(parts.size());
  std::iota(order.begin(), order.end(), 0);
  const Record reference = merge_in_order(parts, order);
  int orders = 0;
  while (std::next_permutation(order.begin(), order.end())) {
    ++orders;
    EXPECT_TRUE(same_bits(merge_in_order(parts, order), reference)) << "order " << orders;
  }
  int expected_orders = 1;
  for (std::size_t i = 2; i <= parts.size(); ++i) expected_orders *= static_cast<int>(i);
  EXPECT_EQ(orders + 1, expected_orders);
}

// A voxel of a particle: global index and integer grey value.
struct Voxel {
  std::int64_t z, y, x;
  std::uint64_t grey;
};

// The particle record of a set of voxels, built field by field from its definition.
ParticleRecord record_of(std::uint64_t label, const std::vector<Voxel>& voxels) {
  ParticleRecord r;
  r.label = label;
  std::vector<std::uint64_t> grey;
  for (const Voxel& v : voxels) grey.push_back(v.grey);
  r.grey = int_sums(grey);
  const std::int64_t big = std::numeric_limits<std::int64_t>::max();
  for (int a = 0; a < 3; ++a) {
    r.bbox_lo[a] = big;
    r.bbox_hi[a] = -big;
  }
  r.grey_min = std::numeric_limits<double>::infinity();
  r.grey_max = -std::numeric_limits<double>::infinity();
  for (const Voxel& v : voxels) {
    const std::int64_t at[3] = {v.z, v.y, v.x};
    for (int a = 0; a < 3; ++a) {
      r.index_sum[a] += at[a];
      r.index_product_sum[a] += at[a] * at[a];
      r.bbox_lo[a] = std::min(r.bbox_lo[a], at[a]);
      r.bbox_hi[a] = std::max(r.bbox_hi[a], at[a] + 1);
    }
    r.index_product_sum[3] += at[0] * at[1];
    r.index_product_sum[4] += at[0] * at[2];
    r.index_product_sum[5] += at[1] * at[2];
    r.grey_min = std::min(r.grey_min, static_cast<double>(v.grey));
    r.grey_max = std::max(r.grey_max, static_cast<double>(v.grey));
  }
  return r;
}

std::vector<Voxel> random_voxels(std::mt19937_64& rng, int count) {
  std::uniform_int_distribution<std::int64_t> index(0, 200);
  std::uniform_int_distribution<std::uint64_t> grey(0, 65535);
  std::vector<Voxel> voxels;
  for (int i = 0; i < count; ++i) voxels.push_back({index(rng), index(rng), index(rng), grey(rng)});
  return voxels;
}

// `voxels` cut into `parts` non-empty pieces at random places.
std::vector<std::vector<Voxel>> split(std::mt19937_64& rng, const std::vector<Voxel>& voxels,
                                      int parts) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < voxels.size(); ++i) cuts.push_back(i);
  std::shuffle(cuts.begin(), cuts.end(), rng);
  cuts.resize(parts - 1);
  cuts.push_back(0);
  cuts.push_back(voxels.size());
  std::sort(cuts.begin(), cuts.end());
  std::vector<std::vector<Voxel>> out;
  for (int p = 0; p < parts; ++p)
    out.emplace_back(voxels.begin() + cuts[p], voxels.begin() + cuts[p + 1]);
  return out;
}

void expect_same_record(const ParticleRecord& actual, const ParticleRecord& expected) {
  EXPECT_EQ(actual.label, expected.label);
  EXPECT_EQ(actual.grey.count, expected.grey.count);
  EXPECT_EQ(actual.grey.sum_int, expected.grey.sum_int);
  EXPECT_EQ(actual.grey.sum_sq_int, expected.grey.sum_sq_int);
  for (int a = 0; a < 3; ++a) {
    EXPECT_EQ(actual.index_sum[a], expected.index_sum[a]) << "axis " << a;
    EXPECT_EQ(actual.bbox_lo[a], expected.bbox_lo[a]) << "axis " << a;
    EXPECT_EQ(actual.bbox_hi[a], expected.bbox_hi[a]) << "axis " << a;
  }
  for (int k = 0; k < 6; ++k)
    EXPECT_EQ(actual.index_product_sum[k], expected.index_product_sum[k]) << "product " << k;
  EXPECT_EQ(actual.grey_min, expected.grey_min);
  EXPECT_EQ(actual.grey_max, expected.grey_max);
}

// ---------------------------------------------------------------------------------------------
// GreySums::variance, integer grey

TEST(GreySumsVariance, EmptySetIsZero) {
  EXPECT_EQ(GreySums{}.variance(false), 0.0);
  EXPECT_EQ(GreySums{}.variance(true), 0.0);
  EXPECT_EQ(GreySums{}.mean(false), 0.0);
}

TEST(GreySumsVariance, IntegerHandComputedSets) {
  // {1, 2, 3, 4}: mean 2.5, deviations ±0.5, ±1.5 → (0.25+2.25)·2/4 = 1.25.
  EXPECT_EQ(int_sums({1, 2, 3, 4}).variance(false), 1.25);
  // {0, 255}: mean 127.5, variance 127.5² = 16256.25.
  EXPECT_EQ(int_sums({0, 255}).variance(false), 16256.25);
  // One value: no spread.
  EXPECT_EQ(int_sums({40000}).variance(false), 0.0);
  // {65535, 65534, 65535}: deviations 1/3, −2/3, 1/3 → (1+4+1)/27 = 2/9.
  expect_within_ulps(int_sums({65535, 65534, 65535}).variance(false), 2.0L / 9.0L, 1);
}

TEST(GreySumsVariance, IntegerEqualValuesAreExactlyZero) {
  for (std::uint64_t value : {0u, 1u, 255u, 12345u, 65535u})
    for (std::uint64_t count : {1u, 2u, 7u, 1000u})
      EXPECT_EQ(int_sums(std::vector<std::uint64_t>(count, value)).variance(false), 0.0)
          << value << " x " << count;
}

TEST(GreySumsVariance, IntegerRandomSetsMatchExactTwoPass) {
  std::mt19937_64 rng(12345);
  for (std::uint64_t top : {1u, 255u, 65535u}) {
    std::uniform_int_distribution<std::uint64_t> grey(0, top);
    std::uniform_int_distribution<int> size(1, 3000);
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<std::uint64_t> values(size(rng));
      for (auto& v : values) v = grey(rng);
      expect_within_ulps(int_sums(values).variance(false), exact_variance(values), 2);
    }
  }
}

TEST(GreySumsVariance, Uint16NearTopWithSpreadOneMatchesExactTwoPass) {
  // Values 65534/65535 only: Σx²/n and mean² agree to ~16 digits, their difference is < 1.
  std::mt19937_64 rng(7);
  std::bernoulli_distribution top(0.3);
  for (int size : {2, 10, 999, 4096}) {
    std::vector<std::uint64_t> values(size);
    for (auto& v : values) v = top(rng) ? 65535 : 65534;
    expect_within_ulps(int_sums(values).variance(false), exact_variance(values), 2);
  }
}

TEST(GreySumsVariance, MillionsOfVoxelsNearTopAreExact) {
  // 4·10⁶ voxels of 65534 and 10⁶ of 65535: p(1−p)·1² with p = 1/5, i.e. 0.16 (the exact
  // numerator 4·10¹² and n² = 2.5·10¹³ are exact doubles, so one correctly rounded division).
  const GreySums s = int_sums_of_bins({{65534, 4000000}, {65535, 1000000}});
  EXPECT_EQ(s.variance(false), 0.16);
  // The set really cancels in double: the naive one-pass formula is off by far more than 1e-9.
  const double n = static_cast<double>(s.count), mean = static_cast<double>(s.sum_int) / n;
  const double naive = static_cast<double>(s.sum_sq_int) / n - mean * mean;
  EXPECT_GT(std::fabs(naive - 0.16), 1e-9) << "naive " << naive;
}

TEST(GreySumsVariance, LargestDocumentedParticleIsExact) {
  // 2^32 − 1 voxels (the bound checked by the tables): all 65535 but one 65534. For a
  // two-valued set the variance is c_a·c_b·(a − b)² / n², here (n − 1) / n² ≈ 2.3e-10.
  const std::uint64_t n = (std::uint64_t(1) << 32) - 1;
  const GreySums s = int_sums_of_bins({{65535, n - 1}, {65534, 1}});
  ASSERT_EQ(static_cast<std::uint64_t>(s.count), n);
  const long double expected =
      static_cast<long double>(n - 1) / (static_cast<long double>(n) * static_cast<long double>(n));
  expect_within_ulps(s.variance(false), expected, 3);
  const double mean = static_cast<double>(s.sum_int) / static_cast<double>(n);
  const double naive = static_cast<double>(s.sum_sq_int) / static_cast<double>(n) - mean * mean;
  EXPECT_GT(std::fabs(naive - static_cast<double>(expected)), 0.5 * static_cast<double>(expected))
      << "naive " << naive;
}

TEST(GreySumsVariance, LargestDocumentedParticleOfEqualValuesIsZero) {
  const std::uint64_t n = (std::uint64_t(1) << 32) - 1;
  EXPECT_EQ(int_sums_of_bins({{65535, n}}).variance(false), 0.0);
}

TEST(GreySumsVariance, ManyVoxelsOfFourValuesMatchClosedForm) {
  // Bins of a uint8-like histogram with 10^9-scale counts: the exact rational
  // Σ c_i (n v_i − S)² / n³ with every term computed in 128 bits here.
  const std::vector<Bin> bins = {{3, 1234567890}, {200, 987654321}, {201, 5}, {255, 31415926}};
  u128 n = 0, sum = 0;
  for (const Bin& b : bins) {
    n += b.count;
    sum += u128(b.value) * b.count;
  }
  long double numerator = 0;  // Σ c (n v − S)², each term exact in 128 bits
  for (const Bin& b : bins) {
    const u128 nv = n * b.value;
    const u128 d = nv > sum ? nv - sum : sum - nv;
    numerator += static_cast<long double>(d * d) * b.count;
  }
  const long double nl = static_cast<long double>(n);
  expect_within_ulps(int_sums_of_bins(bins).variance(false), numerator / (nl * nl * nl), 3);
}

// ---------------------------------------------------------------------------------------------
// GreySums::variance, float grey

TEST(GreySumsVariance, FloatEqualValuesAreExactlyZero) {
  for (double value : {0.0, 0.1, 1e-3, 1234.5677490234375, 65535.5, 3.0e7, -17.25})
    for (int count : {1, 3, 10, 1000, 12345, 100000}) {
      EXPECT_EQ(float_sums(std::vector<double>(count, value)).variance(true), 0.0)
          << value << " x " << count;
    }
}

TEST(GreySumsVariance, FloatUniformLayerShiftedByParticleMeanIsExactlyZero) {
  // What the layer pass sums for a layer of equal float32 grey v in a particle of mean m
  // (layers.hpp): n copies of v − m, a full 53-bit double whose sums round at every step.
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> grey(0.0, 2000.0);
  for (int count : {100, 1000, 10000, 100000, 1000000})
    for (int trial = 0; trial < 8; ++trial) {
      const double v = static_cast<float>(grey(rng)), mean = grey(rng);
      EXPECT_EQ(float_sums(std::vector<double>(count, v - mean)).variance(true), 0.0)
          << count << " x (" << v << " - " << mean << ")";
    }
}

TEST(GreySumsVariance, FloatEqualValuesMergedFromPartsAreExactlyZero) {
  // Partial sums of a layer split over ranks, merged: still exactly zero, not rounding noise.
  GreySums merged;
  for (int count : {7, 1, 300, 42}) merged.merge(float_sums(std::vector<double>(count, 0.3)));
  EXPECT_EQ(merged.count, 350);
  EXPECT_EQ(merged.variance(true), 0.0);
}

TEST(GreySumsVariance, FloatHandComputedSet) {
  // {1.5, 2.5, 3.5, 4.5}: mean 3, deviations ±0.5, ±1.5 → 1.25 (every step exact in double).
  EXPECT_EQ(float_sums({1.5, 2.5, 3.5, 4.5}).variance(true), 1.25);
}

TEST(GreySumsVariance, FloatSmallSpreadAroundZeroIsKept) {
  // Shifted sums (layers.hpp) have mean ~0: a genuine tiny variance is not clamped away.
  expect_within_ulps(float_sums({-1e-20, 1e-20}).variance(true), 1e-40L, 2);
  expect_within_ulps(float_sums({-0.5, 0.5, -0.5, 0.5}).variance(true), 0.25L, 0);
}

TEST(GreySumsVariance, FloatSmallSpreadAwayFromZeroIsKept) {
  // 10⁵ values c ± δ with δ = 10⁻⁴·c: variance δ² = 10⁻⁸·c², far above the rounding noise.
  const double c = 1.1844482421875, delta = 1e-4 * c;
  std::vector<double> values;
  for (int i = 0; i < 50000; ++i) {
    values.push_back(c + delta);
    values.push_back(c - delta);
  }
  const long double expected = two_pass_variance(values);
  EXPECT_NEAR(float_sums(values).variance(true), static_cast<double>(expected),
              1e-3 * static_cast<double>(expected));
}

TEST(GreySumsVariance, FloatRandomCentredSetsMatchTwoPass) {
  std::mt19937_64 rng(99);
  std::normal_distribution<double> noise(0.0, 3.0);
  for (int size : {2, 17, 1000, 5000}) {
    std::vector<double> values(size);
    for (auto& v : values) v = static_cast<float>(noise(rng));
    const long double expected = two_pass_variance(values);
    EXPECT_NEAR(float_sums(values).variance(true), static_cast<double>(expected),
                1e-12 * static_cast<double>(expected));
  }
}

// ---------------------------------------------------------------------------------------------
// merge

TEST(GreySumsMerge, AddsEveryField) {
  GreySums a = int_sums({1, 2, 3});
  a.sum_float = 1.5;
  a.sum_sq_float = 2.25;
  GreySums b = int_sums({10, 20});
  b.sum_float = -0.5;
  b.sum_sq_float = 0.25;
  a.merge(b);
  EXPECT_EQ(a.count, 5);
  EXPECT_EQ(a.sum_int, 36u);
  EXPECT_EQ(a.sum_sq_int, 1u + 4 + 9 + 100 + 400);
  EXPECT_EQ(a.sum_float, 1.0);
  EXPECT_EQ(a.sum_sq_float, 2.5);
  EXPECT_EQ(a.mean(false), 36.0 / 5.0);
  EXPECT_EQ(a.mean(true), 1.0 / 5.0);
}

TEST(GreySumsMerge, MergedPartsEqualSumsOfTheUnion) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<std::uint64_t> grey(0, 65535);
  std::vector<std::uint64_t> all(500);
  for (auto& v : all) v = grey(rng);
  GreySums merged;
  for (std::size_t at = 0; at < all.size(); at += 123)
    merged.merge(int_sums({all.begin() + at, all.begin() + std::min(all.size(), at + 123)}));
  EXPECT_TRUE(same_bits(merged, int_sums(all)));
  expect_within_ulps(merged.variance(false), exact_variance(all), 2);
}

TEST(ParticleRecordMerge, TwoPartsByHand) {
  ParticleRecord a;
  a.label = 9;
  a.grey = int_sums({10, 30});
  a.index_sum[0] = 5, a.index_sum[1] = 7, a.index_sum[2] = 9;
  a.bbox_lo[0] = 2, a.bbox_lo[1] = 3, a.bbox_lo[2] = 4;
  a.bbox_hi[0] = 4, a.bbox_hi[1] = 5, a.bbox_hi[2] = 6;
  a.grey_min = 10, a.grey_max = 30;
  ParticleRecord b;
  b.label = 9;
  b.grey = int_sums({5});
  b.index_sum[0] = 6, b.index_sum[1] = 1, b.index_sum[2] = 4;
  b.bbox_lo[0] = 6, b.bbox_lo[1] = 1, b.bbox_lo[2] = 4;
  b.bbox_hi[0] = 7, b.bbox_hi[1] = 2, b.bbox_hi[2] = 5;
  b.grey_min = 5, b.grey_max = 5;
  a.merge(b);
  EXPECT_EQ(a.label, 9u);
  EXPECT_EQ(a.grey.count, 3);
  EXPECT_EQ(a.grey.sum_int, 45u);
  EXPECT_EQ(a.grey.sum_sq_int, 100u + 900 + 25);
  EXPECT_EQ(a.index_sum[0], 11);
  EXPECT_EQ(a.index_sum[1], 8);
  EXPECT_EQ(a.index_sum[2], 13);
  EXPECT_EQ(a.bbox_lo[0], 2);  // min of 2, 6
  EXPECT_EQ(a.bbox_lo[1], 1);  // min of 3, 1
  EXPECT_EQ(a.bbox_lo[2], 4);  // equal
  EXPECT_EQ(a.bbox_hi[0], 7);  // max of 4, 7
  EXPECT_EQ(a.bbox_hi[1], 5);  // max of 5, 2
  EXPECT_EQ(a.bbox_hi[2], 6);  // max of 6, 5
  EXPECT_EQ(a.grey_min, 5.0);
  EXPECT_EQ(a.grey_max, 30.0);
}

TEST(ParticleRecordMerge, MergedPartsEqualRecordOfTheUnion) {
  std::mt19937_64 rng(11);
  for (int parts : {2, 3, 4}) {
    const std::vector<Voxel> voxels = random_voxels(rng, 60);
    ParticleRecord merged;
    bool first = true;
    for (const auto& piece : split(rng, voxels, parts)) {
      if (first)
        merged = record_of(17, piece);
      else
        merged.merge(record_of(17, piece));
      first = false;
    }
    expect_same_record(merged, record_of(17, voxels));
  }
}

TEST(ParticleRecordMerge, EveryOrderGivesTheSameBits) {
  std::mt19937_64 rng(5);
  for (int parts : {3, 4}) {
    std::vector<ParticleRecord> records;
    for (const auto& piece : split(rng, random_voxels(rng, 40), parts))
      records.push_back(record_of(23, piece));
    expect_order_independent(records);
  }
}

TEST(LayerRecordMerge, AddsSumsKeepsKey) {
  LayerRecord a{4, 2, int_sums({1, 2})};
  const LayerRecord b{4, 2, int_sums({7})};
  a.merge(b);
  EXPECT_EQ(a.label, 4u);
  EXPECT_EQ(a.layer, 2);
  EXPECT_TRUE(same_bits(a.grey, int_sums({1, 2, 7})));
}

TEST(LayerRecordMerge, EveryOrderGivesTheSameBits) {
  std::vector<LayerRecord> parts;
  for (const auto& values : std::vector<std::vector<std::uint64_t>>{
           {65535, 65534}, {1, 2, 3, 4, 5}, {0}, {40000, 40001, 39999}})
    parts.push_back({8, 3, int_sums(values)});
  expect_order_independent(parts);
}

TEST(AdjacencyRecordMerge, AddsSharedFacesKeepsPair) {
  AdjacencyRecord a{3, 8, 5, {1, 2, 2}};
  a.merge({3, 8, 12, {4, 0, 8}});
  EXPECT_EQ(a.label_a, 3u);
  EXPECT_EQ(a.label_b, 8u);
  EXPECT_EQ(a.shared_faces, 17);
  EXPECT_EQ(a.axis_faces[0], 5);
  EXPECT_EQ(a.axis_faces[1], 2);
  EXPECT_EQ(a.axis_faces[2], 10);
}

TEST(AdjacencyRecordMerge, EveryOrderGivesTheSameBits) {
  expect_order_independent(std::vector<AdjacencyRecord>{{2, 9, 1}, {2, 9, 40}, {2, 9, 7}});
  expect_order_independent(
      std::vector<AdjacencyRecord>{{2, 9, 1}, {2, 9, 40}, {2, 9, 7}, {2, 9, 1000000}});
}

}  // namespace
}  // namespace grapes
