// The progress reporter (progress.hpp): the line's text, when it is drawn, erased and drawn
// again, the --verbose part lines, and that an off reporter writes nothing.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "grapes/run/progress.hpp"

namespace grapes {
namespace {

const std::string kErase = "\r\033[K";
constexpr double kMiB = 1024.0 * 1024.0;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ProgressText, PhaseBarPercentAmountRateElapsed) {
  EXPECT_EQ(progress_text("", "read grey", 512 * kMiB, 1024 * kMiB, ProgressUnit::bytes, 2.0),
            "  read grey    #####.....  50%  512/1024 MiB  256 MiB/s  2.0 s");
  EXPECT_EQ(progress_text("step 2 of 4 '4.2V'", "kernels", 3e6, 4e6, ProgressUnit::voxels, 1.5),
            "  [step 2 of 4 '4.2V'] kernels      #######...  75%  3.0/4.0 Mvoxel  2.0 Mvoxel/s  "
            "1.5 s");
  EXPECT_EQ(progress_text("", "series", 1, 3, ProgressUnit::steps, 6.0),
            "  series       ###.......  33%  1/3 steps  6.0 s/step  6.0 s");
}

TEST(ProgressText, NoRateAtTheStartAndSmallSizesWithADecimal) {
  EXPECT_EQ(progress_text("", "read labels", 0, 3 * kMiB, ProgressUnit::bytes, 0.0),
            "  read labels  ..........   0%  0.0/3.0 MiB  0.0 s");
  EXPECT_EQ(progress_text("", "x", 5, 5, ProgressUnit::voxels, 0.0),
            "  x            ########## 100%  0.0/0.0 Mvoxel  0.0 s");
  // Nothing to do counts as done; more than the total is capped.
  EXPECT_NE(progress_text("", "x", 0, 0, ProgressUnit::steps, 1.0).find("100%"), std::string::npos);
  EXPECT_NE(progress_text("", "x", 7, 5, ProgressUnit::steps, 1.0).find("100%"), std::string::npos);
}

TEST(Progress, TerminalLineIsDrawnErasedAndRedrawnWhileUnfinished) {
  std::ostringstream line, parts;
  {
    Progress progress(true, false, line, parts);
    progress.step("kernels", 0, 10, ProgressUnit::voxels);
    EXPECT_EQ(count(line.str(), kErase), 1u);
    EXPECT_NE(line.str().find("kernels"), std::string::npos);
    progress.step("kernels", 1, 10, ProgressUnit::voxels);  // within 0.1 s: not drawn again
    EXPECT_EQ(count(line.str(), kErase), 1u);
    progress.clear();
    EXPECT_EQ(line.str().substr(line.str().size() - kErase.size()), kErase);
    progress.redraw();  // unfinished: back on the terminal
    EXPECT_EQ(count(line.str(), kErase), 3u);
    EXPECT_NE(line.str().rfind("10%"), std::string::npos);
    progress.step("kernels", 10, 10, ProgressUnit::voxels);  // finished: always drawn
    EXPECT_NE(line.str().rfind("100%"), std::string::npos);
    const std::size_t before = line.str().size();
    progress.clear();
    progress.redraw();  // finished: stays erased
    EXPECT_EQ(line.str().size(), before + kErase.size());
  }
  EXPECT_TRUE(parts.str().empty());
}

TEST(Progress, ErasesItsLineWhenDestroyed) {
  std::ostringstream line, parts;
  {
    Progress progress(true, false, line, parts);
    progress.step("read grey", 0, 100, ProgressUnit::bytes);
  }
  EXPECT_EQ(line.str().substr(line.str().size() - kErase.size()), kErase);
}

TEST(Progress, VerbosePrintsALinePerPartWithoutATerminal) {
  std::ostringstream line, parts;
  Progress progress(false, true, line, parts);
  progress.step("kernels", 0, 4e6, ProgressUnit::voxels);
  progress.step("kernels", 2e6, 4e6, ProgressUnit::voxels, "slab 1 of 2");
  progress.step("kernels", 3e6, 4e6, ProgressUnit::voxels);  // no part: no line
  progress.step("kernels", 4e6, 4e6, ProgressUnit::voxels, "slab 2 of 2");
  EXPECT_TRUE(line.str().empty());
  const std::string text = parts.str();
  EXPECT_EQ(count(text, "\n"), 2u) << text;
  EXPECT_EQ(text.rfind("    kernels: slab 1 of 2 done in ", 0), 0u) << text;
  EXPECT_NE(text.find("(2.0/4.0 Mvoxel"), std::string::npos) << text;
  EXPECT_NE(text.find("    kernels: slab 2 of 2 done in "), std::string::npos) << text;
}

TEST(Progress, OffWritesNothing) {
  std::ostringstream line, parts;
  Progress progress(false, false, line, parts);
  progress.context("step 1 of 2 'a'");
  progress.step("read grey", 0, 10, ProgressUnit::bytes, "part");
  progress.step("read grey", 10, 10, ProgressUnit::bytes, "part");
  progress.clear();
  progress.redraw();
  EXPECT_TRUE(line.str().empty());
  EXPECT_TRUE(parts.str().empty());
  Progress none;  // the default reporter: off
  none.step("x", 1, 2, ProgressUnit::steps, "y");
}

TEST(Progress, PhasesKeepTheirOwnClock) {
  std::ostringstream line, parts;
  Progress progress(true, true, line, parts);
  progress.context("step 1 of 3 'prist'");
  progress.step("first pass", 0, 8, ProgressUnit::voxels);
  progress.step("read grey", 0, 4, ProgressUnit::bytes);
  progress.step("read grey", 4, 4, ProgressUnit::bytes);
  progress.step("first pass", 8, 8, ProgressUnit::voxels, "box");
  EXPECT_NE(line.str().find("[step 1 of 3 'prist'] read grey"), std::string::npos);
  EXPECT_NE(line.str().rfind("[step 1 of 3 'prist'] first pass   ########## 100%"),
            std::string::npos);
  EXPECT_NE(parts.str().find("first pass: box done in "), std::string::npos);
}

}  // namespace
}  // namespace grapes
