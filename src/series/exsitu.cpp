#include "grapes/series/exsitu.hpp"

#include <cmath>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "grapes/core/error.hpp"
#include "grapes/series/detail.hpp"
#include "grapes/series/stats.hpp"

namespace grapes::series {

namespace {

// One particle's profile, index k-1; NaN where the layer table has no row.
using Profile = std::vector<double>;

struct Dataset {
  std::vector<double> volume;     // particles kept by the border rule
  std::vector<Profile> profiles;  // same order
  std::vector<bool> left_out;     // same order: a flat profile left out of the means
  std::int64_t border_removed = 0;
  std::int64_t flat = 0;  // flat profiles among the kept particles
};

std::unordered_map<std::uint64_t, Profile> profiles_of(const StepData& d,
                                                       const std::string& column) {
  const std::string where = "dataset '" + d.name + "' layers";
  const auto& label = detail::column<std::uint64_t>(d.layers, where, "label");
  const auto& layer = detail::column<std::int64_t>(d.layers, where, "layer");
  const auto& value = detail::column<double>(d.layers, where, column);
  std::unordered_map<std::uint64_t, Profile> profiles;
  for (std::size_t i = 0; i < label.size(); ++i) {
    if (layer[i] < 1)
      throw InputError(where + ": label " + std::to_string(label[i]) + " has layer " +
                       std::to_string(layer[i]) + " (layers start at 1)");
    Profile& p = profiles[label[i]];
    const auto k = static_cast<std::size_t>(layer[i]);
    if (p.size() < k) p.resize(k, std::nan(""));
    p[k - 1] = value[i];
  }
  return profiles;
}

// Labels whose graylevel_normed rows are all 0: no rise above the surface layer to normalise
// by (docs/SERIES.md item 11). Labels without layer rows are not flat.
std::unordered_set<std::uint64_t> flat_labels(const StepData& d) {
  const std::string where = "dataset '" + d.name + "' layers";
  const auto& label = detail::column<std::uint64_t>(d.layers, where, "label");
  const auto& normed = detail::column<double>(d.layers, where, "graylevel_normed");
  std::unordered_map<std::uint64_t, bool> all_zero;
  for (std::size_t i = 0; i < label.size(); ++i) {
    const auto it = all_zero.emplace(label[i], true).first;
    if (normed[i] != 0.0) it->second = false;
  }
  std::unordered_set<std::uint64_t> flat;
  for (const auto& [l, zero] : all_zero)
    if (zero) flat.insert(l);
  return flat;
}

Dataset load(const StepData& d, const ExsituSettings& settings) {
  const std::string where = "dataset '" + d.name + "' particles";
  const auto& label = detail::column<std::uint64_t>(d.particles, where, "label");
  detail::label_rows(label, where);  // rejects repeated labels
  const auto& volume = detail::column<std::int64_t>(d.particles, where, "volume");
  const std::vector<std::uint8_t>* border =
      settings.clean_border ? &detail::column<std::uint8_t>(d.particles, where, "touches_border")
                            : nullptr;
  auto profiles = profiles_of(d, settings.profile);
  const std::unordered_set<std::uint64_t> flat = flat_labels(d);
  const bool exclude = settings.exclude_flat && settings.profile == "graylevel_normed";
  Dataset out;
  for (std::size_t i = 0; i < label.size(); ++i) {
    if (border && (*border)[i]) {
      ++out.border_removed;
      continue;
    }
    const bool is_flat = flat.count(label[i]) > 0;
    if (is_flat) ++out.flat;
    out.left_out.push_back(exclude && is_flat);
    out.volume.push_back(static_cast<double>(volume[i]));
    auto it = profiles.find(label[i]);
    out.profiles.push_back(it == profiles.end() ? Profile{} : std::move(it->second));
  }
  return out;
}

// Per layer k, the values of the members that have layer k (GRAPES: layer_idx < len),
// flat profiles left out when asked.
std::vector<std::vector<double>> values_by_layer(const Dataset& d,
                                                 const std::vector<std::size_t>& members) {
  std::vector<std::vector<double>> by_layer;
  for (std::size_t i : members) {
    if (d.left_out[i]) continue;
    const Profile& p = d.profiles[i];
    if (by_layer.size() < p.size()) by_layer.resize(p.size());
    for (std::size_t k = 0; k < p.size(); ++k)
      if (!std::isnan(p[k])) by_layer[k].push_back(p[k]);
  }
  return by_layer;
}

struct RadialColumns {
  std::vector<std::string>& group;
  std::vector<std::int64_t>& layer;
  std::vector<double>&mean, &std, &se;
  std::vector<std::int64_t>& n;
};

void add_group(RadialColumns& c, const std::string& group, const Dataset& d,
               const std::vector<std::size_t>& members) {
  const auto by_layer = values_by_layer(d, members);
  for (std::size_t k = 0; k < by_layer.size(); ++k) {
    const auto& v = by_layer[k];
    const double sd = population_sd(v);  // np.std: ddof = 0
    c.group.push_back(group);
    c.layer.push_back(static_cast<std::int64_t>(k + 1));
    c.mean.push_back(mean(v));
    c.std.push_back(sd);
    c.se.push_back(v.size() < 2 ? NAN : sd / std::sqrt(static_cast<double>(v.size())));
    c.n.push_back(static_cast<std::int64_t>(v.size()));
  }
}

std::vector<std::size_t> all_group(const Dataset& d, const ExsituSettings& settings) {
  const double limit =
      settings.volume_quantile ? pandas_quantile(d.volume, *settings.volume_quantile) : -INFINITY;
  std::vector<std::size_t> members;
  for (std::size_t i = 0; i < d.volume.size(); ++i)
    if (d.volume[i] > limit) members.push_back(i);
  return members;
}

// Groups "<prefix>1".."<prefix>m" of pandas.qcut(volume, q, duplicates='drop').
void add_volume_groups(RadialColumns& c, const Dataset& d, int q, const std::string& prefix) {
  const Qcut bins = qcut(d.volume, q);
  std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(bins.bins()));
  for (std::size_t i = 0; i < d.volume.size(); ++i)
    if (bins.bin[i] >= 0) members[bins.bin[i]].push_back(i);
  for (std::size_t b = 0; b < members.size(); ++b)
    if (!members[b].empty()) add_group(c, prefix + std::to_string(b + 1), d, members[b]);
}

Table radial_table(const Dataset& d, const ExsituSettings& settings) {
  Table t;
  RadialColumns c{t.add<std::string>("group"), t.add<std::int64_t>("layer"),
                  t.add<double>("mean"),       t.add<double>("std"),
                  t.add<double>("se"),         t.add<std::int64_t>("n")};
  add_group(c, "all", d, all_group(d, settings));
  add_volume_groups(c, d, 4, "volume_q");
  add_volume_groups(c, d, 10, "volume_d");
  return t;
}

struct ZColumns {
  std::vector<std::string>&dataset_a, &dataset_b;
  std::vector<std::int64_t>& layer;
  std::vector<double>&z, &df, &p_two;
};

// Per layer present in both "all" groups: Welch's t of b against a (scipy
// ttest_ind(b, a, equal_var=False); docs/SERIES.md item 11).
void add_z_rows(ZColumns& c, const std::string& a_name, const std::string& b_name,
                const std::vector<std::vector<double>>& a,
                const std::vector<std::vector<double>>& b) {
  for (std::size_t k = 0; k < std::min(a.size(), b.size()); ++k) {
    const double na = static_cast<double>(a[k].size()), nb = static_cast<double>(b[k].size());
    const double sa = sample_sd(a[k]), sb = sample_sd(b[k]);
    const double t = z_unpaired(mean(b[k]), sb, nb, mean(a[k]), sa, na);
    const double df = welch_df(sb, nb, sa, na);
    c.dataset_a.push_back(a_name);
    c.dataset_b.push_back(b_name);
    c.layer.push_back(static_cast<std::int64_t>(k + 1));
    c.z.push_back(t);
    c.df.push_back(df);
    c.p_two.push_back(p_t_two_tailed(t, df));
  }
}

std::size_t dataset_index(const std::vector<StepData>& datasets, const std::string& name) {
  for (std::size_t i = 0; i < datasets.size(); ++i)
    if (datasets[i].name == name) return i;
  throw InputError("ex-situ comparison: no dataset named '" + name + "'");
}

void validate(const std::vector<StepData>& datasets, const ExsituSettings& settings) {
  if (datasets.empty()) throw InputError("ex-situ comparison: no datasets given");
  std::set<std::string> names;
  for (const StepData& d : datasets) {
    if (d.name.empty()) throw InputError("ex-situ comparison: a dataset has an empty name");
    if (!names.insert(d.name).second)
      throw InputError("ex-situ comparison: two datasets are named '" + d.name + "'");
  }
  const auto q = settings.volume_quantile;
  if (q && !(*q >= 0 && *q < 1))
    throw InputError("ex-situ volume_quantile must be in [0, 1), got " + std::to_string(*q));
  for (const auto& [a, b] : settings.comparisons) {
    dataset_index(datasets, a);
    dataset_index(datasets, b);
  }
}

}  // namespace

ExsituResult analyse_exsitu(const std::vector<StepData>& datasets, const ExsituSettings& settings) {
  validate(datasets, settings);
  ExsituResult out;
  std::vector<std::vector<std::vector<double>>> all_by_layer;
  for (const StepData& d : datasets) {
    const Dataset data = load(d, settings);
    out.tables["radial/" + d.name] = radial_table(data, settings);
    out.border_removed.emplace_back(d.name, data.border_removed);
    out.flat_profiles.emplace_back(d.name, data.flat);
    const bool excluded = settings.exclude_flat && settings.profile == "graylevel_normed";
    out.flat_excluded.emplace_back(d.name, excluded ? data.flat : 0);
    all_by_layer.push_back(values_by_layer(data, all_group(data, settings)));
  }
  auto comparisons = settings.comparisons;
  if (comparisons.empty())
    for (std::size_t i = 1; i < datasets.size(); ++i)
      comparisons.emplace_back(datasets[0].name, datasets[i].name);
  Table z;
  ZColumns c{z.add<std::string>("dataset_a"),
             z.add<std::string>("dataset_b"),
             z.add<std::int64_t>("layer"),
             z.add<double>("z"),
             z.add<double>("df"),
             z.add<double>("p_two")};
  for (const auto& [a, b] : comparisons)
    add_z_rows(c, a, b, all_by_layer[dataset_index(datasets, a)],
               all_by_layer[dataset_index(datasets, b)]);
  out.tables["radial_z"] = std::move(z);
  return out;
}

}  // namespace grapes::series
