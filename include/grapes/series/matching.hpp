#pragma once
// Label matching between independently segmented, registered steps (docs/SERIES.md, item 12): the
// pure part, from voxel overlap counts to statuses and a relabel map. Rules in docs/SERIES.md.
#include <cstdint>
#include <map>
#include <vector>

#include "grapes/series/series.hpp"

namespace grapes::series {

// Voxels labelled `reference_label` in the reference step and `step_label` in this step.
struct Overlap {
  std::uint64_t reference_label = 0, step_label = 0;
  std::int64_t voxels = 0;
};

using LabelSizes = std::map<std::uint64_t, std::int64_t>;  // label -> voxel count

// label -> volume from a /particles table (columns label, volume); `where` names it in errors.
LabelSizes label_sizes(const Table& particles, const std::string& where);

// IoU = o / (|a| + |b| - o).
double intersection_over_union(std::int64_t overlap, std::int64_t size_a, std::int64_t size_b);

struct Matching {
  // step, reference_label, step_label, overlap, iou, status ("matched" | "split" | "merged" |
  // "unmatched"); label 0 where a label has no partner at all.
  Table table;
  std::map<std::uint64_t, std::uint64_t> step_to_reference;  // matched pairs only
};

// Every label of `reference` and of `step` appears in at least one row. Ties in "largest
// overlap" go to the smaller label. Throws InputError for an overlap naming an unknown label,
// a repeated pair, or an overlap larger than either label.
Matching match_labels(const std::vector<Overlap>& overlaps, const LabelSizes& reference,
                      const LabelSizes& step, double min_iou, std::int64_t step_index);

// Rewrites `step`'s particles, layers and adjacency to reference labels: rows of labels not
// in the map are dropped (missing in this step, so rule 1 removes them), the particles table
// gains a `step_label` column with the original label, and rows are re-sorted by the new
// labels (adjacency pairs re-ordered so label_a < label_b).
void relabel_step(StepData& step, const std::map<std::uint64_t, std::uint64_t>& step_to_reference);

}  // namespace grapes::series
