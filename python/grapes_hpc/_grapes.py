"""GRAPES-shaped tables and the radial statistics GRAPES users know.

GRAPES (github MPJ-Imaging/GRAPES, ``GRAPES.py``) returns one pandas row per particle with
``regionprops_table`` columns and three array-valued columns per particle:
``radial_layers`` (layer numbers 1..K), ``radial_layers_graylevel`` (mean grey per layer)
and ``radial_layers_graylevelnormed``. Its helpers (``radial_layers_quartiles``,
``radial_layers_deciles``, ``prop_2_image``, ``plot_radial_intensities``) read those
columns, and call ``.shape[0]`` on the arrays, so the cells must be 1-D numpy arrays.
:func:`to_grapes` builds that frame from our long ``/layers`` table so the same notebook
runs on a grapes-hpc result.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Union

import numpy as np
import pandas as pd

from ._reader import PathLike, Result, read

#: GRAPES v1.0.0's 3-D column order (``GRAPES()`` in GRAPES.py: regionprops_table of
#: label, area, centroid, centroid_local, equivalent_diameter_area, intensity_max,
#: intensity_mean, intensity_min, renamed area -> volume; then sphericity and the radial
#: columns). GRAPES's per-voxel columns ``image``, ``image_intensity`` and
#: ``radial_layers_dt`` are not in a result file and are left out.
GRAPES_COLUMNS = (
    "label", "volume", "centroid-0", "centroid-1", "centroid-2",
    "centroid_local-0", "centroid_local-1", "centroid_local-2",
    "equivalent_diameter_volume", "intensity_max", "intensity_mean", "intensity_min",
    "sphericity",
)

#: Our per-layer columns -> GRAPES's array-valued column names.
GRAPES_LIST_COLUMNS = {
    "layer": "radial_layers",
    "graylevel": "radial_layers_graylevel",
    "graylevel_normed": "radial_layers_graylevelnormed",
}

#: Per-layer columns GRAPES does not have, added as arrays when ``extra=True``.
EXTRA_LIST_COLUMNS = {"count": "radial_layers_count", "std": "radial_layers_std"}


def _as_result(source: Union[PathLike, Result], step) -> Result:
    """A Result from a path (read here) or an already-read Result."""
    if isinstance(source, Result):
        return source
    return read(source, step=step)


def _split_layers(result: Result, column: str) -> List[np.ndarray]:
    """``/layers/<column>`` cut into one array per particle with ``layer_offset``."""
    values = result.layers[column].to_numpy()
    offset = result.layer_offset
    return [values[offset[i]:offset[i + 1]].copy() for i in range(len(offset) - 1)]


def _grapes_labels(labels: np.ndarray) -> np.ndarray:
    """Labels as int64 like scikit-image's regionprops (uint64 only if they do not fit)."""
    if labels.size and labels.max() > np.iinfo(np.int64).max:
        return labels
    return labels.astype(np.int64)


def to_grapes(source: Union[PathLike, Result], step: Union[None, str, int] = None,
              extra: bool = True) -> pd.DataFrame:
    """A DataFrame shaped like GRAPES's ``GRAPES()`` output, one row per particle.

    ``source`` is a result file path (``step`` as in :func:`read`) or a :class:`Result`.
    The frame has a 0..N-1 index and GRAPES's columns in GRAPES's order (``label``,
    ``volume``, centroids, ``equivalent_diameter_volume``, intensities, ``sphericity``),
    then the array-valued ``radial_layers`` (1..K), ``radial_layers_graylevel`` and
    ``radial_layers_graylevelnormed`` (1-D float64/int64 numpy arrays; empty for a particle
    without layers). With ``extra=True`` (default) our other columns follow
    (``volume_physical``, ``bbox-*``, ``intensity_std``, ``surface_area``, ``core_mean``, ...,
    and the arrays ``radial_layers_count`` and ``radial_layers_std``).

    Differences a GRAPES user should know: ``sphericity`` is the true sphericity (GRAPES
    v1.0.0 writes 4*pi*r_eq^2 there); an empty layer has grey level 0 as in GRAPES, and its
    voxel count 0 is in ``radial_layers_count``; the per-voxel columns ``image``,
    ``image_intensity`` and ``radial_layers_dt`` are not available.
    """
    result = _as_result(source, step)
    particles = result.particles.reset_index()
    frame = pd.DataFrame(index=pd.RangeIndex(len(particles)))
    for name in GRAPES_COLUMNS:
        if name in particles:
            frame[name] = particles[name].to_numpy()
    frame["label"] = _grapes_labels(particles["label"].to_numpy())
    lists = dict(GRAPES_LIST_COLUMNS)
    if extra:
        lists.update({k: v for k, v in EXTRA_LIST_COLUMNS.items() if k in result.layers})
    array_columns = {}
    for ours, theirs in lists.items():
        array_columns[theirs] = _split_layers(result, ours)
    for theirs in GRAPES_LIST_COLUMNS.values():
        frame[theirs] = pd.Series(array_columns[theirs], index=frame.index, dtype=object)
    if extra:
        for name in particles.columns:
            if name not in frame:
                frame[name] = particles[name].to_numpy()
        for ours, theirs in EXTRA_LIST_COLUMNS.items():
            if theirs in array_columns:
                frame[theirs] = pd.Series(array_columns[theirs], index=frame.index,
                                          dtype=object)
    return frame


# --------------------------------------------------------------------------------------
# Radial statistics across particles (GRAPES's radial_layers_quartiles, docs/SERIES.md item 11)


def flat_labels(layers: pd.DataFrame) -> np.ndarray:
    """Labels of a layer table whose ``graylevel_normed`` rows are all 0: flat profiles, with
    no rise above the surface layer to normalise by (docs/SERIES.md, ex-situ comparison)."""
    flat = layers["graylevel_normed"].eq(0).groupby(level=0).all()
    return flat.index[flat.to_numpy()].to_numpy()


def layer_statistics(layers: pd.DataFrame, column: str = "graylevel_normed") -> pd.DataFrame:
    """Per layer index of a long layer table: mean, std (ddof 0), SE = std/sqrt(n), n.

    SE is NaN where one particle has the layer (n < 2), as in ``grapes series``.

    Every particle has rows for layers 1..K, so layer k's statistics run over the particles
    with k layers or more: exactly how GRAPES's ``radial_layers_quartiles`` aggregates its
    per-particle arrays.
    """
    grouped = layers.groupby("layer")[column]
    table = pd.DataFrame({"mean": grouped.mean(), "std": grouped.std(ddof=0),
                          "n": grouped.size().astype(np.int64)})
    table["se"] = (table["std"] / np.sqrt(table["n"])).where(table["n"] >= 2, np.nan)
    table = table.reset_index()[["layer", "mean", "std", "se", "n"]]
    return table.astype({"layer": np.int64})


def radial_profile(source: Union[PathLike, Result], column: str = "graylevel_normed",
                   step: Union[None, str, int] = None,
                   labels: Optional[Sequence[int]] = None,
                   by: Optional[str] = None, groups: int = 4,
                   exclude_flat: bool = False) -> pd.DataFrame:
    """Mean radial profile of a ``/layers`` column across particles, with SE (paper fig. 7).

    Returns columns ``layer, mean, std, se, n`` (see :func:`layer_statistics`); ``labels``
    restricts the particles (e.g. the largest volume quartile). With ``by`` (a particle
    column such as ``"volume"``) the particles are split into ``groups`` quantile bins of
    it (``pandas.qcut(..., labels=False, duplicates="drop")``, as GRAPES's
    ``radial_layers_quartiles`` does) and a leading ``group`` column (0 = smallest) is added.
    ``exclude_flat`` leaves out particles whose ``graylevel_normed`` is all 0 (no
    normalisation; ``grapes series`` ex-situ default, docs/SERIES.md) from the layer
    statistics, after the groups are formed.
    """
    result = _as_result(source, step)
    particles, layers = result.particles, result.layers
    if labels is not None:
        particles = particles[particles.index.isin(np.asarray(labels))]
        layers = layers[layers.index.isin(particles.index)]
    if exclude_flat:
        layers = layers[~layers.index.isin(flat_labels(layers))]
    if by is None:
        return layer_statistics(layers, column)
    bins = pd.qcut(particles[by], groups, labels=False, duplicates="drop")
    tables = []
    for group in sorted(bins.dropna().unique()):
        members = bins.index[bins == group]
        table = layer_statistics(layers[layers.index.isin(members)], column)
        table.insert(0, "group", int(group))
        tables.append(table)
    if not tables:
        return pd.DataFrame(columns=["group", "layer", "mean", "std", "se", "n"])
    return pd.concat(tables, ignore_index=True)
