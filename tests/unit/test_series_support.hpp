#pragma once
// Hand-built step tables for the series tests: only the columns the series module reads,
// with the names and types of src/output/particle_tables.cpp.
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "grapes/series/series.hpp"

namespace grapes::series::testing {

struct P {
  std::uint64_t label;
  std::int64_t volume = 1000;
  double core_mean = 100.0;
  std::int64_t core_voxels = 100;
  std::uint8_t border = 0;
  double x = 0.0;  // centroid-2 (centroid-0 and -1 are 0)
};

inline Table particles(const std::vector<P>& ps) {
  Table t;
  auto& label = t.add<std::uint64_t>("label");
  auto& volume = t.add<std::int64_t>("volume");
  auto& c0 = t.add<double>("centroid-0");
  auto& c1 = t.add<double>("centroid-1");
  auto& c2 = t.add<double>("centroid-2");
  auto& core_mean = t.add<double>("core_mean");
  auto& core_voxels = t.add<std::int64_t>("core_voxels");
  auto& border = t.add<std::uint8_t>("touches_border");
  for (const P& p : ps) {
    label.push_back(p.label);
    volume.push_back(p.volume);
    c0.push_back(0.0);
    c1.push_back(0.0);
    c2.push_back(p.x);
    core_mean.push_back(p.core_mean);
    core_voxels.push_back(p.core_voxels);
    border.push_back(p.border);
  }
  return t;
}

struct L {
  std::uint64_t label;
  std::int64_t layer, count;
  double grey, normed = 0.0;
};

inline Table layers(const std::vector<L>& ls) {
  Table t;
  auto& label = t.add<std::uint64_t>("label");
  auto& layer = t.add<std::int64_t>("layer");
  auto& count = t.add<std::int64_t>("count");
  auto& grey = t.add<double>("graylevel");
  auto& normed = t.add<double>("graylevel_normed");
  for (const L& l : ls) {
    label.push_back(l.label);
    layer.push_back(l.layer);
    count.push_back(l.count);
    grey.push_back(l.grey);
    normed.push_back(l.normed);
  }
  return t;
}

inline Table adjacency(const std::vector<std::pair<std::uint64_t, std::uint64_t>>& pairs) {
  Table t;
  auto& a = t.add<std::uint64_t>("label_a");
  auto& b = t.add<std::uint64_t>("label_b");
  auto& faces = t.add<std::int64_t>("shared_faces");
  for (const auto& [x, y] : pairs) {
    a.push_back(x);
    b.push_back(y);
    faces.push_back(1);
  }
  return t;
}

inline StepData step(const std::string& name, const std::vector<P>& ps,
                     std::optional<double> sigma_bg = std::nullopt, const std::vector<L>& ls = {},
                     const std::vector<std::pair<std::uint64_t, std::uint64_t>>& adj = {}) {
  return StepData{name, particles(ps), layers(ls), adjacency(adj), sigma_bg};
}

// A settings object with no cleaning side effects beyond rule 1 and no_core.
inline SeriesSettings no_cleaning() {
  SeriesSettings s;
  s.small_fraction = 0;
  return s;
}

// Three steps. Labels 1, 2, 7, 8, 12, 13 are clean; the others each trip a rule:
//  9 missing in s1 (inconsistent, step 1); 10 only in the reference (inconsistent, step 1);
//  11 only in s2 (inconsistent, step 0); 3 adjacent to 9 in s2 only (next_to_inconsistent,
//  step 2); 5 adjacent to 10 in the reference and on the border in s2 (next_to_inconsistent,
//  step 0: the first rule wins); 4 on the border in s1 (border, step 1); 6 without core in s2
//  (no_core, step 2). Rule 4 then sees volumes 100..600 of 1, 2, 7, 8, 12, 13 only: quantile
//  0.25 = 225 (index 1.25), so 1 and 2 go (small, step 0). Had label 6 (volume 50) still been
//  there, the quantile would be 150 and label 2 would stay.
inline std::vector<StepData> rule_steps() {
  const std::vector<P> common = {{1, 100}, {2, 200}, {3, 1000}, {4, 1000}, {5, 1000},
                                 {6, 50},  {7, 300}, {8, 400},  {12, 500}, {13, 600}};
  std::vector<P> prist = common, s1 = common, s2 = common;
  prist.push_back({9});
  prist.push_back({10});
  s2.push_back({9});
  s2.push_back({11});
  s1[3].border = 1;       // label 4
  s2[4].border = 1;       // label 5
  s2[5].core_voxels = 0;  // label 6
  s2[5].core_mean = NAN;
  return {step("prist", prist, std::nullopt, {}, {{5, 10}, {9, 10}}),
          step("s1", s1, std::nullopt, {}, {{1, 2}}),
          step("s2", s2, std::nullopt, {}, {{3, 9}, {9, 11}})};
}

}  // namespace grapes::series::testing
