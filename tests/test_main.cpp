// GoogleTest main shared by every test: MPI and Kokkos live for the whole process, and only
// rank 0 prints gtest's progress so 4-rank runs stay readable (failures on any rank still
// fail the process, and ctest reports the exit code).
#include <gtest/gtest.h>
#include <mpi.h>

#include <memory>

#include "grapes/run/runtime.hpp"

int main(int argc, char** argv) {
  grapes::Runtime runtime(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    std::unique_ptr<::testing::TestEventListener> silenced(
        listeners.Release(listeners.default_result_printer()));
  }
  const int local_failed = RUN_ALL_TESTS();
  int any_failed = 0;
  MPI_Allreduce(&local_failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any_failed;
}
