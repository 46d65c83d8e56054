#include "grapes/run/runtime.hpp"

#include <mpi.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "grapes/core/interrupt.hpp"
#include "grapes/core/kokkos_compat.hpp"
#include "grapes/io/hdf5_calls.hpp"

namespace grapes {

Runtime::Runtime(int& argc, char**& argv) {
  // OpenMPI 4.1.x's default MPI-IO component (OMPIO) returns wrong voxels for collective
  // HDF5 reads at 3+ ranks (open-mpi/ompi#10546) and has hung collective writes with HDF5
  // 1.10 (HDFGroup/hdf5#1227). ROMIO has neither problem. Only a default: a user's own
  // OMPI_MCA_io setting wins. Other MPI libraries ignore the variable.
  setenv("OMPI_MCA_io", "^ompio", 0);
  MPI_Init(&argc, &argv);
  // Errors come back as codes so they can become exceptions and a collective agreement.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  // Our messages name the file and dataset; HDF5's own stack dumps (a hundred lines per rank
  // on a full disk) would bury them.
  h5::silence_automatic_errors();
  // SIGTERM/SIGINT stop the run at the next agreement, temporaries removed (interrupt.hpp).
  install_interrupt_handlers();
  // Kokkos sees only its own --kokkos-* flags (device id, threads; the CLI ignores them):
  // given the whole command line it would also take `--help` as its own.
  std::vector<char*> kokkos_arguments{argv[0]};
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], "--kokkos-", 9) == 0) kokkos_arguments.push_back(argv[i]);
  int kokkos_count = static_cast<int>(kokkos_arguments.size());
  kokkos_arguments.push_back(nullptr);
  Kokkos::initialize(kokkos_count, kokkos_arguments.data());
}

Runtime::~Runtime() {
  Kokkos::finalize();
  MPI_Finalize();
}

}  // namespace grapes
