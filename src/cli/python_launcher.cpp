#include "grapes/cli/python_launcher.hpp"

#include <mpi.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "grapes/core/error.hpp"
#include "grapes/core/interrupt.hpp"
#include "grapes/parallel/comm.hpp"

extern char** environ;

// Set by CMake for this file: the package folder relative to the installed executable, and
// the source tree's python/ folder (for running ./build/grapes without installing).
#ifndef GRAPES_BIN_TO_PYTHON
#define GRAPES_BIN_TO_PYTHON "../share/grapes-hpc/python"
#endif
#ifndef GRAPES_SOURCE_PYTHON_DIR
#define GRAPES_SOURCE_PYTHON_DIR ""
#endif

namespace grapes {

namespace {

namespace fs = std::filesystem;

std::string executable_folder() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  return error ? std::string() : self.parent_path().string();
}

bool holds_package(const std::string& folder) {
  std::error_code error;
  return !folder.empty() && fs::exists(fs::path(folder) / "grapes_hpc" / "plot.py", error);
}

// The environment of the child: PYTHONPATH with `package` first, the program name for
// argparse's messages (GRAPES_PLOT_PROG=grapes plot).
std::vector<std::string> child_environment(const std::string& package, const PythonTool& tool) {
  const std::string program_variable = tool.program_variable + "=";
  std::vector<std::string> out;
  std::string python_path = package;
  for (char** entry = environ; *entry; ++entry) {
    const std::string text = *entry;
    if (text.rfind("PYTHONPATH=", 0) == 0) {
      const std::string old = text.substr(11);
      if (!old.empty()) python_path += (python_path.empty() ? "" : ":") + old;
    } else if (text.rfind(program_variable, 0) != 0) {
      out.push_back(text);
    }
  }
  if (!python_path.empty()) out.push_back("PYTHONPATH=" + python_path);
  out.push_back(program_variable + "grapes " + tool.command);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& texts) {
  std::vector<char*> out;
  for (std::string& text : texts) out.push_back(text.data());
  out.push_back(nullptr);
  return out;
}

// Runs `python arguments...` and waits; -1 with errno set when it cannot be started.
int spawn_and_wait(const std::string& python, std::vector<std::string> arguments,
                   std::vector<std::string> environment) {
  arguments.insert(arguments.begin(), python);
  std::vector<char*> argv = pointers(arguments);
  std::vector<char*> envp = pointers(environment);
  pid_t child = 0;
  const int status =
      posix_spawnp(&child, python.c_str(), nullptr, nullptr, argv.data(), envp.data());
  if (status != 0) {
    errno = status;
    return -1;
  }
  // A SIGTERM/SIGINT caught by our handler (interrupt.hpp) is passed on to the child once,
  // so `kill` or scancel of grapes view/plot stops the server too instead of orphaning it.
  int wait_status = 0;
  bool forwarded = false;
  while (waitpid(child, &wait_status, 0) < 0) {
    if (errno != EINTR) return -1;
    if (!forwarded && pending_signal() != 0) {
      kill(child, pending_signal());
      forwarded = true;
    }
  }
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  return 128 + (WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0);
}

std::string searched_list() {
  std::string text;
  for (const std::string& folder : python_package_candidates())
    text += (text.empty() ? "" : ", ") + folder;
  return text;
}

// Checked before the tool runs, so a missing module is one line naming it, not a traceback.
// argv: the folders searched for grapes_hpc, "quiet" or "report", the command, the modules.
constexpr const char* kCheckModules = R"py(import importlib.util, sys
missing = [n for n in sys.argv[4].split(",") if importlib.util.find_spec(n) is None]
if importlib.util.find_spec("grapes_hpc") is None:
    missing.append("the grapes_hpc package (looked in " + sys.argv[1] + " and the interpreter's "
                   "path: pip install <grapes-hpc source>/python, or set PYTHONPATH)")
if missing and sys.argv[2] == "quiet":
    sys.exit(3)
if missing:
    sys.exit("error: grapes " + sys.argv[3] + ": " + sys.executable + " lacks " + ", ".join(missing) +
             "; set GRAPES_PYTHON to an interpreter that has them")
)py";

// The interpreters tried in order: GRAPES_PYTHON alone when set; otherwise python3 on PATH,
// then Debian's own (a pyenv or conda python3 first on PATH often lacks the python3-* packages).
std::vector<std::string> python_candidates() {
  const char* chosen = std::getenv("GRAPES_PYTHON");
  if (chosen && *chosen) return {chosen};
  return {"python3", "/usr/bin/python3"};
}

int tool_on_this_rank(const PythonTool& tool, const std::vector<std::string>& arguments) {
  std::string package;
  for (const std::string& folder : python_package_candidates())
    if (holds_package(folder)) {
      package = folder;
      break;
    }
  const std::vector<std::string> environment = child_environment(package, tool);
  const std::vector<std::string> candidates = python_candidates();
  std::string python;
  int status = -1;
  for (std::size_t i = 0; i < candidates.size() && status != 0; ++i) {
    python = candidates[i];
    const bool last = i + 1 == candidates.size();
    status = spawn_and_wait(python,
                            {"-c", kCheckModules, searched_list(), last ? "report" : "quiet",
                             tool.command, tool.modules},
                            environment);
  }
  const std::string name = "grapes " + tool.command;
  if (status < 0)
    throw InputError(name + " needs Python 3 with " + tool.modules + ": cannot run '" + python +
                     "' (" + std::strerror(errno) +
                     "); put python3 on PATH or set GRAPES_PYTHON to an interpreter");
  if (status != 0) return 2;  // the check said what is missing
  std::vector<std::string> command = {"-m", tool.module};
  command.insert(command.end(), arguments.begin(), arguments.end());
  status = spawn_and_wait(python, command, environment);
  if (status < 0) throw InputError(name + ": cannot run '" + python + "': " + std::strerror(errno));
  return status;
}

}  // namespace

std::vector<std::string> python_package_candidates() {
  std::vector<std::string> out;
  const std::string folder = executable_folder();
  if (!folder.empty())
    out.push_back((fs::path(folder) / GRAPES_BIN_TO_PYTHON).lexically_normal().string());
  if (std::string(GRAPES_SOURCE_PYTHON_DIR).size()) out.push_back(GRAPES_SOURCE_PYTHON_DIR);
  return out;
}

const PythonTool kPlotTool{"plot", "grapes_hpc.plot", "h5py,numpy,pandas,matplotlib",
                           "GRAPES_PLOT_PROG"};
const PythonTool kViewTool{"view", "grapes_hpc.view", "h5py,numpy,pandas,flask,yaml",
                           "GRAPES_VIEW_PROG"};

int run_python_tool(const PythonTool& tool, const std::vector<std::string>& arguments) {
  MPI_Comm comm = MPI_COMM_WORLD;
  int status = 0;
  agree_or_throw(comm, [&] {
    if (comm_rank(comm) == 0) status = tool_on_this_rank(tool, arguments);
  });
  return broadcast_value(comm, status);
}

}  // namespace grapes
