#include "grapes/tables.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "grapes/error.hpp"

namespace grapes {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_bounds(const ParticleRecord& p, bool float_grey) {
  // uint16 grey: squares < 2^32, so the uint64 sum of squares is exact below 2^32 voxels.
  if (!float_grey && p.grey.count >= (std::int64_t(1) << 32))
    throw std::runtime_error("particle " + std::to_string(p.label) +
                             " is too large for exact 64-bit grey sums of squares");
}

}  // namespace

ParticleTables build_tables(const std::vector<ParticleRecord>& particles,
                            const std::vector<LayerRecord>& layers,
                            const std::vector<AdjacencyRecord>& adjacency,
                            const std::vector<AdjacencyRecord>& neighbour_pairs,
                            const TableSettings& settings) {
  ParticleTables out;
  const Spacing3& s = settings.voxel_size;
  const double voxel_volume = s[0] * s[1] * s[2];
  const bool planar = settings.image_shape[0] == 1;  // 2-D image: no surface area
  const bool float_grey = settings.float_grey;

  Table& t = out.particles;
  auto& label = t.add<std::uint64_t>("label");
  auto& volume = t.add<std::int64_t>("volume");
  auto& volume_physical = t.add<double>("volume_physical");
  std::vector<double>* centroid[3];
  std::vector<double>* centroid_local[3];
  std::vector<std::int64_t>* bbox[6];
  for (int a = 0; a < 3; ++a) centroid[a] = &t.add<double>("centroid-" + std::to_string(a));
  for (int a = 0; a < 3; ++a)
    centroid_local[a] = &t.add<double>("centroid_local-" + std::to_string(a));
  for (int i = 0; i < 6; ++i) bbox[i] = &t.add<std::int64_t>("bbox-" + std::to_string(i));
  auto& diameter = t.add<double>("equivalent_diameter_volume");
  auto& intensity_min = t.add<double>("intensity_min");
  auto& intensity_max = t.add<double>("intensity_max");
  auto& intensity_mean = t.add<double>("intensity_mean");
  auto& intensity_std = t.add<double>("intensity_std");
  auto& surface_area = t.add<double>("surface_area");
  auto& sphericity = t.add<double>("sphericity");
  auto& n_layers = t.add<std::int64_t>("n_layers");
  auto& core_mean = t.add<double>("core_mean");
  auto& core_voxels = t.add<std::int64_t>("core_voxels");
  auto& touches_border = t.add<std::uint8_t>("touches_border");
  auto& n_neighbours = t.add<std::int64_t>("n_neighbours");

  Table& lt = out.layers;
  auto& layer_label = lt.add<std::uint64_t>("label");
  auto& layer_index = lt.add<std::int64_t>("layer");
  auto& layer_count = lt.add<std::int64_t>("count");
  auto& graylevel = lt.add<double>("graylevel");
  auto& graylevel_normed = lt.add<double>("graylevel_normed");
  auto& layer_std = lt.add<double>("std");

  std::size_t next_layer = 0, next_pair = 0;
  for (const ParticleRecord& p : particles) {
    check_bounds(p, float_grey);
    const double n = static_cast<double>(p.grey.count);
    label.push_back(p.label);
    volume.push_back(p.grey.count);
    volume_physical.push_back(n * voxel_volume);
    bool border = false;
    for (int a = 0; a < 3; ++a) {
      const double c = static_cast<double>(p.index_sum[a]) / n;
      centroid[a]->push_back(c);
      centroid_local[a]->push_back(c - static_cast<double>(p.bbox_lo[a]));
      bbox[a]->push_back(p.bbox_lo[a]);
      bbox[a + 3]->push_back(p.bbox_hi[a]);
      // A singleton z axis of a 2-D image is not a border (SPEC §1).
      if (planar && a == 0) continue;
      border = border || p.bbox_lo[a] == 0 || p.bbox_hi[a] == settings.image_shape[a];
    }
    diameter.push_back(std::cbrt(6.0 * n / M_PI));
    intensity_min.push_back(p.grey_min);
    intensity_max.push_back(p.grey_max);
    intensity_mean.push_back(p.grey.mean(float_grey));
    if (planar) {
      surface_area.push_back(kNaN);
      sphericity.push_back(kNaN);
    } else {
      surface_area.push_back(p.surface_area);
      sphericity.push_back(p.surface_area > 0
                               ? std::cbrt(M_PI) * std::pow(6.0 * n * voxel_volume, 2.0 / 3.0) /
                                     p.surface_area
                               : kNaN);
    }
    touches_border.push_back(border ? 1 : 0);

    // Layers of this particle.
    while (next_layer < layers.size() && layers[next_layer].label < p.label) ++next_layer;
    std::vector<GreySums> by_layer;
    GreySums all_layers;  // every voxel, layer 0 included
    for (; next_layer < layers.size() && layers[next_layer].label == p.label; ++next_layer) {
      const LayerRecord& r = layers[next_layer];
      all_layers.merge(r.grey);
      if (r.layer < 1) continue;
      if (by_layer.size() < static_cast<std::size_t>(r.layer)) by_layer.resize(r.layer);
      by_layer[r.layer - 1].merge(r.grey);
    }
    // Float grey: the std from the layer sums, which are shifted by the particle's mean
    // (layers.hpp) and so do not cancel; the unshifted first-pass sums would.
    const bool shifted = float_grey && all_layers.count == p.grey.count;
    intensity_std.push_back(
        std::sqrt(shifted ? all_layers.variance(true) : p.grey.variance(float_grey)));
    const std::int64_t k_max = static_cast<std::int64_t>(by_layer.size());
    n_layers.push_back(k_max);
    GreySums core;
    for (std::int64_t k = settings.core_exclude_layers + 1; k <= k_max; ++k)
      core.merge(by_layer[k - 1]);
    // Float grey layer sums are shifted by the particle's mean (layers.hpp): add it back.
    const double shift = float_grey ? p.grey.mean(true) : 0.0;
    core_voxels.push_back(core.count);
    core_mean.push_back(core.count ? shift + core.mean(float_grey) : kNaN);

    out.layer_start.push_back(static_cast<std::int64_t>(layer_label.size()));
    std::vector<double> means(by_layer.size());
    for (std::size_t k = 0; k < by_layer.size(); ++k)
      means[k] = by_layer[k].count ? shift + by_layer[k].mean(float_grey) : 0.0;
    const double surface_mean = means.empty() ? 0.0 : means[0];
    double max_rise = 0.0;
    for (double g : means) max_rise = std::max(max_rise, g - surface_mean);
    if (settings.normalise == Normalise::radial_max && !means.empty() && max_rise == 0.0)
      ++out.flat_profile_particles;
    for (std::size_t k = 0; k < by_layer.size(); ++k) {
      layer_label.push_back(p.label);
      layer_index.push_back(static_cast<std::int64_t>(k + 1));
      layer_count.push_back(by_layer[k].count);
      graylevel.push_back(means[k]);
      double normed = 0.0;
      if (settings.normalise == Normalise::radial_max)
        normed = max_rise > 0 ? (means[k] - surface_mean) / max_rise : 0.0;
      else
        normed = surface_mean != 0 ? means[k] / surface_mean : 0.0;
      graylevel_normed.push_back(normed);
      layer_std.push_back(std::sqrt(by_layer[k].variance(float_grey)));
    }

    // Distinct face neighbours.
    while (next_pair < neighbour_pairs.size() && neighbour_pairs[next_pair].label_a < p.label)
      ++next_pair;
    std::int64_t neighbours = 0;
    for (; next_pair < neighbour_pairs.size() && neighbour_pairs[next_pair].label_a == p.label;
         ++next_pair)
      ++neighbours;
    n_neighbours.push_back(neighbours);
  }

  Table& at = out.adjacency;
  auto& label_a = at.add<std::uint64_t>("label_a");
  auto& label_b = at.add<std::uint64_t>("label_b");
  auto& shared_faces = at.add<std::int64_t>("shared_faces");
  for (const AdjacencyRecord& r : adjacency) {
    label_a.push_back(r.label_a);
    label_b.push_back(r.label_b);
    shared_faces.push_back(r.shared_faces);
  }
  return out;
}

}  // namespace grapes
