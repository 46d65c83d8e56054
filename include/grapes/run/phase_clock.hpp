#pragma once
// Wall-clock time per phase of a run ("read", "edt", ...): each lap ends a phase, adds its time
// to that phase's total (a phase run once per slab or step adds up) and, on rank 0, prints it.
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "grapes/core/types.hpp"
#include "grapes/run/logger.hpp"

namespace grapes {

class PhaseClock {
 public:
  PhaseClock(const Logger& log, PhaseTimes& times) : log_(log), times_(times) {}
  // Ends the current phase as `phase`. `print`: one line on rank 0 (false for repeated laps).
  void lap(const std::string& phase, bool print = true);
  // Starts the next phase now (the time since the last lap belongs to no phase).
  void restart() { start_ = std::chrono::steady_clock::now(); }
  // Prints `phase`'s total so far (after laps that were not printed: one slab at a time).
  void print(const std::string& phase) const;

 private:
  const Logger& log_;
  PhaseTimes& times_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// Seconds of `phase` in `times` (0 when absent).
double phase_seconds(const PhaseTimes& times, const std::string& phase);

}  // namespace grapes
