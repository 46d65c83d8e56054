#pragma once
// Derived columns (SPEC §2, §3), computed once per label on its owner rank from merged
// records. Input records are this rank's label range, sorted; output rows keep that order.
#include <cstdint>
#include <vector>

#include "grapes/config.hpp"
#include "grapes/records.hpp"
#include "grapes/table.hpp"

namespace grapes {

struct TableSettings {
  Spacing3 voxel_size{1, 1, 1};
  Index3 image_shape{0, 0, 0};
  bool float_grey = false;
  Normalise normalise = Normalise::radial_max;
  int core_exclude_layers = 5;
};

struct ParticleTables {
  Table particles;                          // SPEC §3 columns
  Table layers;                             // label, layer, count, graylevel, graylevel_normed, std
  Table adjacency;                          // label_a, label_b, shared_faces
  std::vector<std::int64_t> layer_start;    // per particle row: first layer row (local numbering)
  std::int64_t flat_profile_particles = 0;  // radial_max normalisation was all zeros
};

// `particles` sorted by label; `layers` sorted by (label, layer); `adjacency` sorted by
// (label_a, label_b) holding the pairs whose label_a this rank owns; `neighbour_pairs` holds,
// for each owned label, one record (label_a = owned label, label_b = partner) per partner.
ParticleTables build_tables(const std::vector<ParticleRecord>& particles,
                            const std::vector<LayerRecord>& layers,
                            const std::vector<AdjacencyRecord>& adjacency,
                            const std::vector<AdjacencyRecord>& neighbour_pairs,
                            const TableSettings& settings);

}  // namespace grapes
