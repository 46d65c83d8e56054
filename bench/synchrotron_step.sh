#!/usr/bin/env bash
# One synchrotron step on one node: the built-in phantom at 2160 x 2560 x 2560 voxels (1.4e10,
# the paper's particle size: ~300,000 particles, uint32 labels) under mpiexec -n RANKS with
# decomposition.memory_per_rank = BUDGET, generated slab by slab (no input file). Prints the
# run's phase lines, then wall time, voxels per second per rank, particles, peak memory per
# rank and slabs per rank.
#
#   bash bench/synchrotron_step.sh [RANKS] [BUDGET]        (default: 2 ranks, 8GiB per rank)
# Environment: GRAPES (default build/grapes), MPIEXEC, SHAPE (default [2160,2560,2560]).
set -euo pipefail
cd "$(dirname "$0")/.."
GRAPES="${GRAPES:-build/grapes}"
MPIEXEC="${MPIEXEC:-mpiexec}"
RANKS="${1:-2}"
BUDGET="${2:-8GiB}"
SHAPE="${SHAPE:-[2160,2560,2560]}"
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
mkdir -p bench/data
out=bench/data/synchrotron_step.h5
/usr/bin/time -f "%e" -o bench/data/synchrotron_time.txt \
  "$MPIEXEC" -n "$RANKS" "$GRAPES" run bench/paper_phantom.yaml \
  --set "input.phantom.shape=$SHAPE" --set input.phantom.label_dtype=uint32 \
  --set "decomposition.memory_per_rank=$BUDGET" --set "output.path=$out" | tee bench/data/synchrotron_log.txt
wall=$(cat bench/data/synchrotron_time.txt)
/usr/bin/python3 - "$out" "$wall" "$RANKS" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1])
a = f.attrs
wall, ranks = float(sys.argv[2]), int(sys.argv[3])
voxels = int(np.prod(a["shape"]))
print(f"shape {list(a['shape'])}, {voxels:.3g} voxels, {len(f['particles/label'])} particles, "
      f"{ranks} ranks as {list(a['decomposition'])}, ghost {list(a['ghost_width'])}, "
      f"slabs per rank {int(a['slabs_per_rank'])}")
print(f"wall {wall:.1f} s (whole process), {voxels / wall / ranks / 1e6:.1f} Mvoxel/s per rank")
print("peak resident memory per rank (MiB): " +
      ", ".join(f"{m:.0f}" for m in a["peak_memory_mib_per_rank"]))
PY
