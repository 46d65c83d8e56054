#pragma once
// Progress of the phases that take seconds (reading, the kernels of each slab, the steps of a
// series), on rank 0 only, through the Logger (logger.hpp):
//  - on a terminal (stderr is a tty, or GRAPES_PROGRESS=1): one line rewritten in place,
//      "  [step 2 of 4 '4.2V'] read grey    ######....  61%  412 MiB/s  0.8 s"
//    at most every 0.1 s, erased before any other output;
//  - with --verbose: also one line per finished slab or step on stdout (batch logs too);
//  - otherwise nothing: the per-phase lines of PhaseClock are the batch log.
// Whatever is shown, the per-phase times in the result file are the same.
#include <chrono>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>

#include "grapes/io/source.hpp"

namespace grapes {

class Logger;

enum class ProgressUnit { bytes, voxels, steps };

// One progress line's text (without '\r'): context, phase, bar, percent, rate, elapsed. Pure,
// for the tests. `seconds` is the time since the phase started; no rate while it is 0.
std::string progress_text(const std::string& context, const std::string& phase, double done,
                          double total, ProgressUnit unit, double seconds);

class Progress {
 public:
  // Off: every call does nothing (ranks other than 0, --quiet, a batch log without --verbose).
  Progress() = default;
  // `terminal`: draw the line on `line_out`; `verbose`: print finished parts on `part_out`.
  Progress(bool terminal, bool verbose, std::ostream& line_out, std::ostream& part_out);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // `done` of `total` units of `phase` are finished. A new phase name, or `done` going back,
  // starts the phase's clock; call it with done = 0 when the phase starts. `part` names what
  // just finished ("slab 2 of 5") for the verbose line.
  void step(const std::string& phase, double done, double total, ProgressUnit unit,
            const std::string& part = "");
  // Text shown before the phase, e.g. "step 2 of 4 '4.2V'" ("" for none).
  void context(const std::string& text);
  // Erases the line, so the next output starts at the left margin.
  void clear();
  // Draws the line again after other output, while its phase is unfinished (the elapsed time
  // keeps counting while a kernel runs).
  void redraw();

 private:
  using Clock = std::chrono::steady_clock;
  // Each phase's clock: phases interleave (the first pass around the reads of its slabs).
  struct PhaseState {
    Clock::time_point start{};
    Clock::time_point last_step{};
    double done = 0.0;
    double total = 0.0;
    ProgressUnit unit = ProgressUnit::bytes;
  };
  void draw(Clock::time_point now);

  bool terminal_ = false;
  bool verbose_ = false;
  std::ostream* line_out_ = nullptr;
  std::ostream* part_out_ = nullptr;
  std::string context_;
  std::map<std::string, PhaseState> phases_;
  std::string current_;  // the phase on the line
  Clock::time_point last_draw_{};
  bool drawn_ = false;  // a line is on the terminal
};

// Whether rank 0 should draw progress lines: GRAPES_PROGRESS=1 (or always/yes) forces them,
// 0 (never/no) turns them off, otherwise when stderr is a terminal.
bool progress_wanted();

// `source` read in a fixed number of z-parts with a progress step after each, named `phase`
// ("read grey"), when `log` shows progress (the same answer on every rank, so every rank
// makes the same number of read_box calls); else `source` itself.
std::unique_ptr<VolumeSource> with_read_progress(std::unique_ptr<VolumeSource> source,
                                                 const Logger& log, const std::string& phase);

}  // namespace grapes
