#include "grapes/kernels/first_pass.hpp"

#include <numeric>

#include "grapes/core/instantiate.hpp"
#include "grapes/kernels/accumulate.hpp"
#include "grapes/kernels/label_index.hpp"

namespace grapes {

template <class Grey, class Label>
std::vector<ParticleRecord> particle_partials(const Block<Grey, Label>& block) {
  // 8/16-bit labels: every possible value is a candidate (a table of at most 64 Ki entries),
  // which saves a marking pass over the volume; wider labels: index the labels present.
  std::vector<std::uint64_t> candidates;
  LabelIndex<Label> index;
  if constexpr (sizeof(Label) <= 2) {
    candidates.resize((std::size_t(1) << (8 * sizeof(Label))) - 1);
    std::iota(candidates.begin(), candidates.end(), std::uint64_t(1));
    index = label_index_from_list<Label>(candidates);
  } else {
    const BlockGeometry& g = block.geometry;
    const Index3 at = g.owned_offset();
    const Box owned_in_view{
        at, {at[0] + g.owned.extent(0), at[1] + g.owned.extent(1), at[2] + g.owned.extent(2)}};
    index = build_label_index<Label>(block.labels, owned_in_view, candidates);
  }
  return accumulate_particles<Grey, Label>(block, index, candidates);
}

#define GRAPES_PARTICLE_PARTIALS(Grey, Label) \
  template std::vector<ParticleRecord> particle_partials(const Block<Grey, Label>&);
GRAPES_FOR_EACH_GREY_AND_LABEL(GRAPES_PARTICLE_PARTIALS)
#undef GRAPES_PARTICLE_PARTIALS

}  // namespace grapes
