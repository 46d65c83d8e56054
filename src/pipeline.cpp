#include "grapes/pipeline.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <numeric>
#include <sstream>

#include "grapes/accumulate.hpp"
#include "grapes/edt.hpp"
#include "grapes/error.hpp"
#include "grapes/ghost.hpp"
#include "grapes/grid.hpp"
#include "grapes/halo.hpp"
#include "grapes/io/phantom.hpp"
#include "grapes/io/source.hpp"
#include "grapes/io/volume_writer.hpp"
#include "grapes/kokkos_compat.hpp"
#include "grapes/layers.hpp"
#include "grapes/output.hpp"
#include "grapes/reconcile.hpp"
#include "grapes/surface.hpp"
#include "grapes/tables.hpp"
#include "grapes/version.hpp"

namespace grapes {

double peak_memory_mib() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

namespace {

std::string shape_text(const Index3& shape) {
  return "[" + std::to_string(shape[0]) + ", " + std::to_string(shape[1]) + ", " +
         std::to_string(shape[2]) + "]";
}

// Prints one line per phase on rank 0 and keeps the figures for the file and the summary.
class PhaseTimer {
 public:
  PhaseTimer(const Logger& log, RunSummary& summary) : log_(log), summary_(summary) {}
  void end(const std::string& phase) {
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - start_).count();
    summary_.phase_seconds.emplace_back(phase, seconds);
    std::ostringstream line;
    line << "  " << std::left << std::setw(10) << phase << std::right << std::fixed
         << std::setprecision(3) << std::setw(9) << seconds << " s";
    log_.info(line.str());
    start_ = now;
  }

 private:
  const Logger& log_;
  RunSummary& summary_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

struct Inputs {
  std::shared_ptr<const Phantom> phantom;  // keeps the particle list alive for its sources
  std::unique_ptr<VolumeSource> grey;
  std::unique_ptr<VolumeSource> labels;
};

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
                     "; labels must be unsigned integers (uint8/16/32/64)");
  if (grey.shape() != labels.shape())
    throw InputError("input.grey (" + grey.describe() + ") has shape " + shape_text(grey.shape()) +
                     " but input.labels (" + labels.describe() + ") has shape " +
                     shape_text(labels.shape()));
  if (voxel_count(grey.shape()) == 0)
    throw InputError("input.grey (" + grey.describe() + ") is empty: shape " +
                     shape_text(grey.shape()));
}

struct Context {
  const Config& config;
  MPI_Comm comm;
  const Logger& log;
  Inputs& inputs;
  RunSummary& summary;
  PhaseTimer& timer;
  Grid grid;
  int rank;
  bool planar;
  Spacing3 spacing;  // physical
};

template <class T>
View3<T> read_owned(VolumeSource& source, const Box& owned, const char* name) {
  View3<T> view = make_view3<T>(name, owned);
  auto host = Kokkos::create_mirror_view(view);
  source.read_box(owned, host.data());
  Kokkos::deep_copy(view, host);
  return view;
}

template <class Grey, class Label>
void run_typed(Context& ctx) {
  const Config& config = ctx.config;
  MPI_Comm comm = ctx.comm;
  const Box owned = ctx.grid.owned_box(ctx.rank);
  const Index3 shape = ctx.grid.shape();
  const bool float_grey = std::is_floating_point<Grey>::value;

  // read
  View3<Grey> grey;
  View3<Label> owned_labels;
  agree_or_throw(comm, [&] {
    grey = read_owned<Grey>(*ctx.inputs.grey, owned, "grapes::grey");
    owned_labels = read_owned<Label>(*ctx.inputs.labels, owned, "grapes::labels_owned");
  });
  ctx.timer.end("read");

  // First pass over owned voxels: particle records and global bounding boxes.
  // 8/16-bit labels: every possible value is a candidate (a table of at most 64 Ki entries),
  // which saves a marking pass over the volume; wider labels: index the labels present.
  std::vector<std::uint64_t> candidates;
  LabelIndex<Label> owned_index;
  if (sizeof(Label) <= 2) {
    candidates.resize((std::size_t(1) << (8 * sizeof(Label))) - 1);
    std::iota(candidates.begin(), candidates.end(), std::uint64_t(1));
    owned_index = label_index_from_list<Label>(candidates);
  } else {
    owned_index = build_label_index<Label>(owned_labels, whole_box(owned.extents()), candidates);
  }
  std::vector<ParticleRecord> partial = accumulate_particles<Grey, Label>(
      Block<Grey, Label>{grey, owned_labels, owned, owned, shape}, owned_index, candidates);
  owned_index = LabelIndex<Label>();
  std::vector<std::uint64_t> owned_label_list;  // the labels with owned voxels, sorted
  for (const ParticleRecord& p : partial) owned_label_list.push_back(p.label);
  const LabelOwnership ownership = LabelOwnership::build(comm, owned_label_list);
  const auto by_label = [](const auto& p, const auto& q) { return p.label < q.label; };
  const auto label_of = [](const auto& record) { return record.label; };
  std::vector<ParticleRecord> particles =
      route_and_merge(comm, ownership, partial, label_of, by_label);
  partial.clear();
  Kokkos::fence();
  ctx.timer.end("particles");

  // Ghost width: auto from the bounding boxes, or fixed.
  const GhostChoice ghost = choose_ghost(config, particles, ctx.spacing, ctx.planar, comm);
  const Index3 ghost_width = ghost.width;
  ctx.summary.ghost_width = ghost_width;
  const HaloPlan plan(ctx.grid, ctx.rank, ghost_width);
  check_block_growth(config, ghost, owned, plan.local, ctx.rank, comm);

  // ghosts: the label block (owned + margin) filled from the owners.
  View3<Label> labels;
  if (plan.local == owned) {
    labels = owned_labels;
  } else {
    labels = make_view3<Label>("grapes::labels_block", plan.local);
    const Index3 at{owned.lo[0] - plan.local.lo[0], owned.lo[1] - plan.local.lo[1],
                    owned.lo[2] - plan.local.lo[2]};
    Kokkos::deep_copy(Kokkos::subview(labels, std::make_pair(at[0], at[0] + owned.extent(0)),
                                      std::make_pair(at[1], at[1] + owned.extent(1)),
                                      std::make_pair(at[2], at[2] + owned.extent(2))),
                      owned_labels);
    owned_labels = View3<Label>();  // free the owned copy before the EDT allocates
  }
  agree_or_throw(comm, [&] { exchange_ghosts(plan, comm, labels); });
  ctx.timer.end("ghosts");

  // edt
  const double min_spacing = ctx.planar
                                 ? std::min(ctx.spacing[1], ctx.spacing[2])
                                 : std::min({ctx.spacing[0], ctx.spacing[1], ctx.spacing[2]});
  EdtGeometry geometry;
  LayerSettings layer_settings;
  for (int a = 0; a < 3; ++a) {
    geometry.spacing[a] = ctx.spacing[a] / min_spacing;
    geometry.border_lo[a] = plan.local.lo[a] == 0 && !(ctx.planar && a == 0);
    geometry.border_hi[a] = plan.local.hi[a] == shape[a] && !(ctx.planar && a == 0);
    layer_settings.relative_spacing[a] = geometry.spacing[a];
  }
  layer_settings.relative_layer_width = config.layer_width.value_or(min_spacing) / min_spacing;
  // No exact distance exceeds the largest particle's bound (SPEC §4), also with a fixed ghost.
  layer_settings.max_distance = ghost.global_bound / min_spacing;
  View3<float> dist2 = make_view3<float>("grapes::dist2", plan.local);
  squared_edt<Label>(labels, geometry, dist2);
  Kokkos::fence();
  ctx.timer.end("edt");

  // accumulate: layers (and the exactness proof), surface area, adjacency.
  if (float_grey)  // each particle's mean, from its owner, to shift the layer sums by
    layer_settings.grey_shift =
        fetch_from_owners(comm, ownership, owned_label_list, [&](std::uint64_t label) {
          const auto at = std::lower_bound(
              particles.begin(), particles.end(), label,
              [](const ParticleRecord& p, std::uint64_t value) { return p.label < value; });
          // Every label asked for has a record on its owner; 0 (no shift) just in case.
          return at != particles.end() && at->label == label ? at->grey.mean(true) : 0.0;
        });
  Block<Grey, Label> block{grey, labels, owned, plan.local, shape};
  LayerResult layer_result = accumulate_layers<Grey, Label>(
      block, dist2, layer_settings, label_index_from_list<Label>(owned_label_list),
      owned_label_list);
  Kokkos::fence();
  ctx.timer.end("layers");
  if (allreduce_sum(comm, layer_result.inexact_voxels) > 0)
    throw_inexact(ghost, layer_result.inexact_voxels, layer_result.first_inexact_label, particles,
                  ownership, ctx.spacing, ctx.planar, comm);
  std::vector<SurfaceRecord> surfaces;
  if (!ctx.planar && !owned.empty())
    surfaces = surface_areas<Label>(labels, plan.local, owned, shape, ctx.spacing);
  Kokkos::fence();
  ctx.timer.end("surface");
  std::vector<AdjacencyRecord> adjacency =
      accumulate_adjacency<Label>(labels, plan.local, owned, shape, owned_label_list.size());
  Kokkos::fence();
  ctx.timer.end("adjacency");

  // merge: layers, surfaces and adjacency to the label owners.
  const auto by_layer = [](const LayerRecord& p, const LayerRecord& q) {
    return p.label != q.label ? p.label < q.label : p.layer < q.layer;
  };
  std::vector<LayerRecord> layers =
      route_and_merge(comm, ownership, layer_result.layers, label_of, by_layer);
  layer_result.layers.clear();
  const std::vector<SurfaceRecord> areas =
      route_and_merge(comm, ownership, surfaces, label_of, by_label);
  std::size_t next_area = 0;
  for (ParticleRecord& p : particles) {
    while (next_area < areas.size() && areas[next_area].label < p.label) ++next_area;
    if (next_area < areas.size() && areas[next_area].label == p.label)
      p.surface_area = areas[next_area].area;
  }
  const auto by_pair = [](const AdjacencyRecord& p, const AdjacencyRecord& q) {
    return p.label_a != q.label_a ? p.label_a < q.label_a : p.label_b < q.label_b;
  };
  const auto first_label = [](const AdjacencyRecord& r) { return r.label_a; };
  std::vector<AdjacencyRecord> pairs =
      route_and_merge(comm, ownership, adjacency, first_label, by_pair);
  std::vector<AdjacencyRecord> both_ways;
  for (const AdjacencyRecord& r : adjacency) {
    both_ways.push_back(r);
    both_ways.push_back({r.label_b, r.label_a, r.shared_faces});
  }
  std::vector<AdjacencyRecord> neighbours =
      route_and_merge(comm, ownership, both_ways, first_label, by_pair);

  TableSettings table_settings;
  table_settings.voxel_size = ctx.spacing;
  table_settings.image_shape = shape;
  table_settings.float_grey = float_grey;
  table_settings.normalise = config.normalise;
  table_settings.core_exclude_layers = config.core_exclude_layers;
  ParticleTables tables;
  agree_or_throw(
      comm, [&] { tables = build_tables(particles, layers, pairs, neighbours, table_settings); });
  ctx.summary.particles = allreduce_sum(comm, std::int64_t(tables.particles.rows()));
  ctx.summary.layer_rows = allreduce_sum(comm, std::int64_t(tables.layers.rows()));
  ctx.summary.adjacency_rows = allreduce_sum(comm, std::int64_t(tables.adjacency.rows()));
  ctx.summary.unassigned_voxels = allreduce_sum(comm, layer_result.unassigned_voxels);
  ctx.summary.flat_profile_particles = allreduce_sum(comm, tables.flat_profile_particles);
  ctx.timer.end("merge");

  // write
  std::unique_ptr<ResultFile> file;
  agree_or_throw(comm, [&] { file = std::make_unique<ResultFile>(config.output_path, comm); });
  agree_or_throw(comm, [&] {
    file->write_table("/particles", tables.particles);
    // layer_offset [N+1]: this rank's particle starts, shifted by the layer rows before it;
    // the last rank adds the final end.
    const std::int64_t layer_base =
        exclusive_scan_sum(comm, static_cast<std::int64_t>(tables.layers.rows()));
    Table offsets;
    auto& layer_offset = offsets.add<std::int64_t>("layer_offset");
    for (std::int64_t start : tables.layer_start) layer_offset.push_back(layer_base + start);
    if (ctx.rank == comm_size(comm) - 1) layer_offset.push_back(ctx.summary.layer_rows);
    file->write_table("/particles", offsets);
    file->write_table("/layers", tables.layers);
    file->write_table("/adjacency", tables.adjacency);
    if (config.write_layers_volume) {
      auto volume = layer_volume<Label>(labels, plan.local, owned, dist2, layer_settings);
      auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), volume);
      write_volume_hdf5(file->id(), "/volumes/layers", shape, DType::u32, owned, host.data());
    }
    if (config.write_edt_volume) {
      auto volume = distance_volume(plan.local, owned, dist2, min_spacing);
      auto host = Kokkos::create_mirror_view_and_copy(Kokkos::HostSpace(), volume);
      write_volume_hdf5(file->id(), "/volumes/edt", shape, DType::f32, owned, host.data());
    }
  });
  ctx.timer.end("write");  // the attributes and the rename below take milliseconds
  ctx.summary.peak_memory_mib = allreduce_max(comm, peak_memory_mib());
  agree_or_throw(comm, [&] {
    ResultFile& f = *file;
    f.attribute("software", std::string("grapes-hpc ") + kVersion);
    f.attribute("git_commit", std::string(kGitCommit));
    f.attribute("config", config.yaml_text);
    f.attribute("config_path", config.origin);
    std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    f.attribute("created_utc", std::string(stamp));
    f.attribute("mpi_ranks", std::int64_t(comm_size(comm)));
    f.attribute("decomposition", std::vector<std::int64_t>{ctx.grid.dims()[0], ctx.grid.dims()[1],
                                                           ctx.grid.dims()[2]});
    f.attribute("ghost_width",
                std::vector<std::int64_t>{ghost_width[0], ghost_width[1], ghost_width[2]});
    f.attribute("voxel_size", std::vector<double>{ctx.spacing[0], ctx.spacing[1], ctx.spacing[2]});
    f.attribute("layer_width", config.layer_width.value_or(min_spacing));
    f.attribute("shape", std::vector<std::int64_t>{shape[0], shape[1], shape[2]});
    f.attribute("input_grey", ctx.inputs.grey->describe());
    f.attribute("input_grey_dtype", std::string(dtype_name(ctx.inputs.grey->dtype())));
    f.attribute("input_labels", ctx.inputs.labels->describe());
    f.attribute("input_labels_dtype", std::string(dtype_name(ctx.inputs.labels->dtype())));
    f.attribute("kokkos_execution_space", std::string(kx::execution_space_name()));
    f.attribute("unassigned_voxels", ctx.summary.unassigned_voxels);
    f.attribute("flat_profile_particles", ctx.summary.flat_profile_particles);
    f.attribute("peak_memory_mib", ctx.summary.peak_memory_mib);
    // The slowest rank's time per phase (each rank timed its own part).
    for (const auto& [phase, seconds] : ctx.summary.phase_seconds)
      f.attribute("timing_" + phase + "_s", allreduce_max(comm, seconds));
    f.commit();
  });
}

template <class Grey>
void dispatch_labels(Context& ctx) {
  switch (ctx.inputs.labels->dtype()) {
    case DType::u8:
      return run_typed<Grey, std::uint8_t>(ctx);
    case DType::u16:
      return run_typed<Grey, std::uint16_t>(ctx);
    case DType::u32:
      return run_typed<Grey, std::uint32_t>(ctx);
    case DType::u64:
      return run_typed<Grey, std::uint64_t>(ctx);
    default:
      throw InputError("unsupported label dtype");  // rejected in open_inputs
  }
}

}  // namespace

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
  RunSummary summary;
  summary.output_path = config.output_path;
  PhaseTimer timer(log, summary);
  Inputs inputs;
  inputs.grey = std::move(grey_source);
  inputs.labels = std::move(label_source);
  std::array<int, 3> dims{1, 1, 1};
  agree_or_throw(comm, [&] {
    check_output_path(config.output_path);
    validate_inputs(inputs);
    const Index3 shape = inputs.grey->shape();
    const int ranks = comm_size(comm);
    if (config.grid) {
      dims = *config.grid;
      if (dims[0] * dims[1] * dims[2] != ranks)
        throw InputError("decomposition.grid [" + std::to_string(dims[0]) + ", " +
                         std::to_string(dims[1]) + ", " + std::to_string(dims[2]) + "] has " +
                         std::to_string(dims[0] * dims[1] * dims[2]) + " boxes but the run has " +
                         std::to_string(ranks) + " MPI ranks");
    } else {
      dims = Grid::auto_dims(shape, ranks);
    }
  });
  Context ctx{config,
              comm,
              log,
              inputs,
              summary,
              timer,
              Grid(inputs.grey->shape(), dims),
              comm_rank(comm),
              inputs.grey->shape()[0] == 1,
              config.voxel_size};
  summary.shape = ctx.grid.shape();
  summary.grid = dims;
  log.info("grapes run: " + inputs.grey->describe() + " + " + inputs.labels->describe() +
           ", shape " + shape_text(summary.shape) + ", " + std::to_string(comm_size(comm)) +
           " ranks as grid [" + std::to_string(dims[0]) + ", " + std::to_string(dims[1]) + ", " +
           std::to_string(dims[2]) + "], Kokkos " + kx::execution_space_name());
  switch (inputs.grey->dtype()) {
    case DType::u8:
      dispatch_labels<std::uint8_t>(ctx);
      break;
    case DType::u16:
      dispatch_labels<std::uint16_t>(ctx);
      break;
    case DType::f32:
      dispatch_labels<float>(ctx);
      break;
    default:
      throw InputError("unsupported grey dtype");  // rejected in open_inputs
  }
  summary.total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace grapes
