#!/usr/bin/env python3
"""make_shape_fixtures.py OUTDIR: label volumes for the shape columns of /particles (inertia
tensor, principal axes, elongation, flatness, Euler number) and /adjacency's contact_area,
written by h5py (never by grapes), with a grapes configuration per volume.

OUTDIR/shapes.h5   a hand-made 40x44x48 volume: a tilted ellipsoid and a torus that cross the
                   mid-planes and the thirds of every axis (cut by the rank boxes at 2, 3 and 4
                   ranks), a ball with one void, a ball with two voids, a box, a planar ring, a
                   single voxel, a two-voxel corner (26-connected only) pair, a straight line, a
                   label of two separate cubes, four boxes touching face to face across z, y
                   and x, and particles cut by the image faces.
OUTDIR/random.h5   64^3, a few hundred random tilted ellipsoids (seeded) written over each
                   other, so that they touch, get cut by each other (some into several pieces)
                   and by the image faces; labels 1, 3, 5, ... (not consecutive).

Each file holds /grey (uint16) and /labels (uint32), C order (z, y, x), and
/expected_euler, an int64 [n, 2] table of (label, Euler number) known by construction
(26-connected foreground), which tests/cli/check_shape_reference.py reads.

Configurations: OUTDIR/<name>.yaml (voxel_size [1, 1, 1], output OUTDIR/<name>_result.h5) and
OUTDIR/<name>_aniso.yaml (voxel_size [2, 1, 0.5], output OUTDIR/<name>_aniso_result.h5), both
with analysis.convex_hull: true; any
run can also take `--set voxel_size=[2,1,0.5]` and `--set output.path=...`.
"""
import os
import sys

import h5py
import numpy as np

ANISO_SPACING = (2.0, 1.0, 0.5)


def rotation(angles):
    """Rotation matrix from three angles (radians) about the z, y and x axes, in (z, y, x)."""
    def about(axis, a):
        c, s = np.cos(a), np.sin(a)
        m = np.eye(3)
        i, j = [k for k in range(3) if k != axis]
        m[i, i], m[i, j], m[j, i], m[j, j] = c, -s, s, c
        return m
    return about(0, angles[0]) @ about(1, angles[1]) @ about(2, angles[2])


def local_coordinates(shape, center, rot=None):
    """Voxel coordinates relative to `center`, in the frame of `rot` (columns = axes)."""
    grid = np.indices(shape, dtype=np.float64)
    d = np.stack([grid[i] - center[i] for i in range(3)], axis=-1)
    return d if rot is None else d @ rot


def ellipsoid(shape, center, semi_axes, angles=(0.0, 0.0, 0.0)):
    p = local_coordinates(shape, center, rotation(angles))
    return np.sum((p / np.asarray(semi_axes, dtype=np.float64)) ** 2, axis=-1) <= 1.0


def ball(shape, center, radius):
    return ellipsoid(shape, center, (radius, radius, radius))


def box(shape, lo, hi):
    m = np.zeros(shape, bool)
    m[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] = True
    return m


def torus(shape, center, axis, major, minor):
    """Solid torus around `axis` (0 = z, 1 = y, 2 = x) through `center`."""
    p = local_coordinates(shape, center)
    others = [k for k in range(3) if k != axis]
    rho = np.sqrt(p[..., others[0]] ** 2 + p[..., others[1]] ** 2)
    return (rho - major) ** 2 + p[..., axis] ** 2 <= minor ** 2


def dilate26(mask):
    out = mask.copy()
    for dz in (-1, 0, 1):
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                src = [slice(None)] * 3
                dst = [slice(None)] * 3
                for axis, d in enumerate((dz, dy, dx)):
                    if d > 0:
                        src[axis], dst[axis] = slice(0, -d), slice(d, None)
                    elif d < 0:
                        src[axis], dst[axis] = slice(-d, None), slice(0, d)
                out[tuple(dst)] |= mask[tuple(src)]
    return out


class Volume:
    def __init__(self, shape):
        self.labels = np.zeros(shape, np.uint32)
        self.expected_euler = []

    def place(self, label, mask, euler=None, touches=(), near=()):
        """Write `mask` as `label`; no voxel of another label may lie in or 26-next to it,
        except the labels in `touches` (which must then share a voxel face with it) and in
        `near` (which must then share no face: an edge or corner contact)."""
        shape = self.labels.shape
        assert mask.any(), f"label {label} is empty"
        near_ok = near
        near = set(int(v) for v in np.unique(self.labels[dilate26(mask)])) - {0}
        assert near <= set(touches) | set(near_ok), f"label {label} comes near {sorted(near)}"
        assert not self.labels[mask].any(), f"label {label} overlaps another"
        self.labels[mask] = label
        for other in touches:
            assert faces_between(self.labels, label, other) > 0, (label, other, shape)
        for other in near_ok:
            assert other in near and faces_between(self.labels, label, other) == 0, (label, other)
        if euler is not None:
            self.expected_euler.append((label, euler))


def faces_between(labels, a, b):
    count = 0
    for axis in range(3):
        lo = np.take(labels, np.arange(labels.shape[axis] - 1), axis=axis)
        hi = np.take(labels, np.arange(1, labels.shape[axis]), axis=axis)
        count += int(np.sum((lo == a) & (hi == b)) + np.sum((lo == b) & (hi == a)))
    return count


def grey_for(labels):
    """A deterministic uint16 pattern: a ramp over the image plus an offset per label."""
    z, y, x = np.indices(labels.shape)
    grey = 1000 + 7 * z + 13 * y + 3 * x + 97 * (labels.astype(np.int64) % 37)
    grey = np.where(labels > 0, grey + 20000, grey)
    return grey.astype(np.uint16)


def hand_made():
    shape = (40, 44, 48)
    v = Volume(shape)
    # Crosses z = 20 (2 ranks), y = 22, x = 16, 24, 32 and the thirds of z (13.3, 26.7).
    v.place(1, ellipsoid(shape, (20.3, 22.2, 24.1), (7.5, 5.0, 12.5), (0.45, 0.3, 0.2)), 1)
    # A solid torus around the ellipsoid, axis along x: cut by the z, y and x mid-planes.
    v.place(2, torus(shape, (20.0, 22.0, 24.0), 2, 14.5, 2.6), 0)
    # A ball with one void, cut by x = 16 (3 ranks): void and shell both cut.
    shell = ball(shape, (7.0, 7.0, 14.0), 6.0) & ~ball(shape, (7.0, 7.0, 15.0), 2.5)
    v.place(3, shell, 2)
    # A ball with two voids.
    shell = ball(shape, (32.0, 35.0, 13.5), 6.4)
    shell &= ~ball(shape, (32.0, 35.0, 10.5), 1.6) & ~ball(shape, (32.0, 35.0, 16.5), 1.6)
    v.place(4, shell, 3)
    # A solid box of unequal sides (clear eigenvalue gaps, axis-aligned axes), cut by x = 32.
    v.place(5, box(shape, (2, 30, 29), (8, 35, 33)), 1)
    # A thin planar ring (one voxel thick in z): a tunnel, Euler 0; c2 = 0 exactly.
    p = local_coordinates(shape, (34.0, 8.0, 38.0))
    rho = np.sqrt(p[..., 1] ** 2 + p[..., 2] ** 2)
    v.place(6, (rho >= 4.0) & (rho <= 5.5) & (np.abs(p[..., 0]) < 0.5), 0)
    # A single voxel, a corner-touching pair (one particle with 26-connectivity, two with 6),
    # a straight line (c1 = c2 = 0), a label of two separate cubes (Euler 2).
    v.place(7, box(shape, (37, 40, 3), (38, 41, 4)), 1)
    v.place(8, box(shape, (3, 3, 44), (4, 4, 45)) | box(shape, (4, 4, 45), (5, 5, 46)), 1)
    v.place(9, box(shape, (38, 20, 2), (39, 21, 8)), 1)
    v.place(10, box(shape, (36, 2, 20), (38, 4, 22)) | box(shape, (36, 8, 28), (38, 10, 30)), 2)
    # Four boxes touching face to face: 12 faces across x (11-12), 6 across y (11-13), 6
    # across z (11-14); a fifth touches 11 along an edge only (no face, no adjacency row).
    v.place(11, box(shape, (28, 26, 40), (32, 30, 44)), 1)
    v.place(12, box(shape, (28, 27, 44), (32, 30, 47)), 1, touches=(11,))
    v.place(13, box(shape, (29, 30, 40), (31, 33, 43)), 1, touches=(11,))
    v.place(14, box(shape, (32, 26, 40), (35, 28, 43)), 1, touches=(11,))
    v.place(19, box(shape, (24, 22, 40), (28, 26, 43)), 1, near=(11,))
    # Cut by the image faces: a half ball on the x = 47 face, a box in the corner of z = 0 and
    # y = 43, a slab through the whole y extent on the x = 0 face (and a ball touching it).
    v.place(15, ball(shape, (10.0, 30.0, 47.0), 5.0) & ~box(shape, (0, 0, 0), (40, 44, 41)), 1)
    v.place(16, box(shape, (0, 40, 38), (3, 44, 44)), 1)
    v.place(17, box(shape, (14, 0, 0), (17, 44, 2)), 1)
    v.place(18, ball(shape, (15.5, 30.0, 4.5), 2.6), 1, touches=(17,))
    return v


def random_volume(seed=22, count=420):
    shape = (64, 64, 64)
    rng = np.random.default_rng(seed)
    labels = np.zeros(shape, np.uint32)
    for i in range(count):
        center = rng.uniform(-3.0, 67.0, 3)
        semi = rng.uniform(1.2, 6.5, 3)
        # A random rotation (QR of a Gaussian matrix, sign-fixed).
        q, r = np.linalg.qr(rng.normal(size=(3, 3)))
        q = q * np.sign(np.diag(r))
        lo = np.maximum(np.floor(center - semi.max() - 1).astype(int), 0)
        hi = np.minimum(np.ceil(center + semi.max() + 2).astype(int), shape)
        if np.any(hi <= lo):
            continue
        sub = tuple(slice(a, b) for a, b in zip(lo, hi))
        grid = np.indices(hi - lo, dtype=np.float64)
        d = np.stack([grid[k] + lo[k] - center[k] for k in range(3)], axis=-1) @ q
        inside = np.sum((d / semi) ** 2, axis=-1) <= 1.0
        labels[sub][inside] = 2 * i + 1
    return labels


def write(out, name, labels, expected_euler):
    path = os.path.join(out, f"{name}.h5")
    with h5py.File(path, "w") as f:
        f.create_dataset("grey", data=grey_for(labels))
        f.create_dataset("labels", data=labels, chunks=(8, 8, 8))
        table = np.array(expected_euler, dtype=np.int64).reshape(-1, 2)
        d = f.create_dataset("expected_euler", data=table)
        d.attrs["columns"] = "label,euler_number"
    for suffix, spacing in (("", None), ("_aniso", ANISO_SPACING)):
        lines = ["input:",
                 f"  grey: {{path: {path}, dataset: /grey}}",
                 f"  labels: {{path: {path}, dataset: /labels}}"]
        if spacing is not None:
            lines.append("voxel_size: [%s]" % ", ".join(repr(s) for s in spacing))
        lines.append("analysis: {convex_hull: true}")
        lines.append(f"output: {{path: {os.path.join(out, name + suffix + '_result.h5')}}}")
        with open(os.path.join(out, f"{name}{suffix}.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")


def main(out):
    os.makedirs(out, exist_ok=True)
    v = hand_made()
    write(out, "shapes", v.labels, v.expected_euler)
    write(out, "random", random_volume(), [])
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(os.path.abspath(sys.argv[1])))
