#include "grapes/series/matching.hpp"

#include <algorithm>
#include <numeric>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "grapes/core/error.hpp"
#include "grapes/series/detail.hpp"

namespace grapes::series {

namespace {

using Pair = std::pair<std::uint64_t, std::uint64_t>;  // (reference label, step label)

// The largest-overlap partner of a label; label 0 = none. Ties go to the smaller label.
struct Best {
  std::uint64_t label = 0;
  std::int64_t voxels = 0;
  void consider(std::uint64_t other, std::int64_t v) {
    if (v > voxels || (v == voxels && v > 0 && other < label)) *this = {other, v};
  }
};

std::int64_t size_of(const LabelSizes& sizes, std::uint64_t label, const char* side) {
  const auto it = sizes.find(label);
  if (it == sizes.end())
    throw InputError(std::string("label matching: overlap names ") + side + " label " +
                     std::to_string(label) + ", which has no voxel count");
  return it->second;
}

// Checked overlaps (positive ones only) keyed by pair.
std::map<Pair, std::int64_t> checked_overlaps(const std::vector<Overlap>& overlaps,
                                              const LabelSizes& reference, const LabelSizes& step) {
  std::map<Pair, std::int64_t> out;
  for (const Overlap& o : overlaps) {
    const std::string pair =
        "(" + std::to_string(o.reference_label) + ", " + std::to_string(o.step_label) + ")";
    if (o.reference_label == 0 || o.step_label == 0)
      throw InputError("label matching: overlap " + pair + " names the background label 0");
    const std::int64_t a = size_of(reference, o.reference_label, "reference");
    const std::int64_t b = size_of(step, o.step_label, "step");
    if (o.voxels < 0 || o.voxels > std::min(a, b))
      throw InputError("label matching: overlap " + pair + " of " + std::to_string(o.voxels) +
                       " voxels is impossible for labels of " + std::to_string(a) + " and " +
                       std::to_string(b) + " voxels");
    if (!out.emplace(Pair{o.reference_label, o.step_label}, o.voxels).second)
      throw InputError("label matching: overlap " + pair + " is given twice");
    if (o.voxels == 0) out.erase(Pair{o.reference_label, o.step_label});
  }
  return out;
}

struct Rows {
  std::map<Pair, std::string> status;
  std::set<std::uint64_t> reference_seen, step_seen;
  void add(Pair p, const char* s) {
    if (!status.emplace(p, s).second) return;  // an earlier status wins
    reference_seen.insert(p.first);
    step_seen.insert(p.second);
  }
};

Table matching_table(const Rows& rows, const std::map<Pair, std::int64_t>& overlap,
                     const LabelSizes& reference, const LabelSizes& step, std::int64_t step_index) {
  Table t;
  auto& step_col = t.add<std::int64_t>("step");
  auto& ref_label = t.add<std::uint64_t>("reference_label");
  auto& step_label = t.add<std::uint64_t>("step_label");
  auto& voxels = t.add<std::int64_t>("overlap");
  auto& iou = t.add<double>("iou");
  auto& status = t.add<std::string>("status");
  for (const auto& [p, s] : rows.status) {
    const auto it = overlap.find(p);
    const std::int64_t o = it == overlap.end() ? 0 : it->second;
    step_col.push_back(step_index);
    ref_label.push_back(p.first);
    step_label.push_back(p.second);
    voxels.push_back(o);
    iou.push_back(o == 0 ? 0.0
                         : intersection_over_union(o, reference.at(p.first), step.at(p.second)));
    status.push_back(s);
  }
  return t;
}

template <class T>
std::vector<T>& mutable_column(Table& table, const std::string& where, const std::string& name) {
  detail::column<T>(table, where, name);  // checks presence and type
  for (Column& c : table.columns)
    if (c.name == name) return std::get<std::vector<T>>(c.values);
  throw InputError(where + " has no column '" + name + "'");  // not reached
}

using RelabelMap = std::map<std::uint64_t, std::uint64_t>;

// Rows whose labels are all in the map, sorted by `key` (of the row index).
template <class Key>
std::vector<std::size_t> kept_rows_sorted(std::size_t rows, Key key,
                                          const std::vector<bool>& keep) {
  std::vector<std::size_t> order;
  for (std::size_t r = 0; r < rows; ++r)
    if (keep[r]) order.push_back(r);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t x, std::size_t y) { return key(x) < key(y); });
  return order;
}

void relabel_particles(Table& particles, const RelabelMap& map, const std::string& where) {
  if (particles.find("step_label"))
    throw InputError(where + " already has a step_label column: relabelled twice?");
  const std::vector<std::uint64_t> old = detail::column<std::uint64_t>(particles, where, "label");
  std::vector<bool> keep(old.size());
  for (std::size_t r = 0; r < old.size(); ++r) keep[r] = map.count(old[r]) > 0;
  const auto order = kept_rows_sorted(
      old.size(), [&](std::size_t r) { return map.at(old[r]); }, keep);
  particles = detail::take_rows(particles, order);
  auto& label = mutable_column<std::uint64_t>(particles, where, "label");
  auto& step_label = particles.add<std::uint64_t>("step_label");
  for (std::size_t i = 0; i < order.size(); ++i) {
    step_label.push_back(old[order[i]]);
    label[i] = map.at(old[order[i]]);
  }
}

void relabel_layers(Table& layers, const RelabelMap& map, const std::string& where) {
  const std::vector<std::uint64_t> old = detail::column<std::uint64_t>(layers, where, "label");
  const auto& layer = detail::column<std::int64_t>(layers, where, "layer");
  std::vector<bool> keep(old.size());
  for (std::size_t r = 0; r < old.size(); ++r) keep[r] = map.count(old[r]) > 0;
  const auto order = kept_rows_sorted(
      old.size(), [&](std::size_t r) { return std::make_pair(map.at(old[r]), layer[r]); }, keep);
  layers = detail::take_rows(layers, order);
  auto& label = mutable_column<std::uint64_t>(layers, where, "label");
  for (std::size_t i = 0; i < order.size(); ++i) label[i] = map.at(old[order[i]]);
}

void relabel_adjacency(Table& adjacency, const RelabelMap& map, const std::string& where) {
  const std::vector<std::uint64_t> a = detail::column<std::uint64_t>(adjacency, where, "label_a");
  const std::vector<std::uint64_t> b = detail::column<std::uint64_t>(adjacency, where, "label_b");
  std::vector<bool> keep(a.size());
  for (std::size_t r = 0; r < a.size(); ++r) keep[r] = map.count(a[r]) && map.count(b[r]);
  auto pair_of = [&](std::size_t r) {
    const std::uint64_t x = map.at(a[r]), y = map.at(b[r]);
    return std::make_pair(std::min(x, y), std::max(x, y));
  };
  const auto order = kept_rows_sorted(a.size(), pair_of, keep);
  adjacency = detail::take_rows(adjacency, order);
  auto& label_a = mutable_column<std::uint64_t>(adjacency, where, "label_a");
  auto& label_b = mutable_column<std::uint64_t>(adjacency, where, "label_b");
  for (std::size_t i = 0; i < order.size(); ++i)
    std::tie(label_a[i], label_b[i]) = pair_of(order[i]);
}

}  // namespace

LabelSizes label_sizes(const Table& particles, const std::string& where) {
  const auto& label = detail::column<std::uint64_t>(particles, where, "label");
  const auto& volume = detail::column<std::int64_t>(particles, where, "volume");
  LabelSizes sizes;
  for (std::size_t i = 0; i < label.size(); ++i)
    if (!sizes.emplace(label[i], volume[i]).second)
      throw InputError(where + " lists label " + std::to_string(label[i]) + " twice");
  return sizes;
}

double intersection_over_union(std::int64_t overlap, std::int64_t size_a, std::int64_t size_b) {
  return static_cast<double>(overlap) / static_cast<double>(size_a + size_b - overlap);
}

Matching match_labels(const std::vector<Overlap>& overlaps, const LabelSizes& reference,
                      const LabelSizes& step, double min_iou, std::int64_t step_index) {
  const auto overlap = checked_overlaps(overlaps, reference, step);
  std::map<std::uint64_t, Best> best_step, best_ref;  // per reference / per step label
  for (const auto& [p, v] : overlap) {
    best_step[p.first].consider(p.second, v);
    best_ref[p.second].consider(p.first, v);
  }
  Matching out;
  Rows rows;
  // Matched: mutual largest overlap with IoU >= min_iou; takes precedence over split/merged.
  for (const auto& [a, b] : best_step)
    if (best_ref[b.label].label == a &&
        intersection_over_union(b.voxels, reference.at(a), step.at(b.label)) >= min_iou) {
      rows.add({a, b.label}, "matched");
      out.step_to_reference[b.label] = a;
    }
  // Split: an unmatched reference label chosen by >= 2 step labels; merged: an unmatched step
  // label chosen by >= 2 reference labels.
  std::map<std::uint64_t, std::vector<std::uint64_t>> chosen_by_step, chosen_by_ref;
  for (const auto& [b, a] : best_ref) chosen_by_step[a.label].push_back(b);
  for (const auto& [a, b] : best_step) chosen_by_ref[b.label].push_back(a);
  for (const auto& [a, choosers] : chosen_by_step)
    if (choosers.size() >= 2 && !rows.reference_seen.count(a))
      for (std::uint64_t b : choosers) rows.add({a, b}, "split");
  for (const auto& [b, choosers] : chosen_by_ref)
    if (choosers.size() >= 2 && !out.step_to_reference.count(b))
      for (std::uint64_t a : choosers) rows.add({a, b}, "merged");
  // Everything else is unmatched, shown with its largest-overlap partner (0 when none).
  for (const auto& [a, size] : reference)
    if (!rows.reference_seen.count(a)) rows.add({a, best_step[a].label}, "unmatched");
  for (const auto& [b, size] : step)
    if (!rows.step_seen.count(b)) rows.add({best_ref[b].label, b}, "unmatched");
  out.table = matching_table(rows, overlap, reference, step, step_index);
  return out;
}

void relabel_step(StepData& step, const std::map<std::uint64_t, std::uint64_t>& step_to_reference) {
  std::set<std::uint64_t> targets;
  for (const auto& [from, to] : step_to_reference)
    if (!targets.insert(to).second)
      throw InputError("step '" + step.name +
                       "': relabel map sends two labels to reference label " + std::to_string(to));
  relabel_particles(step.particles, step_to_reference, detail::step_where(step.name, "particles"));
  relabel_layers(step.layers, step_to_reference, detail::step_where(step.name, "layers"));
  if (!step.adjacency.columns.empty())
    relabel_adjacency(step.adjacency, step_to_reference,
                      detail::step_where(step.name, "adjacency"));
}

}  // namespace grapes::series
