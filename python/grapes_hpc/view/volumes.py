"""Slices of the input label volume, read as one HDF5 hyperslab.

The result file names its inputs (``input_labels`` = ``file.h5:/dataset``). A relative path is
looked for beside the result file and beside its configuration; the volume must lie under the
served roots like every other file.
"""

import os
from typing import List, Optional

import h5py
import numpy as np

from .safety import confine


class VolumeError(ValueError):
    """The label volume is not readable (phantom input, TIFF, missing file)."""


def locate(attrs: dict, result_path: str, roots: List[str], key: str = "input_labels"):
    """(real file path, dataset) of an input named ``file.h5:/dataset``."""
    text = str(attrs.get(key, ""))
    if ":/" not in text:
        raise VolumeError(f"{key} is '{text}': only HDF5 inputs (file.h5:/dataset) can be sliced")
    file, dataset = text.rsplit(":/", 1)
    candidates = [file] if os.path.isabs(file) else [
        os.path.join(os.path.dirname(result_path), file),
        os.path.join(os.path.dirname(result_path), os.path.dirname(str(attrs.get("config_path", ""))), file)]
    for candidate in candidates:
        if os.path.exists(candidate):
            return confine(candidate, roots), "/" + dataset
    raise VolumeError(f"{key} '{file}' not found beside the result file")


def read_slice(path: str, dataset: str, axis: int, index: int) -> np.ndarray:
    """One 2-D slice through ``axis`` at ``index`` (only that hyperslab is read)."""
    with h5py.File(path, "r") as file:
        data = file[dataset]
        if data.ndim != 3:
            raise VolumeError(f"{path}:{dataset} is not 3-D")
        if not 0 <= index < data.shape[axis]:
            raise VolumeError(f"slice {index} out of range 0..{data.shape[axis] - 1}")
        where = [slice(None)] * 3
        where[axis] = index
        return np.asarray(data[tuple(where)])
