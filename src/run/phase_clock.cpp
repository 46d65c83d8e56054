#include "grapes/run/phase_clock.hpp"

#include <iomanip>
#include <sstream>

namespace grapes {

namespace {
std::string phase_line(const std::string& phase, double seconds) {
  std::ostringstream line;
  line << "  " << std::left << std::setw(10) << phase << std::right << std::fixed
       << std::setprecision(3) << std::setw(9) << seconds << " s";
  return line.str();
}
}  // namespace

void PhaseClock::lap(const std::string& phase, bool print) {
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - start_).count();
  start_ = now;
  bool found = false;
  for (auto& [name, total] : times_)
    if (name == phase) total += seconds, found = true;
  if (!found) times_.emplace_back(phase, seconds);
  if (print) log_.info(phase_line(phase, seconds));
}

void PhaseClock::print(const std::string& phase) const {
  log_.info(phase_line(phase, phase_seconds(times_, phase)));
}

double phase_seconds(const PhaseTimes& times, const std::string& phase) {
  for (const auto& [name, seconds] : times)
    if (name == phase) return seconds;
  return 0.0;
}

}  // namespace grapes
