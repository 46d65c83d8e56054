# Spack recipe for GRAPES-HPC (distributed grey-level analysis of particles in tomograms).
#
#   spack repo add packaging/spack                      # this folder is a Spack package repo
#   spack install grapes-hpc@main +openmp               # CPU nodes (Kokkos OpenMP)
#   spack install grapes-hpc@main +cuda cuda_arch=90    # NVIDIA H100/H200 (Kokkos CUDA)
#   spack load grapes-hpc && grapes run inputs/demo.yaml && grapes plot results/demo.h5
#
# From a local checkout instead of the git URL: `spack develop --path . grapes-hpc@main`
# in an environment, then `spack install`. Untested here (no Spack on the development
# machine); `python3 packaging/spack/check_recipe.py` runs the directives against a stub.
from spack.package import *  # noqa: F403 (Spack's recipe convention)


class GrapesHpc(CMakePackage, CudaPackage):
    """GRAPES-HPC: the GREAT2 radial grey-level analysis of the GRAPES toolkit (Jones et al.
    2025) as a C++17 MPI + Kokkos application, with the grapes_hpc Python package (pandas
    tables in GRAPES's shape, the paper's figures via `grapes plot`)."""

    # EDIT: your GRAPES-HPC repository (or use `spack develop` on a checkout). The method
    # it implements: https://github.com/MPJ-Imaging/GRAPES
    homepage = "https://github.com/your-org/grapes-hpc"
    git = "https://github.com/your-org/grapes-hpc.git"

    version("main", branch="main")

    variant("openmp", default=True, description="Kokkos OpenMP backend for CPU threads")
    # +cuda and cuda_arch=... come from CudaPackage.

    depends_on("cmake@3.18:", type="build")
    depends_on("mpi")
    depends_on("hdf5+mpi")
    depends_on("kokkos@3.4:")
    depends_on("kokkos+openmp", when="+openmp")
    depends_on("kokkos~openmp", when="~openmp")
    depends_on("kokkos+cuda+wrapper+cuda_lambda", when="+cuda")
    depends_on("kokkos~cuda", when="~cuda")
    for _arch in CudaPackage.cuda_arch_values:
        depends_on(f"kokkos cuda_arch={_arch}", when=f"+cuda cuda_arch={_arch}")
    conflicts("+cuda", when="cuda_arch=none", msg="+cuda needs cuda_arch=<sm> (90 for H100/H200)")
    depends_on("yaml-cpp")
    depends_on("libtiff")
    depends_on("cli11")
    depends_on("boost@1.74:")  # header-only Boost.Math (the series t-tests)
    depends_on("eigen@3.3:")  # header-only: the 3x3 eigen-problems of the shape columns
    depends_on("googletest", type="test")

    # grapes plot and the grapes_hpc package.
    depends_on("python@3.8:", type="run")
    depends_on("py-numpy", type="run")
    depends_on("py-h5py", type="run")
    depends_on("py-pandas", type="run")
    depends_on("py-matplotlib", type="run")
    depends_on("py-pyyaml", type="run")

    def cmake_args(self):
        args = [
            self.define("GRAPES_BUILD_TESTS", self.run_tests),
            # Spack compiles for the spec's target; no -march=native of the build node.
            self.define("GRAPES_NATIVE", False),
        ]
        if self.spec.satisfies("+cuda"):
            args.append(self.define("CMAKE_CXX_COMPILER", self.spec["kokkos"].kokkos_cxx))
        return args

    def setup_run_environment(self, env):
        """grapes plot and `import grapes_hpc` find the installed package and interpreter."""
        env.prepend_path("PYTHONPATH", join_path(self.prefix.share, "grapes-hpc", "python"))
        env.set("GRAPES_PYTHON", self.spec["python"].command.path)
        # ROMIO rather than OpenMPI's OMPIO for parallel HDF5 (see the README).
        if self.spec.satisfies("^openmpi"):
            env.set("OMPI_MCA_io", "^ompio")
