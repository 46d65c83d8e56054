"""Shared set-up of the grapes_hpc tests: temporary folders and result files from grapes.

Result files written by the real ``grapes run`` and ``grapes series`` come from
``GRAPES_TEST_RESULTS`` (a folder that tests/cli/test_python.sh fills: demo_np1.h5,
demo_np2.h5, phantom.h5 with the demo's /labels volume, and the series files of the three
example configurations, SERIES_FILES) or, when only ``GRAPES_BINARY`` is set, are made here.
Without either the tests that need them are skipped; everything else runs on synthetic files.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the package, when run from a source tree
sys.path.insert(0, HERE)

_made = {}

#: The series files of the example configurations: file name -> (inputs/<config>, ranks).
SERIES_FILES = {
    "operando.h5": ("operando_example.yaml", 2),
    "exsitu.h5": ("exsitu_example.yaml", 1),
    "matching.h5": ("matching_example.yaml", 1),
}


def temporary_folder(case: unittest.TestCase) -> str:
    """A folder removed when the test case ends."""
    folder = tempfile.mkdtemp(prefix="grapes-py-")
    case.addCleanup(shutil.rmtree, folder, True)
    return folder


def _run(command, cwd):
    """Runs a command, raising with its output on failure."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def _make_results(binary: str) -> str:
    """demo_np1.h5, demo_np2.h5 and phantom.h5 made with grapes in a temporary folder."""
    source = os.environ.get("GRAPES_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
    demo = os.path.join(source, "inputs", "demo.yaml")
    folder = tempfile.mkdtemp(prefix="grapes-py-results-")
    mpiexec = shutil.which(os.environ.get("MPIEXEC", "mpiexec"))
    _run([binary, "run", demo, "--set", f"output.path={folder}/demo_np1.h5"], folder)
    if mpiexec:
        _run([mpiexec, "-n", "2", binary, "run", demo, "--set",
              f"output.path={folder}/demo_np2.h5"], folder)
    _run([binary, "phantom", demo, "-o", f"{folder}/phantom.h5"], folder)
    _run(hdf5_run_command(binary, source, folder), folder)
    for name, (config, ranks) in SERIES_FILES.items():
        command = [binary, "series", os.path.join(source, "inputs", config), "-o",
                   f"{folder}/{name}", "--quiet"]
        _run(([mpiexec, "-n", str(ranks)] if mpiexec and ranks > 1 else []) + command, folder)
    return folder


def hdf5_run_command(binary: str, source: str, folder: str) -> list:
    """grapes run on phantom.h5's /grey and /labels as HDF5 inputs (hdf5_run.h5): a result whose
    label volume grapes view can slice (the demo's input is the phantom, not a file)."""
    return [binary, "run", os.path.join(source, "inputs", "hdf5_example.yaml"),
            "--set", f"input.grey.path={folder}/phantom.h5",
            "--set", f"input.labels.path={folder}/phantom.h5",
            "--set", "output.volumes=[]", "--set", f"output.path={folder}/hdf5_run.h5", "--quiet"]


def grapes_results(case: unittest.TestCase) -> str:
    """The folder of real grapes result files, or skip the test."""
    folder = os.environ.get("GRAPES_TEST_RESULTS")
    if folder:
        return folder
    binary = os.environ.get("GRAPES_BINARY")
    if not binary or not os.path.exists(binary):
        case.skipTest("no GRAPES_TEST_RESULTS or GRAPES_BINARY: no real result files")
    if "folder" not in _made:
        _made["folder"] = _make_results(binary)
    return _made["folder"]


def series_files(case: unittest.TestCase) -> dict:
    """{name: path} of the example series files written by grapes series, or skip the test."""
    folder = grapes_results(case)
    paths = {name: os.path.join(folder, name) for name in SERIES_FILES}
    missing = [name for name, path in paths.items() if not os.path.exists(path)]
    if missing:
        case.fail(f"{folder} lacks the series files {missing} (made by grapes series)")
    return paths
