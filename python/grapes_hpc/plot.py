"""The GRAPES paper's figures from grapes-hpc result and series files.

    python -m grapes_hpc.plot FILE [FILE ...] [--out DIR] [--format png|svg|pdf] [--k K]

(also ``grapes plot FILE ...``). What is drawn depends on the file:

- a result file (``grapes run``): the normalised radial grey-level profile with ±k·SE bars
  (paper fig. 7; several result files are overlaid as datasets, e.g. pristine vs cycled),
  the same profile per volume quartile, and histograms of particle volume, equivalent
  diameter and grey level;
- an operando series file (``grapes series``, docs/SERIES.md): Ī and ΔĪ per step with
  ±k·SE_tot and the Z tests (fig. 8), ΔĪ per spatial quartile (fig. 9), the condition
  fractions as pie charts (fig. 10), the radial change by layer and relative depth
  (``/series/radial_delta``), the kept particles' radial grey-level profile per step, and
  the label matching (``/series/matching``) when the series matched labels;
- an ex-situ series file: the mean normalised radial profile of every dataset (fig. 7), the
  same per volume quartile, and the per-layer Welch t of each comparison (``/series/radial_z``).

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
matplotlib.rcParams["svg.fonttype"] = "none"  # SVG text stays text (editable, searchable)
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)
import h5py  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ._grapes import layer_statistics  # noqa: E402
from ._reader import (GrapesFileError, Result, list_steps, read, read_attrs,  # noqa: E402
                      read_series)

FORMATS = ("png", "svg", "pdf")
#: Error-bar multiples of the paper: fig. 7 plots ±2 SE; figs. 8-9 use the series
#: config's ``error_multiple`` (docs/CONFIG.md, default 3 as in fig. 8).
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
                          k: float, min_particles: int, subset_note: str = "",
                          ylabel: Optional[str] = None, title: Optional[str] = None,
                          zero_line: bool = True, legend_title: str = "dataset"):
    """Mean normalised grey level per layer ±k·SE for each (name, table, particles) dataset.

    ``table`` has columns layer, mean, se, n. A lower panel shows how many particles reach
    each layer, so a reader can see where the mean rests on few particles. ``ylabel`` and
    ``title`` replace the normalised profile's (e.g. for the grey level itself).
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
        bottom.step(table["layer"], table["n"], where="mid", color=color, label=name,
                    linewidth=2.2 - 1.4 * i / max(len(datasets) - 1, 1))
    if zero_line:
        top.axhline(0.0, color="0.6", linewidth=0.8, zorder=0)
    top.set_ylabel(ylabel or _normalise_label(attrs))
    top.set_title(title or f"Normalised radial grey-level profile, mean ± {k:g} SE{subset_note}")
    top.legend(title=f"{legend_title}; layers with ≥ {min_particles} particles", fontsize=8,
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
    axes[2].set_xlabel(f"mean grey level per particle ({_grey_unit(result.attrs)})")
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
# Series figures (paper figs. 7-10, docs/SERIES.md)


def _step_ticks(ax, steps: pd.DataFrame) -> None:
    """x ticks at the steps, labelled with the step name and its particle count."""
    ax.set_xticks(steps["step"])
    ax.set_xticklabels([f"{name}\nn={n}" for name, n in zip(steps["name"], steps["n"])])
    ax.set_xlabel("step (n = particles kept in every step)")
    ax.margins(x=0.12)  # room for the annotations beside the outer points


#: The two error models of a series (docs/SERIES.md "Which test to use", config
#: series.error_bars): column of the bar, of the delta bar, its name, and the p-values printed.
ERROR_MODELS = {
    "paper": ("se_tot", "delta_se_tot", "SE_tot", (("Z", "z"), ("paired Z", "z_paired"))),
    "standard": ("ses", "delta_ses", "SES",
                 (("p Welch", "p_welch_two"), ("p paired t", "p_paired_t_two"))),
}


def _annotation(row, model: str) -> str:
    """The test statistics printed beside a point of fig. 8b, as the error model reads them."""
    parts = []
    for label, column in ERROR_MODELS[model][3]:
        value = getattr(row, column, np.nan)
        if value is not None and np.isfinite(value):
            parts.append(f"{label} {value:.1f}" if model == "paper" else f"{label} {value:.2g}")
    return "\n".join(parts)


def mean_per_step_figure(name: str, steps: pd.DataFrame, k: float, unit: str,
                         model: str = "paper"):
    """Fig. 8: (a) Ī per step ±k·SE, (b) ΔĪ vs the reference ±k·delta SE with its tests; SE is
    SE_tot with the normal Z (model "paper") or SES = sd/√n with the t-tests' p ("standard")."""
    bar, delta_bar, bar_name, _ = ERROR_MODELS[model]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.5, 4.8))
    reference = steps["name"].iloc[0]
    _errorbar(left, steps["step"], steps["mean"], k * steps[bar], "tab:blue",
              f"Ī ± {k:g} {bar_name}")
    left.set_ylabel(f"Ī: mean core grey level\nof the particles ({unit})")
    left.set_title(f"(a) Ī per step, ± {k:g} {bar_name}")
    tests = "Z: unpaired, paired" if model == "paper" else "two-sided p: Welch, paired t"
    _errorbar(right, steps["step"], steps["delta_mean"], k * steps[delta_bar], "tab:red",
              f"ΔĪ ± {k:g} {bar_name} ({tests})")
    right.axhline(0.0, color="0.5", linewidth=0.8)
    right.set_ylabel(f"ΔĪ: mean change of core grey level\nvs {reference} ({unit})")
    right.set_title(f"(b) ΔĪ vs {reference}, ± {k:g} {bar_name}")
    for row in steps.itertuples(index=False):
        text = _annotation(row, model)
        if text:
            right.annotate(text, (row.step, row.delta_mean),
                           textcoords="offset points", xytext=(9, -4), fontsize=7, color="0.25",
                           va="top", bbox={"boxstyle": "round,pad=0.15", "fc": "white",
                                           "ec": "none", "alpha": 0.8})
    for ax in (left, right):
        _step_ticks(ax, steps)
        ax.legend(fontsize=8)
        ax.grid(True, linestyle="--", alpha=0.4)
    fig.suptitle(f"{name}: particle core grey level per step ({int(steps['n'].iloc[0])} "
                 f"particles; {model} error bars, series.error_bars)")
    fig.tight_layout()
    return fig


def quartile_delta_figure(name: str, quartiles: pd.DataFrame, steps: pd.DataFrame, k: float,
                          axis_note: str, unit: str):
    """Fig. 9: ΔĪ per spatial quartile per step, ±k·SE_tot (Q1 farthest from the collector)."""
    fig, ax = plt.subplots(figsize=(8.5, 5.0))
    groups = sorted(quartiles["quartile"].unique())
    for i, (q, color) in enumerate(zip(groups, _colors(len(groups)))):
        rows = quartiles[quartiles["quartile"] == q].sort_values("step")
        n = int(rows["n"].max())
        where = " (farthest from collector)" if i == 0 else (
            " (nearest collector)" if i == len(groups) - 1 else "")
        _errorbar(ax, rows["step"], rows["delta_mean"], k * rows["delta_se_tot"], color,
                  f"Q{q}{where}, {n} particles", (i - (len(groups) - 1) / 2) * 0.06)
    ax.axhline(0.0, color="0.5", linewidth=0.8)
    _step_ticks(ax, steps)
    ax.set_ylabel(f"ΔĪ vs {steps['name'].iloc[0]} ({unit})")
    ax.set_title(f"{name}: ΔĪ per {axis_note}quartile, ± {k:g} SE_tot")
    ax.legend(title="quartile of the reference centroid", fontsize=8, title_fontsize=8)
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
    fig, axes = plt.subplots(1, count, figsize=(4.6 * count, 4.8), squeeze=False)
    for ax, row in zip(axes[0], conditions.itertuples(index=False)):
        a, b = _step_name(row.step_a, steps), _step_name(row.step_b, steps)
        f = float(row.fraction)
        ax.pie([f, 1 - f], colors=["tab:red", "0.85"], startangle=90, counterclock=False,
               labels=[f"I({a}) {row.op} I({b})\n{100 * f:.1f} % ({round(f * n)})",
                       f"otherwise\n{100 * (1 - f):.1f} % ({n - round(f * n)})"],
               wedgeprops={"edgecolor": "white"}, textprops={"fontsize": 9})
        ax.set_title(f"{row.name}\n{100 * f:.1f} % ± {100 * float(row.se):.1f} % (1 SE), "
                     f"n={n}", fontsize=10)
        ax.set_aspect("equal")
    fig.suptitle(f"{name}: fraction of the {n} particles obeying each condition "
                 "(I = core grey level)")
    fig.tight_layout()
    return fig


def geometry_figure(name: str, geometry: pd.DataFrame, steps: pd.DataFrame):
    """The share of the kept particles whose Euler number differs from the reference step's
    (docs/SERIES.md, "Geometry"): a count, so no error bars; beside it, where the steps have
    solidity, its mean paired change +- 1 SE."""
    geometry = geometry.sort_values("step")
    with_solidity = "delta_solidity_mean" in geometry.columns
    fig, axes = plt.subplots(1, 2 if with_solidity else 1, figsize=(12.4 if with_solidity else 6.4,
                                                                  4.2), squeeze=False)
    ax = axes[0][0]
    n = geometry["n"].to_numpy()
    changed = geometry["euler_changed"].to_numpy()
    share = np.divide(100.0 * changed, n, out=np.zeros(len(n)), where=n > 0)
    x = geometry["step"].to_numpy()
    ax.bar(x, share, color="tab:red", width=0.6)
    for xi, s, c, m in zip(x, share, changed, n):
        ax.annotate(f"{c} of {m}", (xi, s), textcoords="offset points", xytext=(0, 3),
                    ha="center", fontsize=9)
    _step_ticks(ax, steps)
    ax.set_ylabel("kept particles with a changed\nEuler number (%)")
    ax.set_ylim(0, max(5.0, 1.15 * float(share.max()) if len(share) else 5.0))
    ax.set_title(f"{name}: topology changes against the reference step\n"
                 "(voids, splits, tunnels resolved in the voxels)")
    if with_solidity:
        ax = axes[0][1]
        ax.errorbar(x, geometry["delta_solidity_mean"].to_numpy(),
                    yerr=geometry["delta_solidity_se"].to_numpy(), fmt="o-", color="tab:purple",
                    capsize=4)
        ax.axhline(0.0, color="0.6", linewidth=0.8)
        _step_ticks(ax, steps)
        ax.set_ylabel("mean solidity change\nagainst the reference (± 1 SE)")
        ax.set_title(f"{name}: convexity (paired over the kept particles)")
    fig.tight_layout()
    return fig


def radial_delta_figure(name: str, table: pd.DataFrame, steps: pd.DataFrame, k: float,
                        min_particles: int, unit: str):
    """Layer grey change vs the reference by layer and by relative depth, ±k·SE."""
    kinds = [kind for kind in ("layer", "relative") if (table["depth_kind"] == kind).any()]
    fig, axes = plt.subplots(1, len(kinds), figsize=(6.6 * len(kinds), 4.8), squeeze=False)
    reference = int(steps["step"].iloc[0])
    step_ids = [s for s in sorted(table["step"].unique()) if s != reference]
    palette = _colors(int(max(table["step"].max(), steps["step"].max())) + 1)
    for ax, kind in zip(axes[0], kinds):
        rows = table[table["depth_kind"] == kind]
        for i, step in enumerate(step_ids):
            line = _visible(rows[rows["step"] == step].sort_values("depth"), min_particles)
            # Relative depth bin b covers [b/10, (b+1)/10): drawn at its centre.
            x = line["depth"] if kind == "layer" else (line["depth"] + 0.5) / 10.0
            spread = 0.08 if kind == "layer" else 0.008
            surface_n = int(line["n"].iloc[0]) if len(line) else 0
            _errorbar(ax, x, line["delta_mean"], k * line["delta_se"], palette[int(step)],
                      f"{_step_name(int(step), steps)} ({surface_n} particles at the surface)",
                      (i - (len(step_ids) - 1) / 2) * spread)
        ax.axhline(0.0, color="0.5", linewidth=0.8)
        if kind == "layer":
            ax.set_xlabel("radial layer k (1 = surface)")
        else:
            ax.set_xlabel("relative depth (k−1)/(K_ref−1), bins of 0.1: 0 = surface, 1 = centre")
            ax.set_xlim(-0.02, 1.02)
        ax.set_ylabel(f"Δ layer grey level vs {steps['name'].iloc[0]}\n({unit})")
        ax.set_title(f"by {'layer' if kind == 'layer' else 'relative depth'}, mean ± {k:g} SE")
        ax.legend(title=f"step (depths with ≥ {min_particles} particles)", fontsize=8,
                  title_fontsize=8)
        ax.grid(True, linestyle="--", alpha=0.4)
    fig.suptitle(f"{name}: radial grey-level change of the kept particles vs "
                 f"{steps['name'].iloc[0]}")
    fig.tight_layout()
    return fig


MATCH_STATUSES = ("matched", "split", "merged", "unmatched")


def matching_figure(name: str, matching: pd.DataFrame, steps: pd.DataFrame,
                    min_iou: Optional[float]):
    """Label matching: rows per status and step, and the IoU of the matched pairs."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12.5, 4.6))
    step_ids = sorted(matching["step"].unique())
    names = [_step_name(int(s), steps) for s in step_ids]
    bottom = np.zeros(len(step_ids))
    colors = {"matched": "tab:green", "split": "tab:orange", "merged": "tab:purple",
              "unmatched": "0.6"}
    for status in MATCH_STATUSES:
        counts = np.array([int(((matching["step"] == s) & (matching["status"] == status)).sum())
                           for s in step_ids])
        bars = left.bar(names, counts, bottom=bottom, width=0.5, color=colors[status],
                        label=f"{status} ({int(counts.sum())} in all)")
        left.bar_label(bars, labels=[str(c) if c else "" for c in counts], label_type="center",
                       fontsize=8, color="white" if status != "unmatched" else "black")
        bottom += counts
    left.set_ylim(0, max(bottom.max(), 1) * 1.3)  # room for the legend above the bars
    left.set_ylabel("label pairs (rows of /series/matching)")
    left.set_xlabel("step, matched to the reference step's labels")
    left.set_title("(a) pairs by status")
    left.legend(fontsize=8)
    matched = matching[matching["status"] == "matched"]
    bins = np.linspace(0.0, 1.0, 41)
    for i, (s, label, color) in enumerate(zip(step_ids, names, _colors(len(step_ids)))):
        iou = matched.loc[matched["step"] == s, "iou"]
        # Steps often have the same distribution: filled, see-through, thinner on top.
        right.hist(iou, bins=bins, histtype="stepfilled", alpha=0.3, color=color)
        right.hist(iou, bins=bins, histtype="step", linewidth=2.4 - 1.6 * i / max(
            len(step_ids) - 1, 1), color=color,
                   label=f"{label} ({len(iou)} matched, median IoU {iou.median():.3f})")
    if min_iou is not None:
        right.axvline(min_iou, color="0.3", linestyle="--", linewidth=1,
                      label=f"min_iou = {min_iou:g}")
    right.set_xlabel("intersection over union of a matched pair (voxels)")
    right.set_ylabel("matched pairs")
    right.set_title("(b) overlap of the matched pairs")
    right.legend(fontsize=8, loc="upper left")
    for ax in (left, right):
        ax.grid(True, linestyle="--", alpha=0.4)
    fig.suptitle(f"{name}: label matching by voxel overlap with {steps['name'].iloc[0]}")
    fig.tight_layout()
    return fig


def radial_z_figure(name: str, table: pd.DataFrame, profile: str):
    """Ex-situ: the per-layer Welch t of each comparison's mean profiles (b − a), ±1.96, ±3."""
    fig, ax = plt.subplots(figsize=(8.5, 4.8))
    pairs = table[["dataset_a", "dataset_b"]].drop_duplicates().itertuples(index=False)
    for (a, b), color in zip(pairs, _colors(10)):
        rows = table[(table["dataset_a"] == a) & (table["dataset_b"] == b)].sort_values("layer")
        finite = rows[np.isfinite(rows["z"])]
        ax.plot(finite["layer"], finite["z"], "-o", color=color, markersize=4,
                label=f"{b} − {a} ({len(finite)} layers with a t)")
    for level, style, label in ((1.96, ":", "|t| = 1.96 (two-tailed p ≈ 0.05 at large df)"),
                                (3.0, "--", "|t| = 3 (p ≈ 0.0027 at large df)")):
        for sign in (1, -1):
            ax.axhline(sign * level, color="0.5", linestyle=style, linewidth=0.8,
                       label=label if sign > 0 else None)
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.set_xlabel("radial layer k (1 = surface)")
    ax.set_ylabel(f"Welch's t of the mean {profile} per layer\n(unequal variances, ddof 1)")
    ax.set_title(f"{name}: per-layer Welch t-test of the ex-situ comparison")
    ax.legend(fontsize=8)
    ax.grid(True, linestyle="--", alpha=0.4)
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


def _kept_layers(path: str, step: str, kept: Optional[np.ndarray]) -> Tuple[pd.DataFrame, Dict]:
    """The layers of a step's kept particles (its labels matched to reference labels when the
    series matched them), and the step's attributes."""
    result = read(path, step=step)
    if kept is None:
        return result.layers, result.attrs
    labels = result.particles.index
    if "reference_label" in result.particles:  # series.match: kept labels are reference labels
        labels = labels[result.particles["reference_label"].isin(kept)]
    else:
        labels = labels[labels.isin(kept)]
    return result.layers[result.layers.index.isin(labels)], result.attrs


def _grey_unit(attrs: Dict) -> str:
    """The unit of grey columns from the input's dtype: 8-bit / 16-bit grey levels, or the
    reconstruction's own units for float input."""
    dtype = attrs.get("input_grey_dtype", "")
    if dtype == "uint8":
        return "8-bit grey levels"
    if dtype == "uint16":
        return "16-bit grey levels"
    if dtype.startswith("float"):
        return f"input grey units, {dtype}"
    return "input grey units"


def _exsitu_tables(series: Dict[str, pd.DataFrame], order: List[str]):
    """(dataset, all-particles table, {group number: table} of volume_q1..4) per dataset."""
    out = []
    for key, table in series.items():
        parts = key.split("/")
        if parts[0] != "radial" or len(parts) != 2 or "group" not in table:
            continue
        overall = table[table["group"] == "all"].sort_values("layer")
        quartiles = {int(g[len("volume_q"):]): rows.sort_values("layer")
                     for g, rows in table.groupby("group") if g.startswith("volume_q")}
        out.append((parts[1], overall, quartiles))
    return sorted(out, key=lambda item: order.index(item[0]) if item[0] in order else len(order))


def _quartile_volumes(path: str, dataset: str) -> Dict[int, str]:
    """'223–1,085 voxels' per volume quartile number of a dataset's border-cleaned particles
    (pandas.qcut, as the series does), with the count, for the legends."""
    particles = read(path, step=dataset).particles
    if "touches_border" in particles:
        particles = particles[~particles["touches_border"]]
    bins = pd.qcut(particles["volume"], 4, labels=False, duplicates="drop")
    out = {}
    for group, volumes in particles["volume"].groupby(bins):
        out[int(group) + 1] = (f"{volumes.min():,}–{volumes.max():,} voxels", len(volumes))
    return out


def _exsitu_quartile_panel(path: str, dataset: str, quartiles: Dict[int, pd.DataFrame]):
    """The volume_q1..4 tables of one dataset as a quartile_profile_figure panel; the legend
    gives each quartile's volume range where the particle counts agree with the table's."""
    volumes = _quartile_volumes(path, dataset)
    tables, legends = [], {}
    for number, table in sorted(quartiles.items()):
        table = table.copy()
        table["group"] = number - 1  # 0 = smallest volumes
        tables.append(table)
        n = int(table["n"].max())
        span, count = volumes.get(number, ("", -1))
        legends[number - 1] = f"Q{number}: {span} ({n} particles)" if count == n else (
            f"Q{number} ({n} particles)")
    return dataset, pd.concat(tables, ignore_index=True), legends


def _radial_attrs(path: str) -> Dict[str, Dict]:
    """{dataset: attributes of /series/radial/<dataset>} (profile, flat-profile counts)."""
    out = {}
    with h5py.File(path, "r") as file:
        radial = file.get("series/radial")
        for dataset in (radial if isinstance(radial, h5py.Group) else {}):
            out[dataset] = {k: (v.decode() if isinstance(v, bytes) else v)
                            for k, v in radial[dataset].attrs.items() if k != "columns"}
    return out


def _flat_note(dataset: str, attrs: Dict) -> str:
    """The legend name of a dataset: with the flat profiles left out of its means, if any."""
    excluded = int(attrs.get("flat_profiles_excluded", 0))
    return f"{dataset}; its {excluded} flat profiles left out" if excluded else dataset


def exsitu_figures(path: str, series: Dict[str, pd.DataFrame], attrs: Dict, out: str,
                   fmt: str, k: Optional[float], min_particles: int) -> List[str]:
    """Ex-situ files: the mean radial profiles of every dataset (fig. 7), per volume quartile,
    and the per-layer Welch t of each comparison."""
    name = _stem(path)
    order = list_steps(path)
    tables = _exsitu_tables(series, order)
    if not tables:
        raise GrapesFileError(f"'{path}': no /series/radial/<dataset> tables to plot")
    radial_k = k if k is not None else RADIAL_K
    step_attrs = read(path, step=order[0]).attrs if order else attrs
    quantile = (_config(attrs).get("series", {}) or {}).get("exsitu", {}) or {}
    quantile = quantile.get("volume_quantile")
    note = "border particles removed"
    if isinstance(quantile, (int, float)):
        note += f", volume above the {quantile:g} quantile"
    radial_attrs = _radial_attrs(path)
    datasets = [(_flat_note(d, radial_attrs.get(d, {})), t, int(t["n"].max()) if len(t) else 0)
                for d, t, _ in tables]
    profile = next((a.get("profile") for a in radial_attrs.values() if a.get("profile")),
                   "graylevel_normed")
    grey = profile == "graylevel"
    title = (f"{name}: mean radial {'grey-level ' if grey else ''}profile, ± {radial_k:g} SE"
             f"\n({note})")
    ylabel = "mean grey level of layer k" if grey else None
    written = [_save(radial_profile_figure(datasets, step_attrs, radial_k, min_particles,
                                           title=title, ylabel=ylabel, zero_line=not grey),
                     out, f"{name}_radial_profile", fmt)]
    panels = [_exsitu_quartile_panel(path, d, q) for d, _, q in tables if q]
    if panels:
        written.append(_save(quartile_profile_figure(panels, step_attrs, radial_k, min_particles),
                             out, f"{name}_radial_profile_by_volume_quartile", fmt))
    if "radial_z" in series and len(series["radial_z"]):
        written.append(_save(radial_z_figure(name, series["radial_z"], profile), out,
                             f"{name}_radial_z", fmt))
    return written


def operando_figures(path: str, series: Dict[str, pd.DataFrame], attrs: Dict, out: str,
                     fmt: str, k: Optional[float], min_particles: int,
                     error_bars: Optional[str] = None) -> List[str]:
    """Operando files: figs. 8-10, the radial change, the kept particles' radial profiles per
    step, and the label matching when the series matched labels. Fig. 8 uses ``error_bars``,
    else the series' own ``error_bars`` setting, else the paper's."""
    config = _config(attrs).get("series", {}) or {}
    series_k = k if k is not None else float(config.get("error_multiple", SERIES_K))
    model = error_bars or str(config.get("error_bars", "paper"))
    if model not in ERROR_MODELS:
        raise GrapesFileError(f"'{path}': unknown series.error_bars '{model}' (paper or standard)")
    name = _stem(path)
    steps = series.get("steps")
    if steps is None or not len(steps):
        raise GrapesFileError(f"'{path}': no /series/steps table to plot")
    steps = steps.sort_values("step").reset_index(drop=True)
    kept = series["values"]["label"].to_numpy() if "values" in series else None
    kept_count = len(kept) if kept is not None else int(steps["n"].max())
    if kept_count == 0:
        raise GrapesFileError(f"'{path}' has no particles kept in every step (the cleaning "
                              "removed all of them, see its summary attribute): nothing to plot")
    profiles, step_attrs = [], {}
    for step in steps["name"]:
        layers, step_attrs[step] = _kept_layers(path, str(step), kept)
        profiles.append((str(step), layer_statistics(layers, "graylevel"),
                         int(layers.index.nunique())))
    unit = _grey_unit(step_attrs[steps["name"].iloc[0]])
    written = [_save(mean_per_step_figure(name, steps, series_k, unit, model), out,
                     f"{name}_mean_per_step", fmt)]
    if "quartiles" in series and len(series["quartiles"]):
        axis = (config.get("quartiles") or {}).get("axis")
        note = f"{AXIS_NAMES.get(axis, axis)}-position " if axis is not None else "spatial "
        written.append(_save(quartile_delta_figure(name, series["quartiles"], steps, series_k,
                                                   note, unit),
                             out, f"{name}_delta_per_quartile", fmt))
    if "conditions" in series and len(series["conditions"]):
        n = len(series["values"]) if "values" in series else int(steps["n"].iloc[0])
        written.append(_save(conditions_figure(name, series["conditions"], steps, n), out,
                             f"{name}_conditions", fmt))
    if "radial_delta" in series and len(series["radial_delta"]):
        written.append(_save(radial_delta_figure(name, series["radial_delta"], steps, series_k,
                                                 min_particles, unit),
                             out, f"{name}_radial_delta", fmt))
    if "geometry" in series and len(series["geometry"]):
        written.append(_save(geometry_figure(name, series["geometry"], steps), out,
                             f"{name}_geometry", fmt))
    radial_k = k if k is not None else RADIAL_K
    first = step_attrs[steps["name"].iloc[0]]
    written.append(_save(radial_profile_figure(
        profiles, first, radial_k, min_particles, "", ylabel=f"mean grey level of layer k\n({unit})",
        title=f"{name}: radial profile of the kept particles, mean ± {radial_k:g} SE",
        zero_line=False, legend_title="step"),
        out, f"{name}_radial_profile", fmt))
    if "matching" in series and len(series["matching"]):
        min_iou = (config.get("match") or {}).get("min_iou")
        written.append(_save(matching_figure(name, series["matching"], steps,
                                             float(min_iou) if min_iou is not None else None),
                             out, f"{name}_matching", fmt))
    return written


def series_figures(path: str, out: str, fmt: str, k: Optional[float],
                   min_particles: int, error_bars: Optional[str] = None) -> List[str]:
    """The figures of a series file: operando or ex-situ (root attribute series_mode)."""
    series = read_series(path)
    attrs = read_attrs(path)
    mode = attrs.get("series_mode")
    if mode is None:  # files without the attribute: ex-situ files have no /series/steps
        mode = "operando" if "steps" in series else "exsitu"
    if mode == "exsitu":
        return exsitu_figures(path, series, attrs, out, fmt, k, min_particles)
    return operando_figures(path, series, attrs, out, fmt, k, min_particles, error_bars)


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
    parser.add_argument("--error-bars", choices=tuple(ERROR_MODELS),
                        help="series error model: paper (±k SE_tot, Z) or standard (±k SES, "
                             "t-tests' p); default: the series' series.error_bars")
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
                written += series_figures(path, out, args.format, args.k, args.min_particles,
                                          args.error_bars)
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
