#!/usr/bin/env python3
"""Input files for the end-to-end CLI tests (written by h5py/tifffile, never by grapes)."""
import os
import sys

import h5py
import numpy as np
import tifffile

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)

# A small volume of touching balls with uint16 labels and uint8 grey.
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
grey = np.where(labels > 0, 170, 70) + rng.integers(-10, 11, shape)
grey = grey.astype(np.uint8)

with h5py.File(f"{out}/good.h5", "w") as f:
    f["grey"] = grey
    f.create_dataset("labels", data=labels, chunks=(8, 8, 8))
with h5py.File(f"{out}/float_labels.h5", "w") as f:
    f["grey"] = grey
    f["labels"] = labels.astype(np.float32)
with h5py.File(f"{out}/mismatch.h5", "w") as f:
    f["grey"] = grey
    f["labels"] = labels[:, :, :-1]
with h5py.File(f"{out}/int16_grey.h5", "w") as f:
    f["grey"] = grey.astype(np.int16)
    f["labels"] = labels
with h5py.File(f"{out}/empty.h5", "w") as f:
    f.create_dataset("grey", shape=(0, 26, 28), dtype=np.uint8)
    f.create_dataset("labels", shape=(0, 26, 28), dtype=np.uint16)
with h5py.File(f"{out}/no_particles.h5", "w") as f:
    f["grey"] = grey
    f["labels"] = np.zeros_like(labels)
tifffile.imwrite(f"{out}/grey.tif", grey)
tifffile.imwrite(f"{out}/labels.tif", labels)
with open(f"{out}/broken.tif", "w") as f:
    f.write("this is not a TIFF file\n")
grey.tofile(f"{out}/grey.raw")
labels.astype(">u2").tofile(f"{out}/labels_be.raw")
