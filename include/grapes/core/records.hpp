#pragma once
// Partial records: what one rank knows about a label from the voxels it owns. Every field
// merges by an exact, order-independent operation (integer sums, min, max), so the merged
// record is bit-identical whatever the decomposition. Floating point appears only for float
// grey data (sums in double); surface areas are integer cell counts (surface.hpp) until the
// merge forms the area once, on the label's owner.
//
// Overflow bounds, checked at merge time (tables.cpp): grey sums of squares are uint64, exact
// for uint16 grey up to 2^32 voxels per particle (a 1600^3 particle); index sums are int64,
// and so are the sums of index products: n * (2^16)^2 < 2^63 up to 2^31 voxels per particle
// of an image up to 65,536 voxels per axis (docs/METHOD.md, "Shape").
#include <cstdint>
#include <vector>

namespace grapes {

// Grey statistics of a set of voxels. Integer grey goes to the *_int fields, float grey to the
// *_float fields; the other pair stays zero.
struct GreySums {
  std::int64_t count = 0;
  std::uint64_t sum_int = 0;
  std::uint64_t sum_sq_int = 0;
  double sum_float = 0.0;
  double sum_sq_float = 0.0;

  void merge(const GreySums& other) {
    count += other.count;
    sum_int += other.sum_int;
    sum_sq_int += other.sum_sq_int;
    sum_float += other.sum_float;
    sum_sq_float += other.sum_sq_float;
  }
  double sum(bool float_grey) const {
    return float_grey ? sum_float : static_cast<double>(sum_int);
  }
  double mean(bool float_grey) const { return count ? sum(float_grey) / double(count) : 0.0; }
  // Population variance (ddof = 0); integer data uses exact integer numerators.
  double variance(bool float_grey) const;
};

struct ParticleRecord {
  std::uint64_t label = 0;
  GreySums grey;                          // grey.count is the voxel count
  std::int64_t index_sum[3] = {0, 0, 0};  // sum of z, y, x indices (global)
  // Sums of index products (global indices): zz, yy, xx, zy, zx, yx (the second moments).
  std::int64_t index_product_sum[6] = {0, 0, 0, 0, 0, 0};
  std::int64_t bbox_lo[3] = {0, 0, 0};  // inclusive
  std::int64_t bbox_hi[3] = {0, 0, 0};  // exclusive
  double grey_min = 0.0;
  double grey_max = 0.0;
  double surface_area = 0.0;      // physical units; set by the merge from the merged cell counts
  std::int64_t euler_number = 0;  // 26-connected; set by the merge from the same cell counts
  // The convex hull (kernels/convex_hull.hpp), set by the first merge from the hull vertices:
  std::int64_t convex_voxels = 0;   // voxel centres inside or on it (scikit-image's area_convex)
  double feret_diameter_max = 0.0;  // the largest distance between its vertices, physical

  void merge(const ParticleRecord& other);
};

struct LayerRecord {
  std::uint64_t label = 0;
  std::int64_t layer = 0;
  GreySums grey;
  void merge(const LayerRecord& other) { grey.merge(other.grey); }
};

struct AdjacencyRecord {
  std::uint64_t label_a = 0;  // label_a < label_b
  std::uint64_t label_b = 0;
  std::int64_t shared_faces = 0;
  std::int64_t axis_faces[3] = {0, 0, 0};  // the shared faces across z, y, x (sum: shared_faces)
  void merge(const AdjacencyRecord& other) {
    shared_faces += other.shared_faces;
    for (int a = 0; a < 3; ++a) axis_faces[a] += other.axis_faces[a];
  }
};

// Voxels labelled `reference_label` in a series' reference step and `step_label` in another
// step of the same (registered) volume: the label matching of docs/SERIES.md.
struct OverlapRecord {
  std::uint64_t reference_label = 0;
  std::uint64_t step_label = 0;
  std::int64_t voxels = 0;
  void merge(const OverlapRecord& other) { voxels += other.voxels; }
};

// Surface cell classes (surface.hpp): as many as the configurations have (32: triangle shapes
// and Euler contributions; checked when the classes are built).
constexpr int kSurfaceClasses = 32;

struct SurfaceRecord {
  std::uint64_t label = 0;
  std::int64_t cells[kSurfaceClasses] = {};  // owned cells of each class that contain the label
  void merge(const SurfaceRecord& other) {
    for (int c = 0; c < kSurfaceClasses; ++c) cells[c] += other.cells[c];
  }
};

// What the kernels give for one block (block_kernels.hpp), before any merge: the lists of
// all a rank's blocks are appended and merged once (merge_records.hpp).
struct PartialRecords {
  std::vector<LayerRecord> layers;         // by (label, layer) within one block
  std::vector<SurfaceRecord> surfaces;     // by label within one block
  std::vector<AdjacencyRecord> adjacency;  // by (label_a, label_b) within one block
  std::int64_t unassigned_voxels = 0;      // particle voxels in layer 0 (no layer)
  std::int64_t inexact_voxels = 0;         // owned voxels whose distance needs more ghosts
  std::uint64_t first_inexact_label = 0;   // smallest label among those (0: none)

  // Adds another block's records (the lists stay unmerged until merge_records).
  void append(PartialRecords&& other);
};

// What the merge hands to the tables: this rank's label range, every list sorted.
struct MergedRecords {
  std::vector<ParticleRecord> particles;  // by label, surface_area filled in
  std::vector<LayerRecord> layers;        // by (label, layer); layer 0 = voxels in no layer
  // By (label_a, label_b), label_a < label_b: the pairs whose label_a this rank owns.
  std::vector<AdjacencyRecord> pairs;
  // By (label_a, label_b): for each owned label (label_a), one record per face neighbour.
  std::vector<AdjacencyRecord> neighbours;
};

}  // namespace grapes
