#!/usr/bin/env python3
"""The yardstick of bench/run_benchmark.sh: scikit-image's regionprops_table with the basic
columns only (no distance transform, no layers, no surface), on the same HDF5 file, as one
whole process (reading included), as a GRAPES user would compute the cheapest part of the
table. Prints the particle count so the two runs can be checked against each other.

    /usr/bin/python3 bench/regionprops_bench.py bench/data/paper750.h5
"""
import sys
import time

import h5py
from skimage.measure import regionprops_table

BASIC = ("label", "area", "centroid", "bbox", "intensity_min", "intensity_max", "intensity_mean")


def main(path):
    start = time.perf_counter()
    with h5py.File(path, "r") as f:
        grey = f["grey"][()]
        labels = f["labels"][()]
    read = time.perf_counter() - start
    table = regionprops_table(labels, intensity_image=grey, properties=BASIC)
    total = time.perf_counter() - start
    print(f"regionprops_table: {len(table['label'])} particles, read {read:.2f} s, "
          f"total {total:.2f} s (in-process)")


if __name__ == "__main__":
    main(sys.argv[1])
