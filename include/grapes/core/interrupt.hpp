#pragma once
// SIGTERM and SIGINT (Ctrl-C, scancel, a Slurm time limit) and a launcher that died: the run
// stops on every rank at the next collective agreement (agree_or_throw, comm.hpp), with a
// non-zero exit and no result renamed into place (docs/OUTPUT.md, "Interrupted runs").
//
// The handler only does async-signal-safe things: it unlinks the temporary files registered
// here (so a SIGKILL that follows the SIGTERM, as mpiexec and Slurm send it a moment later,
// leaves nothing behind) and sets a flag. A second signal of the same kind kills the process
// at once (the default action is restored by the first).
#include <string>

namespace grapes {

// Installs the handlers for SIGTERM and SIGINT (unless the signal was ignored when the process
// started, as a shell's background job ignores SIGINT), ignores SIGPIPE (a rank whose mpiexec died
// must reach the next agreement, not die writing to a closed pipe), and records the parent
// process when the process was started by an MPI launcher (mpiexec, srun). Call once, after
// MPI_Init (some MPI libraries install their own handlers there).
void install_interrupt_handlers();

// The signal caught (SIGTERM, SIGINT), or 0.
int pending_signal();

// Whether the process was started by an MPI launcher that has gone since (its parent
// changed: mpiexec was killed and the job declared failed; orphaned ranks must not go on to
// rename a result into place). Always false for a process started without a launcher.
bool launcher_gone();

// "" when the run may go on; else why it must stop ("interrupted by SIGTERM", "the MPI
// launcher (pid 1234) has gone: the job was ended").
std::string interruption_reason();

// Temporary files to unlink when a signal arrives (at most 16 at once, paths up to 4095
// bytes; a file that does not fit is still removed by its owner on the way out).
void register_temporary(const std::string& path);
void unregister_temporary(const std::string& path);

}  // namespace grapes
