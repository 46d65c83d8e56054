#pragma once
// Stage "tables" (docs/ARCHITECTURE.md): the derived columns of docs/OUTPUT.md, computed once
// per label on its owner rank from the merged records. Input records are this rank's label
// range, sorted; output rows keep that order, so the ranks' slices in rank order are the
// global tables sorted by label.
#include <cstdint>
#include <vector>

#include "grapes/core/records.hpp"
#include "grapes/core/types.hpp"
#include "grapes/output/column_table.hpp"
#include "grapes/output/normalise.hpp"

namespace grapes {

struct TableSettings {
  Spacing3 voxel_size{1, 1, 1};
  Index3 image_shape{0, 0, 0};
  bool float_grey = false;
  Normalise normalise = Normalise::radial_max;
  int core_exclude_layers = 5;
  bool convex_hull = false;  // analysis.convex_hull: the hull columns (records carry the hulls)
};

struct ParticleTables {
  Table particles;                          // the /particles columns of docs/OUTPUT.md
  Table layers;                             // label, layer, count, graylevel, graylevel_normed, std
  Table adjacency;                          // label_a, label_b, shared_faces, contact_area
  std::vector<std::int64_t> layer_start;    // per particle row: first layer row (local numbering)
  std::int64_t flat_profile_particles = 0;  // radial_max normalisation was all zeros
  std::int64_t flat_shape_particles = 0;    // elongation or flatness undefined (NaN)
};

ParticleTables build_tables(const MergedRecords& merged, const TableSettings& settings);

// Empty tables with the columns every result file has had (format_version 1): what a reader
// requires. The shape columns and /adjacency/contact_area came later (docs/OUTPUT.md), so
// readers take them where present and older files still read.
ParticleTables required_layout();

// The /overlaps table of a step matched to a reference (docs/SERIES.md): reference_label,
// step_label, voxels.
Table overlap_table(const std::vector<OverlapRecord>& overlaps);

}  // namespace grapes
