#include "grapes/pipeline.hpp"

#include <sys/resource.h>

#include <chrono>
#include <type_traits>

#include "grapes/block_kernels.hpp"
#include "grapes/error.hpp"
#include "grapes/first_pass.hpp"
#include "grapes/format.hpp"
#include "grapes/ghost.hpp"
#include "grapes/halo.hpp"
#include "grapes/io/label_check.hpp"
#include "grapes/merge.hpp"
#include "grapes/noise.hpp"
#include "grapes/phase_clock.hpp"
#include "grapes/reconcile.hpp"

namespace grapes {

double peak_memory_mib() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

namespace {

Inputs open_inputs(const Config& config, MPI_Comm comm) {
  Inputs inputs;
  if (config.use_phantom) {
    PhantomSources sources = make_phantom_sources(config.phantom);
    inputs.phantom = sources.phantom;
    inputs.grey = std::move(sources.grey);
    inputs.labels = std::move(sources.labels);
  } else {
    inputs.grey = open_source(config.grey, comm);
    inputs.labels = open_source(config.labels, comm);
  }
  return inputs;
}

// ---- Stages of one volume -------------------------------------------------------------------

template <class T>
View3<T> read_view(VolumeSource& source, const Box& box, const char* name) {
  View3<T> view = make_view3<T>(name, box);
  auto host = Kokkos::create_mirror_view(view);
  source.read_box(box, host.data());
  Kokkos::deep_copy(view, host);
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

// Stage "read": the owned box of both volumes, each voxel read once, by its owner.
template <class Grey, class Label>
OwnedVolumes<Grey, Label> read_owned(Inputs& inputs, const RunPlan& plan) {
  const Box owned = plan.grid.owned_box(plan.rank);
  OwnedVolumes<Grey, Label> volumes;
  agree_or_throw(plan.comm, [&] {
    volumes.grey = read_view<Grey>(*inputs.grey, owned, "grapes::grey");
    volumes.labels = read_view<Label>(*inputs.labels, owned, "grapes::labels_owned");
  });
  volumes.geometry = block_geometry(owned, owned, plan.grid.shape(), plan.voxel_size);
  return volumes;
}

// Stage "ghosts": the owned labels grown into the block with the margin the ghost choice asks
// for, filled from the ranks that own it (the owned copy is released on the way).
template <class Grey, class Label>
Block<Grey, Label> ghosted_block(OwnedVolumes<Grey, Label>&& owned, const GhostChoice& ghost,
                                 const RunPlan& plan) {
  const HaloPlan halo(plan.grid, plan.rank, ghost.width);
  const Box box = owned.geometry.owned;
  check_block_growth(plan.max_block_growth, ghost, box, halo.local, plan.rank, plan.comm);
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
  const double unit = min_spacing(plan.voxel_size, plan.planar());
  check_layer_count(ghost, plan.layer_width.value_or(unit), plan.comm);
  LayerSettings settings;
  settings.relative_layer_width = plan.layer_width.value_or(unit) / unit;
  // No exact distance exceeds the largest particle's bound, also with a fixed ghost.
  settings.max_distance = ghost.global_bound / unit;
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
  facts.layer_width = plan.layer_width.value_or(min_spacing(plan.voxel_size, plan.planar()));
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
  OwnedVolumes<Grey, Label> owned = read_owned<Grey, Label>(inputs, plan);
  check_labels_not_negative<Label>(owned.labels, owned.geometry.owned, *inputs.labels, comm);
  clock.lap("read");
  VolumeResult result;
  if (options.noise_box)
    agree_or_throw(comm, [&] {
      result.sigma_bg = box_noise_sigma<Grey>(owned.grey, owned.geometry.owned, *options.noise_box,
                                              plan.grid.shape(), options.noise_key, comm);
    });
  FirstPass first = merge_first_pass(particle_partials(owned.block()), comm);
  Kokkos::fence();
  clock.lap("particles");
  const GhostChoice ghost =
      choose_ghost(plan.fixed_ghost, first.particles, plan.voxel_size, plan.planar(), comm);
  const Block<Grey, Label> block = ghosted_block(std::move(owned), ghost, plan);
  clock.lap("ghosts");
  View3<float> dist2 = make_view3<float>("grapes::dist2", block.geometry.local);
  const LayerSettings layers = layer_settings<Grey>(plan, ghost, first);
  PartialRecords partial = block_kernels(block, dist2, layers, first.owned_labels, clock);
  check_exact(partial, ghost, first, plan);
  const std::int64_t unassigned = allreduce_sum(comm, partial.unassigned_voxels);
  const MergedRecords merged =
      merge_records(std::move(first), std::move(partial), plan.voxel_size, comm);
  TableSettings table_settings = plan.tables;
  table_settings.float_grey = std::is_floating_point<Grey>::value;
  agree_or_throw(comm, [&] { result.tables = build_tables(merged, table_settings); });
  clock.lap("merge");
  agree_or_throw(comm, [&] {
    write_tables(file, options.group, result.tables, comm);
    write_volumes<Label>(file, options.group, block.labels, block.geometry, dist2, layers,
                         min_spacing(plan.voxel_size, plan.planar()), plan.volumes);
  });
  clock.lap("write");
  result.facts = volume_facts(plan, inputs, ghost, phases);
  result.facts.unassigned_voxels = unassigned;
  result.facts.flat_profile_particles = allreduce_sum(comm, result.tables.flat_profile_particles);
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

void validate_inputs(const Inputs& inputs) {
  const VolumeSource& grey = *inputs.grey;
  const VolumeSource& labels = *inputs.labels;
  const DType g = grey.dtype();
  if (g != DType::u8 && g != DType::u16 && g != DType::f32)
    throw InputError("input.grey (" + grey.describe() + "): grey dtype " + dtype_name(g) +
                     " is not supported; use uint8, uint16 or float32");
  if (dtype_is_float(labels.dtype()))
    throw InputError("input.labels (" + labels.describe() + "): labels are " +
                     dtype_name(labels.dtype()) +
                     "; labels must be integers (uint8/16/32/64, or int8/16/32/64 with no "
                     "negative value)");
  if (grey.shape() != labels.shape())
    throw InputError("input.grey (" + grey.describe() + ") has shape " + shape_text(grey.shape()) +
                     " but input.labels (" + labels.describe() + ") has shape " +
                     shape_text(labels.shape()));
  if (voxel_count(grey.shape()) == 0)
    throw InputError("input.grey (" + grey.describe() + ") is empty: shape " +
                     shape_text(grey.shape()));
}

VolumeResult analyse_volume(const RunPlan& plan, Inputs& inputs, ResultFile& file,
                            const VolumeOptions& options) {
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

RunPlan plan_run(const Config& config, const Index3& shape, MPI_Comm comm, const Logger& log) {
  const int ranks = comm_size(comm);
  std::array<int, 3> dims = Grid::auto_dims(shape, ranks);
  if (config.grid) {
    dims = *config.grid;
    if (dims[0] * dims[1] * dims[2] != ranks)
      throw InputError("decomposition.grid " + shape_text(dims) + " has " +
                       std::to_string(dims[0] * dims[1] * dims[2]) + " boxes but the run has " +
                       std::to_string(ranks) + " MPI ranks");
  }
  RunPlan plan;
  plan.comm = comm;
  plan.log = &log;
  plan.grid = Grid(shape, dims);
  plan.rank = comm_rank(comm);
  plan.voxel_size = config.voxel_size;
  plan.fixed_ghost = config.ghost;
  plan.max_block_growth = config.max_block_growth;
  plan.layer_width = config.layer_width;
  plan.tables.voxel_size = config.voxel_size;
  plan.tables.image_shape = shape;
  plan.tables.normalise = config.normalise;
  plan.tables.core_exclude_layers = config.core_exclude_layers;
  plan.volumes.layers = config.write_layers_volume;
  plan.volumes.edt = config.write_edt_volume;
  return plan;
}

RunSummary run_analysis(const Config& config, MPI_Comm comm, const Logger& log) {
  Inputs inputs;
  agree_or_throw(comm, [&] {
    check_output_path(config.output_path);
    inputs = open_inputs(config, comm);
  });
  return run_analysis(config, std::move(inputs.grey), std::move(inputs.labels), comm, log);
}

RunSummary run_analysis(const Config& config, std::unique_ptr<VolumeSource> grey_source,
                        std::unique_ptr<VolumeSource> label_source, MPI_Comm comm,
                        const Logger& log) {
  const auto start = std::chrono::steady_clock::now();
  Inputs inputs;
  inputs.grey = std::move(grey_source);
  inputs.labels = std::move(label_source);
  RunPlan plan;
  std::unique_ptr<ResultFile> file;
  agree_or_throw(comm, [&] {
    check_output_path(config.output_path);
    validate_inputs(inputs);
    plan = plan_run(config, inputs.grey->shape(), comm, log);
  });
  log.info("grapes run: " + inputs.grey->describe() + " + " + inputs.labels->describe() +
           ", shape " + shape_text(plan.grid.shape()) + ", " + std::to_string(comm_size(comm)) +
           " ranks as grid " + shape_text(plan.grid.dims()) + ", Kokkos " +
           kx::execution_space_name());
  agree_or_throw(comm, [&] { file = std::make_unique<ResultFile>(config.output_path, comm); });
  const VolumeResult result = analyse_volume(plan, inputs, *file, VolumeOptions{});
  RunSummary summary;
  summary.output_path = config.output_path;
  summary.grid = plan.grid.dims();
  summary.volume = result.facts;
  summary.particles = allreduce_sum(comm, std::int64_t(result.tables.particles.rows()));
  summary.layer_rows = allreduce_sum(comm, std::int64_t(result.tables.layers.rows()));
  summary.adjacency_rows = allreduce_sum(comm, std::int64_t(result.tables.adjacency.rows()));
  summary.peak_memory_mib = allreduce_max(comm, peak_memory_mib());
  RunFacts facts{config.yaml_text, config.origin, comm_size(comm), plan.grid.dims(),
                 summary.peak_memory_mib};
  agree_or_throw(comm, [&] {
    write_volume_facts(*file, "", result.facts);
    write_run_facts(*file, facts);
    file->commit();
  });
  summary.total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace grapes
