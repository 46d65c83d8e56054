#!/usr/bin/env bash
# End-to-end benchmark on the paper-scale phantom (750^3, ~10,000 particles): writes the
# phantom to HDF5 once (bench/data/, reused), then runs `grapes run` at each rank count and
# prints per-phase wall times, EDT throughput and peak memory per rank against the model
# (rank's share of the inputs at native dtypes + 4 bytes per local voxel, +10 %).
#
#   bash bench/run_benchmark.sh [RANKS...]        (default: 1 2)
# Environment: GRAPES (binary, default build/grapes), MPIEXEC, MPIEXEC_FLAGS, REPEAT (runs
# per rank count, best kept; default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
GRAPES="${GRAPES:-build/grapes}"
MPIEXEC="${MPIEXEC:-mpiexec}"
REPEAT="${REPEAT:-1}"
ranks_list=("$@")
[ "${#ranks_list[@]}" -gt 0 ] || ranks_list=(1 2)
if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_rmaps_base_oversubscribe=1
mkdir -p bench/data
if [ ! -f bench/data/paper750.h5 ]; then
  echo "writing the paper-scale phantom to bench/data/paper750.h5 (once)..."
  "$MPIEXEC" ${MPIEXEC_FLAGS:-} -n 2 "$GRAPES" phantom bench/paper_phantom.yaml -o bench/data/paper750.h5
fi
results=()
for ranks in "${ranks_list[@]}"; do
  for ((run = 1; run <= REPEAT; ++run)); do
    out="bench/data/result_np${ranks}_run${run}.h5"
    start=$(date +%s%N)
    "$MPIEXEC" ${MPIEXEC_FLAGS:-} -n "$ranks" "$GRAPES" run bench/paper_run.yaml \
      --set "output.path=$out" >"bench/data/log_np${ranks}_run${run}.txt"
    end=$(date +%s%N)
    echo "$ranks ranks, run $run: $(((end - start) / 1000000)) ms wall (mpiexec start included)"
    results+=("$out")
  done
done
/usr/bin/python3 bench/summarise.py "${results[@]}"
