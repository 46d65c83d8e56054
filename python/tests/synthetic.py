"""Synthetic grapes-hpc files written with h5py alone, for the Python tests and figures.

The series file here has the layout ``grapes series`` writes for an operando series
(docs/OUTPUT.md, docs/SERIES.md: ``/steps/<name>`` groups with their step attributes,
``/series/{steps,values,removed,conditions,quartiles,radial_delta}``, the root attributes
``series_mode`` and ``summary``), with the statistics computed by plain numpy/pandas from
SERIES.md's formulas on made-up particles: a model of an operando series in which particle
cores darken on charge (more near the current collector) and partly recover on discharge.
It lets the package's tests run without the grapes binary and edit files at will; the tests
in test_grapes_series.py check the package against files written by ``grapes series``.

Run as a script to write one: ``python3 synthetic.py series OUT.h5`` or
``python3 synthetic.py result OUT.h5``.
"""

from __future__ import annotations

import math
import sys

import h5py
import numpy as np
import pandas as pd

STEPS = ["prist", "4.0V", "4.4V", "2.5V"]
DARKENING = {"prist": 0.0, "4.0V": -0.8, "4.4V": -2.2, "2.5V": -1.1}
SOC = {"prist": 3.0, "4.0V": 4.0, "4.4V": 4.4, "2.5V": 2.5}
CORE_EXCLUDE = 5
SIGMA_BG = 2.5


def write_table(group: h5py.Group, table: pd.DataFrame, strings: str = "fixed") -> None:
    """One 1-D dataset per column plus the ``columns`` attribute, as grapes writes tables.

    String columns are written as fixed-length bytes (``strings="fixed"``) or as
    variable-length UTF-8 (``"vlen"``), so readers are tested on both.
    """
    for name in table.columns:
        values = table[name].to_numpy()
        if values.dtype == object:
            if strings == "fixed":
                values = np.array([str(v).encode() for v in values], dtype="S")
            else:
                values = np.array([str(v) for v in values], dtype=h5py.string_dtype())
        group.create_dataset(name, data=values)
    group.attrs["columns"] = np.bytes_(",".join(table.columns))


def root_attributes(file: h5py.File, config: str, version=1, software="grapes-hpc 0.2.0") -> None:
    """The root attributes a reader relies on (software, format_version, config)."""
    file.attrs["software"] = np.bytes_(software)
    if version is not None:
        file.attrs["format_version"] = np.int64(version)
    file.attrs["config"] = np.bytes_(config)
    file.attrs["voxel_size"] = np.array([1.0, 1.0, 1.0])
    file.attrs["created_utc"] = np.bytes_("2026-12-01T00:00:00Z")


def normalise(graylevel: np.ndarray) -> np.ndarray:
    """docs/METHOD.md radial_max: (g_k - g_1) / max_j (g_j - g_1), zeros when that max is 0."""
    rise = graylevel - graylevel[0]
    top = rise.max()
    return rise / top if top > 0 else np.zeros_like(rise)


SHAPE = (200, 200, 320)


def make_particles(rng: np.random.Generator, n: int, shape=SHAPE):
    """Per-particle geometry shared by every step: label, volume, centroid, depth K."""
    radius = rng.gamma(9.0, 1.0, n).clip(3.0, 20.0)
    volume = np.round(4.0 / 3.0 * np.pi * radius**3).astype(np.int64)
    centroid = rng.uniform([0, 0, 0], shape, (n, 3))
    k_max = np.maximum(1, np.round(radius).astype(np.int64))
    base = 172.0 + rng.normal(0.0, 8.0, n)  # each particle's own grey level, every step
    return pd.DataFrame({"label": np.arange(1, n + 1, dtype=np.uint64), "volume": volume,
                         "radius": radius, "base": base, "c0": centroid[:, 0], "c1": centroid[:, 1],
                         "c2": centroid[:, 2], "K": k_max})


def step_tables(rng, geometry: pd.DataFrame, step: str, shape=SHAPE):
    """The particles and layers tables of one step of the model."""
    collector = geometry["c2"].to_numpy() / shape[2]  # 1 at the current collector (high x)
    particles, layers = [], []
    for row, near in zip(geometry.itertuples(index=False), collector):
        k = np.arange(1, row.K + 1)
        depth = (k - 1) / max(row.K - 1, 1)
        base = row.base + rng.normal(0, 1.5)
        damage = DARKENING[step] * (0.5 + near) * 2.0 * depth
        # Denser towards the centre, a darker partial-volume surface layer.
        profile = 3.0 * (1.0 - np.exp(-(k - 1) / 3.0)) - 1.5 * np.exp(-(k - 1))
        grey = base + profile + damage + rng.normal(0, 0.3, k.size)
        count = np.maximum(1, np.round(4 * np.pi * np.maximum(row.radius - k + 0.5, 0.5)**2))
        count = count.astype(np.int64)
        core = k > CORE_EXCLUDE
        core_voxels = int(count[core].sum())
        core_mean = float((grey[core] * count[core]).sum() / core_voxels) if core_voxels else math.nan
        volume = int(count.sum())
        lo = np.floor([row.c0 - row.radius, row.c1 - row.radius, row.c2 - row.radius])
        hi = np.ceil([row.c0 + row.radius, row.c1 + row.radius, row.c2 + row.radius])
        touches = bool(np.any(lo <= 0) or np.any(hi >= np.array(shape)))
        lo, hi = np.maximum(lo, 0).astype(np.int64), np.minimum(hi, shape).astype(np.int64)
        mean = float((grey * count).sum() / volume)
        particles.append({
            "label": row.label, "volume": volume, "volume_physical": float(volume),
            "centroid-0": row.c0, "centroid-1": row.c1, "centroid-2": row.c2,
            "centroid_local-0": row.c0 - lo[0], "centroid_local-1": row.c1 - lo[1],
            "centroid_local-2": row.c2 - lo[2],
            **{f"bbox-{i}": lo[i] for i in range(3)}, **{f"bbox-{i + 3}": hi[i] for i in range(3)},
            "equivalent_diameter_volume": (6.0 * volume / np.pi) ** (1 / 3),
            "intensity_min": float(np.floor(grey.min() - 10)),
            "intensity_max": float(np.ceil(grey.max() + 10)),
            "intensity_mean": mean, "intensity_std": 5.0, "surface_area": 4 * np.pi * row.radius**2,
            "sphericity": 0.92, "n_layers": int(row.K), "core_mean": core_mean,
            "core_voxels": core_voxels, "touches_border": np.uint8(touches),
            "n_neighbours": int(rng.integers(1, 8)),
        })
        layers.append(pd.DataFrame({
            "label": np.full(k.size, row.label, dtype=np.uint64), "layer": k.astype(np.int64),
            "count": count, "graylevel": grey, "graylevel_normed": normalise(grey),
            "std": np.full(k.size, 5.0)}))
    return pd.DataFrame(particles), pd.concat(layers, ignore_index=True)


def write_result_group(group: h5py.Group, particles: pd.DataFrame, layers: pd.DataFrame,
                       adjacency: pd.DataFrame) -> None:
    """particles (+ layer_offset), layers and adjacency under ``group``, as grapes run does."""
    counts = layers.groupby("label", sort=True).size().reindex(particles["label"]).fillna(0)
    offset = np.concatenate([[0], np.cumsum(counts.to_numpy())]).astype(np.int64)
    write_table(group.create_group("particles"), particles)
    group["particles"].create_dataset("layer_offset", data=offset)
    group["particles"].attrs["columns"] = np.bytes_(
        ",".join(list(particles.columns) + ["layer_offset"]))
    write_table(group.create_group("layers"), layers)
    write_table(group.create_group("adjacency"), adjacency)


def random_adjacency(rng, labels: np.ndarray, pairs: int = 40) -> pd.DataFrame:
    """A few face-adjacent pairs with label_a < label_b."""
    a = rng.choice(labels, pairs)
    b = rng.choice(labels, pairs)
    keep = a < b
    table = pd.DataFrame({"label_a": a[keep], "label_b": b[keep]}).drop_duplicates()
    table = table.sort_values(["label_a", "label_b"]).reset_index(drop=True)
    table["shared_faces"] = rng.integers(1, 200, len(table)).astype(np.int64)
    return table.astype({"label_a": np.uint64, "label_b": np.uint64})


def write_result_file(path: str, seed: int = 3, n: int = 60, **attributes) -> None:
    """A single-run result file (the model's pristine step)."""
    rng = np.random.default_rng(seed)
    geometry = make_particles(rng, n)
    particles, layers = step_tables(rng, geometry, "prist")
    with h5py.File(path, "w") as file:
        root_attributes(file, "input: {phantom: {seed: 3}}\n", **attributes)
        write_result_group(file, particles, layers, random_adjacency(rng, particles["label"].to_numpy()))


# --------------------------------------------------------------------------------------
# Series statistics (docs/SERIES.md), on the model's tables


def normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal."""
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def step_statistics(values: pd.DataFrame) -> pd.DataFrame:
    """/series/steps (docs/SERIES.md) from I_<step> and n_<step> of the kept particles."""
    rows = []
    i0, n0 = values[f"I_{STEPS[0]}"], values[f"n_{STEPS[0]}"]
    sem_p0 = SIGMA_BG / np.sqrt(n0)
    for s, name in enumerate(STEPS):
        i, n_p = values[f"I_{name}"], values[f"n_{name}"]
        n = len(i)
        sem_p = SIGMA_BG / np.sqrt(n_p)
        ses, sem = i.std(ddof=1) / math.sqrt(n), math.sqrt((sem_p**2).mean())
        delta = i - i0
        delta_ses = delta.std(ddof=1) / math.sqrt(n)
        delta_sem = math.sqrt((sem_p0**2 + sem_p**2).mean())
        z = (i.mean() - i0.mean()) / math.sqrt(i.var(ddof=1) / n + i0.var(ddof=1) / n)
        z_paired = delta.mean() / (delta.std(ddof=1) / math.sqrt(n)) if s else math.nan
        rows.append({
            "step": s, "name": name, "n": n, "mean": i.mean(), "sd": i.std(ddof=1), "ses": ses,
            "sem": sem, "se_tot": math.hypot(ses, sem), "delta_mean": delta.mean(),
            "delta_ses": delta_ses, "delta_sem": delta_sem,
            "delta_se_tot": math.hypot(delta_ses, delta_sem), "z": z,
            "p_one": normal_sf(abs(z)), "p_two": 2 * normal_sf(abs(z)), "z_paired": z_paired,
            "p_paired": 2 * normal_sf(abs(z_paired)) if s else math.nan})
    return pd.DataFrame(rows)


def quartile_table(values: pd.DataFrame, x: pd.Series) -> pd.DataFrame:
    """/series/quartiles: ΔĪ per x-position quartile (Q1 farthest from the collector)."""
    quartile = pd.qcut(x, 4, labels=False) + 1  # collector at high x: Q1 = lowest x
    rows = []
    for q in range(1, 5):
        members = values[quartile.to_numpy() == q]
        for s, name in enumerate(STEPS):
            delta = members[f"I_{name}"] - members[f"I_{STEPS[0]}"]
            n = len(delta)
            sem = math.sqrt(((SIGMA_BG**2 / members[f"n_{STEPS[0]}"])
                             + (SIGMA_BG**2 / members[f"n_{name}"])).mean())
            ses = delta.std(ddof=1) / math.sqrt(n)
            rows.append({"quartile": q, "step": s, "n": n, "delta_mean": delta.mean(),
                         "delta_se_tot": math.hypot(ses, sem)})
    return pd.DataFrame(rows)


def conditions_table(values: pd.DataFrame) -> pd.DataFrame:
    """/series/conditions: the paper's two pie charts (fig. 10)."""
    rows = []
    for name, a, op, b in [("charge_darkens", "prist", ">", "4.4V"),
                           ("discharge_recovers", "4.4V", "<", "2.5V")]:
        ia, ib = values[f"I_{a}"], values[f"I_{b}"]
        hit = ia > ib if op == ">" else ia < ib
        f, n = float(hit.mean()), len(hit)
        rows.append({"name": name, "step_a": a, "step_b": b, "op": op, "fraction": f,
                     "se": math.sqrt(f * (1 - f) / n)})
    return pd.DataFrame(rows)


def radial_delta_table(tables: dict, kept: np.ndarray) -> pd.DataFrame:
    """/series/radial_delta: mean layer grey change vs the reference, per depth (item 13)."""
    ref = tables[STEPS[0]][1]
    ref = ref[ref["label"].isin(kept)].set_index(["label", "layer"])
    ref_k = ref.groupby(level="label").size()
    rows = []
    for s, name in enumerate(STEPS):
        layers = tables[name][1]
        layers = layers[layers["label"].isin(kept)].set_index(["label", "layer"])
        joined = layers[["graylevel"]].join(ref[["graylevel"]], rsuffix="_0", how="inner")
        delta = (joined["graylevel"] - joined["graylevel_0"]).rename("delta").reset_index()
        delta["relative"] = (delta["layer"] - 1) / (delta["label"].map(ref_k) - 1).clip(lower=1)
        delta["bin"] = np.minimum((delta["relative"] * 10).astype(int), 9)
        # A particle counts once per relative-depth bin: the mean of its layers there.
        binned = delta.groupby(["label", "bin"], as_index=False)["delta"].mean()
        for kind, key, table in (("layer", "layer", delta), ("relative", "bin", binned)):
            for depth, group in table.groupby(key):
                n = len(group)
                se = group["delta"].std(ddof=1) / math.sqrt(n) if n > 1 else math.nan
                rows.append({"step": s, "depth_kind": kind, "depth": int(depth), "n": n,
                             "delta_mean": group["delta"].mean(), "delta_se": se})
    return pd.DataFrame(rows)


def write_series_file(path: str, seed: int = 7, n: int = 240, software="grapes-hpc 0.2.0") -> dict:
    """A series file in docs/OUTPUT.md's layout; returns the model's tables for checking readers."""
    rng = np.random.default_rng(seed)
    geometry = make_particles(rng, n)
    tables = {name: step_tables(rng, geometry, name) for name in STEPS}
    # Rule 1: a few labels missing from the last step are inconsistent.
    missing = geometry["label"].to_numpy()[-4:]
    last = STEPS[-1]
    tables[last] = (tables[last][0][~tables[last][0]["label"].isin(missing)].reset_index(drop=True),
                    tables[last][1][~tables[last][1]["label"].isin(missing)].reset_index(drop=True))
    ref = tables[STEPS[0]][0].set_index("label")
    removed = [(int(label), "inconsistent", 3) for label in missing]
    border = ref.index[ref["touches_border"].astype(bool)].difference(missing)
    removed += [(int(label), "border", -1) for label in border]
    no_core = ref.index[ref["core_voxels"] == 0].difference(missing).difference(border)
    removed += [(int(label), "no_core", -1) for label in no_core]
    left = ref.index.difference(missing).difference(border).difference(no_core)
    small = left[ref.loc[left, "volume"] <= ref.loc[left, "volume"].quantile(0.25)]
    removed += [(int(label), "small", -1) for label in small]
    kept = left.difference(small).to_numpy()

    values = pd.DataFrame({"label": kept.astype(np.uint64)})
    for name in STEPS:
        p = tables[name][0].set_index("label").loc[kept]
        values[f"I_{name}"] = p["core_mean"].to_numpy()
        values[f"n_{name}"] = p["core_voxels"].to_numpy()

    config = ("series:\n  mode: operando\n  reference: prist\n  error_multiple: 3\n"
              "  quartiles: {axis: 2, collector: high}\n")
    with h5py.File(path, "w") as file:
        root_attributes(file, config, software=software)
        file.attrs["series_mode"] = np.bytes_("operando")
        file.attrs["summary"] = np.bytes_("synthetic series: 4 steps\n")
        # Created in reverse order: readers must order the steps by step_index, not by name
        # or creation.
        for index, name in reversed(list(enumerate(STEPS))):
            particles, layers = tables[name]
            group = file.create_group(f"steps/{name}")
            write_result_group(group, particles, layers,
                               random_adjacency(rng, particles["label"].to_numpy()))
            group.attrs["step_name"] = np.bytes_(name)
            group.attrs["step_index"] = np.int64(index)
            group.attrs["step_soc"] = float(SOC[name])
            group.attrs["sigma_bg"] = float(SIGMA_BG)
            group.attrs["input_grey_dtype"] = np.bytes_("uint8")
        series = file.create_group("series")
        write_table(series.create_group("steps"), step_statistics(values))
        write_table(series.create_group("values"), values)
        write_table(series.create_group("removed"),
                    pd.DataFrame(removed, columns=["label", "rule", "step"]), strings="vlen")
        write_table(series.create_group("conditions"), conditions_table(values))
        write_table(series.create_group("quartiles"),
                    quartile_table(values, ref.loc[kept, "centroid-2"]))
        write_table(series.create_group("radial_delta"), radial_delta_table(tables, kept),
                    strings="fixed")
    return {"tables": tables, "values": values, "removed": removed, "kept": kept}


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("series", "result"):
        sys.exit("usage: synthetic.py series|result OUT.h5")
    (write_series_file if sys.argv[1] == "series" else write_result_file)(sys.argv[2])
    print(f"wrote {sys.argv[2]}")
