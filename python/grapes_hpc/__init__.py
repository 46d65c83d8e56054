"""grapes_hpc: read GRAPES-HPC result files into pandas, GRAPES-style, and plot them.

    >>> import grapes_hpc
    >>> run = grapes_hpc.read("results/demo.h5")          # particles, layers, adjacency, attrs
    >>> df = grapes_hpc.to_grapes("results/demo.h5")      # GRAPES's own DataFrame shape
    >>> series = grapes_hpc.read_series("results/series.h5")   # {"steps": ..., "values": ...}

Figures: ``python -m grapes_hpc.plot FILE [--out DIR] [--format png|svg|pdf]`` (or
``grapes plot FILE``). Needs h5py, numpy and pandas; matplotlib for the figures only.
"""

from ._grapes import (GRAPES_COLUMNS, GRAPES_LIST_COLUMNS, flat_labels, layer_statistics,
                      radial_profile, to_grapes)
from ._reader import (FORMAT_VERSION, GrapesFileError, Result, list_steps, read, read_attrs,
                      read_series, series_steps)

__version__ = "0.1.0"

__all__ = [
    "FORMAT_VERSION", "GRAPES_COLUMNS", "GRAPES_LIST_COLUMNS", "GrapesFileError", "Result",
    "flat_labels",
    "layer_statistics", "list_steps", "radial_profile", "read", "read_attrs", "read_series",
    "series_steps", "to_grapes",
]
