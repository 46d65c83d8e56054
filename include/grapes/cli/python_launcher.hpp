#pragma once
// grapes plot: runs the Python figures module (`python3 -m grapes_hpc.plot ...`) with the
// grapes_hpc package found next to the executable (<prefix>/share/grapes-hpc/python once
// installed) or in the source tree (python/), put first on PYTHONPATH.
#include <string>
#include <vector>

namespace grapes {

// Folders that may hold the grapes_hpc package, in the order they are tried.
std::vector<std::string> python_package_candidates();

// Runs `<python> -m grapes_hpc.plot arguments...` on rank 0 (python: $GRAPES_PYTHON, else
// python3 on PATH) and returns its exit status on every rank. Throws InputError (rank 0) when
// the interpreter cannot be started or the package is nowhere to be found.
int run_python_plot(const std::vector<std::string>& arguments);

}  // namespace grapes
