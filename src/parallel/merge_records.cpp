#include "grapes/parallel/merge_records.hpp"

#include <utility>

#include "grapes/kernels/surface.hpp"
#include "grapes/parallel/label_owners.hpp"

namespace grapes {

namespace {

// Each owned particle's hull from the vertices every rank found (sorted by label and point,
// so the hull does not depend on which rank sent what).
void join_convex_hulls(std::vector<ParticleRecord>& particles, const std::vector<HullPoint>& points,
                       const Spacing3& voxel_size) {
  std::vector<std::array<std::int64_t, 3>> centres;
  std::size_t next = 0;
  for (ParticleRecord& p : particles) {
    while (next < points.size() && points[next].label < p.label) ++next;
    centres.clear();
    for (; next < points.size() && points[next].label == p.label; ++next)
      centres.push_back({points[next].at[0], points[next].at[1], points[next].at[2]});
    const HullMeasures hull = hull_measures(centres, voxel_size);
    p.convex_voxels = hull.lattice_points;
    p.feret_diameter_max = hull.feret_diameter_max;
  }
}

}  // namespace

FirstPass merge_first_pass(std::vector<ParticleRecord> partials, bool convex_hull,
                           const std::vector<HullPoint>& hull_points, const Spacing3& voxel_size,
                           MPI_Comm comm) {
  FirstPass first;
  partials = merge_sorted(std::move(partials), ByLabel{});
  first.owned_labels.reserve(partials.size());
  for (const ParticleRecord& p : partials) first.owned_labels.push_back(p.label);
  first.ownership = LabelOwnership::build(comm, first.owned_labels);
  first.particles = route_and_merge(
      comm, first.ownership, partials, [](const ParticleRecord& p) { return p.label; }, ByLabel{});
  if (!convex_hull) return first;
  const std::vector<HullPoint> vertices = route_and_merge(
      comm, first.ownership, hull_points, [](const HullPoint& p) { return p.label; },
      ByLabelAndPoint{});
  // A failure on one rank (a particle past the hull's integer bound) stops every rank.
  agree_or_throw(comm, [&] { join_convex_hulls(first.particles, vertices, voxel_size); });
  return first;
}

namespace {

// Each particle's area and Euler number from its merged cell counts (every particle has
// surface cells: a missing record would be a bug upstream, so area 0 and Euler 0 show it).
void join_surface_areas(std::vector<ParticleRecord>& particles,
                        const std::vector<SurfaceRecord>& surfaces, const Spacing3& voxel_size) {
  const auto areas = class_areas(voxel_size);
  std::size_t next = 0;
  for (ParticleRecord& p : particles) {
    while (next < surfaces.size() && surfaces[next].label < p.label) ++next;
    if (next < surfaces.size() && surfaces[next].label == p.label) {
      p.surface_area = surface_area(surfaces[next], areas);
      p.euler_number = euler_number(surfaces[next]);
    }
  }
}

// Every contact once per direction: (a, b) and (b, a), keyed by the first label.
std::vector<AdjacencyRecord> both_ways(const std::vector<AdjacencyRecord>& pairs) {
  std::vector<AdjacencyRecord> out;
  out.reserve(2 * pairs.size());
  for (const AdjacencyRecord& r : pairs) {
    out.push_back(r);
    AdjacencyRecord reverse = r;
    reverse.label_a = r.label_b;
    reverse.label_b = r.label_a;
    out.push_back(reverse);
  }
  return out;
}

}  // namespace

MergedRecords merge_records(FirstPass&& first, PartialRecords&& partial, const Spacing3& voxel_size,
                            MPI_Comm comm) {
  const LabelOwnership& owners = first.ownership;
  const auto label_of = [](const auto& record) { return record.label; };
  const auto first_label = [](const AdjacencyRecord& r) { return r.label_a; };
  MergedRecords merged;
  merged.particles = std::move(first.particles);
  merged.layers = route_and_merge(comm, owners, partial.layers, label_of, ByLabelAndLayer{});
  partial.layers = {};
  const std::vector<SurfaceRecord> surfaces =
      route_and_merge(comm, owners, partial.surfaces, label_of, ByLabel{});
  join_surface_areas(merged.particles, surfaces, voxel_size);
  merged.pairs = route_and_merge(comm, owners, partial.adjacency, first_label, ByLabelPair{});
  merged.neighbours =
      route_and_merge(comm, owners, both_ways(partial.adjacency), first_label, ByLabelPair{});
  return merged;
}

std::vector<OverlapRecord> merge_overlaps(std::vector<OverlapRecord> partial, MPI_Comm comm) {
  const auto by_pair = [](const OverlapRecord& p, const OverlapRecord& q) {
    return p.reference_label != q.reference_label ? p.reference_label < q.reference_label
                                                  : p.step_label < q.step_label;
  };
  partial = merge_sorted(std::move(partial), by_pair);
  std::vector<std::uint64_t> labels;
  for (const OverlapRecord& r : partial)
    if (labels.empty() || labels.back() != r.reference_label) labels.push_back(r.reference_label);
  const LabelOwnership owners = LabelOwnership::build(comm, labels);
  return route_and_merge(
      comm, owners, partial, [](const OverlapRecord& r) { return r.reference_label; }, by_pair);
}

}  // namespace grapes
