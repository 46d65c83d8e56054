#!/usr/bin/env python3
"""A performance model of `grapes run` built from measured runs (docs/PERFORMANCE.md).

    /usr/bin/python3 bench/model.py FIT.h5 [CHECK.h5 ...] [--shape 2160,2560,2560]
                     [--ranks 16,64,256] [--network-gbs 5] [--filesystem-gbs 20]

FIT.h5 is a `grapes run` result file (its attributes hold the per-phase times of the slowest
rank, the grid, the ghost width and the dtypes). From it the model takes each phase's cost per
voxel of one rank's box (read, particles, layers, surface, adjacency: per owned voxel; ghosts
and edt: per voxel of the block with its ghost margin; merge and write: per particle row).
Predictions for P ranks replay the pipeline's decomposition (the same least-cut-area grid),
with the same ghost width (the same particle sizes), and add what one node cannot show:
  - the ghost exchange over a network: halo bytes per rank / network bandwidth;
  - reading at scale: each rank at its measured rate, but the whole volume no faster than the
    file system's aggregate bandwidth.
Memory per rank: the owned box of grey and labels, the block of labels and float distances,
plus the fixed part measured in FIT.h5 (its peak minus its volumes).
CHECK.h5 files (other rank counts of the same volume) are predicted and printed beside their
measurement, so the model can be judged.
"""
import argparse
import math

import h5py
import numpy as np

PHASES = ["read", "particles", "ghosts", "edt", "layers", "surface", "adjacency", "merge", "write"]
PER_OWNED = {"read", "particles", "layers", "surface", "adjacency"}
PER_BLOCK = {"ghosts", "edt"}
DTYPE_BYTES = {"uint8": 1, "uint16": 2, "uint32": 4, "uint64": 8, "float32": 4,
               "int8": 1, "int16": 2, "int32": 4, "int64": 8}


def text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def auto_dims(shape, ranks):
    """Grid::auto_dims: the factorisation with the least cut area, z slabs on ties."""
    best, best_cost, best_fits = (ranks, 1, 1), math.inf, False
    for pz in range(1, ranks + 1):
        if ranks % pz:
            continue
        for py in range(1, ranks // pz + 1):
            if (ranks // pz) % py:
                continue
            dims = (pz, py, ranks // pz // py)
            fits = all(dims[a] <= shape[a] for a in range(3))
            cost = sum((dims[a] - 1) * shape[(a + 1) % 3] * shape[(a + 2) % 3] for a in range(3))
            slower = dims[0] > best[0] or (dims[0] == best[0] and dims[1] > best[1])
            tie = abs(cost - best_cost) <= 1e-9 * cost
            if (fits and not best_fits) or (fits == best_fits and (
                    cost < best_cost * (1 - 1e-12) or (tie and slower))):
                best, best_cost, best_fits = dims, cost, fits
    return best


def largest_box(shape, dims, ghost):
    """(owned voxels, block voxels, halo voxels) of the largest rank's box."""
    owned = [math.ceil(shape[a] / dims[a]) for a in range(3)]
    block = [min(shape[a], owned[a] + (2 if dims[a] > 1 else 0) * ghost[a]) for a in range(3)]
    o, b = int(np.prod(owned)), int(np.prod(block))
    return o, b, b - o


class Run:
    def __init__(self, path):
        with h5py.File(path, "r") as f:
            a = f.attrs
            self.path = path
            self.ranks = int(a["mpi_ranks"])
            self.shape = [int(v) for v in a["shape"]]
            self.grid = [int(v) for v in a["decomposition"]]
            self.ghost = [int(v) for v in a["ghost_width"]]
            self.times = {p: float(a.get(f"timing_{p}_s", 0.0)) for p in PHASES}
            self.peak = float(a["peak_memory_mib"]) * 2**20
            self.grey = DTYPE_BYTES[text(a["input_grey_dtype"])]
            self.labels = DTYPE_BYTES[text(a["input_labels_dtype"])]
            self.particles = len(f["particles/label"])
        self.owned, self.block, self.halo = largest_box(self.shape, self.grid, self.ghost)

    def volumes_bytes(self):
        return self.owned * (self.grey + self.labels) + self.block * (self.labels + 4)


class Model:
    def __init__(self, fit, network, filesystem):
        self.fit, self.network, self.filesystem = fit, network, filesystem
        self.cost = {}
        for p in PHASES:
            t = fit.times[p]
            if p in PER_OWNED:
                self.cost[p] = t / fit.owned
            elif p in PER_BLOCK:
                self.cost[p] = t / fit.block
            else:
                self.cost[p] = t / max(1, fit.particles / fit.ranks)
        self.fixed = max(0.0, fit.peak - fit.volumes_bytes())

    def predict(self, shape, ranks):
        dims = auto_dims(shape, ranks)
        owned, block, halo = largest_box(shape, dims, self.fit.ghost)
        particles = self.fit.particles * np.prod(shape) / np.prod(self.fit.shape) / ranks
        t = {}
        for p in PHASES:
            n = owned if p in PER_OWNED else block if p in PER_BLOCK else particles
            t[p] = self.cost[p] * n
        bytes_per_voxel = self.fit.grey + self.fit.labels
        t["read"] = max(t["read"], np.prod(shape) * bytes_per_voxel / (self.filesystem * 1e9))
        if ranks > 1:
            t["ghosts"] += halo * self.fit.labels / (self.network * 1e9)
        memory = owned * bytes_per_voxel + block * (self.fit.labels + 4) + self.fixed
        return dims, t, memory


def row(label, dims, t, memory, extra=""):
    total = sum(t.values())
    limiting = max(t, key=t.get)
    return (f"{label:>22} {'x'.join(map(str, dims)):>9} "
            + " ".join(f"{t[p]:8.2f}" for p in PHASES)
            + f" {total:8.1f} {memory / 2**30:8.2f} {limiting:>9}{extra}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("fit")
    parser.add_argument("check", nargs="*")
    parser.add_argument("--shape", default="2160,2560,2560")
    parser.add_argument("--ranks", default="16,64,256")
    parser.add_argument("--network-gbs", type=float, default=5.0)
    parser.add_argument("--filesystem-gbs", type=float, default=20.0)
    args = parser.parse_args()
    fit = Run(args.fit)
    model = Model(fit, args.network_gbs, args.filesystem_gbs)
    print(f"model from {fit.path}: {fit.ranks} ranks, shape {fit.shape}, ghost {fit.ghost}; "
          f"network {args.network_gbs} GB/s per rank, file system {args.filesystem_gbs} GB/s")
    print(f"{'':>22} {'grid':>9} " + " ".join(f"{p:>8}" for p in PHASES)
          + f" {'total s':>8} {'GiB/rank':>8} {'largest':>9}")
    for path in [args.fit] + args.check:
        run = Run(path)
        dims, t, memory = model.predict(run.shape, run.ranks)
        print(row(f"{run.ranks} ranks measured", run.grid, run.times, run.peak))
        measured, predicted = sum(run.times.values()), sum(t.values())
        print(row(f"{run.ranks} ranks model", dims, t, memory,
                  f"  (model/measured {predicted / measured:.2f})"))
    shape = [int(v) for v in args.shape.split(",")]
    for ranks in [int(v) for v in args.ranks.split(",")]:
        dims, t, memory = model.predict(shape, ranks)
        print(row(f"{ranks} ranks {'x'.join(map(str, shape))}", dims, t, memory))


if __name__ == "__main__":
    main()
