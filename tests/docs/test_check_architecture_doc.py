#!/usr/bin/env python3
"""test_check_architecture_doc.py SOURCE_DIR: docs/ARCHITECTURE.md passes the check, and the
check fails on a small tree whose map names a stale file, a stale function, a function in the
wrong file and a missing folder row (the mistakes the old map had: `read_owned`,
`analyse_volume` placed in pipeline.cpp)."""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK = os.path.join(HERE, "check_architecture_doc.py")

STALE_MAP = """# Map
| folder | what |
|---|---|
| `src/run/` | the run |

| stage | function | file | takes |
|---|---|---|---|
| read | `read_owned` | `src/run/pipeline.cpp` | x |
| all | `analyse_volume` | `src/run/pipeline.cpp` | x |

`plan_run` (`src/run/volume_analysis.cpp`) makes the plan; see `src/config.cpp`.
"""
EXPECTED = ["`read_owned` is not in src/ or include/", "`read_owned` is in none of",
            "`analyse_volume` is in none of src/run/pipeline.cpp",
            "`plan_run` is not in src/run/volume_analysis.cpp", "`src/config.cpp` does not exist",
            "no row for src/kernels/"]


def run_check(root):
    done = subprocess.run([sys.executable, CHECK, root], capture_output=True, text=True)
    return done.returncode, done.stdout


def main():
    failures = []
    code, out = run_check(sys.argv[1])
    if code != 0:
        failures.append("the real map fails:\n" + out)
    with tempfile.TemporaryDirectory() as root:
        for folder in ("docs", "src/run", "src/kernels", "include/grapes/run"):
            os.makedirs(os.path.join(root, folder))
        files = {"docs/ARCHITECTURE.md": STALE_MAP,
                 "src/run/pipeline.cpp": "RunPlan plan_run() { return {}; }\n",
                 "src/run/volume_analysis.cpp": "void analyse_volume() {}\n",
                 "src/kernels/edt.cpp": "void squared_edt() {}\n"}
        for path, text in files.items():
            with open(os.path.join(root, path), "w", encoding="utf-8") as handle:
                handle.write(text)
        code, out = run_check(root)
        if code == 0:
            failures.append("a stale map passes")
        failures += [f"not reported: {text}\n{out}" for text in EXPECTED if text not in out]
    for failure in failures:
        print("FAIL: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
