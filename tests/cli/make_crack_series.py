#!/usr/bin/env python3
"""make_crack_series.py OUTDIR: a three-step phantom series whose last step resolves cracks.

Writes OUTDIR/pristine.h5, OUTDIR/charged.h5 and OUTDIR/cracked.h5 (datasets /grey uint16 and
/labels uint32, z, y, x) and OUTDIR/cracked.json. Every step holds the same 125 separate balls
(radius 7.5 to 9 voxels on a jittered 5 x 5 x 5 grid, none touching another or the image
faces; grey brighter towards the centre). pristine and charged are identical; in cracked a
known set of particles is cut:

- "void": a planar disc crack through the centre that stays inside (Euler 1 -> 2);
- "split": a planar crack right through (two pieces under one label, 1 -> 2);
- "tunnel": a straight hole through the centre along x (1 -> 0).

cracked.json lists {"label": kind} of the cut particles and each one's expected Euler number,
for tests/cli/test_series_geometry.sh. Made with numpy only, never by grapes.
"""
import json
import os
import sys

import h5py
import numpy as np

SHAPE = (100, 100, 100)
KINDS = ("void", "split", "tunnel")
EXPECTED_EULER = {"void": 2, "split": 2, "tunnel": 0}


def balls(rng):
    labels = np.zeros(SHAPE, np.uint32)
    grey = np.full(SHAPE, 1000, np.uint16)
    centres = {}
    z, y, x = np.indices(SHAPE, dtype=np.float64)
    label = 0
    for i in range(5):
        for j in range(5):
            for k in range(5):
                label += 1
                centre = np.array([10 + 20 * i, 10 + 20 * j, 10 + 20 * k], float)
                centre += rng.uniform(-0.4, 0.4, 3)
                radius = rng.uniform(7.5, 9.0)
                r = np.sqrt((z - centre[0]) ** 2 + (y - centre[1]) ** 2 + (x - centre[2]) ** 2)
                inside = r <= radius
                labels[inside] = label
                grey[inside] = (20000 + 2000 * (radius - r[inside])).astype(np.uint16)
                centres[label] = (centre, radius)
    return labels, grey, centres


def cut(labels, grey, label, centre, radius, kind):
    z, y, x = np.indices(SHAPE, dtype=np.float64)
    mine = labels == label
    plane = np.abs(z - np.round(centre[0])) < 0.5
    in_plane = np.sqrt((y - centre[1]) ** 2 + (x - centre[2]) ** 2)
    if kind == "void":
        crack = mine & plane & (in_plane <= 0.5 * radius)
    elif kind == "split":
        crack = mine & plane
    else:  # a hole along x through the centre, 3 x 3 voxels
        crack = mine & (np.abs(z - np.round(centre[0])) <= 1) & (np.abs(y - np.round(centre[1])) <= 1)
    labels[crack] = 0
    grey[crack] = 1000


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(2026)
    labels, grey, centres = balls(rng)
    for name in ("pristine", "charged"):
        with h5py.File(os.path.join(out, name + ".h5"), "w") as f:
            f.create_dataset("grey", data=grey)
            f.create_dataset("labels", data=labels)
    cracked = {}
    for label in rng.choice(np.arange(1, 126), size=18, replace=False):
        kind = KINDS[len(cracked) % 3]
        cut(labels, grey, int(label), *centres[int(label)], kind)
        cracked[str(int(label))] = {"kind": kind, "euler": EXPECTED_EULER[kind]}
    with h5py.File(os.path.join(out, "cracked.h5"), "w") as f:
        f.create_dataset("grey", data=grey)
        f.create_dataset("labels", data=labels)
    with open(os.path.join(out, "cracked.json"), "w") as f:
        json.dump(cracked, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
