// "Did you mean" suggestions for misspelt keys: the closest schema key by edit distance.
#include <algorithm>
#include <limits>

#include "config_detail.hpp"

namespace grapes::config_detail {

std::size_t levenshtein(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace grapes::config_detail

namespace grapes {

std::string closest_key(const std::string& key, const std::vector<std::string>& candidates) {
  using config_detail::last_component;
  using config_detail::levenshtein;
  // A candidate is close when the whole key is within max(2, len/3) edits of it, or when the
  // last components are (a right name in the wrong section: 'normalize' -> 'analysis.normalise').
  // Best = fewest edits, then the closest whole key, then the first candidate.
  const std::string last = last_component(key);
  const std::size_t whole_limit = std::max<std::size_t>(2, key.size() / 3);
  const std::size_t last_limit = std::max<std::size_t>(2, last.size() / 3);
  constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
  std::string best;
  std::size_t best_score = none;
  std::size_t best_whole = none;
  for (const std::string& candidate : candidates) {
    const std::size_t whole = levenshtein(key, candidate);
    std::size_t score = whole <= whole_limit ? whole : none;
    const std::size_t tail = levenshtein(last, last_component(candidate));
    if (tail <= last_limit) score = std::min(score, tail);
    if (score == none) continue;
    if (score < best_score || (score == best_score && whole < best_whole)) {
      best = candidate;
      best_score = score;
      best_whole = whole;
    }
  }
  return best;
}

}  // namespace grapes
