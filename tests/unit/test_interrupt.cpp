// SIGTERM during a run (its own executable: the caught signal stays pending for the process).
// The handler removes the registered temporaries at once, and the next collective agreement
// throws Interrupted on every rank.
#include <gtest/gtest.h>
#include <mpi.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "grapes/core/error.hpp"
#include "grapes/core/interrupt.hpp"
#include "grapes/parallel/comm.hpp"

namespace grapes {
namespace {

bool exists(const std::string& path) {
  return access(path.c_str(), F_OK) == 0;
}

TEST(Interrupt, SigtermRemovesTemporariesAndStopsTheNextAgreement) {
  // The test main (Runtime) installed the handlers, as grapes does.
  const std::string registered = "/tmp/grapes-interrupt-" + std::to_string(getpid()) + ".a";
  const std::string released = "/tmp/grapes-interrupt-" + std::to_string(getpid()) + ".b";
  std::ofstream(registered) << "partial result";
  std::ofstream(released) << "finished result";
  register_temporary(registered);
  register_temporary(released);
  unregister_temporary(released);  // renamed into place: no longer a temporary
  EXPECT_EQ(pending_signal(), 0);
  EXPECT_NO_THROW(agree_or_throw(MPI_COMM_WORLD, [] {}));

  ASSERT_EQ(raise(SIGTERM), 0);
  EXPECT_EQ(pending_signal(), SIGTERM);
  EXPECT_FALSE(exists(registered));
  EXPECT_TRUE(exists(released));
  EXPECT_NE(interruption_reason().find("SIGTERM"), std::string::npos);
  try {
    agree_or_throw(MPI_COMM_WORLD, [] {});
    ADD_FAILURE() << "the agreement after SIGTERM did not throw";
  } catch (const Interrupted& error) {
    EXPECT_EQ(error.signal_number(), SIGTERM);
    EXPECT_NE(std::string(error.what()).find("interrupted by SIGTERM"), std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(launcher_gone());  // the parent is the same as at start
  std::remove(released.c_str());
}

}  // namespace
}  // namespace grapes
