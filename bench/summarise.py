#!/usr/bin/env python3
"""Prints the benchmark table from grapes result files (their timing/memory attributes)."""
import sys

import h5py
import numpy as np

PHASES = ["read", "particles", "ghosts", "slab_read", "edt", "layers", "surface", "adjacency",
          "merge", "write"]
DTYPE_BYTES = {"uint8": 1, "uint16": 2, "uint32": 4, "uint64": 8, "float32": 4}


def block_voxels(shape, grid, ghost):
    """Largest local block (owned box + ghosts, clipped) over the ranks, and its owned box."""
    best = (0, 0)
    cuts = [[shape[a] * i // grid[a] for i in range(grid[a] + 1)] for a in range(3)]
    for i in range(grid[0]):
        for j in range(grid[1]):
            for k in range(grid[2]):
                idx = (i, j, k)
                owned = [cuts[a][idx[a] + 1] - cuts[a][idx[a]] for a in range(3)]
                local = [min(shape[a], cuts[a][idx[a] + 1] + ghost[a]) -
                         max(0, cuts[a][idx[a]] - ghost[a]) for a in range(3)]
                best = max(best, (int(np.prod(local)), int(np.prod(owned))))
    return best


rows = {}
for path in sys.argv[1:]:
    with h5py.File(path, "r") as f:
        a = f.attrs
        ranks = int(a["mpi_ranks"])
        times = [float(a.get(f"timing_{p}_s", 0.0)) for p in PHASES]
        total = sum(times)
        if ranks in rows and rows[ranks]["total"] <= total:
            continue
        shape = [int(v) for v in a["shape"]]
        grid = [int(v) for v in a["decomposition"]]
        ghost = [int(v) for v in a["ghost_width"]]
        local, owned = block_voxels(shape, grid, ghost)
        grey_b = DTYPE_BYTES[a["input_grey_dtype"].decode() if isinstance(a["input_grey_dtype"], bytes) else a["input_grey_dtype"]]
        label_b = DTYPE_BYTES[a["input_labels_dtype"].decode() if isinstance(a["input_labels_dtype"], bytes) else a["input_labels_dtype"]]
        model = (owned * (grey_b + label_b) + 4 * local) / 2**20
        rows[ranks] = dict(times=times, total=total, shape=shape, grid=grid, ghost=ghost,
                           particles=len(f["particles/label"]), memory=float(a["peak_memory_mib"]),
                           per_rank=[float(m) for m in np.atleast_1d(a.get("peak_memory_mib_per_rank", []))],
                           slabs=int(np.max(a.get("slabs_per_rank", 1))),
                           model=model, local=local)

print(f"{'ranks':>5} {'grid':>9} " + " ".join(f"{p:>10}" for p in PHASES) +
      f" {'total s':>8} {'EDT Mvox/s/rank':>15} {'peak MiB':>9} {'model MiB':>9} {'particles':>9}")
for ranks in sorted(rows):
    r = rows[ranks]
    edt = r["times"][PHASES.index("edt")]
    edt_rate = r["local"] / edt / 1e6 if edt > 0 else float("nan")
    print(f"{ranks:>5} {'x'.join(map(str, r['grid'])):>9} " +
          " ".join(f"{t:10.3f}" for t in r["times"]) +
          f" {r['total']:8.2f} {edt_rate:15.1f} {r['memory']:9.0f} {r['model'] * 1.1:9.0f} {r['particles']:>9}")
print("model MiB = (owned voxels x (grey + label bytes) + 4 x block voxels) x 1.1, per rank")
for ranks in sorted(rows):
    r = rows[ranks]
    if r["per_rank"]:
        print(f"{ranks} ranks: peak resident memory per rank (MiB): " +
              ", ".join(f"{m:.0f}" for m in r["per_rank"]) + f"; slabs per rank: {r['slabs']}")
