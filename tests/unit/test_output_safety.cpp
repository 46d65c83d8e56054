// Hostile-input guards that need no volume: odd output paths, an output that is an input, stale
// temporaries of killed runs, the wording of allocation failures, the layer-count bound and the
// block-growth limit of tiny blocks.
#include <gtest/gtest.h>
#include <mpi.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <stdexcept>
#include <string>

#include "grapes/core/error.hpp"
#include "grapes/core/failure_text.hpp"
#include "grapes/output/output.hpp"
#include "grapes/parallel/ghost_width.hpp"

namespace grapes {
namespace {

namespace fs = std::filesystem;

#define EXPECT_HAS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << (text)

// A fresh folder per test, removed afterwards.
class Folder : public ::testing::Test {
 protected:
  void SetUp() override {
    char name[] = "/tmp/grapes-output-safety.XXXXXX";
    ASSERT_NE(mkdtemp(name), nullptr);
    dir_ = name;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  void touch(const std::string& name) const { std::ofstream(path(name)) << "x"; }
  std::string dir_;
};

template <class F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST_F(Folder, OutputPathMustNameAFile) {
  fs::create_directory(path("sub"));
  EXPECT_HAS(input_error([&] { check_output_path(path("sub")); }), "is an existing folder");
  EXPECT_HAS(input_error([&] { check_output_path(path("sub")); }), "'" + path("sub") + "'");
  EXPECT_HAS(input_error([&] { check_output_path(path("sub/")); }), "ends in '/'");
  EXPECT_HAS(input_error([&] { check_output_path("/dev/null"); }), "not a regular file");
  EXPECT_HAS(input_error([&] { check_output_path(path("none/out.h5")); }), "does not exist");
  EXPECT_EQ(input_error([&] { check_output_path(path("out.h5")); }), "");
  touch("old.h5");  // an earlier result is replaced
  EXPECT_EQ(input_error([&] { check_output_path(path("old.h5")); }), "");
}

TEST_F(Folder, OutputMustNotBeAnInput) {
  touch("in.h5");
  fs::create_hard_link(path("in.h5"), path("hard.h5"));
  fs::create_symlink(path("in.h5"), path("soft.h5"));
  const std::vector<NamedPath> inputs{{"input.grey.path", path("in.h5")}};
  const auto message = [&](const std::string& output) {
    return input_error([&] { check_output_not_input("output.path", output, inputs); });
  };
  EXPECT_HAS(message(path("in.h5")), "is the same path as input.grey.path");
  EXPECT_HAS(message(dir_ + "/./in.h5"), "output.path");
  EXPECT_HAS(message(path("hard.h5")), "the same file");
  EXPECT_HAS(message(path("soft.h5")), "symbolic link");
  EXPECT_EQ(message(path("other.h5")), "");  // not there yet
  touch("other.h5");
  EXPECT_EQ(message(path("other.h5")), "");
  // A folder of TIFF slices: a .tif written into it would become a slice.
  fs::create_directory(path("slices"));
  const std::vector<NamedPath> folder{{"input.labels.path", path("slices")}};
  EXPECT_HAS(
      input_error([&] { check_output_not_input("output.path", path("slices/s_99.tif"), folder); }),
      "inside the folder of TIFF slices of input.labels.path");
  EXPECT_EQ(
      input_error([&] { check_output_not_input("output.path", path("slices/result.h5"), folder); }),
      "");
}

TEST_F(Folder, StaleTemporariesOfDeadProcessesAreRemoved) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);  // a pid that is no process now
  const std::string output = path("out.h5");
  EXPECT_EQ(temporary_name(output, 42), path(".out.h5.tmp-42"));
  const std::string dead = temporary_name(output, child);
  const std::string alive = temporary_name(output, getppid());
  const std::string mine = temporary_name(output, getpid());
  for (const std::string& name : {dead, alive, mine, path(".out.h5.tmp-12ab"),
                                  path(".other.h5.tmp-" + std::to_string(child))})
    std::ofstream(name) << "x";
  const std::vector<std::string> removed = remove_stale_temporaries(output);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0], dead);
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(alive));
  EXPECT_TRUE(fs::exists(mine));
  EXPECT_TRUE(fs::exists(path(".out.h5.tmp-12ab")));
  EXPECT_TRUE(fs::exists(path(".other.h5.tmp-" + std::to_string(child))));
}

TEST(FailureText, KokkosAllocationFailuresNameWhatAndHowMuch) {
  const std::runtime_error kokkos(
      "Kokkos failed to allocate memory for label \"grapes::grey\".  Allocation using "
      "MemorySpace named \"Host\" failed with the following error:  Allocation of size 9.313e+05 "
      "G failed, likely due to insufficient memory.  (The allocation mechanism was standard "
      "malloc().)\n\nTraceback functionality not available\n");
  const std::string text = failure_text(kokkos, 1);
  EXPECT_HAS(text, "not enough memory on rank 1");
  EXPECT_HAS(text, "input.grey");
  EXPECT_HAS(text, "9.313e+05 GB");
  EXPECT_EQ(text.find("Traceback"), std::string::npos) << text;
  EXPECT_HAS(failure_text(std::bad_alloc(), 0), "not enough memory on rank 0");
  EXPECT_EQ(failure_text(std::runtime_error("HDF5: write failed"), 0), "HDF5: write failed");
}

TEST(LayerCount, AbsurdLayerTablesAreAConfigError) {
  GhostChoice ghost;
  ghost.global_bound = 5.0;
  ghost.largest = 11;
  EXPECT_NO_THROW(check_layer_count(ghost, 1.0, MPI_COMM_WORLD));
  EXPECT_NO_THROW(check_layer_count(ghost, 5e-6, MPI_COMM_WORLD));  // 1e6 layers
  const std::string message = input_error([&] { check_layer_count(ghost, 1e-9, MPI_COMM_WORLD); });
  EXPECT_HAS(message, "analysis.layer_width = 1e-09");
  EXPECT_HAS(message, "particle 11");
  EXPECT_HAS(message, "at least 5e-06");
}

TEST(BlockGrowth, OnlyBlocksWhoseMemoryMattersAreRefused) {
  GhostChoice ghost;
  ghost.width = {3, 3, 3};
  ghost.largest = 1;
  // A 3^3 cube on four ranks: a block 9x its owned box, 27 voxels.
  EXPECT_NO_THROW(check_block_growth(8.0, ghost, Box{{0, 0, 0}, {1, 1, 3}},
                                     Box{{0, 0, 0}, {3, 3, 3}}, 0, MPI_COMM_WORLD));
  // The same growth of a 512^3 box (boxes only: nothing is allocated).
  const std::string message = input_error([&] {
    check_block_growth(8.0, ghost, Box{{0, 0, 0}, {171, 171, 512}}, Box{{0, 0, 0}, {512, 512, 512}},
                       0, MPI_COMM_WORLD);
  });
  EXPECT_HAS(message, "decomposition.max_block_growth");
  EXPECT_HAS(message, "Label 1");
}

}  // namespace
}  // namespace grapes
