#include "grapes/runtime.hpp"

#include <mpi.h>

#include "grapes/kokkos_compat.hpp"

namespace grapes {

Runtime::Runtime(int& argc, char**& argv) {
  MPI_Init(&argc, &argv);
  // Errors come back as codes so they can become exceptions and a collective agreement.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
#if GRAPES_KOKKOS_4
  Kokkos::initialize(Kokkos::InitializationSettings().set_disable_warnings(true));
#else
  Kokkos::InitArguments arguments;
  arguments.disable_warnings = true;
  Kokkos::initialize(arguments);
#endif
  (void)argc;
  (void)argv;
}

Runtime::~Runtime() {
  Kokkos::finalize();
  MPI_Finalize();
}

}  // namespace grapes
