#include "grapes/series/radial.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "grapes/core/error.hpp"
#include "grapes/series/detail.hpp"
#include "grapes/series/stats.hpp"

namespace grapes::series {

namespace {

struct LayerValue {
  std::int64_t count = 0;
  double graylevel = 0.0;
};
// label -> its layers, index k-1 (absent layers stay count 0).
using Profiles = std::unordered_map<std::uint64_t, std::vector<LayerValue>>;

Profiles profiles_of(const StepData& step, const std::unordered_set<std::uint64_t>& wanted) {
  const std::string where = detail::step_where(step.name, "layers");
  const auto& label = detail::column<std::uint64_t>(step.layers, where, "label");
  const auto& layer = detail::column<std::int64_t>(step.layers, where, "layer");
  const auto& count = detail::column<std::int64_t>(step.layers, where, "count");
  const auto& grey = detail::column<double>(step.layers, where, "graylevel");
  Profiles profiles;
  for (std::size_t i = 0; i < label.size(); ++i) {
    if (!wanted.count(label[i])) continue;
    if (layer[i] < 1)
      throw InputError(where + ": label " + std::to_string(label[i]) + " has layer " +
                       std::to_string(layer[i]) + " (layers start at 1)");
    auto& profile = profiles[label[i]];
    const auto k = static_cast<std::size_t>(layer[i]);
    if (profile.size() < k) profile.resize(k);
    if (profile[k - 1].count != 0)
      throw InputError(where + ": label " + std::to_string(label[i]) + " lists layer " +
                       std::to_string(k) + " twice");
    profile[k - 1] = {count[i], grey[i]};
  }
  return profiles;
}

std::int64_t deepest_filled_layer(const std::vector<LayerValue>& profile) {
  for (std::size_t k = profile.size(); k > 0; --k)
    if (profile[k - 1].count > 0) return static_cast<std::int64_t>(k);
  return 0;
}

// Per depth, one value per particle.
struct DepthSamples {
  std::map<std::int64_t, std::vector<double>> layer, relative;
};

void add_particle(const std::vector<LayerValue>& ref, const std::vector<LayerValue>& now,
                  DepthSamples& samples) {
  const std::int64_t k0 = deepest_filled_layer(ref);
  double bin_sum[10] = {};
  int bin_count[10] = {};
  const std::size_t shared = std::min(ref.size(), now.size());
  for (std::size_t i = 0; i < shared; ++i) {
    if (ref[i].count <= 0 || now[i].count <= 0) continue;  // counted where both have voxels
    const double delta = now[i].graylevel - ref[i].graylevel;
    const auto k = static_cast<std::int64_t>(i + 1);
    samples.layer[k].push_back(delta);
    const std::int64_t b = relative_depth_bin(k, k0);
    bin_sum[b] += delta;
    ++bin_count[b];
  }
  // A particle counts once per relative bin: the mean of its layers there.
  for (int b = 0; b < 10; ++b)
    if (bin_count[b] > 0) samples.relative[b].push_back(bin_sum[b] / bin_count[b]);
}

struct RadialColumns {
  std::vector<std::int64_t>& step;
  std::vector<std::string>& kind;
  std::vector<std::int64_t>& depth;
  std::vector<std::int64_t>& n;
  std::vector<double>& mean;
  std::vector<double>& se;
};

void add_rows(RadialColumns& c, std::size_t step, const char* kind,
              const std::map<std::int64_t, std::vector<double>>& by_depth) {
  for (const auto& [depth, deltas] : by_depth) {
    const double n = static_cast<double>(deltas.size());
    c.step.push_back(static_cast<std::int64_t>(step));
    c.kind.push_back(kind);
    c.depth.push_back(depth);
    c.n.push_back(static_cast<std::int64_t>(deltas.size()));
    c.mean.push_back(mean(deltas));
    c.se.push_back(deltas.size() < 2 ? std::nan("") : sample_sd(deltas) / std::sqrt(n));
  }
}

}  // namespace

std::int64_t relative_depth_bin(std::int64_t k, std::int64_t k0) {
  if (k0 <= 1) return 0;
  return std::min<std::int64_t>(9, std::max<std::int64_t>(0, 10 * (k - 1) / (k0 - 1)));
}

Table radial_delta(const std::vector<StepData>& steps, const std::vector<std::uint64_t>& kept,
                   std::size_t reference) {
  const std::unordered_set<std::uint64_t> wanted(kept.begin(), kept.end());
  const Profiles ref = profiles_of(steps.at(reference), wanted);
  Table t;
  RadialColumns c{t.add<std::int64_t>("step"),  t.add<std::string>("depth_kind"),
                  t.add<std::int64_t>("depth"), t.add<std::int64_t>("n"),
                  t.add<double>("delta_mean"),  t.add<double>("delta_se")};
  const std::vector<LayerValue> none;
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const Profiles now = s == reference ? ref : profiles_of(steps[s], wanted);
    DepthSamples samples;
    for (std::uint64_t label : kept) {
      const auto r = ref.find(label), p = now.find(label);
      add_particle(r == ref.end() ? none : r->second, p == now.end() ? none : p->second, samples);
    }
    add_rows(c, s, "layer", samples.layer);
    add_rows(c, s, "relative", samples.relative);
  }
  return t;
}

}  // namespace grapes::series
