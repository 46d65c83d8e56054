#pragma once
// grapes plot and grapes view: run a module of the Python package (`python3 -m grapes_hpc.plot
// ...`, `python3 -m grapes_hpc.view ...`) with the grapes_hpc package found next to the
// executable (<prefix>/share/grapes-hpc/python once installed) or in the source tree
// (python/), put first on PYTHONPATH.
#include <string>
#include <vector>

namespace grapes {

// One subcommand carried out by Python: `grapes <command>` runs `python -m <module>` once
// the interpreter has every one of `modules` (comma-separated); `program_variable` passes the
// program name to argparse's messages.
struct PythonTool {
  std::string command;
  std::string module;
  std::string modules;
  std::string program_variable;
};
extern const PythonTool kPlotTool;  // grapes plot: the paper's figures (matplotlib)
extern const PythonTool kViewTool;  // grapes view: the browser pages (Flask), docs/VIEW.md

// Folders that may hold the grapes_hpc package, in the order they are tried.
std::vector<std::string> python_package_candidates();

// Runs `<python> -m <tool.module> arguments...` on rank 0 (python: $GRAPES_PYTHON, else
// python3 on PATH, then /usr/bin/python3) and returns its exit status on every rank. Throws
// InputError (rank 0) when the interpreter cannot be started.
int run_python_tool(const PythonTool& tool, const std::vector<std::string>& arguments);

}  // namespace grapes
