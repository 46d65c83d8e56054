#pragma once
// RAII for the process-wide runtimes: MPI_Init/Finalize and Kokkos initialize/finalize.
namespace grapes {

class Runtime {
 public:
  Runtime(int& argc, char**& argv);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
};

}  // namespace grapes
