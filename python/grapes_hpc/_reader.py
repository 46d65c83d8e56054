"""Reading GRAPES-HPC result files and series files (docs/OUTPUT.md) into pandas.

Every table in a result file is an HDF5 group of 1-D datasets, one per column, with a
``columns`` attribute giving the column order. This module turns such groups into
DataFrames and checks what a notebook silently relies on: that the file is a grapes-hpc
result, that its format version is one we understand, that the expected columns exist and
that every column has the table's length. Errors name the file and the dataset.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Union

import h5py
import numpy as np
import pandas as pd

#: The newest result-file format this package reads. Files without a ``format_version``
#: root attribute are version 0 (grapes-hpc 0.1, before the attribute existed).
FORMAT_VERSION = 1

#: Columns a table must have for the rest of this package to work. Other columns are read
#: as they are; a newer grapes-hpc may add some.
REQUIRED_COLUMNS = {
    "particles": (
        "label", "volume", "centroid-0", "centroid-1", "centroid-2",
        "centroid_local-0", "centroid_local-1", "centroid_local-2",
        "equivalent_diameter_volume", "intensity_min", "intensity_max", "intensity_mean",
        "n_layers",
    ),
    "layers": ("label", "layer", "count", "graylevel", "graylevel_normed"),
    "adjacency": ("label_a", "label_b", "shared_faces"),
}

PathLike = Union[str, "os.PathLike[str]"]


class GrapesFileError(ValueError):
    """A file that is not a GRAPES-HPC result, or whose tables are not what they must be.

    The message always names the file and, where one is at fault, the dataset.
    """


class Result(NamedTuple):
    """The tables of one analysed volume (one ``grapes run``, or one step of a series).

    ``particles`` is indexed by ``label`` (one row per particle, sorted); ``layers`` is the
    long table of docs/OUTPUT.md, also indexed by ``label`` (one row per particle and radial layer);
    ``adjacency`` has a plain index (``label_a < label_b``). ``attrs`` holds the file's root
    attributes as Python values (strings decoded). ``layer_offset`` is ``/particles/layer_offset``:
    particle i's layers are rows ``layer_offset[i]:layer_offset[i+1]`` of ``layers``.
    """

    particles: pd.DataFrame
    layers: pd.DataFrame
    adjacency: pd.DataFrame
    attrs: Dict[str, Any]
    layer_offset: np.ndarray
    path: str
    step: Optional[str]


# --------------------------------------------------------------------------------------
# Opening and identifying a file


def _open(path: PathLike) -> h5py.File:
    """Opens ``path`` read-only, turning 'missing' and 'not HDF5' into clear errors."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"grapes result file '{path}' does not exist")
    try:
        return h5py.File(path, "r")
    except OSError as error:
        raise GrapesFileError(f"'{path}' is not a readable HDF5 file ({error})") from None


def _python_value(value: Any) -> Any:
    """An HDF5 attribute value as a plain Python value (str, int, float or numpy array)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "S":
            return [v.decode("utf-8", errors="replace") for v in value.ravel()]
        if value.dtype.kind == "O":
            return [_python_value(v) for v in value.ravel()]
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def _attributes(node: h5py.HLObject) -> Dict[str, Any]:
    """All attributes of an HDF5 object as a dict of Python values."""
    return {name: _python_value(node.attrs[name]) for name in node.attrs}


def format_version(attrs: Dict[str, Any], path: str) -> int:
    """The file's ``format_version`` (0 when absent), checked against what we can read."""
    raw = attrs.get("format_version", 0)
    try:
        version = int(np.asarray(raw).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        raise GrapesFileError(
            f"'{path}': root attribute format_version is {raw!r}, not an integer") from None
    if version < 0 or version > FORMAT_VERSION:
        raise GrapesFileError(
            f"'{path}' has format_version {version}; this grapes_hpc package reads versions "
            f"0 to {FORMAT_VERSION}: install the grapes_hpc that came with the grapes-hpc "
            f"that wrote it ({attrs.get('software', 'unknown software')})")
    return version


def _check_grapes(file: h5py.File, path: str) -> Dict[str, Any]:
    """Root attributes of a grapes-hpc file; an error for any other HDF5 file."""
    attrs = _attributes(file)
    software = attrs.get("software")
    if not isinstance(software, str) or not software.startswith("grapes-hpc"):
        found = "no 'software' attribute" if software is None else f"software = {software!r}"
        raise GrapesFileError(
            f"'{path}' is not a grapes-hpc result file ({found}; expected a 'software' root "
            "attribute starting with 'grapes-hpc')")
    attrs["format_version"] = format_version(attrs, path)
    return attrs


def read_attrs(path: PathLike) -> Dict[str, Any]:
    """The root attributes of a grapes-hpc result or series file, as a dict.

    Includes the resolved YAML ``config`` text, ``software``, ``created_utc``, the MPI
    decomposition, timings and ``format_version`` (0 for files that predate it).
    """
    with _open(path) as file:
        return _check_grapes(file, os.fspath(path))


# --------------------------------------------------------------------------------------
# One table = one group of 1-D datasets


def _column_order(group: h5py.Group) -> List[str]:
    """The group's column names in the writer's order (its ``columns`` attribute)."""
    names = [name for name in group if isinstance(group[name], h5py.Dataset)]
    listed = group.attrs.get("columns")
    if listed is None:
        return names
    listed = _python_value(listed)
    order = [name for name in listed.split(",") if name] if isinstance(listed, str) else list(listed)
    return order + [name for name in names if name not in order]


def _column_values(dataset: h5py.Dataset) -> np.ndarray:
    """A 1-D dataset's values; strings decoded to Python str."""
    if h5py.check_string_dtype(dataset.dtype) is not None:
        return np.asarray(dataset.asstr()[()], dtype=object)
    values = dataset[()]
    if values.dtype.kind == "S":
        return np.array([v.decode("utf-8", errors="replace") for v in values], dtype=object)
    return values


def read_group_table(file: h5py.File, group_name: str, path: str,
                     required: Iterable[str] = (), skip: Iterable[str] = ()) -> pd.DataFrame:
    """The group ``group_name`` as a DataFrame, one column per 1-D dataset.

    Raises GrapesFileError naming the dataset when a listed or required column is missing,
    is not 1-D, or has a length different from the table's (the first column's).
    """
    if group_name not in file or not isinstance(file[group_name], h5py.Group):
        raise GrapesFileError(f"'{path}' has no table '{group_name}'")
    group = file[group_name]
    skip = set(skip)
    columns: Dict[str, np.ndarray] = {}
    length = None
    first = None
    for name in _column_order(group):
        if name in skip:
            continue
        where = f"{group_name}/{name}"
        if name not in group:
            raise GrapesFileError(
                f"'{path}': dataset '{where}' is listed in the columns attribute but missing")
        dataset = group[name]
        if not isinstance(dataset, h5py.Dataset) or dataset.ndim != 1:
            raise GrapesFileError(f"'{path}': '{where}' is not a 1-D dataset")
        if length is None:
            length, first = dataset.shape[0], where
        elif dataset.shape[0] != length:
            raise GrapesFileError(
                f"'{path}': dataset '{where}' has {dataset.shape[0]} rows but '{first}' has "
                f"{length}: the table is inconsistent")
        columns[name] = _column_values(dataset)
    missing = [name for name in required if name not in columns]
    if missing:
        raise GrapesFileError(
            f"'{path}': table '{group_name}' lacks the column(s) {', '.join(missing)} "
            f"(datasets {', '.join(group_name + '/' + m for m in missing)})")
    return pd.DataFrame(columns)


def _layer_offset(file: h5py.File, base: str, path: str, particles: pd.DataFrame,
                  layers: pd.DataFrame) -> np.ndarray:
    """``/particles/layer_offset``, checked against the layer table (or rebuilt if absent)."""
    where = f"{base}particles/layer_offset"
    n, m = len(particles), len(layers)
    if where in file:
        offset = np.asarray(file[where][()], dtype=np.int64)
    else:  # older or hand-made files: rebuild it from the sorted layer labels
        starts = np.searchsorted(layers["label"].to_numpy(), particles["label"].to_numpy())
        offset = np.append(starts, m).astype(np.int64)
    if offset.shape != (n + 1,):
        raise GrapesFileError(
            f"'{path}': dataset '{where}' has {offset.shape[0]} rows; expected {n + 1} "
            "(particles + 1)")
    if offset[0] != 0 or offset[-1] != m or np.any(np.diff(offset) < 0):
        raise GrapesFileError(
            f"'{path}': dataset '{where}' is not a non-decreasing offset list from 0 to the "
            f"{m} rows of '{base}layers'")
    owner = np.repeat(particles["label"].to_numpy(), np.diff(offset))
    if not np.array_equal(owner, layers["label"].to_numpy()):
        raise GrapesFileError(
            f"'{path}': '{base}layers/label' does not match '{where}' (layer rows out of "
            "order or belonging to no particle)")
    return offset


# --------------------------------------------------------------------------------------
# Steps of a series file


def _steps_in(file: h5py.File) -> List[str]:
    """Step names of a series file in step order: by each ``/steps/<name>`` group's
    ``step_index`` attribute (``grapes series`` writes it), else ``/series/steps/name``, else
    the file's order."""
    if "steps" not in file or not isinstance(file["steps"], h5py.Group):
        return []
    present = [name for name in file["steps"] if isinstance(file["steps"][name], h5py.Group)]
    indices = {}
    for name in present:
        raw = file["steps"][name].attrs.get("step_index")
        if raw is not None:
            indices[name] = int(np.asarray(raw).reshape(-1)[0])
    if len(indices) == len(present):
        return sorted(present, key=lambda name: (indices[name], name))
    if "series/steps/name" in file:
        ordered = [str(n) for n in _column_values(file["series/steps/name"])]
        return [n for n in ordered if n in present] + [n for n in present if n not in ordered]
    return present


def list_steps(path: PathLike) -> List[str]:
    """The step names of a series file (``/steps/<name>``), reference first; [] otherwise."""
    with _open(path) as file:
        _check_grapes(file, os.fspath(path))
        return _steps_in(file)


def _base_group(file: h5py.File, path: str, step: Union[None, str, int]) -> tuple:
    """('/' or '/steps/<name>/', step name) for ``step``, with errors listing the choices."""
    steps = _steps_in(file)
    if step is None:
        if "particles" in file:
            return "/", None
        if steps:
            raise GrapesFileError(
                f"'{path}' is a series file without top-level tables: pass step= one of "
                f"{steps}")
        raise GrapesFileError(f"'{path}' has no '/particles' table")
    if isinstance(step, (int, np.integer)) and not isinstance(step, bool):
        if not -len(steps) <= step < len(steps):
            raise GrapesFileError(f"'{path}': step index {step} out of range; steps: {steps}")
        step = steps[step]
    if step not in steps:
        raise GrapesFileError(f"'{path}' has no step '{step}'; steps: {steps or 'none'}")
    return f"/steps/{step}/", step


# --------------------------------------------------------------------------------------
# Public readers


def read(path: PathLike, step: Union[None, str, int] = None) -> Result:
    """Reads the particle, layer and adjacency tables of a grapes-hpc result file.

    ``step`` picks ``/steps/<name>/...`` of a series file (a name, or an index into
    :func:`list_steps`); by default the file's top-level tables are read. For a step,
    ``attrs`` is the root attributes updated with the step group's own (``step_name``,
    ``step_index``, ``step_soc`` when given, ``sigma_bg`` when known, ``shape``,
    ``input_grey``, ``timing_*_s``, ...).
    ``touches_border`` becomes bool; every other column keeps the dtype it was written in.
    """
    path = os.fspath(path)
    with _open(path) as file:
        attrs = _check_grapes(file, path)
        base, step_name = _base_group(file, path, step)
        if step_name is not None:  # the step's own facts (shape, timings, step_index, ...)
            attrs.update(_attributes(file[base]))
        particles = read_group_table(file, base + "particles", path,
                                     REQUIRED_COLUMNS["particles"], skip=("layer_offset",))
        layers = read_group_table(file, base + "layers", path, REQUIRED_COLUMNS["layers"])
        if base + "adjacency" in file:
            adjacency = read_group_table(file, base + "adjacency", path,
                                         REQUIRED_COLUMNS["adjacency"])
        else:
            adjacency = pd.DataFrame({name: np.zeros(0, dtype=np.uint64 if "label" in name
                                                     else np.int64)
                                      for name in REQUIRED_COLUMNS["adjacency"]})
        offset = _layer_offset(file, base, path, particles, layers)
    if "touches_border" in particles:
        particles["touches_border"] = particles["touches_border"].astype(bool)
    if particles["label"].duplicated().any():
        raise GrapesFileError(f"'{path}': '{base}particles/label' has duplicate labels")
    return Result(particles=particles.set_index("label"), layers=layers.set_index("label"),
                  adjacency=adjacency, attrs=attrs, layer_offset=offset, path=path,
                  step=step_name)


def _collect_tables(file: h5py.File, group: h5py.Group, prefix: str, path: str,
                    out: Dict[str, pd.DataFrame]) -> None:
    """Adds every table (group with 1-D datasets) at or below ``group`` to ``out``."""
    has_datasets = any(isinstance(group[name], h5py.Dataset) for name in group)
    if has_datasets:
        out[prefix] = read_group_table(file, group.name, path)
    for name in group:
        if isinstance(group[name], h5py.Group):
            _collect_tables(file, group[name], f"{prefix}/{name}" if prefix else name, path, out)


def series_steps(path: PathLike) -> pd.DataFrame:
    """One row per step of a series file, in step order, from the ``/steps/<name>`` groups:
    ``name``, ``step_index``, ``step_soc`` and ``sigma_bg`` (NaN when the step has none),
    ``particles`` (rows of its ``/particles``), ``input_grey`` and ``input_grey_dtype``."""
    path = os.fspath(path)
    rows = []
    with _open(path) as file:
        _check_grapes(file, path)
        names = _steps_in(file)
        if not names:
            raise GrapesFileError(f"'{path}' has no '/steps' groups: it is not a series file")
        for position, name in enumerate(names):
            group = file["steps"][name]
            attrs = _attributes(group)
            labels = group.get("particles/label")
            rows.append({
                "name": name,
                "step_index": int(attrs.get("step_index", position)),
                "step_soc": float(attrs.get("step_soc", np.nan)),
                "sigma_bg": float(attrs.get("sigma_bg", np.nan)),
                "particles": int(labels.shape[0]) if isinstance(labels, h5py.Dataset) else 0,
                "input_grey": attrs.get("input_grey", ""),
                "input_grey_dtype": attrs.get("input_grey_dtype", ""),
            })
    return pd.DataFrame(rows)


def read_series(path: PathLike) -> Dict[str, pd.DataFrame]:
    """Every table under ``/series`` of a series file, keyed by its path below ``/series``.

    An operando series (root attribute ``series_mode`` = ``operando``) has ``"steps"``,
    ``"values"``, ``"removed"``, ``"conditions"``, ``"quartiles"``, ``"radial_delta"`` and,
    with label matching, ``"matching"``; an ex-situ one has ``"radial/<dataset>"`` (columns
    ``group`` = all, volume_q1..4, volume_d1..10, then ``layer, mean, std, se, n``) and
    ``"radial_z"`` (docs/SERIES.md). Tables keep the writer's column order; string columns
    (fixed-length, null-padded in the file) are Python str. The root attributes (the
    plain-text ``summary``, ``series_mode``) are in :func:`read_attrs`; the steps' own
    attributes in :func:`series_steps`.
    """
    path = os.fspath(path)
    with _open(path) as file:
        _check_grapes(file, path)
        if "series" not in file or not isinstance(file["series"], h5py.Group):
            raise GrapesFileError(
                f"'{path}' has no '/series' group: it is not a series file (grapes series); "
                "read a single run with grapes_hpc.read()")
        tables: Dict[str, pd.DataFrame] = {}
        _collect_tables(file, file["series"], "", path, tables)
    if "steps" in tables and not {"name", "mean"} <= set(tables["steps"].columns):
        raise GrapesFileError(f"'{path}': table '/series/steps' lacks the 'name'/'mean' columns")
    return tables
