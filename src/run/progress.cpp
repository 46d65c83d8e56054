#include "grapes/run/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <vector>

#include "grapes/io/box_parts.hpp"
#include "grapes/run/logger.hpp"

namespace grapes {

namespace {

constexpr int kBarWidth = 10;
constexpr double kRedrawSeconds = 0.1;
// Parts of one read_box call while progress is shown (a constant: see with_read_progress).
constexpr int kReadParts = 10;

std::string rate_text(double done, ProgressUnit unit, double seconds) {
  if (!(seconds > 0.0) || !(done > 0.0)) return "";
  char text[48];
  switch (unit) {
    case ProgressUnit::bytes:
      std::snprintf(text, sizeof text, "%.0f MiB/s", done / seconds / (1024.0 * 1024.0));
      break;
    case ProgressUnit::voxels:
      std::snprintf(text, sizeof text, "%.1f Mvoxel/s", done / seconds / 1e6);
      break;
    case ProgressUnit::steps:
      std::snprintf(text, sizeof text, "%.1f s/step", seconds / done);
      break;
  }
  return text;
}

std::string fixed_seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", seconds);
  return text;
}

std::string amount_text(double done, double total, ProgressUnit unit) {
  char text[48];
  const double mib = 1024.0 * 1024.0;
  if (unit == ProgressUnit::bytes)
    std::snprintf(text, sizeof text, total < 10 * mib ? "%.1f/%.1f MiB" : "%.0f/%.0f MiB",
                  done / mib, total / mib);
  else if (unit == ProgressUnit::voxels)
    std::snprintf(text, sizeof text, "%.1f/%.1f Mvoxel", done / 1e6, total / 1e6);
  else
    std::snprintf(text, sizeof text, "%.0f/%.0f steps", done, total);
  return text;
}

}  // namespace

std::string progress_text(const std::string& context, const std::string& phase, double done,
                          double total, ProgressUnit unit, double seconds) {
  const double fraction = total > 0.0 ? std::clamp(done / total, 0.0, 1.0) : 1.0;
  const int filled = static_cast<int>(std::floor(fraction * kBarWidth));
  std::string line = "  ";
  if (!context.empty()) line += "[" + context + "] ";
  char text[160];
  std::snprintf(text, sizeof text, "%-12s %s%s %3d%%  %s", phase.c_str(),
                std::string(static_cast<std::size_t>(filled), '#').c_str(),
                std::string(static_cast<std::size_t>(kBarWidth - filled), '.').c_str(),
                static_cast<int>(std::floor(fraction * 100.0)),
                amount_text(done, total, unit).c_str());
  line += text;
  const std::string rate = rate_text(done, unit, seconds);
  if (!rate.empty()) line += "  " + rate;
  std::snprintf(text, sizeof text, "  %.1f s", seconds);
  return line + text;
}

Progress::Progress(bool terminal, bool verbose, std::ostream& line_out, std::ostream& part_out)
    : terminal_(terminal), verbose_(verbose), line_out_(&line_out), part_out_(&part_out) {}

Progress::~Progress() {
  clear();
}

void Progress::step(const std::string& phase, double done, double total, ProgressUnit unit,
                    const std::string& part) {
  if (!terminal_ && !verbose_) return;
  const Clock::time_point now = Clock::now();
  PhaseState& state = phases_[phase];
  if (done <= 0.0 || done < state.done || state.start == Clock::time_point{}) {
    state.start = now;
    state.last_step = now;
    state.done = 0.0;
  }
  if (verbose_ && !part.empty()) {
    clear();
    const double seconds = std::chrono::duration<double>(now - state.last_step).count();
    const std::string rate = rate_text(done - state.done, unit, seconds);
    *part_out_ << "    " << phase << ": " << part << " done in " << fixed_seconds(seconds) << " s ("
               << amount_text(done, total, unit) << (rate.empty() ? "" : ", " + rate) << ")"
               << std::endl;
  }
  state.done = done;
  state.total = total;
  state.unit = unit;
  state.last_step = now;
  if (!terminal_) return;
  const bool finished = done >= total;
  if (drawn_ && phase == current_ && !finished &&
      std::chrono::duration<double>(now - last_draw_).count() < kRedrawSeconds)
    return;
  current_ = phase;
  draw(now);
}

void Progress::draw(Clock::time_point now) {
  const PhaseState& state = phases_[current_];
  const double seconds = std::chrono::duration<double>(now - state.start).count();
  *line_out_ << "\r\033[K"
             << progress_text(context_, current_, state.done, state.total, state.unit, seconds)
             << std::flush;
  last_draw_ = now;
  drawn_ = true;
}

void Progress::context(const std::string& text) {
  context_ = text;
}

void Progress::clear() {
  if (!drawn_) return;
  *line_out_ << "\r\033[K" << std::flush;
  drawn_ = false;
}

void Progress::redraw() {
  if (!terminal_ || drawn_ || current_.empty()) return;
  const PhaseState& state = phases_[current_];
  if (state.done < state.total) draw(Clock::now());
}

bool progress_wanted() {
  const char* setting = std::getenv("GRAPES_PROGRESS");
  if (setting && *setting) {
    for (const char* on : {"1", "always", "yes", "on"})
      if (std::strcmp(setting, on) == 0) return true;
    for (const char* off : {"0", "never", "no", "off"})
      if (std::strcmp(setting, off) == 0) return false;
  }
  return ::isatty(STDERR_FILENO) == 1;
}

namespace {

// read_box in kReadParts z-parts, a progress step after each (rank 0's box is the one shown).
class ProgressSource final : public VolumeSource {
 public:
  ProgressSource(std::unique_ptr<VolumeSource> source, const Logger& log, std::string phase)
      : source_(std::move(source)), log_(log), phase_(std::move(phase)) {}
  Index3 shape() const override { return source_->shape(); }
  DType dtype() const override { return source_->dtype(); }
  std::string describe() const override { return source_->describe(); }
  void read_box(const Box& box, void* destination) override {
    const double element = static_cast<double>(dtype_size(source_->dtype()));
    const double total = static_cast<double>(box.voxels()) * element;
    auto* out = static_cast<unsigned char*>(destination);
    double done = 0.0;
    log_.progress().step(phase_, 0.0, total, ProgressUnit::bytes);
    for (int part = 0; part < kReadParts; ++part) {
      const Box piece = z_part(box, part, kReadParts);
      source_->read_box(piece, out);
      const double bytes = static_cast<double>(piece.voxels()) * element;
      out += static_cast<std::size_t>(bytes);
      done += bytes;
      log_.progress().step(phase_, done, total, ProgressUnit::bytes);
    }
  }

 private:
  std::unique_ptr<VolumeSource> source_;
  const Logger& log_;
  std::string phase_;
};

}  // namespace

std::unique_ptr<VolumeSource> with_read_progress(std::unique_ptr<VolumeSource> source,
                                                 const Logger& log, const std::string& phase) {
  if (!source || !log.shows_progress()) return source;
  return std::make_unique<ProgressSource>(std::move(source), log, phase);
}

}  // namespace grapes
