#!/usr/bin/env python3
"""check_against_scipy.py VOLUME.h5 RESULT.h5: compares a grapes result with what GRAPES's own
building blocks give on the same volume: scipy's EDT of each particle's zero-padded bounding-box
mask (GRAPES uses seung-lab edt with black_border=True, which is the same distance), numpy's
round-half-even layers, scikit-image regionprops for the basic columns and marching-cubes
surface areas. Exit 0 when everything agrees."""
import sys

import h5py
import numpy as np
from scipy import ndimage
from skimage import measure

volume_path, result_path = sys.argv[1], sys.argv[2]
with h5py.File(volume_path, "r") as f:
    grey = f["grey"][()]
    labels = f["labels"][()]
with h5py.File(result_path, "r") as f:
    particles = {k: f["particles"][k][()] for k in f["particles"]}
    layers = {k: f["layers"][k][()] for k in f["layers"]}

problems = []
props = measure.regionprops_table(labels.astype(np.int64), intensity_image=grey,
                                  properties=("label", "area", "bbox", "centroid",
                                              "intensity_min", "intensity_max", "intensity_mean"))
if not np.array_equal(props["label"], particles["label"]):
    problems.append("labels differ")
else:
    for ours, theirs in [("volume", "area"), ("centroid-0", "centroid-0"),
                         ("centroid-1", "centroid-1"), ("centroid-2", "centroid-2"),
                         ("intensity_min", "intensity_min"), ("intensity_max", "intensity_max"),
                         ("intensity_mean", "intensity_mean")] + \
            [(f"bbox-{i}", f"bbox-{i}") for i in range(6)]:
        if not np.allclose(particles[ours], props[theirs], rtol=1e-12, atol=1e-9):
            problems.append(f"{ours} differs from regionprops {theirs}")

offsets = particles["layer_offset"]
for i, label in enumerate(particles["label"]):
    lo = [particles[f"bbox-{a}"][i] for a in range(3)]
    hi = [particles[f"bbox-{a + 3}"][i] for a in range(3)]
    window = tuple(slice(l, h) for l, h in zip(lo, hi))
    mask = np.pad(labels[window] == label, 1)
    distance = ndimage.distance_transform_edt(mask)[1:-1, 1:-1, 1:-1]
    inside = labels[window] == label
    layer = np.round(distance[inside]).astype(np.int64)
    values = grey[window][inside].astype(np.float64)
    k_max = layer.max()
    rows = slice(offsets[i], offsets[i + 1])
    counts = np.bincount(layer, minlength=k_max + 1)[1:]
    sums = np.bincount(layer, weights=values, minlength=k_max + 1)[1:]
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    if not np.array_equal(layers["count"][rows], counts):
        problems.append(f"label {label}: layer counts {layers['count'][rows]} != {counts}")
    elif not np.allclose(layers["graylevel"][rows], means, rtol=1e-12):
        problems.append(f"label {label}: layer means differ")
    if i % 10 == 0:  # marching cubes is slow in Python: every tenth particle
        verts, faces, _, _ = measure.marching_cubes(np.pad(inside, 1).astype(np.float32), 0.5)
        area = measure.mesh_surface_area(verts, faces)
        if abs(particles["surface_area"][i] - area) > 0.01 * area:
            problems.append(f"label {label}: surface area {particles['surface_area'][i]} vs {area}")

for p in problems[:20]:
    print(p)
print(f"{len(particles['label'])} particles checked against scipy/scikit-image: "
      f"{len(problems)} problems")
sys.exit(1 if problems else 0)
