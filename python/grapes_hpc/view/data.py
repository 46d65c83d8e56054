"""What the pages show, read with the grapes_hpc reader (cached per file version).

Every function takes an already-confined real path. Errors of the reader (GrapesFileError,
OSError) propagate to the server, which answers them as JSON instead of crashing.
"""

import os
from functools import lru_cache
from typing import Dict, List, Optional

import h5py
import numpy as np

from .._grapes import radial_profile
from .._reader import GrapesFileError, list_steps, read, read_attrs, read_series
from .safety import confine

SUFFIXES = (".h5", ".hdf5", ".hdf", ".nxs")
SUMMARY_ATTRS = ("software", "created_utc", "shape", "voxel_size", "mpi_ranks", "series_mode",
                 "input_grey", "input_labels", "config_path")
WARNING_ATTRS = ("unassigned_voxels", "flat_profile_particles")


def jsonable(value):
    """numpy values and arrays as JSON-friendly Python values (NaN as None)."""
    if isinstance(value, np.ndarray):
        return [jsonable(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def find_files(roots: List[str]) -> List[str]:
    """Every HDF5 file under the roots (real paths, sorted); symlinks out of them skipped."""
    found = set()
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                if name.endswith(SUFFIXES) and not name.startswith("."):
                    try:
                        found.add(confine(os.path.join(folder, name), roots))
                    except Exception:  # a symlink out of the roots is not listed
                        pass
    return sorted(found)


def display_name(path: str, roots: List[str]) -> str:
    """The path below the served folder holding it (step files of a series share names)."""
    for root in roots:
        if path.startswith(root.rstrip(os.sep) + os.sep):
            return os.path.relpath(path, root)
    return os.path.basename(path)


def _version(path: str):
    """(mtime, size): a rewritten file is read again."""
    info = os.stat(path)
    return info.st_mtime_ns, info.st_size


def summary(path: str) -> Dict:
    """One Files-page row: the facts of the file, or the reader's error."""
    row = {"path": path, "name": os.path.basename(path)}
    try:
        attrs = read_attrs(path)
        steps = list_steps(path)
        with h5py.File(path, "r") as file:
            base = "particles/label" if "particles/label" in file else (
                f"steps/{steps[0]}/particles/label" if steps else None)
            row["particles"] = int(file[base].shape[0]) if base and base in file else 0
            if steps and "shape" not in attrs:
                attrs.update({k: file[f"steps/{steps[0]}"].attrs[k]
                              for k in ("shape", "voxel_size") if k in file[f"steps/{steps[0]}"].attrs})
        row.update({name: jsonable(attrs.get(name)) for name in SUMMARY_ATTRS})
        row["steps"] = steps
        row["config"] = attrs.get("config", "")
        row["warnings"] = [f"{name} = {attrs[name]}" for name in WARNING_ATTRS
                           if int(np.asarray(attrs.get(name, 0)).reshape(-1)[0] or 0) > 0]
    except (GrapesFileError, OSError, KeyError, ValueError) as error:
        row["error"] = str(error)
    return row


@lru_cache(maxsize=8)
def _result(path: str, step: Optional[str], version):
    return read(path, step=step)


def result(path: str, step: Optional[str] = None):
    """The Result of a file (or a step of a series), cached while the file is unchanged."""
    return _result(path, step or None, _version(path))


def particle_table(path: str, step: Optional[str] = None):
    """``/particles`` as a frame with ``label`` as its first column."""
    return result(path, step).particles.reset_index()


def particle(path: str, step: Optional[str], label: int) -> Dict:
    """A particle's row, its layers (radial profile), its neighbours, and the same label in
    every other step of a series."""
    res = result(path, step)
    if label not in res.particles.index:
        raise KeyError(f"no particle with label {label}")
    i = int(res.particles.index.get_loc(label))
    layers = res.layers.reset_index().iloc[res.layer_offset[i]:res.layer_offset[i + 1]]
    adj = res.adjacency
    pairs = adj[(adj["label_a"] == label) | (adj["label_b"] == label)]
    other = np.where(pairs["label_a"] == label, pairs["label_b"], pairs["label_a"])
    out = {"label": label, "values": {k: jsonable(v) for k, v in res.particles.loc[label].items()},
           "layers": {c: jsonable(layers[c].to_numpy()) for c in layers.columns},
           "neighbours": [{"label": int(o), "shared_faces": int(s)}
                          for o, s in zip(other, pairs["shared_faces"])]}
    steps = list_steps(path)
    if steps:
        out["steps"] = {}
        for name in steps:
            r = result(path, name)
            if label in r.particles.index:
                j = int(r.particles.index.get_loc(label))
                rows = r.layers.iloc[r.layer_offset[j]:r.layer_offset[j + 1]]
                out["steps"][name] = {c: jsonable(rows[c].to_numpy()) for c in
                                      ("layer", "graylevel", "graylevel_normed")}
    return out


def profiles(path: str, step: Optional[str], column: str, by: Optional[str], groups: int):
    """Mean radial profile (all particles, or per quantile group of ``by``)."""
    table = radial_profile(result(path, step), column=column, by=by or None, groups=groups)
    return {c: jsonable(table[c].to_numpy()) for c in table.columns}


def _columns(frame) -> Dict:
    return {c: jsonable(frame[c].to_numpy()) for c in frame.columns}


def series(path: str) -> Dict:
    """The Series page: mode, the error-bar multiple and model of the run's config, the
    ``/series/steps`` table (operando), the labels removed per cleaning rule, and the ex-situ
    ``radial_z`` comparison."""
    attrs = read_attrs(path)
    tables = read_series(path)
    config = {}
    try:
        import yaml
        config = (yaml.safe_load(attrs.get("config", "")) or {}).get("series", {}) or {}
    except Exception:  # no PyYAML or an unreadable config: the defaults below
        config = {}
    out = {"mode": attrs.get("series_mode", "operando"),
           "error_multiple": float(config.get("error_multiple", 3)),
           "error_bars": str(config.get("error_bars", "paper"))}
    if "steps" in tables:
        out["steps"] = _columns(tables["steps"].sort_values("step"))
    if "removed" in tables:
        counts = tables["removed"]["rule"].value_counts()
        out["removed"] = {str(rule): int(n) for rule, n in counts.items()}
    if "radial_z" in tables:
        out["radial_z"] = _columns(tables["radial_z"])
    return out
