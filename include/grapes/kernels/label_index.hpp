#pragma once
// Maps label values to compact indices 0..n-1 inside kernels. Dense (a lookup table over
// [min_label, max_label]) when the label range is modest, which is the common case of labels
// 1..N; otherwise a sorted list with binary search (arbitrary uint64 labels).
//
// A shared interface, not a kernel of its own: the particle, layer and surface kernels take a
// LabelIndex, and the surface kernel builds one with its own driver, so the explicit-driver
// builders (detail::*_with) are declared here too, not in a detail header.
#include <cstdint>
#include <vector>

#include "grapes/core/volume.hpp"
#include "grapes/kernels/kernel_drivers.hpp"

namespace grapes {

template <class Label>
struct LabelIndex {
  View1<std::int32_t> dense;    // dense(label - min_label) = index or -1
  View1<std::uint64_t> sorted;  // sparse mode: the labels in increasing order
  std::uint64_t min_label = 0;
  std::uint64_t dense_size = 0;
  std::int32_t count = 0;
  bool use_dense = true;

  // Index of `label`, or -1 for background or a label not in the set.
  KOKKOS_INLINE_FUNCTION std::int32_t operator()(const Label label) const {
    if (label == 0) return -1;
    const std::uint64_t value = static_cast<std::uint64_t>(label);
    if (use_dense) {
      if (value < min_label || value - min_label >= dense_size) return -1;
      return dense(value - min_label);
    }
    std::int32_t low = 0, high = count;
    while (low < high) {
      const std::int32_t middle = (low + high) / 2;
      if (sorted(middle) < value)
        low = middle + 1;
      else
        high = middle;
    }
    return (low < count && sorted(low) == value) ? low : -1;
  }
};

// The index of the distinct non-zero labels of `labels` inside `region` (a box in the view's
// own coordinates, i.e. relative to the block origin). `labels_out` receives them in order.
template <class Label>
LabelIndex<Label> build_label_index(const View3<const Label>& labels, const Box& region,
                                    std::vector<std::uint64_t>& labels_out);

// The same for an explicit sorted list of labels.
template <class Label>
LabelIndex<Label> label_index_from_list(const std::vector<std::uint64_t>& sorted_labels);

namespace detail {

// Smallest and largest non-zero label of `region` (view coordinates); min > max when none.
template <class Label>
Kokkos::MinMaxScalar<std::uint64_t> label_range_with(Driver driver,
                                                     const View3<const Label>& labels,
                                                     const Box& region);

// build_label_index with an explicit driver (kernel_drivers.hpp): the same index with either.
template <class Label>
LabelIndex<Label> build_label_index_with(Driver driver, const View3<const Label>& labels,
                                         const Box& region, std::vector<std::uint64_t>& labels_out);

}  // namespace detail

}  // namespace grapes
