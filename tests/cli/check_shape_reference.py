#!/usr/bin/env python3
"""check_shape_reference.py VOLUME.h5 RESULT.h5 [RESULT.h5 ...] [--spacing Z Y X]

Recomputes the shape columns of grapes's /particles and /adjacency from the label volume
(VOLUME.h5:/labels) and compares every RESULT.h5 with them:

  inertia_tensor-i-j (0 <= i <= j <= 2)   scikit-image's inertia tensor of the voxel coordinates
                                          times voxel_size: diagonal sum_{k != i} mu_kk / mu0,
                                          off-diagonal -mu_ij / mu0 (central moments, mu0 the
                                          voxel count), physical units^2
  inertia_tensor_eigvals-0..2             its eigenvalues, descending, clipped at 0 (scikit-image)
  axis_major_length, axis_minor_length    sqrt(10 (ev0 + ev1 - ev2)), sqrt(10 (-ev0 + ev1 + ev2)),
                                          a negative argument counted as 0
  elongation, flatness                    sqrt(c0 / c1), sqrt(c1 / c2) (ITK), c0 >= c1 >= c2 the
                                          eigenvalues of the population covariance of the
                                          physical coordinates; NaN when the denominator is 0
  axis-k-c (k, c = 0..2)                  the unit eigenvector of c_k, component c (z, y, x), the
                                          component of largest magnitude positive
  euler_number                            int64, 26-connected foreground: scikit-image's
                                          regionprops euler_number, and /expected_euler of the
                                          volume file where there is one
  area_convex, solidity                   scikit-image's area_convex (its convex_image: the hull of
                                          the voxel centres offset by +-1/2 voxel along each axis)
                                          within HULL_VOXELS voxels, and volume / that (the count
                                          does not depend on the spacing); particles whose voxel
                                          centres are coplanar (scikit-image's Qhull fails and it
                                          returns 0) are checked against scipy's hull instead
  convex_volume                           area_convex x the voxel volume
  feret_diameter_max                      the largest distance between the vertices of scipy's
                                          ConvexHull of the same offset points times the spacing
                                          (1e-9 relative), and at unit spacing scikit-image's
                                          marching-cubes estimate within 3 % + 1 voxel
  /adjacency contact_area                 sum over the axes of (faces shared across the axis) x
                                          (the product of the other two voxel sizes);
                                          shared_faces (their count) and the pairs as well

With unit spacing the result is also compared with scikit-image's regionprops (0.19 names:
axis_major_length / axis_minor_length, or the older major_axis_length / minor_axis_length)
to 1e-9 relative; with any spacing with a direct numpy computation (two-pass central moments
of np.nonzero coordinates times the spacing, np.linalg.eigh). The spacing is the result's
`voxel_size` attribute; --spacing must agree with it when given. Axis vectors are compared
only where the eigenvalue gaps are clear (relative gap > 1e-6), up to the sign where the two
largest components tie. Where c1 (elongation) or c2 (flatness) is 0 in exact arithmetic
(below 1e-9 c0: a line, a plane, two voxels) the column must be NaN, +inf or very large (the
ratio of rounding noise); where both numerator and denominator are 0 (flatness of a line,
both columns of a single voxel) it must be NaN, or for flatness any value >= 1.
--strict-degenerate asks for NaN in all these cases (the documented rule taken literally:
an eigen solver that returns 1e-17 for an exact 0 then fails).

Prints one line per problem and exits 1 if there is any; otherwise a short summary per result
(particles, pairs, the largest scaled error per column) and exit 0.

--write-reference OUT.h5 writes the numpy reference as a result-like file (/particles with
label and the new columns, /adjacency, the voxel_size attribute) for checking the checker.
"""
import argparse
import sys

import h5py
import numpy as np

RTOL = 1e-9        # relative tolerance of the real columns
ATOL = 1e-9        # absolute floor (physical units^2) for tensor entries near 0
ATOL_SCALED = 1e-12  # ... or this times the particle's largest tensor entry, if larger
GAP = 1e-6         # relative eigenvalue gap below which an axis is not compared
ZERO = 1e-9        # an eigenvalue below ZERO * c0 is 0 in exact arithmetic
HULL_VOXELS = 2     # area_convex: boundary tolerance against scikit-image (docs/METHOD.md)
FERET_RTOL, FERET_ATOL = 0.03, 1.0   # against scikit-image's marching-cubes estimate
PAIRS = [(i, j) for i in range(3) for j in range(i, 3)]
TENSOR = [f"inertia_tensor-{i}-{j}" for i, j in PAIRS]
EIGVALS = [f"inertia_tensor_eigvals-{k}" for k in range(3)]
AXES = [f"axis-{k}-{c}" for k in range(3) for c in range(3)]
LENGTHS = ["axis_major_length", "axis_minor_length"]
RATIOS = ["elongation", "flatness"]
REAL_COLUMNS = TENSOR + EIGVALS + LENGTHS + RATIOS + AXES


def sign_fixed(vectors):
    """vectors[..., c, k]: column k is an eigenvector; its largest-magnitude component made
    positive (the first of equal magnitudes, as argmax)."""
    out = vectors.copy()
    n = vectors.shape[0]
    for k in range(3):
        col = out[:, :, k]
        big = np.argmax(np.abs(col), axis=1)
        s = np.sign(col[np.arange(n), big])
        s[s == 0] = 1.0
        out[:, :, k] = col * s[:, None]
    return out


class Reference:
    """The numpy reference for one label volume and one spacing."""

    def __init__(self, labels, spacing):
        spacing = np.asarray(spacing, dtype=np.float64)
        self.spacing = spacing
        coords = np.nonzero(labels)
        values = labels[coords]
        self.labels, inverse = np.unique(values, return_inverse=True)
        n = np.bincount(inverse).astype(np.float64)
        self.count = n
        phys = [coords[a].astype(np.float64) * spacing[a] for a in range(3)]
        mean = [np.bincount(inverse, weights=phys[a]) / n for a in range(3)]
        dev = [phys[a] - mean[a][inverse] for a in range(3)]
        mu = np.zeros((len(n), 3, 3))
        for i, j in PAIRS:
            mu[:, i, j] = mu[:, j, i] = np.bincount(inverse, weights=dev[i] * dev[j],
                                                    minlength=len(n))
        self.mu = mu
        trace = np.trace(mu, axis1=1, axis2=2)
        tensor = -mu / n[:, None, None]
        for i in range(3):
            tensor[:, i, i] = (trace - mu[:, i, i]) / n
        self.tensor = tensor
        ev = np.clip(np.linalg.eigvalsh(tensor), 0.0, None)[:, ::-1]   # descending, >= 0
        self.eigvals = ev
        major = 10.0 * (ev[:, 0] + ev[:, 1] - ev[:, 2])
        minor = 10.0 * (-ev[:, 0] + ev[:, 1] + ev[:, 2])
        # Squared lengths: compared in this form (a length near 0 is the square root of
        # rounding noise).
        self.length2 = np.stack([np.clip(major, 0, None), np.clip(minor, 0, None)], axis=1)
        cov = mu / n[:, None, None]
        c, vec = np.linalg.eigh(cov)
        self.cov_eigvals = c[:, ::-1]
        self.vectors = sign_fixed(vec[:, :, ::-1])
        self.euler_sk = None
        self.hulls_sk = None   # skimage_hulls, shared by every spacing
        self.hulls = None      # hull_reference, shared by every spacing
        self.feret = None
        self.adjacency = contacts(labels, spacing)

    def tensor_atol(self):
        """The absolute part of the tolerance of the tensor entries and eigenvalues."""
        return np.maximum(ATOL, ATOL_SCALED * np.abs(self.tensor).max(axis=(1, 2)))


def contacts(labels, spacing):
    """(label_a, label_b, shared_faces, faces per axis [n, 3], contact_area) of the voxel faces
    between two different non-zero labels, sorted by (a, b)."""
    keys, per_axis = [], []
    for axis in range(3):
        n = labels.shape[axis]
        lo = np.take(labels, np.arange(n - 1), axis=axis).ravel().astype(np.uint64)
        hi = np.take(labels, np.arange(1, n), axis=axis).ravel().astype(np.uint64)
        m = (lo != hi) & (lo > 0) & (hi > 0)
        a, b = np.minimum(lo[m], hi[m]), np.maximum(lo[m], hi[m])
        keys.append(np.stack([a, b], axis=1))
        per_axis.append(np.full(len(a), axis))
    keys = np.concatenate(keys) if keys else np.zeros((0, 2), np.uint64)
    axes = np.concatenate(per_axis)
    pairs, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    faces = np.zeros((len(pairs), 3), np.int64)
    np.add.at(faces, (inverse, axes), 1)
    face_area = np.array([spacing[1] * spacing[2], spacing[0] * spacing[2],
                          spacing[0] * spacing[1]], dtype=np.float64)
    area = faces[:, 0] * face_area[0] + faces[:, 1] * face_area[1] + faces[:, 2] * face_area[2]
    return {"label_a": pairs[:, 0] if len(pairs) else np.zeros(0, np.uint64),
            "label_b": pairs[:, 1] if len(pairs) else np.zeros(0, np.uint64),
            "shared_faces": faces.sum(axis=1), "faces_per_axis": faces, "contact_area": area}


def skimage_reference(labels):
    """scikit-image 0.19 regionprops at unit spacing: label -> dict of the columns."""
    from skimage import measure
    out = {}
    for p in measure.regionprops(labels.astype(np.int64)):
        t = np.asarray(p.inertia_tensor, dtype=np.float64)
        ev = np.asarray(p.inertia_tensor_eigvals, dtype=np.float64)
        lengths = []
        for new, old in (("axis_major_length", "major_axis_length"),
                         ("axis_minor_length", "minor_axis_length")):
            name = new if hasattr(type(p), new) else old
            try:
                lengths.append(float(getattr(p, name)))
            except ValueError:  # math.sqrt of a (rounding-noise) negative argument
                lengths.append(0.0)
        out[int(p.label)] = {"tensor": t, "eigvals": ev, "lengths": np.array(lengths),
                             "euler": int(p.euler_number)}
    return out


DIAMOND = np.array([[-0.5, 0, 0], [0.5, 0, 0], [0, -0.5, 0], [0, 0.5, 0], [0, 0, -0.5],
                    [0, 0, 0.5]])


def hull_reference(labels):
    """label -> (offset points of its voxel centres, scipy ConvexHull of them, the count of
    voxel centres inside by the hull's equations with scikit-image's tolerance)."""
    from scipy.spatial import ConvexHull
    coords = np.argwhere(labels)
    values = labels[tuple(coords.T)]
    order = np.argsort(values, kind="stable")
    coords, values = coords[order], values[order]
    cuts = np.nonzero(np.diff(values))[0] + 1
    out = {}
    for part in np.split(np.arange(len(values)), cuts):
        if not len(part):
            continue
        c = coords[part].astype(np.float64)
        points = np.unique((c[:, None, :] + DIAMOND[None]).reshape(-1, 3), axis=0)
        hull = ConvexHull(points)
        lo, hi = c.min(axis=0).astype(int), c.max(axis=0).astype(int)
        grid = np.stack(np.meshgrid(*[np.arange(lo[a], hi[a] + 1) for a in range(3)],
                                    indexing="ij"), axis=-1).reshape(-1, 3).astype(np.float64)
        inside = np.all(grid @ hull.equations[:, :3].T + hull.equations[:, 3] < 1e-10, axis=1)
        out[int(values[part[0]])] = (points, hull, int(inside.sum()))
    return out


def hull_feret(hulls, spacing):
    from scipy.spatial.distance import pdist
    out = {}
    for label, (points, hull, _) in hulls.items():
        vertices = points[hull.vertices] * np.asarray(spacing, np.float64)
        out[label] = float(np.sqrt(pdist(vertices, "sqeuclidean").max()))
    return out


def skimage_hulls(labels):
    """scikit-image 0.19: label -> (area_convex, feret_diameter_max or None); area_convex 0
    where its Qhull refused the (coplanar) centres."""
    import warnings
    from skimage import measure
    out = {}
    for p in measure.regionprops(labels.astype(np.int64)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            area = int(p.area_convex)
            try:
                feret = float(p.feret_diameter_max) if area > 0 else None
            except (ValueError, RuntimeError):
                feret = None
        out[int(p.label)] = (area, feret)
    return out


def skimage_euler(labels):
    from skimage import measure
    return {int(p.label): int(p.euler_number) for p in measure.regionprops(labels.astype(np.int64))}


class Checker:
    def __init__(self, name):
        self.name = name
        self.problems = []
        self.worst = {}

    def problem(self, text):
        self.problems.append(f"{self.name}: {text}")

    def note(self, column, err):
        if np.size(err):
            e = float(np.nanmax(err)) if not np.all(np.isnan(err)) else 0.0
            self.worst[column] = max(self.worst.get(column, 0.0), e)

    def close(self, column, names, got, want, atol, what, rtol=RTOL, shown=None):
        """|got - want| <= rtol |want| + atol per row (names[i]: "label 5", "pair (1, 2)");
        one line per row off. shown: (got, want) to print instead (e.g. lengths, not their
        squares)."""
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
        atol = np.broadcast_to(np.asarray(atol, dtype=np.float64), want.shape)
        diff = np.abs(got - want)
        bound = rtol * np.abs(want) + atol
        bad = ~(diff <= bound)
        denom = np.maximum(np.abs(want), atol / rtol)
        self.note(column, diff / np.where(denom > 0, denom, 1.0))
        show_got, show_want = shown if shown is not None else (got, want)
        for i in np.nonzero(bad)[0]:
            self.problem(f"{names[i]}: {column} = {show_got[i]!r}, {what} {show_want[i]!r} "
                         f"(difference {diff[i]:.3g}, allowed {bound[i]:.3g})")


def read_table(group):
    return {k: group[k][()] for k in group}


def check_result(path, expected_euler, ref, sk, spacing_arg, strict=False):
    c = Checker(path)
    with h5py.File(path, "r") as f:
        if "particles" not in f or "adjacency" not in f:
            c.problem("no /particles or /adjacency group")
            return c
        particles = read_table(f["particles"])
        adjacency = read_table(f["adjacency"])
        dtypes = {k: f["particles"][k].dtype for k in f["particles"]}
        adtypes = {k: f["adjacency"][k].dtype for k in f["adjacency"]}
        voxel_size = f.attrs.get("voxel_size")
    if voxel_size is None:
        c.problem("no voxel_size attribute")
    elif not np.array_equal(np.asarray(voxel_size, np.float64), ref.spacing):
        c.problem(f"voxel_size attribute {list(voxel_size)} is not the spacing {list(ref.spacing)}")
    if spacing_arg is not None and not np.array_equal(np.asarray(spacing_arg), ref.spacing):
        c.problem("internal: reference spacing differs from --spacing")

    label = particles.get("label")
    if label is None or not np.array_equal(label.astype(np.uint64), ref.labels.astype(np.uint64)):
        c.problem(f"/particles/label is not the {len(ref.labels)} labels of the volume, sorted")
        return c
    n = len(label)
    for column in REAL_COLUMNS + ["euler_number"]:
        if column not in particles:
            c.problem(f"/particles/{column} missing")
        elif particles[column].shape != (n,):
            c.problem(f"/particles/{column} has shape {particles[column].shape}, not ({n},)")
        elif column == "euler_number" and dtypes[column] != np.dtype("<i8"):
            c.problem(f"/particles/euler_number is {dtypes[column]}, not int64")
        elif column != "euler_number" and dtypes[column] != np.dtype("<f8"):
            c.problem(f"/particles/{column} is {dtypes[column]}, not float64")

    def have(col):
        return col in particles and particles[col].shape == (n,)
    names = [f"label {l}" for l in label]
    atol = ref.tensor_atol()

    # Inertia tensor and its eigenvalues: numpy, and scikit-image at unit spacing.
    for (i, j), column in zip(PAIRS, TENSOR):
        if have(column):
            c.close(column, names, particles[column], ref.tensor[:, i, j], atol, "numpy")
            if sk is not None:
                c.close(column, names, particles[column],
                        [sk[int(l)]["tensor"][i, j] for l in label], atol, "scikit-image")
    for k, column in enumerate(EIGVALS):
        if have(column):
            c.close(column, names, particles[column], ref.eigvals[:, k], atol, "numpy")
            if sk is not None:
                c.close(column, names, particles[column],
                        [sk[int(l)]["eigvals"][k] for l in label], atol, "scikit-image")
    if all(have(col) for col in EIGVALS):
        ev = np.stack([particles[col] for col in EIGVALS], axis=1)
        for i in np.nonzero(~(np.all(ev[:, :-1] >= ev[:, 1:], axis=1) & np.all(ev >= 0, axis=1)))[0]:
            c.problem(f"label {label[i]}: inertia_tensor_eigvals {ev[i]} not descending and >= 0")
    # Lengths, compared squared (see Reference): |got^2 - want^2| <= RTOL want^2 +
    # ATOL_SCALED major^2 (a minor length of rounding noise, ~1e-7 major, passes as 0).
    length_atol = np.maximum(ATOL_SCALED * ref.length2[:, 0], 1e-300)
    for k, column in enumerate(LENGTHS):
        if have(column):
            got = particles[column].astype(np.float64)
            if np.any(~(got >= 0)):
                for i in np.nonzero(~(got >= 0))[0]:
                    c.problem(f"label {label[i]}: {column} = {got[i]!r} is not a length >= 0")
            c.close(column, names, got ** 2, ref.length2[:, k], length_atol,
                    "numpy (compared squared)", shown=(got, np.sqrt(ref.length2[:, k])))
            if sk is not None:
                want = np.array([sk[int(l)]["lengths"][k] for l in label])
                c.close(column, names, got ** 2, want ** 2, length_atol,
                        "scikit-image (compared squared)", shown=(got, want))

    # Elongation and flatness.
    cv = ref.cov_eigvals
    top = cv[:, 0]
    zero = cv <= ZERO * top[:, None]   # exact zeros (and the single voxel: top == 0)
    counts = {"degenerate": 0, "nan": 0, "not_nan": []}
    for column, num, den in (("elongation", 0, 1), ("flatness", 1, 2)):
        if not have(column):
            continue
        got = particles[column].astype(np.float64)
        fine = ~zero[:, den]
        with np.errstate(divide="ignore", invalid="ignore"):
            want = np.sqrt(cv[:, num] / cv[:, den])
        rtol = RTOL + 1e-13 * np.where(fine, top / np.where(fine, cv[:, den], 1.0), 0.0)
        idx = np.nonzero(fine)[0]
        c.close(column, [names[i] for i in idx], got[idx], want[idx], 0.0, "numpy",
                rtol=rtol[idx])
        for i in np.nonzero(~fine)[0]:
            counts["degenerate"] += 1
            counts["nan"] += int(np.isnan(got[i]))
            if not np.isnan(got[i]):
                counts["not_nan"].append(f"{column} of {label[i]} = {got[i]:.3g}")
            if strict:
                ok, rule = bool(np.isnan(got[i])), "NaN (--strict-degenerate)"
            elif zero[i, num]:   # 0 / 0
                ok = np.isnan(got[i]) if top[i] == 0 or column == "elongation" else \
                    (np.isnan(got[i]) or got[i] >= 1 - 1e-9)
                rule = "NaN (0/0)" if top[i] == 0 or column == "elongation" else "NaN or >= 1"
            else:              # x / 0
                ok = np.isnan(got[i]) or got[i] > 1e3
                rule = "NaN (or +inf / rounding-noise large)"
            if not ok:
                c.problem(f"label {label[i]}: {column} = {got[i]!r}, expected {rule}: "
                          f"covariance eigenvalues {cv[i]}")

    # Principal axes.
    if all(have(col) for col in AXES):
        got = np.stack([np.stack([particles[f"axis-{k}-{ci}"] for ci in range(3)], axis=1)
                        for k in range(3)], axis=2)   # [n, component, k]
        norms = np.linalg.norm(got, axis=1)
        for i, k in zip(*np.nonzero(~(np.abs(norms - 1) <= 1e-9))):
            c.problem(f"label {label[i]}: axis-{k} {got[i, :, k]} is not a unit vector")
        checked = 0
        for k in range(3):
            others = [j for j in range(3) if j != k]
            gap = np.min(np.abs(cv[:, [k]] - cv[:, others]), axis=1) / np.where(top > 0, top, 1)
            clear = (gap > GAP) & (top > 0)
            for i in np.nonzero(clear)[0]:
                checked += 1
                u = ref.vectors[i, :, k]
                v = got[i, :, k]
                tol = 1e-9 + 1e-13 / gap[i]
                mag = np.sort(np.abs(u))
                tie = mag[2] - mag[1] <= 2 * tol
                err = min(np.abs(v - u).max(), np.abs(v + u).max()) if tie else np.abs(v - u).max()
                c.note(f"axis-{k}-*", err)
                if not err <= tol:
                    c.problem(f"label {label[i]}: axis-{k} = {v}, numpy {u} (eigenvalues "
                              f"{cv[i]}, difference {err:.3g}, allowed {tol:.3g})")
        counts["axes"] = checked

    # Euler numbers.
    if have("euler_number"):
        got = particles["euler_number"]
        for i, l in enumerate(label):
            e_sk = ref.euler_sk[int(l)]
            if int(got[i]) != e_sk:
                c.problem(f"label {l}: euler_number {got[i]}, scikit-image {e_sk}")
        index = {int(l): i for i, l in enumerate(label)}
        for l, e in expected_euler.items():
            if l not in index:
                c.problem(f"label {l} of /expected_euler is not in the result")
            elif int(got[index[l]]) != e:
                c.problem(f"label {l}: euler_number {got[index[l]]}, expected {e} by construction")

    counts["flat_in_skimage"] = check_hulls(c, particles, dtypes, label, names, ref)

    # Adjacency.
    adj = ref.adjacency
    for column in ("label_a", "label_b", "shared_faces", "contact_area"):
        if column not in adjacency:
            c.problem(f"/adjacency/{column} missing")
    if "contact_area" in adtypes and adtypes["contact_area"] != np.dtype("<f8"):
        c.problem(f"/adjacency/contact_area is {adtypes['contact_area']}, not float64")
    if "shared_faces" in adtypes and adtypes["shared_faces"] != np.dtype("<i8"):
        c.problem(f"/adjacency/shared_faces is {adtypes['shared_faces']}, not int64")
    if "label_a" in adjacency and "label_b" in adjacency:
        a, b = adjacency["label_a"].astype(np.uint64), adjacency["label_b"].astype(np.uint64)
        if not (np.array_equal(a, adj["label_a"]) and np.array_equal(b, adj["label_b"])):
            ours = set(zip(a.tolist(), b.tolist()))
            theirs = set(zip(adj["label_a"].tolist(), adj["label_b"].tolist()))
            c.problem(f"/adjacency pairs differ: {len(ours)} pairs, numpy {len(theirs)}; only in "
                      f"the result {sorted(ours - theirs)[:5]}, only in numpy "
                      f"{sorted(theirs - ours)[:5]} (or a different order)")
        else:
            if "shared_faces" in adjacency:
                bad = adjacency["shared_faces"] != adj["shared_faces"]
                for i in np.nonzero(bad)[0]:
                    c.problem(f"pair ({a[i]}, {b[i]}): shared_faces {adjacency['shared_faces'][i]}"
                              f", numpy {adj['shared_faces'][i]}")
            if "contact_area" in adjacency:
                pairs = [f"pair ({x}, {y})" for x, y in zip(a, b)]
                c.close("contact_area", pairs, adjacency["contact_area"], adj["contact_area"],
                        0.0, f"numpy (faces per axis z, y, x {adj['faces_per_axis'].tolist()})"
                        if len(a) < 3 else "numpy", rtol=1e-12)
    c.counts = counts
    c.n, c.pairs = n, len(adj["label_a"])
    return c


def check_hulls(c, particles, dtypes, label, names, ref):
    """area_convex, convex_volume, solidity, feret_diameter_max (see the module text)."""
    hull_columns = ("area_convex", "convex_volume", "solidity", "feret_diameter_max")
    for column in hull_columns:
        if column not in particles:
            c.problem(f"/particles/{column} missing")
            return 0
        want = "<i8" if column == "area_convex" else "<f8"
        if dtypes[column] != np.dtype(want):
            c.problem(f"/particles/{column} is {dtypes[column]}, not {np.dtype(want)}")
    area = particles["area_convex"].astype(np.int64)
    volume = particles["volume"].astype(np.int64)
    unit = np.array_equal(ref.spacing, np.ones(3))
    flat_in_skimage = 0
    for i, l in enumerate(label):
        sk_area, sk_feret = ref.hulls_sk[int(l)]
        scipy_area = ref.hulls[int(l)][2]
        if sk_area == 0:   # coplanar centres: scikit-image gives up, scipy's hull is the truth
            flat_in_skimage += 1
            want, what = scipy_area, "scipy's hull (scikit-image returns 0 here)"
        else:
            want, what = sk_area, "scikit-image"
        c.note("area_convex (voxels)", abs(int(area[i]) - want))
        if abs(int(area[i]) - want) > HULL_VOXELS:
            c.problem(f"{names[i]}: area_convex {area[i]}, {what} {want}")
        if area[i] < volume[i]:
            c.problem(f"{names[i]}: area_convex {area[i]} < volume {volume[i]}")
        if unit and sk_feret is not None:
            f = float(particles["feret_diameter_max"][i])
            c.note("feret vs scikit-image (relative)", abs(f - sk_feret) / sk_feret)
            if not abs(f - sk_feret) <= FERET_RTOL * sk_feret + FERET_ATOL:
                c.problem(f"{names[i]}: feret_diameter_max {f}, scikit-image {sk_feret} "
                          f"(allowed 3 % + 1 voxel)")
    c.close("convex_volume", names, particles["convex_volume"],
            area * float(np.prod(ref.spacing)), 0.0, "area_convex x voxel volume", rtol=1e-12)
    c.close("solidity", names, particles["solidity"], volume / area, 0.0, "volume / area_convex",
            rtol=1e-12)
    c.close("feret_diameter_max", names, particles["feret_diameter_max"],
            [ref.feret[int(l)] for l in label], 0.0, "scipy hull vertices")
    return flat_in_skimage


def write_reference(path, ref):
    with h5py.File(path, "w") as f:
        f.attrs["voxel_size"] = ref.spacing
        p = f.create_group("particles")
        p["label"] = ref.labels.astype(np.uint64)
        for (i, j), column in zip(PAIRS, TENSOR):
            p[column] = ref.tensor[:, i, j]
        for k, column in enumerate(EIGVALS):
            p[column] = ref.eigvals[:, k]
        p["axis_major_length"] = np.sqrt(ref.length2[:, 0])
        p["axis_minor_length"] = np.sqrt(ref.length2[:, 1])
        cv = ref.cov_eigvals
        zero = cv <= ZERO * cv[:, [0]]
        with np.errstate(divide="ignore", invalid="ignore"):
            p["elongation"] = np.where(zero[:, 1], np.nan, np.sqrt(cv[:, 0] / cv[:, 1]))
            p["flatness"] = np.where(zero[:, 2], np.nan, np.sqrt(cv[:, 1] / cv[:, 2]))
        for k in range(3):
            for ci in range(3):
                p[f"axis-{k}-{ci}"] = ref.vectors[:, ci, k]
        p["euler_number"] = np.array([ref.euler_sk[int(l)] for l in ref.labels], np.int64)
        a = f.create_group("adjacency")
        for column in ("label_a", "label_b", "shared_faces", "contact_area"):
            a[column] = ref.adjacency[column]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("volume")
    parser.add_argument("results", nargs="*")
    parser.add_argument("--spacing", nargs=3, type=float, metavar=("Z", "Y", "X"))
    parser.add_argument("--write-reference", metavar="OUT.h5")
    parser.add_argument("--max-lines", type=int, default=200)
    parser.add_argument("--strict-degenerate", action="store_true",
                        help="elongation/flatness must be NaN wherever the denominator is 0 in "
                             "exact arithmetic")
    args = parser.parse_args(argv)
    if not args.results and not args.write_reference:
        parser.error("give RESULT.h5 files or --write-reference")

    with h5py.File(args.volume, "r") as f:
        labels = f["labels"][()]
        expected = {}
        if "expected_euler" in f:
            expected = {int(l): int(e) for l, e in f["expected_euler"][()]}
    euler = skimage_euler(labels)
    refs, sks, hulls = {}, {}, {}

    def reference(spacing):
        key = tuple(float(s) for s in spacing)
        if key not in refs:
            refs[key] = Reference(labels, key)
            refs[key].euler_sk = euler
            if not hulls:
                hulls["sk"], hulls["scipy"] = skimage_hulls(labels), hull_reference(labels)
            refs[key].hulls_sk, refs[key].hulls = hulls["sk"], hulls["scipy"]
            refs[key].feret = hull_feret(hulls["scipy"], key)
        return refs[key]

    for l, e in expected.items():   # the fixture's own claims against scikit-image
        if euler.get(l) != e:
            print(f"{args.volume}: label {l}: /expected_euler says {e}, scikit-image "
                  f"{euler.get(l)}")
            return 1
    if args.write_reference:
        write_reference(args.write_reference, reference(args.spacing or (1.0, 1.0, 1.0)))

    failed = False
    for path in args.results:
        if args.spacing is not None:
            spacing = args.spacing
        else:
            with h5py.File(path, "r") as f:
                spacing = f.attrs.get("voxel_size", (1.0, 1.0, 1.0))
        ref = reference(spacing)
        sk = None
        if np.array_equal(ref.spacing, np.ones(3)):
            if "unit" not in sks:
                sks["unit"] = skimage_reference(labels)
            sk = sks["unit"]
        c = check_result(path, expected, ref, sk, args.spacing, args.strict_degenerate)
        if c.problems:
            failed = True
            for line in c.problems[:args.max_lines]:
                print(line)
            if len(c.problems) > args.max_lines:
                print(f"{path}: ... {len(c.problems) - args.max_lines} more problems")
            continue
        against = "numpy and scikit-image 0.19" if sk is not None else "numpy"
        worst = ", ".join(f"{k} {v:.1e}" for k, v in sorted(c.worst.items()))
        print(f"{path}: {c.n} particles, {c.pairs} pairs, spacing {list(ref.spacing)}: shape "
              f"columns agree with {against}; Euler numbers with scikit-image"
              f"{' and ' + str(len(expected)) + ' expected' if expected else ''}; "
              f"{c.counts.get('axes', 0)} axes compared; {c.counts['degenerate']} degenerate "
              f"ratios ({c.counts['nan']} NaN"
              f"{'; not NaN: ' + ', '.join(c.counts['not_nan'][:4]) if c.counts['not_nan'] else ''})"
              f"; hulls: {c.counts.get('flat_in_skimage', 0)} flat for scikit-image")
        print(f"  largest scaled errors: {worst}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
