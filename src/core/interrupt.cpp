#include "grapes/core/interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace grapes {

namespace {

constexpr int kSlots = 16;
constexpr std::size_t kPathBytes = 4096;

// The registry of temporary files. A slot's path is written before the slot is marked used,
// and the mark is cleared before the path changes, so the handler never reads a half-written
// path.
char g_paths[kSlots][kPathBytes];
volatile sig_atomic_t g_used[kSlots];
volatile sig_atomic_t g_signal = 0;
pid_t g_parent = 0;  // 0: not started by a launcher (nothing to watch)

extern "C" void on_interrupt(int signal_number) {
  const int saved = errno;
  for (int i = 0; i < kSlots; ++i)
    if (g_used[i]) ::unlink(g_paths[i]);
  g_signal = signal_number;
  errno = saved;
}

bool started_by_launcher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(name)) return true;
  return false;
}

const char* signal_name(int signal_number) {
  switch (signal_number) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT (Ctrl-C)";
    default:
      return "a signal";
  }
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a second signal takes the default action: it kills
  for (const int signal_number : {SIGTERM, SIGINT}) {
    struct sigaction old {};
    // A signal ignored from the start stays ignored (a shell's background job ignores SIGINT).
    if (sigaction(signal_number, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    sigaction(signal_number, &action, nullptr);
  }
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, nullptr);
  g_parent = started_by_launcher() ? ::getppid() : 0;
}

int pending_signal() {
  return g_signal;
}

bool launcher_gone() {
  return g_parent != 0 && ::getppid() != g_parent;
}

std::string interruption_reason() {
  if (const int signal_number = pending_signal())
    return std::string("interrupted by ") + signal_name(signal_number);
  if (launcher_gone())
    return "the MPI launcher (pid " + std::to_string(g_parent) + ") has gone: the job was ended";
  return "";
}

void register_temporary(const std::string& path) {
  if (path.size() >= kPathBytes) return;
  for (int i = 0; i < kSlots; ++i) {
    if (g_used[i]) continue;
    std::memcpy(g_paths[i], path.c_str(), path.size() + 1);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    g_used[i] = 1;
    return;
  }
}

void unregister_temporary(const std::string& path) {
  for (int i = 0; i < kSlots; ++i) {
    if (g_used[i] && path == g_paths[i]) {
      g_used[i] = 0;
      std::atomic_signal_fence(std::memory_order_seq_cst);
    }
  }
}

}  // namespace grapes
