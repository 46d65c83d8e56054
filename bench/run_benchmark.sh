#!/usr/bin/env bash
# End-to-end benchmark on the paper-scale phantom (750^3, ~10,000 particles): writes the
# phantom to HDF5 once (bench/data/, reused), then runs `grapes run` at each rank count and
# prints per-phase wall times, EDT throughput and peak memory per rank against the model
# (rank's share of the inputs at native dtypes + 4 bytes per local voxel, +10 %).
#
#   bash bench/run_benchmark.sh [RANKS...]        (default: 1 2)
# It also times scikit-image's regionprops_table (basic columns, bench/regionprops_bench.py)
# on the same file in the same session and prints the ratio.
# Environment: GRAPES (binary, default build/grapes), MPIEXEC, MPIEXEC_FLAGS, REPEAT (runs
# per rank count, best kept; default 1), GRAPES_SET (extra --set arguments, e.g.
# "--set decomposition.memory_per_rank=1GiB"), REGIONPROPS=0 to skip the yardstick.
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
# wall_of LOG COMMAND...: wall seconds of a whole command (its start-up included, by
# /usr/bin/time), its output to LOG; its user and system CPU seconds (all processes) go to
# bench/data/cpu.txt ("user U s, system S s": system time is where fresh pages are faulted in).
wall_of() {
  local log=$1
  shift
  /usr/bin/time -f "%e %U %S" -o bench/data/time.txt "$@" >"$log" &&
    awk '{printf "user %s s, system %s s\n", $2, $3}' bench/data/time.txt >bench/data/cpu.txt &&
    awk '{print $1}' bench/data/time.txt
}
results=()
declare -A best_wall
for ((run = 1; run <= REPEAT; ++run)); do
  # grapes and the yardstick alternate, so a machine that slows down slows both.
  for ranks in "${ranks_list[@]}"; do
    out="bench/data/result_np${ranks}_run${run}.h5"
    wall=$(wall_of "bench/data/log_np${ranks}_run${run}.txt" "$MPIEXEC" ${MPIEXEC_FLAGS:-} \
      -n "$ranks" "$GRAPES" run bench/paper_run.yaml --set "output.path=$out" ${GRAPES_SET:-})
    echo "grapes at $ranks ranks, run $run: $wall s (whole process, mpiexec included; $(cat bench/data/cpu.txt))"
    results+=("$out")
    best=${best_wall[$ranks]:-1e9}
    best_wall[$ranks]=$(echo "$wall $best" | awk '{print ($1 < $2) ? $1 : $2}')
  done
  if [ "${REGIONPROPS:-1}" = 1 ]; then
    wall=$(wall_of bench/data/regionprops.txt /usr/bin/python3 bench/regionprops_bench.py \
      bench/data/paper750.h5)
    echo "regionprops_table (basic columns), run $run: $wall s (whole process; $(cat bench/data/cpu.txt)) - $(cat bench/data/regionprops.txt)"
    best=${best_wall[rp]:-1e9}
    best_wall[rp]=$(echo "$wall $best" | awk '{print ($1 < $2) ? $1 : $2}')
  fi
done
/usr/bin/python3 bench/summarise.py "${results[@]}"
if [ -n "${best_wall[rp]:-}" ]; then
  for ranks in "${ranks_list[@]}"; do
    echo "grapes at $ranks ranks / regionprops_table: ${best_wall[$ranks]} s / ${best_wall[rp]} s = $(echo "${best_wall[$ranks]} ${best_wall[rp]}" | awk '{printf "%.3f", $1 / $2}') (best of $REPEAT, whole processes)"
  done
fi
