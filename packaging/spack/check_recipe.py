"""Runs packaging/spack/package.py's directives against a stub of ``spack.package``.

Spack is not installed on the development machine; this catches syntax errors, misspelt
directive names and a cmake_args()/setup_run_environment() that fail for the main variants.
It does not concretize or build anything.   python3 packaging/spack/check_recipe.py
"""

import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
calls = {"version": [], "variant": [], "depends_on": [], "conflicts": [], "license": []}


def directive(name):
    def record(*args, **kwargs):
        calls[name].append((args, kwargs))
    return record


class Spec:
    """The few spec queries the recipe makes."""

    def __init__(self, text):
        self.text = text

    def satisfies(self, query):
        return all(part in self.text.split() for part in query.split())

    def __getitem__(self, name):
        return types.SimpleNamespace(kokkos_cxx="/spack/kokkos/bin/nvcc_wrapper",
                                     command=types.SimpleNamespace(path="/spack/python/bin/python3"))


class CMakePackage:
    def __init__(self, spec_text, run_tests=False):
        self.spec = Spec(spec_text)
        self.run_tests = run_tests
        self.prefix = types.SimpleNamespace(share="/spack/grapes-hpc/share")

    @staticmethod
    def define(name, value):
        if isinstance(value, bool):
            value = "ON" if value else "OFF"
        return f"-D{name}={value}"


class CudaPackage:
    cuda_arch_values = ("70", "80", "90")


class Env:
    def __init__(self):
        self.values = {}

    def prepend_path(self, name, value):
        self.values[name] = value

    def set(self, name, value):
        self.values[name] = value


stub = types.ModuleType("spack.package")
stub.__dict__.update({name: directive(name) for name in calls})
stub.CMakePackage, stub.CudaPackage, stub.join_path = CMakePackage, CudaPackage, os.path.join
sys.modules["spack"] = types.ModuleType("spack")
sys.modules["spack.package"] = stub

namespace = {}
with open(os.path.join(HERE, "package.py")) as file:
    exec(compile(file.read(), "package.py", "exec"), namespace)
recipe = namespace["GrapesHpc"]

variants = {args[0] for args, _ in calls["variant"]}
assert "openmp" in variants, variants
deps = [args[0] for args, _ in calls["depends_on"]]
for needed in ("mpi", "hdf5+mpi", "yaml-cpp", "libtiff", "cli11", "googletest", "py-h5py",
               "py-pandas", "py-matplotlib", "kokkos+openmp", "kokkos+cuda+wrapper+cuda_lambda",
               "kokkos cuda_arch=90"):
    assert needed in deps, f"missing depends_on({needed!r})"
cpu = recipe("+openmp ~cuda", run_tests=True).cmake_args()
assert "-DGRAPES_BUILD_TESTS=ON" in cpu and "-DGRAPES_NATIVE=OFF" in cpu, cpu
gpu = recipe("+openmp +cuda cuda_arch=90").cmake_args()
assert "-DCMAKE_CXX_COMPILER=/spack/kokkos/bin/nvcc_wrapper" in gpu, gpu
env = Env()
recipe("+openmp ^openmpi").setup_run_environment(env)
assert env.values["PYTHONPATH"].endswith("share/grapes-hpc/python"), env.values
print(f"spack recipe ok: {len(calls['depends_on'])} depends_on, variants {sorted(variants)}, "
      f"cmake_args {cpu}")
