#include "grapes/run/pipeline.hpp"

#include <sys/resource.h>

#include <chrono>
#include <type_traits>

#include "grapes/core/error.hpp"
#include "grapes/core/format.hpp"
#include "grapes/core/kokkos_compat.hpp"
#include "grapes/parallel/comm.hpp"

namespace grapes {

double peak_memory_mib() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
}

RunFacts run_facts(const Config& config, const std::array<int, 3>& grid, MPI_Comm comm) {
  RunFacts facts;
  facts.config_text = config.yaml_text;
  facts.config_path = config.origin;
  facts.ranks = comm_size(comm);
  facts.grid = grid;
  facts.peak_memory_mib_per_rank = allgather(comm, peak_memory_mib());
  facts.peak_memory_mib = allreduce_max(comm, peak_memory_mib());
  return facts;
}

Inputs open_inputs(bool use_phantom, const PhantomSpec& phantom, int phantom_step,
                   const SourceSpec& grey, const SourceSpec& labels, MPI_Comm comm) {
  Inputs inputs;
  if (use_phantom) {
    PhantomSources sources = make_phantom_sources(phantom, phantom_step);
    inputs.phantom = sources.phantom;
    inputs.grey = std::move(sources.grey);
    inputs.labels = std::move(sources.labels);
  } else {
    inputs.grey = open_source(grey, comm);
    inputs.labels = open_source(labels, comm);
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
  plan.edt_unit = min_spacing(config.voxel_size, plan.planar());
  plan.layer_width = config.layer_width.value_or(plan.edt_unit);
  plan.tables.voxel_size = config.voxel_size;
  plan.tables.image_shape = shape;
  plan.tables.normalise = config.normalise;
  plan.tables.core_exclude_layers = config.core_exclude_layers;
  plan.tables.convex_hull = config.convex_hull;
  plan.volumes.layers = config.write_layers_volume;
  plan.volumes.edt = config.write_edt_volume;
  plan.memory_per_rank = config.memory_per_rank;
  return plan;
}

RunSummary run_analysis(const Config& config, MPI_Comm comm, const Logger& log) {
  Inputs inputs;
  agree_or_throw(comm, [&] {
    check_output_path(config.output_path);
    inputs = open_inputs(config.use_phantom, config.phantom, kPhantomDefaultStep, config.grey,
                         config.labels, comm);
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
  const RunFacts facts = run_facts(config, plan.grid.dims(), comm);
  summary.peak_memory_mib = facts.peak_memory_mib;
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
