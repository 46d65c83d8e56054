"""The GRAPES paper's figures from grapes-hpc result and series files.

    python -m grapes_hpc.plot FILE [FILE ...] [--out DIR] [--format png|svg|pdf] [--k K]

(also ``grapes plot FILE ...``). What is drawn depends on the file:

- a result file (``grapes run``): the normalised radial grey-level profile with ±k·SE bars
  (paper fig. 7; several result files are overlaid as datasets, e.g. pristine vs cycled),
  the same profile per volume quartile, and histograms of particle volume, equivalent
  diameter and grey level;
- a series file (``grapes series``, SPEC §6): Ī and ΔĪ per step with ±k·SE_tot (fig. 8),
  ΔĪ per spatial quartile (fig. 9), the condition fractions as pie charts (fig. 10), the
  radial ΔI profile per step (``/series/radial_delta``) and the radial profiles of
  ``/series/radial/<dataset>`` (fig. 7).

Every figure says what its error bars are (k), how many particles it rests on and which
steps it shows. matplotlib runs with the Agg backend: no display is needed.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ._grapes import layer_statistics  # noqa: E402
from ._reader import GrapesFileError, Result, read, read_attrs, read_series  # noqa: E402

FORMATS = ("png", "svg", "pdf")
#: Error-bar multiples of the paper: fig. 7 plots ±2 SE; figs. 8-9 use the series
#: config's ``error_multiple`` (SPEC §7, default 3 as in fig. 8).
RADIAL_K = 2.0
SERIES_K = 3.0
AXIS_NAMES = {0: "z", 1: "y", 2: "x"}


# --------------------------------------------------------------------------------------
# Small helpers


def _config(attrs: Dict) -> Dict:
    """The file's resolved YAML configuration as a dict ({} if unreadable or no PyYAML)."""
    text = attrs.get("config")
    if not isinstance(text, str):
        return {}
    try:
        import yaml
    except ImportError:
        return {}
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _stem(path: str) -> str:
    """The file name without folder and extension: the figures' name prefix."""
    name = os.path.basename(path)
    for extension in (".h5", ".hdf5", ".nxs", ".hdf"):
        if name.endswith(extension):
            return name[: -len(extension)]
    return os.path.splitext(name)[0]


def _save(fig, out: str, name: str, fmt: str) -> str:
    """Writes ``fig`` to ``out/name.fmt``, closes it and returns the path."""
    path = os.path.join(out, f"{name}.{fmt}")
    fig.savefig(path, format=fmt, dpi=150, bbox_inches="tight")
    plt.close(fig)
    return path


def _normalise_label(attrs: Dict) -> str:
    """y-axis label of a normalised profile, from the run's analysis.normalise."""
    mode = _config(attrs).get("analysis", {}).get("normalise", "radial_max")
    if mode == "surface":
        return "normalised grey level g_k / g_1 (surface layer = 1)"
    return "normalised grey level\n(g_k − g_1)/max(g − g_1): surface 0, brightest 1"


def _layer_label(attrs: Dict) -> str:
    """x-axis label of a radial profile with the layer width in physical units."""
    width = attrs.get("layer_width")
    if isinstance(width, (int, float)):
        return f"radial layer k (1 = surface; layer width {width:g} voxel_size units)"
    return "radial layer k (1 = surface)"


def _colors(count: int) -> List:
    """``count`` distinguishable colours (tab10, then viridis for many)."""
    if count <= 10:
        cmap = plt.get_cmap("tab10")
        return [cmap(i) for i in range(count)]
    return [plt.get_cmap("viridis")(i / max(count - 1, 1)) for i in range(count)]


def _errorbar(ax, x, y, err, color, label, offset=0.0, marker="o"):
    """One series of points joined by a line, with error bars; NaN errors drawn as none."""
    err = np.where(np.isfinite(err), err, 0.0)
    ax.errorbar(np.asarray(x, dtype=float) + offset, y, yerr=err, fmt=f"-{marker}", color=color,
                ecolor=color, capsize=3, markersize=4, linewidth=1.2, label=label)


# --------------------------------------------------------------------------------------
# Radial profiles (paper fig. 7)


def _visible(table: pd.DataFrame, min_particles: int) -> pd.DataFrame:
    """Layers resting on at least ``min_particles`` particles (deep layers are sparse)."""
    return table[table["n"] >= min_particles]


def radial_profile_figure(datasets: Sequence[Tuple[str, pd.DataFrame, int]], attrs: Dict,
                          k: float, min_particles: int, subset_note: str = ""):
    """Mean normalised grey level per layer ±k·SE for each (name, table, particles) dataset.

    ``table`` has columns layer, mean, se, n. A lower panel shows how many particles reach
    each layer, so a reader can see where the mean rests on few particles.
    """
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.5, 6.2), sharex=True,
                                      gridspec_kw={"height_ratios": [3, 1]})
    colors = _colors(len(datasets))
    spread = 0.12 if len(datasets) > 1 else 0.0
    for i, ((name, table, count), color) in enumerate(zip(datasets, colors)):
        shown = _visible(table, min_particles)
        offset = (i - (len(datasets) - 1) / 2) * spread
        _errorbar(top, shown["layer"], shown["mean"], k * shown["se"], color,
                  f"{name} ({count} particles)", offset)
        bottom.step(table["layer"], table["n"], where="mid", color=color, label=name)
    top.axhline(0.0, color="0.6", linewidth=0.8, zorder=0)
    top.set_ylabel(_normalise_label(attrs))
    top.set_title(f"Normalised radial grey-level profile, mean ± {k:g} SE{subset_note}")
    top.legend(title=f"dataset; layers with ≥ {min_particles} particles", fontsize=8,
               title_fontsize=8)
    top.grid(True, linestyle="--", alpha=0.4)
    bottom.set_ylabel("particles\nwith layer k")
    bottom.set_xlabel(_layer_label(attrs))
    bottom.axhline(min_particles, color="0.5", linestyle=":", linewidth=0.8)
    bottom.grid(True, linestyle="--", alpha=0.4)
    return fig


def quartile_profile_figure(panels: Sequence[Tuple[str, pd.DataFrame, Dict[int, str]]],
                            attrs: Dict, k: float, min_particles: int):
    """One panel per dataset: the radial profile of each volume quartile, ±k·SE.

    Each panel's table has a ``group`` column (0..3, smallest volumes first) and the
    columns of :func:`grapes_hpc.layer_statistics`; ``legends`` maps group -> legend text.
    """
    columns = min(len(panels), 2)
    rows = (len(panels) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(6.4 * columns, 4.6 * rows), squeeze=False,
                             sharey=True)
    for ax in axes.flat[len(panels):]:
        ax.set_visible(False)
    for ax, (name, table, legends) in zip(axes.flat, panels):
        groups = sorted(table["group"].unique())
        for group, color in zip(groups, _colors(4)):
            rows = _visible(table[table["group"] == group], min_particles)
            _errorbar(ax, rows["layer"], rows["mean"], k * rows["se"], color, legends[group],
                      (group - 1.5) * 0.08)
        ax.axhline(0.0, color="0.6", linewidth=0.8, zorder=0)
        ax.set_title(f"{name}: by volume quartile, mean ± {k:g} SE")
        ax.set_xlabel(_layer_label(attrs))
        ax.legend(title=f"volume quartile (layers with ≥ {min_particles} particles)",
                  fontsize=8, title_fontsize=8)
        ax.grid(True, linestyle="--", alpha=0.4)
    for row in axes:
        row[0].set_ylabel(_normalise_label(attrs))
    fig.tight_layout()
    return fig


def _quartile_panel(name: str, result: Result, labels) -> Tuple[str, pd.DataFrame, Dict]:
    """Per volume quartile radial statistics of one result, with legend texts."""
    particles = result.particles if labels is None else result.particles.loc[labels]
    bins = pd.qcut(particles["volume"], 4, labels=False, duplicates="drop")
    tables, legends = [], {}
    for group in sorted(bins.unique()):
        members = bins.index[bins == group]
        table = layer_statistics(result.layers[result.layers.index.isin(members)])
        table.insert(0, "group", int(group))
        tables.append(table)
        volumes = particles.loc[members, "volume"]
        legends[int(group)] = (f"Q{int(group) + 1}: {volumes.min():,}–{volumes.max():,} voxels "
                               f"({len(members)} particles)")
    return name, pd.concat(tables, ignore_index=True), legends


def _largest_quartile(result: Result) -> np.ndarray:
    """Labels of the particles above the volume's 0.75 quantile (the paper's fig. 7 subset)."""
    volume = result.particles["volume"]
    return volume.index[volume > volume.quantile(0.75)].to_numpy()


# --------------------------------------------------------------------------------------
# Single-run histograms


def histogram_figure(name: str, result: Result):
    """Histograms of volume, equivalent diameter and grey level of one run's particles."""
    p = result.particles
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    volume = p["volume"].to_numpy()
    positive = volume[volume > 0]
    bins = np.geomspace(positive.min(), positive.max(), 40) if positive.size > 1 else 10
    axes[0].hist(positive, bins=bins, color="tab:blue", alpha=0.8)
    axes[0].set_xscale("log")
    axes[0].set_xlabel("particle volume (voxels, log scale)")
    axes[0].set_title(f"volume: median {np.median(volume):,.0f} voxels")
    axes[1].hist(p["equivalent_diameter_volume"], bins=40, color="tab:green", alpha=0.8)
    axes[1].set_xlabel("equivalent diameter (6V/π)^(1/3) (voxels)")
    axes[1].set_title("equivalent diameter: median "
                      f"{p['equivalent_diameter_volume'].median():.1f} voxels")
    core = p["core_mean"].dropna() if "core_mean" in p else pd.Series(dtype=float)
    grey = np.concatenate([p["intensity_mean"].to_numpy(), core.to_numpy()])
    grey_bins = np.histogram_bin_edges(grey[np.isfinite(grey)], bins=40)
    axes[2].hist(p["intensity_mean"], bins=grey_bins, color="tab:orange", alpha=0.6,
                 label=f"intensity_mean (all voxels, n={len(p)})")
    if len(core):
        axes[2].hist(core, bins=grey_bins, color="tab:purple", alpha=0.5,
                     label=f"core_mean (outer layers excluded, n={len(core)})")
    axes[2].set_xlabel("mean grey level per particle (input grey units)")
    axes[2].set_title("particle grey level")
    axes[2].set_ylim(top=axes[2].get_ylim()[1] * 1.3)  # room for the legend above the bars
    axes[2].legend(fontsize=8, loc="upper left")
    for ax in axes:
        ax.set_ylabel("particles")
        ax.grid(True, linestyle="--", alpha=0.4)
    border = int(p["touches_border"].sum()) if "touches_border" in p else 0
    fig.suptitle(f"{name}: {len(p)} particles ({border} touch the image border)")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------
# Series figures (paper figs. 8-10, SPEC §6)


def _step_ticks(ax, steps: pd.DataFrame) -> None:
    """x ticks at the steps, labelled with the step name and its particle count."""
    ax.set_xticks(steps["step"])
    ax.set_xticklabels([f"{name}\nn={n}" for name, n in zip(steps["name"], steps["n"])])
    ax.set_xlabel("step (n = particles kept)")


def mean_per_step_figure(name: str, steps: pd.DataFrame, k: float):
    """Fig. 8: (a) Ī per step ±k·SE_tot, (b) ΔĪ vs the reference ±k·SE_tot."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6))
    _errorbar(left, steps["step"], steps["mean"], k * steps["se_tot"], "tab:blue",
              f"Ī ± {k:g} SE_tot")
    left.set_ylabel("Ī: mean of particle core grey levels\n(input grey units)")
    left.set_title(f"(a) Ī per step, ± {k:g} SE_tot")
    _errorbar(right, steps["step"], steps["delta_mean"], k * steps["delta_se_tot"], "tab:red",
              f"ΔĪ ± {k:g} SE_tot")
    right.axhline(0.0, color="0.5", linewidth=0.8)
    right.set_ylabel("ΔĪ: mean change of particle core grey\nlevel vs reference (grey units)")
    right.set_title(f"(b) ΔĪ vs {steps['name'].iloc[0]}, ± {k:g} SE_tot")
    if "z_paired" in steps:
        for x, y, z in zip(steps["step"], steps["delta_mean"], steps["z_paired"]):
            if np.isfinite(z):
                right.annotate(f"Z={z:.1f}", (x, y), textcoords="offset points", xytext=(6, 6),
                               fontsize=7, color="0.3")
    for ax in (left, right):
        _step_ticks(ax, steps)
        ax.legend(fontsize=8)
        ax.grid(True, linestyle="--", alpha=0.4)
    fig.suptitle(f"{name}: particle grey level per step (Z: paired test vs reference)")
    fig.tight_layout()
    return fig


def quartile_delta_figure(name: str, quartiles: pd.DataFrame, steps: pd.DataFrame, k: float,
                          axis_note: str):
    """Fig. 9: ΔĪ per spatial quartile per step, ±k·SE_tot (Q1 farthest from the collector)."""
    fig, ax = plt.subplots(figsize=(8, 4.8))
    groups = sorted(quartiles["quartile"].unique())
    for i, (q, color) in enumerate(zip(groups, _colors(len(groups)))):
        rows = quartiles[quartiles["quartile"] == q].sort_values("step")
        n = int(rows["n"].max())
        where = " (farthest from collector)" if i == 0 else (
            " (nearest collector)" if i == len(groups) - 1 else "")
        _errorbar(ax, rows["step"], rows["delta_mean"], k * rows["delta_se_tot"], color,
                  f"Q{q}{where}, n={n}", (i - (len(groups) - 1) / 2) * 0.06)
    ax.axhline(0.0, color="0.5", linewidth=0.8)
    _step_ticks(ax, steps)
    ax.set_ylabel("ΔĪ vs reference (input grey units)")
    ax.set_title(f"{name}: ΔĪ per {axis_note}quartile, ± {k:g} SE_tot")
    ax.legend(fontsize=8)
    ax.grid(True, linestyle="--", alpha=0.4)
    return fig


def _step_name(value, steps: pd.DataFrame) -> str:
    """A step given by name or by index, as its name."""
    if isinstance(value, str):
        return value
    match = steps.loc[steps["step"] == value, "name"]
    return str(match.iloc[0]) if len(match) else str(value)


def conditions_figure(name: str, conditions: pd.DataFrame, steps: pd.DataFrame, n: int):
    """Fig. 10: one pie per condition, the fraction of particles obeying it ± its SE."""
    count = len(conditions)
    fig, axes = plt.subplots(1, count, figsize=(4.4 * count, 4.6), squeeze=False)
    for ax, row in zip(axes[0], conditions.itertuples(index=False)):
        a, b = _step_name(row.step_a, steps), _step_name(row.step_b, steps)
        f = float(row.fraction)
        ax.pie([f, 1 - f], colors=["tab:red", "0.85"], startangle=90, counterclock=False,
               labels=[f"I({a}) {row.op} I({b})\n{100 * f:.1f} %",
                       f"otherwise\n{100 * (1 - f):.1f} %"],
               wedgeprops={"edgecolor": "white"}, textprops={"fontsize": 9})
        ax.set_title(f"{row.name}\n{100 * f:.1f} % ± {100 * float(row.se):.1f} % (1 SE), "
                     f"n={n}", fontsize=10)
        ax.set_aspect("equal")
    fig.suptitle(f"{name}: fraction of particles obeying each condition")
    fig.tight_layout()
    return fig


def radial_delta_figure(name: str, table: pd.DataFrame, steps: pd.DataFrame, k: float,
                        min_particles: int):
    """Radial ΔI per step: layer grey change vs the reference by depth, ±k·SE (SPEC §6.13)."""
    kinds = [kind for kind in ("layer", "relative") if (table["depth_kind"] == kind).any()]
    fig, axes = plt.subplots(1, len(kinds), figsize=(6.4 * len(kinds), 4.6), squeeze=False)
    step_ids = [s for s in sorted(table["step"].unique()) if s != steps["step"].iloc[0]]
    palette = _colors(int(max(table["step"].max(), steps["step"].max())) + 1)
    colors = [palette[int(s)] for s in step_ids]  # the same colour per step as elsewhere
    for ax, kind in zip(axes[0], kinds):
        rows = table[table["depth_kind"] == kind]
        for i, (step, color) in enumerate(zip(step_ids, colors)):
            line = _visible(rows[rows["step"] == step].sort_values("depth"), min_particles)
            spread = 0.08 if kind == "layer" else 0.008
            surface_n = int(line["n"].iloc[0]) if len(line) else 0
            _errorbar(ax, line["depth"], line["delta_mean"], k * line["delta_se"], color,
                      f"{_step_name(int(step), steps)} ({surface_n} particles at the surface)",
                      (i - (len(step_ids) - 1) / 2) * spread)
        ax.axhline(0.0, color="0.5", linewidth=0.8)
        ax.set_xlabel("radial layer k from the surface" if kind == "layer" else
                      "relative depth (k−1)/(K_ref−1): 0 = surface, 1 = centre")
        ax.set_ylabel("Δ layer grey level vs reference\n(input grey units)")
        ax.set_title(f"by {'layer' if kind == 'layer' else 'relative depth'}, mean ± {k:g} SE")
        ax.legend(title=f"step (depths with ≥ {min_particles} particles)", fontsize=8,
                  title_fontsize=8)
        ax.grid(True, linestyle="--", alpha=0.4)
    fig.suptitle(f"{name}: radial grey-level change vs {steps['name'].iloc[0]}")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------------------
# Drivers


def _kind(path: str) -> str:
    """'series' (has /series), 'steps' (only /steps) or 'result' (top-level tables)."""
    read_attrs(path)  # a clear error for a file that is not a grapes result
    with h5py.File(path, "r") as file:
        if "series" in file:
            return "series"
        if "particles" in file:
            return "result"
        if "steps" in file:
            return "steps"
    raise GrapesFileError(f"'{path}' has neither /particles, /steps nor /series tables")


def result_figures(paths: Sequence[str], out: str, fmt: str, k: Optional[float],
                   min_particles: int, largest_quartile: bool) -> List[str]:
    """Figs. 7 (overlaid, then per volume quartile) and histograms for result files."""
    results = [(_stem(p), read(p)) for p in paths]
    for path, (_, result) in zip(paths, results):
        if len(result.particles) == 0:
            raise GrapesFileError(f"'{path}' has no particles: nothing to plot")
    k = RADIAL_K if k is None else k
    attrs = results[0][1].attrs
    datasets, panels = [], []
    for name, result in results:
        labels = _largest_quartile(result) if largest_quartile else None
        layers = result.layers if labels is None else result.layers.loc[
            result.layers.index.isin(labels)]
        count = len(result.particles) if labels is None else len(labels)
        datasets.append((name, layer_statistics(layers), count))
        panels.append(_quartile_panel(name, result, None))
    note = ", largest volume quartile" if largest_quartile else ""
    prefix = "_vs_".join(name for name, _ in results)
    written = [_save(radial_profile_figure(datasets, attrs, k, min_particles, note), out,
                     f"{prefix}_radial_profile", fmt),
               _save(quartile_profile_figure(panels, attrs, k, min_particles), out,
                     f"{prefix}_radial_profile_by_volume_quartile", fmt)]
    for name, result in results:
        written.append(_save(histogram_figure(name, result), out, f"{name}_histograms", fmt))
    return written


def _series_radial(series: Dict[str, pd.DataFrame]):
    """(dataset, overall table, per-quartile table or None) for each /series/radial/<dataset>."""
    out = []
    for key, table in series.items():
        parts = key.split("/")
        if parts[0] != "radial" or len(parts) != 2:
            continue
        quartiles = None
        for sub_key, sub in series.items():
            if sub_key.startswith(key + "/") and {"layer", "mean", "se"} <= set(sub.columns):
                group = next((c for c in ("quartile", "group", "decile") if c in sub), None)
                if group == "quartile" or (group == "group" and sub[group].nunique() <= 4):
                    quartiles = sub.rename(columns={group: "group"})
        out.append((parts[1], table, quartiles))
    order = list(series["steps"]["name"]) if "steps" in series else []
    return sorted(out, key=lambda item: order.index(item[0]) if item[0] in order else len(order))


def _steps_radial(path: str, series: Dict[str, pd.DataFrame]):
    """Radial profiles from /steps/<name>/layers of the kept particles (no /series/radial)."""
    kept = series["values"]["label"].to_numpy() if "values" in series else None
    out = []
    for name in series.get("steps", pd.DataFrame({"name": []}))["name"]:
        try:
            result = read(path, step=name)
        except GrapesFileError:
            continue
        layers = result.layers if kept is None else result.layers.loc[
            result.layers.index.isin(kept)]
        out.append((str(name), layer_statistics(layers), None))
    return out


def _series_quartile_panel(dataset: str, table: pd.DataFrame):
    """A /series/radial/<dataset> per-quartile table as a quartile_profile_figure panel."""
    table = table.copy()
    table["group"] = table["group"] - table["group"].min()  # 0 = smallest volumes
    legends = {int(g): f"Q{int(g) + 1} ({int(rows['n'].max())} particles)"
               for g, rows in table.groupby("group")}
    return dataset, table, legends


def series_figures(path: str, out: str, fmt: str, k: Optional[float],
                   min_particles: int) -> List[str]:
    """Figs. 7-10 and the radial ΔI profile from a series file's /series tables."""
    series = read_series(path)
    attrs = read_attrs(path)
    config = _config(attrs).get("series", {}) or {}
    series_k = k if k is not None else float(config.get("error_multiple", SERIES_K))
    name = _stem(path)
    written = []
    steps = series.get("steps")
    if steps is None:
        raise GrapesFileError(f"'{path}': no /series/steps table to plot")
    steps = steps.sort_values("step").reset_index(drop=True)
    written.append(_save(mean_per_step_figure(name, steps, series_k), out,
                         f"{name}_mean_per_step", fmt))
    if "quartiles" in series and len(series["quartiles"]):
        axis = (config.get("quartiles") or {}).get("axis")
        note = f"{AXIS_NAMES.get(axis, axis)}-position " if axis is not None else "spatial "
        written.append(_save(quartile_delta_figure(name, series["quartiles"], steps, series_k,
                                                   note), out, f"{name}_delta_per_quartile", fmt))
    if "conditions" in series and len(series["conditions"]):
        n = len(series["values"]) if "values" in series else int(steps["n"].iloc[0])
        written.append(_save(conditions_figure(name, series["conditions"], steps, n), out,
                             f"{name}_conditions", fmt))
    if "radial_delta" in series and len(series["radial_delta"]):
        written.append(_save(radial_delta_figure(name, series["radial_delta"], steps, series_k,
                                                 min_particles), out, f"{name}_radial_delta", fmt))
    radial = _series_radial(series) or _steps_radial(path, series)
    if radial:
        radial_k = k if k is not None else RADIAL_K
        datasets = [(d, t, int(t["n"].max()) if len(t) else 0) for d, t, _ in radial]
        written.append(_save(radial_profile_figure(datasets, attrs, radial_k, min_particles,
                                                   ", kept particles"), out,
                             f"{name}_radial_profile", fmt))
        panels = [_series_quartile_panel(d, q) for d, _, q in radial if q is not None]
        if panels:
            written.append(_save(quartile_profile_figure(panels, attrs, radial_k, min_particles),
                                 out, f"{name}_radial_profile_by_volume_quartile", fmt))
    return written


def _arguments(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    """The command line of ``python -m grapes_hpc.plot`` / ``grapes plot``."""
    parser = argparse.ArgumentParser(
        prog=os.environ.get("GRAPES_PLOT_PROG") or (
            "grapes-plot" if os.path.basename(sys.argv[0]) == "grapes-plot"
            else "python -m grapes_hpc.plot"),
        description="Draw the GRAPES paper's figures from grapes-hpc result or series files. "
                    "Several result files are overlaid as datasets in the radial profile.")
    parser.add_argument("files", nargs="+", metavar="FILE", help="result or series file (HDF5)")
    parser.add_argument("--out", metavar="DIR",
                        help="folder for the figures (created; default: FILE's folder)")
    parser.add_argument("--format", choices=FORMATS, default="png", help="image format (png)")
    parser.add_argument("--k", type=float, metavar="K",
                        help=f"error bars ±K·SE (default {RADIAL_K:g} for radial profiles as in "
                             f"the paper's fig. 7; the series' error_multiple, else "
                             f"{SERIES_K:g}, for series figures)")
    parser.add_argument("--min-particles", type=int, default=10, metavar="N",
                        help="plot a layer only where at least N particles reach it (10)")
    parser.add_argument("--largest-quartile", action="store_true",
                        help="radial profile of the largest volume quartile only (paper fig. 7)")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Draws every figure the given files support; returns the exit status."""
    args = _arguments(argv)
    out = args.out or os.path.dirname(os.path.abspath(args.files[0]))
    try:
        os.makedirs(out, exist_ok=True)
        kinds = {path: _kind(path) for path in args.files}
        written = []
        results = [p for p in args.files if kinds[p] == "result"]
        if results:
            written += result_figures(results, out, args.format, args.k, args.min_particles,
                                      args.largest_quartile)
        for path in args.files:
            if kinds[path] in ("series", "steps"):
                if kinds[path] == "steps":
                    raise GrapesFileError(f"'{path}' has /steps but no /series tables yet: "
                                          "plot its steps with grapes_hpc.read(path, step=...)")
                written += series_figures(path, out, args.format, args.k, args.min_particles)
    except (GrapesFileError, FileNotFoundError, OSError) as error:
        print(f"grapes plot: error: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


def main_entry() -> None:
    """Console-script entry point (``grapes-plot``): exits with main()'s status."""
    sys.exit(main())


if __name__ == "__main__":
    main_entry()
