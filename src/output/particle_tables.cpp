#include "grapes/output/particle_tables.hpp"

#include "grapes/output/shape_columns.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace grapes {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_bounds(const ParticleRecord& p, const TableSettings& settings) {
  // uint16 grey: squares < 2^32, so the uint64 sum of squares is exact below 2^32 voxels.
  if (!settings.float_grey && p.grey.count >= (std::int64_t(1) << 32))
    throw std::runtime_error("particle " + std::to_string(p.label) +
                             " is too large for exact 64-bit grey sums of squares");
  // The int64 sums of index products hold n * index^2 (records.hpp).
  const double extent = static_cast<double>(
      *std::max_element(settings.image_shape.begin(), settings.image_shape.end()));
  if (static_cast<double>(p.grey.count) * extent * extent >= 9.2e18)
    throw std::runtime_error("particle " + std::to_string(p.label) +
                             " is too large for exact 64-bit moment sums");
}

// The /particles columns, in file order (docs/OUTPUT.md).
struct ParticleColumns {
  std::vector<std::uint64_t>& label;
  std::vector<std::int64_t>& volume;
  std::vector<double>& volume_physical;
  std::vector<double>* centroid[3];
  std::vector<double>* centroid_local[3];
  std::vector<std::int64_t>* bbox[6];
  std::vector<double>& diameter;
  std::vector<double>& intensity_min;
  std::vector<double>& intensity_max;
  std::vector<double>& intensity_mean;
  std::vector<double>& intensity_std;
  std::vector<double>& surface_area;
  std::vector<double>& sphericity;
  std::vector<std::int64_t>& n_layers;
  std::vector<double>& core_mean;
  std::vector<std::int64_t>& core_voxels;
  std::vector<std::uint8_t>& touches_border;
  std::vector<std::int64_t>& n_neighbours;

  explicit ParticleColumns(Table& t)
      : label(t.add<std::uint64_t>("label")),
        volume(t.add<std::int64_t>("volume")),
        volume_physical(t.add<double>("volume_physical")),
        centroid{&t.add<double>("centroid-0"), &t.add<double>("centroid-1"),
                 &t.add<double>("centroid-2")},
        centroid_local{&t.add<double>("centroid_local-0"), &t.add<double>("centroid_local-1"),
                       &t.add<double>("centroid_local-2")},
        bbox{&t.add<std::int64_t>("bbox-0"), &t.add<std::int64_t>("bbox-1"),
             &t.add<std::int64_t>("bbox-2"), &t.add<std::int64_t>("bbox-3"),
             &t.add<std::int64_t>("bbox-4"), &t.add<std::int64_t>("bbox-5")},
        diameter(t.add<double>("equivalent_diameter_volume")),
        intensity_min(t.add<double>("intensity_min")),
        intensity_max(t.add<double>("intensity_max")),
        intensity_mean(t.add<double>("intensity_mean")),
        intensity_std(t.add<double>("intensity_std")),
        surface_area(t.add<double>("surface_area")),
        sphericity(t.add<double>("sphericity")),
        n_layers(t.add<std::int64_t>("n_layers")),
        core_mean(t.add<double>("core_mean")),
        core_voxels(t.add<std::int64_t>("core_voxels")),
        touches_border(t.add<std::uint8_t>("touches_border")),
        n_neighbours(t.add<std::int64_t>("n_neighbours")) {}
};

// The /layers columns.
struct LayerColumns {
  std::vector<std::uint64_t>& label;
  std::vector<std::int64_t>& layer;
  std::vector<std::int64_t>& count;
  std::vector<double>& graylevel;
  std::vector<double>& graylevel_normed;
  std::vector<double>& std;

  explicit LayerColumns(Table& t)
      : label(t.add<std::uint64_t>("label")),
        layer(t.add<std::int64_t>("layer")),
        count(t.add<std::int64_t>("count")),
        graylevel(t.add<double>("graylevel")),
        graylevel_normed(t.add<double>("graylevel_normed")),
        std(t.add<double>("std")) {}
};

// Geometry and grey columns that need only the particle record.
void add_particle_columns(const ParticleRecord& p, const TableSettings& settings,
                          ParticleColumns& c) {
  const Spacing3& s = settings.voxel_size;
  const double voxel_volume = s[0] * s[1] * s[2];
  const bool planar = settings.image_shape[0] == 1;  // 2-D image: no surface area
  const double n = static_cast<double>(p.grey.count);
  c.label.push_back(p.label);
  c.volume.push_back(p.grey.count);
  c.volume_physical.push_back(n * voxel_volume);
  bool border = false;
  for (int a = 0; a < 3; ++a) {
    const double centroid = static_cast<double>(p.index_sum[a]) / n;
    c.centroid[a]->push_back(centroid);
    c.centroid_local[a]->push_back(centroid - static_cast<double>(p.bbox_lo[a]));
    c.bbox[a]->push_back(p.bbox_lo[a]);
    c.bbox[a + 3]->push_back(p.bbox_hi[a]);
    // A singleton z axis of a 2-D image is not a border (docs/METHOD.md, "2-D images").
    if (planar && a == 0) continue;
    border = border || p.bbox_lo[a] == 0 || p.bbox_hi[a] == settings.image_shape[a];
  }
  c.diameter.push_back(std::cbrt(6.0 * n / M_PI));
  c.intensity_min.push_back(p.grey_min);
  c.intensity_max.push_back(p.grey_max);
  c.intensity_mean.push_back(p.grey.mean(settings.float_grey));
  if (planar) {
    c.surface_area.push_back(kNaN);
    c.sphericity.push_back(kNaN);
  } else {
    c.surface_area.push_back(p.surface_area);
    c.sphericity.push_back(p.surface_area > 0
                               ? std::cbrt(M_PI) * std::pow(6.0 * n * voxel_volume, 2.0 / 3.0) /
                                     p.surface_area
                               : kNaN);
  }
  c.touches_border.push_back(border ? 1 : 0);
}

// The particle's layer sums by layer (index k-1 = layer k) and over every voxel (layer 0 too).
struct ParticleLayers {
  std::vector<GreySums> by_layer;
  GreySums all;
};

ParticleLayers gather_layers(const std::vector<LayerRecord>& layers, std::size_t& next,
                             std::uint64_t label) {
  ParticleLayers out;
  while (next < layers.size() && layers[next].label < label) ++next;
  for (; next < layers.size() && layers[next].label == label; ++next) {
    const LayerRecord& r = layers[next];
    out.all.merge(r.grey);
    if (r.layer < 1) continue;
    if (out.by_layer.size() < static_cast<std::size_t>(r.layer)) out.by_layer.resize(r.layer);
    out.by_layer[r.layer - 1].merge(r.grey);
  }
  return out;
}

// Layer rows and the columns that come from them: intensity_std, n_layers, core_*.
void add_layer_rows(const ParticleRecord& p, const ParticleLayers& layers,
                    const TableSettings& settings, ParticleColumns& c, LayerColumns& l,
                    ParticleTables& out) {
  const bool float_grey = settings.float_grey;
  const std::vector<GreySums>& by_layer = layers.by_layer;
  // Float grey: the std from the layer sums, which are shifted by the particle's mean
  // (layers.hpp) and so do not cancel; the unshifted first-pass sums would.
  const bool shifted = float_grey && layers.all.count == p.grey.count;
  c.intensity_std.push_back(
      std::sqrt(shifted ? layers.all.variance(true) : p.grey.variance(float_grey)));
  const std::int64_t k_max = static_cast<std::int64_t>(by_layer.size());
  c.n_layers.push_back(k_max);
  GreySums core;
  for (std::int64_t k = settings.core_exclude_layers + 1; k <= k_max; ++k)
    core.merge(by_layer[k - 1]);
  // Float grey layer sums are shifted by the particle's mean (layers.hpp): add it back.
  const double shift = float_grey ? p.grey.mean(true) : 0.0;
  c.core_voxels.push_back(core.count);
  c.core_mean.push_back(core.count ? shift + core.mean(float_grey) : kNaN);

  out.layer_start.push_back(static_cast<std::int64_t>(l.label.size()));
  std::vector<double> means(by_layer.size());
  for (std::size_t k = 0; k < by_layer.size(); ++k)
    means[k] = by_layer[k].count ? shift + by_layer[k].mean(float_grey) : 0.0;
  const double surface_mean = means.empty() ? 0.0 : means[0];
  double max_rise = 0.0;
  for (double g : means) max_rise = std::max(max_rise, g - surface_mean);
  const bool radial_max = settings.normalise == Normalise::radial_max;
  if (radial_max && !means.empty() && max_rise == 0.0) ++out.flat_profile_particles;
  for (std::size_t k = 0; k < by_layer.size(); ++k) {
    l.label.push_back(p.label);
    l.layer.push_back(static_cast<std::int64_t>(k + 1));
    l.count.push_back(by_layer[k].count);
    l.graylevel.push_back(means[k]);
    double normed = 0.0;
    if (radial_max)
      normed = max_rise > 0 ? (means[k] - surface_mean) / max_rise : 0.0;
    else
      normed = surface_mean != 0 ? means[k] / surface_mean : 0.0;
    l.graylevel_normed.push_back(normed);
    l.std.push_back(std::sqrt(by_layer[k].variance(float_grey)));
  }
}

// Distinct face neighbours of `label` in the both-ways list.
std::int64_t count_neighbours(const std::vector<AdjacencyRecord>& neighbours, std::size_t& next,
                              std::uint64_t label) {
  while (next < neighbours.size() && neighbours[next].label_a < label) ++next;
  std::int64_t count = 0;
  for (; next < neighbours.size() && neighbours[next].label_a == label; ++next) ++count;
  return count;
}

// The /adjacency columns every result file has (contact_area follows: add_adjacency).
struct AdjacencyColumns {
  std::vector<std::uint64_t>& label_a;
  std::vector<std::uint64_t>& label_b;
  std::vector<std::int64_t>& shared_faces;

  explicit AdjacencyColumns(Table& t)
      : label_a(t.add<std::uint64_t>("label_a")),
        label_b(t.add<std::uint64_t>("label_b")),
        shared_faces(t.add<std::int64_t>("shared_faces")) {}
};

void add_adjacency(const std::vector<AdjacencyRecord>& pairs, const Spacing3& voxel_size,
                   Table& table) {
  AdjacencyColumns columns(table);
  auto& contact_area = table.add<double>("contact_area");
  // A face across axis a spans the other two spacings (docs/OUTPUT.md, /adjacency).
  const Spacing3& s = voxel_size;
  const double face_area[3] = {s[1] * s[2], s[0] * s[2], s[0] * s[1]};
  for (const AdjacencyRecord& r : pairs) {
    columns.label_a.push_back(r.label_a);
    columns.label_b.push_back(r.label_b);
    columns.shared_faces.push_back(r.shared_faces);
    contact_area.push_back(r.axis_faces[0] * face_area[0] + r.axis_faces[1] * face_area[1] +
                           r.axis_faces[2] * face_area[2]);
  }
}

}  // namespace

Table overlap_table(const std::vector<OverlapRecord>& overlaps) {
  Table table;
  auto& reference = table.add<std::uint64_t>("reference_label");
  auto& step = table.add<std::uint64_t>("step_label");
  auto& voxels = table.add<std::int64_t>("voxels");
  for (const OverlapRecord& r : overlaps) {
    reference.push_back(r.reference_label);
    step.push_back(r.step_label);
    voxels.push_back(r.voxels);
  }
  return table;
}

ParticleTables required_layout() {
  ParticleTables layout;
  ParticleColumns particles(layout.particles);
  LayerColumns layers(layout.layers);
  AdjacencyColumns adjacency(layout.adjacency);
  return layout;
}

ParticleTables build_tables(const MergedRecords& merged, const TableSettings& settings) {
  ParticleTables out;
  ParticleColumns columns(out.particles);
  ShapeColumns shape_columns(out.particles, settings.convex_hull);
  LayerColumns layer_columns(out.layers);
  std::size_t next_layer = 0, next_neighbour = 0;
  for (const ParticleRecord& p : merged.particles) {
    check_bounds(p, settings);
    add_particle_columns(p, settings, columns);
    add_layer_rows(p, gather_layers(merged.layers, next_layer, p.label), settings, columns,
                   layer_columns, out);
    columns.n_neighbours.push_back(count_neighbours(merged.neighbours, next_neighbour, p.label));
    if (!shape_columns.add(p, settings.voxel_size)) ++out.flat_shape_particles;
  }
  add_adjacency(merged.pairs, settings.voxel_size, out.adjacency);
  return out;
}

}  // namespace grapes
