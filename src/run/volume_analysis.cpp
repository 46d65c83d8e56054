// The stages of docs/ARCHITECTURE.md for one volume (a run, or one step of a series):
//   read -> first pass -> ghosts -> block kernels -> merge -> tables -> write,
// the rank's box as one block, or as slabs when decomposition.memory_per_rank asks for them
// ("Slabs" in docs/ARCHITECTURE.md): then each slab is read with its margin from the source,
// into buffers allocated once, and the partial records of all slabs merge once.
#include <algorithm>
#include <optional>
#include <type_traits>

#include "grapes/core/error.hpp"
#include "grapes/io/label_check.hpp"
#include "grapes/kernels/convex_hull.hpp"
#include "grapes/kernels/first_pass.hpp"
#include "grapes/kernels/noise.hpp"
#include "grapes/parallel/ghost_width.hpp"
#include "grapes/parallel/halo_exchange.hpp"
#include "grapes/parallel/label_owners.hpp"
#include "grapes/parallel/memory.hpp"
#include "grapes/parallel/merge_records.hpp"
#include "grapes/parallel/slabs.hpp"
#include "grapes/run/block_kernels.hpp"
#include "grapes/run/phase_clock.hpp"
#include "grapes/run/pipeline.hpp"
#include "grapes/run/progress.hpp"

namespace grapes {

namespace {

// Progress: the owned voxels in slabs 0..s, and the name of slab s for --verbose.
double slab_end(const SlabPlan& slabs, const Box& owned, std::size_t s) {
  if (slabs.whole_box()) return static_cast<double>(owned.voxels());
  double voxels = 0;
  for (std::size_t i = 0; i <= s; ++i) voxels += static_cast<double>(slabs.owned[i].voxels());
  return voxels;
}

std::string part_name(std::size_t s, std::size_t count) {
  return count > 1 ? "slab " + std::to_string(s + 1) + " of " + std::to_string(count) : "box";
}

template <class T>
void read_into(VolumeSource& source, const Box& box, const View3<T>& view) {
  auto host = Kokkos::create_mirror_view(view);
  source.read_box(box, host.data());
  Kokkos::deep_copy(view, host);
}

template <class T>
View3<T> read_view(VolumeSource& source, const Box& box, const char* name) {
  View3<T> view = make_view3<T>(name, box);
  read_into(source, box, view);
  return view;
}

// The owned box of both volumes, writable (the ghosts stage grows the labels into a block).
template <class Grey, class Label>
struct OwnedVolumes {
  View3<Grey> grey;
  View3<Label> labels;
  BlockGeometry geometry;  // owned == local: no ghosts yet
  Block<Grey, Label> block() const { return {grey, labels, geometry}; }
};

// What the first pass leaves: the merged records, this rank's noise-box sums, and the owned
// volumes when the box was one slab (the second pass then grows them instead of reading).
template <class Grey, class Label>
struct FirstPassResult {
  FirstPass first;
  GreySums noise;
  std::int64_t noise_labels = 0;        // label voxels in the noise box (this rank's part)
  std::vector<OverlapRecord> overlaps;  // label matching: merged on the reference labels' owners
  std::optional<OwnedVolumes<Grey, Label>> kept;
};

template <class Grey, class Label>
VoxelBytes voxel_bytes() {
  return {sizeof(Grey), sizeof(Label)};
}

template <class ReferenceLabel, class Label>
std::vector<OverlapRecord> overlaps_as(VolumeSource& reference, const Block<std::uint8_t, Label>& b,
                                       MPI_Comm comm) {
  View3<ReferenceLabel> labels;
  agree_or_throw(comm, [&] {
    labels = read_view<ReferenceLabel>(reference, b.geometry.owned, "grapes::reference_labels");
  });
  return accumulate_overlaps<ReferenceLabel, Label>(labels, b.labels, b.geometry, 1024);
}

// The (reference label, label) voxel counts of a slab: the reference step's labels of the slab
// read (one more read of a label volume per step) and paired with this step's.
template <class Label>
std::vector<OverlapRecord> slab_overlaps(VolumeSource& reference, const View3<const Label>& labels,
                                         const BlockGeometry& geometry, MPI_Comm comm) {
  const Block<std::uint8_t, Label> block{{}, labels, geometry};
  switch (reference.dtype()) {
    case DType::u8:
    case DType::i8:
      return overlaps_as<std::uint8_t, Label>(reference, block, comm);
    case DType::u16:
    case DType::i16:
      return overlaps_as<std::uint16_t, Label>(reference, block, comm);
    case DType::u32:
    case DType::i32:
      return overlaps_as<std::uint32_t, Label>(reference, block, comm);
    case DType::u64:
    case DType::i64:
      return overlaps_as<std::uint64_t, Label>(reference, block, comm);
    default:
      throw InputError("the reference step's labels (" + reference.describe() +
                       ") must be integers for label matching");
  }
}

// Stage "read" + "particles": every slab of the owned box once, grey and labels.
template <class Grey, class Label>
FirstPassResult<Grey, Label> first_pass(const RunPlan& plan, Inputs& inputs,
                                        const VolumeOptions& options,
                                        SlabBuffers<Grey, Label>& buffers, PhaseClock& clock) {
  MPI_Comm comm = plan.comm;
  const Index3 shape = plan.grid.shape();
  const Box owned = plan.grid.owned_box(plan.rank);
  VoxelBytes bytes = voxel_bytes<Grey, Label>();
  if (options.match_reference) bytes.labels += dtype_size(options.match_reference->dtype());
  const SlabPlan slabs =
      plan_slabs(owned, {0, 0, 0}, shape, bytes, false, plan.memory_per_rank, comm);
  check_memory(slabs.largest_bytes + kFixedBytes, "reading input.grey and input.labels", comm);
  FirstPassResult<Grey, Label> result;
  std::vector<ParticleRecord> partials;
  std::vector<HullPoint> hull_points;  // each slab's hull vertices per label
  if (!slabs.whole_box()) buffers.reserve(slabs, false);
  const std::size_t count = std::max<std::size_t>(1, slabs.owned.size());
  plan.log->progress().step("first pass", 0, owned.voxels(), ProgressUnit::voxels);
  for (std::size_t s = 0; s < count; ++s) {
    const Box slab = slabs.whole_box() ? owned : slabs.owned[s];
    OwnedVolumes<Grey, Label> volumes;
    volumes.grey = slabs.whole_box() ? make_view3<Grey>("grapes::grey", owned) : buffers.grey(slab);
    volumes.labels =
        slabs.whole_box() ? make_view3<Label>("grapes::labels_owned", owned) : buffers.labels(slab);
    agree_or_throw(comm, [&] {
      read_into(*inputs.grey, slab, volumes.grey);
      read_into(*inputs.labels, slab, volumes.labels);
    });
    volumes.geometry = block_geometry(slab, slab, shape, plan.voxel_size);
    check_labels_not_negative<Label>(volumes.labels, slab, *inputs.labels, comm);
    clock.lap("read", false);
    if (options.noise_box) {
      result.noise.merge(box_grey_sums<Grey>(volumes.grey, slab, *options.noise_box));
      result.noise_labels += box_label_voxels<Label>(volumes.labels, slab, *options.noise_box);
    }
    std::vector<ParticleRecord> part = particle_partials(volumes.block());
    partials.insert(partials.end(), part.begin(), part.end());
    if (options.match_reference) {
      auto overlaps =
          slab_overlaps<Label>(*options.match_reference, volumes.labels, volumes.geometry, comm);
      result.overlaps.insert(result.overlaps.end(), overlaps.begin(), overlaps.end());
    }
    Kokkos::fence();
    clock.lap("particles", false);
    if (plan.tables.convex_hull) {
      const auto vertices = hull_vertices(hull_candidates<Label>(volumes.labels, volumes.geometry));
      hull_points.insert(hull_points.end(), vertices.begin(), vertices.end());
      clock.lap("hull", false);
    }
    plan.log->progress().step("first pass", slab_end(slabs, owned, s), owned.voxels(),
                              ProgressUnit::voxels, part_name(s, count));
    if (slabs.whole_box()) result.kept = std::move(volumes);
  }
  result.first = merge_first_pass(std::move(partials), plan.tables.convex_hull, hull_points,
                                  plan.voxel_size, comm);
  if (options.match_reference) result.overlaps = merge_overlaps(std::move(result.overlaps), comm);
  clock.lap(plan.tables.convex_hull ? "hull" : "particles", false);
  clock.print("read");
  clock.print("particles");
  if (plan.tables.convex_hull) clock.print("hull");
  return result;
}

// Stage "ghosts": the owned labels grown into the block with the margin the ghost choice asks
// for, filled from the ranks that own it (the owned copy is released on the way).
template <class Grey, class Label>
Block<Grey, Label> ghosted_block(OwnedVolumes<Grey, Label>&& owned, const HaloPlan& halo,
                                 const RunPlan& plan) {
  const Box box = owned.geometry.owned;
  Block<Grey, Label> block;
  block.grey = std::move(owned.grey);
  agree_or_throw(plan.comm, [&] {
    block.labels = ghosted_view(halo, box, std::move(owned.labels), plan.comm);
  });
  block.geometry = block_geometry(box, halo.local, plan.grid.shape(), plan.voxel_size);
  return block;
}

// The layer rule of docs/METHOD.md for this volume. Float grey: each particle's mean, fetched
// from its owner, to shift the layer sums by (so the std columns do not cancel).
template <class Grey>
LayerSettings layer_settings(const RunPlan& plan, const GhostChoice& ghost,
                             const FirstPass& first) {
  check_layer_count(ghost, plan.layer_width, plan.comm);
  LayerSettings settings;  // in EDT units
  settings.relative_layer_width = plan.layer_width / plan.edt_unit;
  // No exact distance exceeds the largest particle's bound, also with a fixed ghost.
  settings.max_distance = ghost.global_bound / plan.edt_unit;
  if (std::is_floating_point<Grey>::value)
    settings.grey_shift =
        fetch_from_owners(plan.comm, first.ownership, first.owned_labels, [&](std::uint64_t label) {
          const auto at = std::lower_bound(
              first.particles.begin(), first.particles.end(), label,
              [](const ParticleRecord& p, std::uint64_t value) { return p.label < value; });
          // Every label asked for has a record on its owner; 0 (no shift) just in case.
          return at != first.particles.end() && at->label == label ? at->grey.mean(true) : 0.0;
        });
  return settings;
}

// What the second pass needs of the first: the records, the ghost, the layer rule.
struct KernelInputs {
  const FirstPass& first;
  GhostChoice ghost;
  LayerSettings layers;
};

// Stage "ghosts" + "kernels" on the box as one block: the kept owned volumes grown by halo
// exchange (each voxel read once).
template <class Grey, class Label>
PartialRecords kernels_on_box(const RunPlan& plan, OwnedVolumes<Grey, Label>&& owned,
                              const HaloPlan& halo, const KernelInputs& in, VolumeOutput& volumes,
                              PhaseClock& clock) {
  const Box box = owned.geometry.owned;
  const Box& local = halo.local;
  const VoxelBytes bytes = voxel_bytes<Grey, Label>();
  // Peak: the owned labels and the block's labels together, then the block with distances.
  const std::uint64_t need =
      kFixedBytes + std::max(block_bytes(box, local, bytes, false) + box.voxels() * bytes.labels,
                             block_bytes(box, local, bytes, true));
  check_memory(need, "the distance transform", plan.comm);
  const Block<Grey, Label> block = ghosted_block(std::move(owned), halo, plan);
  clock.lap("ghosts");
  View3<float> dist2 = make_view3<float>("grapes::dist2", block.geometry.local);
  plan.log->progress().step("kernels", 0, box.voxels(), ProgressUnit::voxels);
  PartialRecords partial = block_kernels(block, dist2, in.layers, in.first.owned_labels, clock);
  plan.log->progress().step("kernels", box.voxels(), box.voxels(), ProgressUnit::voxels, "box");
  volumes.write<Label>(block.labels, block.geometry, dist2, in.layers, plan.edt_unit);
  return partial;
}

// The same slab by slab: each slab's labels with their margin and its grey read from the
// source into the reused buffers.
template <class Grey, class Label>
PartialRecords kernels_on_slabs(const RunPlan& plan, Inputs& inputs, const SlabPlan& slabs,
                                SlabBuffers<Grey, Label>& buffers, const KernelInputs& in,
                                VolumeOutput& volumes, PhaseClock& clock) {
  buffers.reserve(slabs, true);
  PartialRecords partial;
  const Box owned = plan.grid.owned_box(plan.rank);
  plan.log->progress().step("kernels", 0, owned.voxels(), ProgressUnit::voxels);
  for (std::size_t s = 0; s < slabs.owned.size(); ++s) {
    Block<Grey, Label> block;
    const View3<Label> labels = buffers.labels(slabs.local[s]);
    const View3<Grey> grey = buffers.grey(slabs.owned[s]);
    agree_or_throw(plan.comm, [&] {
      read_into(*inputs.labels, slabs.local[s], labels);
      read_into(*inputs.grey, slabs.owned[s], grey);
    });
    block = {grey, labels,
             block_geometry(slabs.owned[s], slabs.local[s], plan.grid.shape(), plan.voxel_size)};
    clock.lap("slab_read", false);
    const View3<float> dist2 = buffers.dist2(slabs.local[s]);
    partial.append(block_kernels(block, dist2, in.layers, in.first.owned_labels, clock, false));
    volumes.write<Label>(block.labels, block.geometry, dist2, in.layers, plan.edt_unit);
    plan.log->progress().step("kernels", slab_end(slabs, owned, s), owned.voxels(),
                              ProgressUnit::voxels, part_name(s, slabs.owned.size()));
  }
  for (const char* phase : {"slab_read", "edt", "layers", "surface", "adjacency"})
    clock.print(phase);
  return partial;
}

// Stops the run (every rank) when an owned distance needed data beyond the ghosts.
void check_exact(const PartialRecords& partial, const GhostChoice& ghost, const FirstPass& first,
                 const RunPlan& plan) {
  if (allreduce_sum(plan.comm, partial.inexact_voxels) > 0)
    throw_inexact(ghost, partial.inexact_voxels, partial.first_inexact_label, first.particles,
                  first.ownership, plan.voxel_size, plan.planar(), plan.comm);
}

// What the file records about the volume (the slowest rank's time per phase).
VolumeFacts volume_facts(const RunPlan& plan, const Inputs& inputs, const GhostChoice& ghost,
                         PhaseTimes phases) {
  VolumeFacts facts;
  facts.shape = plan.grid.shape();
  facts.ghost_width = ghost.width;
  facts.voxel_size = plan.voxel_size;
  facts.layer_width = plan.layer_width;
  facts.input_grey = inputs.grey->describe();
  facts.input_grey_dtype = dtype_name(inputs.grey->dtype());
  facts.input_labels = inputs.labels->describe();
  facts.input_labels_dtype = dtype_name(inputs.labels->dtype());
  for (auto& [phase, seconds] : phases) seconds = allreduce_max(plan.comm, seconds);
  facts.phase_seconds = std::move(phases);
  return facts;
}

// The stages of docs/ARCHITECTURE.md for one volume.
template <class Grey, class Label>
VolumeResult analyse_typed(const RunPlan& plan, Inputs& inputs, ResultFile& file,
                           const VolumeOptions& options) {
  MPI_Comm comm = plan.comm;
  PhaseTimes phases;
  PhaseClock clock(*plan.log, phases);
  agree_or_throw(comm, [&] {
    if (options.noise_box)
      check_noise_box(*options.noise_box, plan.grid.shape(), options.noise_key);
  });
  check_budget(plan.memory_per_rank, comm);
  SlabBuffers<Grey, Label> buffers;
  FirstPassResult<Grey, Label> pass = first_pass(plan, inputs, options, buffers, clock);
  VolumeResult result;
  if (options.noise_box) {
    result.sigma_bg = noise_sigma(pass.noise, std::is_floating_point<Grey>::value, comm);
    result.noise_box_label_voxels = allreduce_sum(comm, pass.noise_labels);
  }
  const GhostChoice ghost =
      choose_ghost(plan.fixed_ghost, pass.first.particles, plan.voxel_size, plan.planar(), comm);
  const Box owned = plan.grid.owned_box(plan.rank);
  check_block_growth(plan.max_block_growth, ghost, owned,
                     local_box(plan.grid, plan.rank, ghost.width), plan.rank, comm);
  const KernelInputs in{pass.first, ghost, layer_settings<Grey>(plan, ghost, pass.first)};
  const SlabPlan slabs = plan_slabs(owned, ghost.width, plan.grid.shape(),
                                    voxel_bytes<Grey, Label>(), true, plan.memory_per_rank, comm);
  std::unique_ptr<VolumeOutput> volumes;
  agree_or_throw(comm, [&] {
    volumes = std::make_unique<VolumeOutput>(file, options.group, plan.grid.shape(), plan.volumes);
  });
  PartialRecords partial;
  std::int64_t halo_bytes = 0, margin_bytes = 0;
  if (pass.kept && slabs.whole_box()) {
    const HaloPlan halo(plan.grid, plan.rank, ghost.width);
    for (const auto& transfer : halo.receives)
      halo_bytes += transfer.box.voxels() * static_cast<std::int64_t>(sizeof(Label));
    partial = kernels_on_box(plan, std::move(*pass.kept), halo, in, *volumes, clock);
  } else {
    pass.kept.reset();
    for (std::size_t s = 0; s < slabs.owned.size(); ++s)
      margin_bytes += (slabs.local[s].voxels() - slabs.owned[s].voxels()) *
                      static_cast<std::int64_t>(sizeof(Label));
    partial = kernels_on_slabs(plan, inputs, slabs, buffers, in, *volumes, clock);
  }
  check_exact(partial, ghost, pass.first, plan);
  const std::int64_t unassigned = allreduce_sum(comm, partial.unassigned_voxels);
  const MergedRecords merged =
      merge_records(std::move(pass.first), std::move(partial), plan.voxel_size, comm);
  TableSettings table_settings = plan.tables;
  table_settings.float_grey = std::is_floating_point<Grey>::value;
  agree_or_throw(comm, [&] { result.tables = build_tables(merged, table_settings); });
  clock.lap("merge");
  agree_or_throw(comm, [&] {
    write_tables(file, options.group, result.tables, comm);
    if (options.match_reference)
      file.write_table(options.group + "/overlaps", overlap_table(pass.overlaps));
  });
  result.overlaps = std::move(pass.overlaps);
  clock.lap("write");
  result.facts = volume_facts(plan, inputs, ghost, phases);
  result.facts.unassigned_voxels = unassigned;
  result.facts.halo_bytes = allreduce_sum(comm, halo_bytes);
  result.facts.margin_bytes = allreduce_sum(comm, margin_bytes);
  result.facts.slabs_per_rank =
      static_cast<std::int64_t>(std::max<std::size_t>(1, slabs.owned.size()));
  result.facts.flat_profile_particles = allreduce_sum(comm, result.tables.flat_profile_particles);
  result.facts.flat_shape_particles = allreduce_sum(comm, result.tables.flat_shape_particles);
  return result;
}

template <class Grey>
VolumeResult dispatch_labels(const RunPlan& plan, Inputs& inputs, ResultFile& file,
                             const VolumeOptions& options) {
  // Signed labels run as the unsigned type of their size (no voxel is negative: checked
  // right after the read).
  switch (inputs.labels->dtype()) {
    case DType::u8:
    case DType::i8:
      return analyse_typed<Grey, std::uint8_t>(plan, inputs, file, options);
    case DType::u16:
    case DType::i16:
      return analyse_typed<Grey, std::uint16_t>(plan, inputs, file, options);
    case DType::u32:
    case DType::i32:
      return analyse_typed<Grey, std::uint32_t>(plan, inputs, file, options);
    case DType::u64:
    case DType::i64:
      return analyse_typed<Grey, std::uint64_t>(plan, inputs, file, options);
    default:
      throw InputError("unsupported label dtype");  // refused by validate_inputs
  }
}

}  // namespace

VolumeResult analyse_volume(const RunPlan& plan, Inputs& inputs, ResultFile& file,
                            const VolumeOptions& options) {
  inputs.grey = with_read_progress(std::move(inputs.grey), *plan.log, "read grey");
  inputs.labels = with_read_progress(std::move(inputs.labels), *plan.log, "read labels");
  switch (inputs.grey->dtype()) {
    case DType::u8:
      return dispatch_labels<std::uint8_t>(plan, inputs, file, options);
    case DType::u16:
      return dispatch_labels<std::uint16_t>(plan, inputs, file, options);
    case DType::f32:
      return dispatch_labels<float>(plan, inputs, file, options);
    default:
      throw InputError("unsupported grey dtype");  // refused by validate_inputs
  }
}

}  // namespace grapes
