#include "grapes/core/failure_text.hpp"

#include <new>

namespace grapes {

namespace {

// What the views of the pipeline hold, by their Kokkos label.
struct LabelMeaning {
  const char* label;
  const char* meaning;
};
constexpr LabelMeaning kMeanings[] = {
    {"grapes::grey", "the grey levels of the rank's box (input.grey)"},
    {"grapes::labels_owned", "the labels of the rank's box (input.labels)"},
    {"grapes::labels_block", "the labels of the rank's block with its ghost layers"},
    {"grapes::dist2", "the distance transform of the rank's block"},
    {"grapes::layer_sums",
     "the per-layer sums (one row per particle and layer: analysis.layer_width)"},
    {"grapes::layer_sums_f",
     "the per-layer sums (one row per particle and layer: analysis.layer_width)"},
    {"grapes::layer_table", "the layer lookup table (analysis.layer_width)"},
    {"grapes::layer_volume", "the layer volume (output.volumes)"},
    {"grapes::distance_volume", "the distance volume (output.volumes)"},
    {"grapes::surface_cells", "the surface cells of the rank's block"},
};

std::string between(const std::string& text, const std::string& before, const std::string& after) {
  const std::size_t start = text.find(before);
  if (start == std::string::npos) return "";
  const std::size_t from = start + before.size();
  const std::size_t end = text.find(after, from);
  return end == std::string::npos ? "" : text.substr(from, end - from);
}

std::string without_traceback(std::string text) {
  const std::size_t tail = text.find("Traceback functionality not available");
  if (tail != std::string::npos) text.erase(tail);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

const char kAdvice[] =
    ": use more ranks (or nodes with more memory per rank), or a smaller volume or "
    "region of interest";

}  // namespace

std::string failure_text(const std::exception& error, int rank) {
  const std::string where = "rank " + std::to_string(rank);
  if (dynamic_cast<const std::bad_alloc*>(&error) != nullptr) {
    // Kokkos 3.4/4.x's RawMemoryAllocationFailure is a bad_alloc; so is std::vector's.
    return "not enough memory on " + where + " (" + without_traceback(error.what()) + ")" + kAdvice;
  }
  const std::string text = error.what();
  const std::string label = between(text, "failed to allocate memory for label \"", "\"");
  if (label.empty()) return without_traceback(text);
  std::string meaning = label;
  for (const LabelMeaning& m : kMeanings)
    if (label == m.label) meaning = std::string(m.meaning) + " [" + label + "]";
  const std::string size = between(text, "Allocation of size ", " failed");
  return "not enough memory on " + where + " for " + meaning +
         (size.empty() ? std::string() : ", " + size + "B") + kAdvice;
}

}  // namespace grapes
