#!/usr/bin/env python3
"""compare_results.py A.h5 B.h5: exit 0 when the tables are identical, every column byte for
byte (surface areas are formed from integer cell counts, so they too are identical across
decompositions; docs/METHOD.md)."""
import sys

import h5py

def main(a_path, b_path):
    problems = []
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        for group in ("particles", "layers", "adjacency"):
            if sorted(a[group].keys()) != sorted(b[group].keys()):
                problems.append(f"/{group}: different columns")
                continue
            for name in a[group]:
                x, y = a[group][name], b[group][name]
                if x.dtype != y.dtype or x.shape != y.shape:
                    problems.append(f"/{group}/{name}: dtype/shape differ")
                    continue
                x, y = x[()], y[()]
                if x.tobytes() != y.tobytes():
                    problems.append(f"/{group}/{name}: bytes differ")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
