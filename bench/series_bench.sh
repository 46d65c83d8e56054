#!/usr/bin/env bash
# A 4-step operando series of the paper-scale phantom (750^3, ~10,000 particles; steps 0-3 of
# `grapes phantom --steps 4`, written to bench/data/ once) at RANKS ranks: `grapes series`
# against 4 single `grapes run`s of the same step files, and the series again with label
# matching (series.match), so the cost of the series analysis and of matching is measured.
#
#   bash bench/series_bench.sh [RANKS]        (default 2)
# Environment: GRAPES (default build/grapes), MPIEXEC.
set -euo pipefail
cd "$(dirname "$0")/.."
GRAPES="${GRAPES:-build/grapes}"
MPIEXEC="${MPIEXEC:-mpiexec}"
RANKS="${1:-2}"
if [ "$(id -u)" -eq 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OMPI_MCA_rmaps_base_oversubscribe=1
mkdir -p bench/data
data=bench/data/series750
if [ ! -f "${data}_step3.h5" ]; then
  echo "writing 4 steps of the paper-scale phantom to ${data}_step{0..3}.h5 (once)..."
  "$MPIEXEC" -n "$RANKS" "$GRAPES" phantom bench/paper_phantom.yaml --steps 4 -o "$data.h5" >/dev/null
fi
config=bench/data/series750.yaml
{
  echo "series:"
  echo "  steps:"
  for i in 0 1 2 3; do
    echo "    - {name: step$i, grey: {path: ${data}_step$i.h5, dataset: /grey},"
    echo "       labels: {path: ${data}_step$i.h5, dataset: /labels}}"
  done
  echo "output: {path: bench/data/series750_result.h5}"
} >"$config"
seconds() { /usr/bin/time -f "%e" -o bench/data/series_time.txt "$@" >bench/data/series_log.txt 2>&1 &&
  cat bench/data/series_time.txt; }
runs=0
for i in 0 1 2 3; do
  t=$(seconds "$MPIEXEC" -n "$RANKS" "$GRAPES" run bench/paper_run.yaml \
    --set "input.grey.path=${data}_step$i.h5" --set "input.labels.path=${data}_step$i.h5" \
    --set "output.path=bench/data/series750_run$i.h5")
  echo "grapes run, step $i: $t s"
  runs=$(echo "$runs $t" | awk '{print $1 + $2}')
done
rm -rf bench/data/series750_result.steps
series=$(seconds "$MPIEXEC" -n "$RANKS" "$GRAPES" series "$config")
rm -rf bench/data/series750_result.steps
matched=$(seconds "$MPIEXEC" -n "$RANKS" "$GRAPES" series "$config" \
  --set "series.match={method: overlap}")
grep -A3 "^Label matching" bench/data/series_log.txt || true
echo "4 x grapes run: $runs s; grapes series (4 steps): $series s = $(echo "$series $runs" |
  awk '{printf "%.3f", $1 / $2}') x; with label matching: $matched s = $(echo "$matched $runs" |
  awk '{printf "%.3f", $1 / $2}') x ($RANKS ranks, whole processes)"
