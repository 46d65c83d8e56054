#!/usr/bin/env python3
"""Input files of tests/cli/test_hostile.sh (written by h5py, tifffile and numpy, never by
grapes): a small labelled volume saved as every signed integer type, with negative labels,
as bool; datasets declaring absurd shapes (a voxel count past 64 bits, 100000^3); an LZF
dataset; a 3^3 cube; an HDF5 file that is not a grapes result; and damaged result files
made from a real one (damage_result)."""
import os
import sys

import h5py
import numpy as np
import tifffile


def volume(rng):
    """Touching balls: uint16 labels 1..15 and uint8 grey, shape (24, 26, 28)."""
    shape = (24, 26, 28)
    z, y, x = np.indices(shape)
    labels = np.zeros(shape, np.uint16)
    best = np.full(shape, np.inf)
    for label in range(1, 16):
        c = rng.uniform(0, shape)
        r = rng.uniform(3, 7)
        d = ((z - c[0]) ** 2 + (y - c[1]) ** 2 + (x - c[2]) ** 2) / r**2
        take = (d < 1) & (d < best)
        labels[take] = label
        best[take] = d[take]
    grey = (np.where(labels > 0, 170, 70) + rng.integers(-10, 11, shape)).astype(np.uint8)
    return grey, labels


def make_inputs(out):
    os.makedirs(out, exist_ok=True)
    grey, labels = volume(np.random.default_rng(7))
    with h5py.File(f"{out}/good.h5", "w") as f:
        f["grey"] = grey
        f["labels"] = labels
    with h5py.File(f"{out}/victim.h5", "w") as f:  # an input the output must never replace
        f["grey"] = grey
        f["labels"] = labels
    # Signed labels as scikit-image returns them (label, watershed: int32/int64).
    with h5py.File(f"{out}/signed.h5", "w") as f:
        f["grey"] = grey
        for dtype in ("int8", "int16", "int32", "int64"):
            f[dtype] = labels.astype(dtype)
        negative = labels.astype(np.int32)
        negative[3, 4, 5] = -1
        negative[20, 1, 2] = -7
        f["negative"] = negative
        f["bool"] = labels > 0
        f.create_dataset("lzf", data=labels, chunks=(8, 8, 8), compression="lzf")
    tifffile.imwrite(f"{out}/labels_int32.tif", labels.astype(np.int32), photometric="minisblack")
    tifffile.imwrite(f"{out}/grey.tif", grey, photometric="minisblack")
    labels.astype("<i2").tofile(f"{out}/labels_int16.raw")
    # Shapes whose voxel count wraps around 64 bits ((2^54 + 32) * 32 * 32 = 2^64 + 32768)
    # or that no rank can hold (100000^3), declared without data.
    wrap = (2**54 + 32, 32, 32)
    with h5py.File(f"{out}/wrap.h5", "w") as f:
        f.create_dataset("grey", shape=wrap, dtype="u1", chunks=(1, 32, 32))
        f.create_dataset("labels", shape=wrap, dtype="u2", chunks=(1, 32, 32))
    np.zeros(32 * 32 * 32, np.uint8).tofile(f"{out}/wrap.raw")  # 32768 bytes, as the wrap
    with h5py.File(f"{out}/huge.h5", "w") as f:
        f.create_dataset("grey", shape=(100000,) * 3, dtype="u1", chunks=(16, 16, 16))
        f.create_dataset("labels", shape=(100000,) * 3, dtype="u2", chunks=(16, 16, 16))
    cube = np.zeros((3, 3, 3), np.uint8)
    cube[:] = 1
    with h5py.File(f"{out}/cube3.h5", "w") as f:
        f["grey"] = np.full((3, 3, 3), 100, np.uint8)
        f["labels"] = cube
    with h5py.File(f"{out}/not_a_result.h5", "w") as f:
        f["particles/label"] = np.arange(5, dtype=np.uint64)
        f["data"] = np.zeros((4, 4))


def damage_result(result, out):
    """Copies of a grapes result with /particles/volume deleted, and with
    /particles/intensity_mean three rows short."""
    import shutil

    missing, short = f"{out}/missing_column.h5", f"{out}/short_column.h5"
    shutil.copy(result, missing)
    shutil.copy(result, short)
    with h5py.File(missing, "a") as f:
        del f["particles/volume"]
    with h5py.File(short, "a") as f:
        values = f["particles/intensity_mean"][:-3]
        del f["particles/intensity_mean"]
        f["particles/intensity_mean"] = values


if __name__ == "__main__":
    if len(sys.argv) == 2:
        make_inputs(sys.argv[1])
    elif len(sys.argv) == 4 and sys.argv[1] == "damage":
        damage_result(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: make_hostile_fixtures.py OUTDIR | damage RESULT.h5 OUTDIR")
