#!/usr/bin/env bash
# Progress and verbosity of grapes run and grapes series: on a terminal (a pseudo-terminal
# from util-linux `script`, else GRAPES_PROGRESS=1) a progress line rewritten with \r for the
# reads, the kernels and the series steps, with percent and rate; plain phase lines and no \r
# in a batch log; --quiet prints only the final line; --verbose adds a line per slab and step;
# the tables and the timing attributes are the same whatever is shown.
source "$(dirname "$0")/lib.sh"
demo="$GRAPES_SOURCE_DIR/inputs/demo.yaml"
small=(--set "input.phantom.shape=[48,52,56]")
cr=$'\r'

has() { grep -qF -- "$2" "$1"; }  # has FILE TEXT

# 1. A batch log: phase lines on stdout, nothing drawn.
run_grapes 1 run "$demo" "${small[@]}" --set "output.path=$WORK/batch.h5"
if [ "$status" -eq 0 ] && has "$WORK/out" "  edt " && has "$WORK/out" "  read " &&
  ! grep -q "$cr" "$WORK/out" "$WORK/err" && ! has "$WORK/out" "%"; then
  pass "batch log: per-phase lines, no progress line"
else
  fail "batch log (status $status)"; cat "$WORK/out" "$WORK/err"
fi

# 2. On a terminal. `script` runs the command on a pseudo-terminal and copies what it wrote.
on_terminal() {  # on_terminal LOG ARGS...: grapes ARGS on a terminal, its output in LOG
  local log=$1
  shift
  if command -v script >/dev/null; then
    set +e
    script -qec "$(printf '%q ' "$GRAPES_BINARY" "$@")" /dev/null >"$log" 2>&1 </dev/null
    status=$?
    set -e
  else
    set +e
    GRAPES_PROGRESS=1 "$GRAPES_BINARY" "$@" >"$log" 2>&1
    status=$?
    set -e
  fi
}
command -v script >/dev/null && how="a pseudo-terminal (script)" || how="GRAPES_PROGRESS=1 (no script)"
on_terminal "$WORK/tty.log" run "$demo" "${small[@]}" --set "output.path=$WORK/tty.h5"
if [ "$status" -eq 0 ] && grep -q "${cr}.*read grey .*%.*MiB/s" "$WORK/tty.log" &&
  grep -q "${cr}.*read labels .*100%" "$WORK/tty.log" &&
  grep -q "${cr}.*kernels .*100%.*Mvoxel/s" "$WORK/tty.log" && has "$WORK/tty.log" "  edt " &&
  has "$WORK/tty.log" "wrote $WORK/tty.h5"; then
  pass "terminal ($how): progress lines with percent and rate, and the phase lines"
else
  fail "terminal progress (status $status)"; cat -A "$WORK/tty.log"
fi
# The reads in parts give the same tables, and the file keeps every phase's time.
if "$PYTHON" "$GRAPES_SOURCE_DIR/tests/cli/compare_results.py" "$WORK/batch.h5" "$WORK/tty.h5" &&
  "$PYTHON" - "$WORK/tty.h5" <<'PY'; then
import sys
import h5py
attrs = h5py.File(sys.argv[1], "r").attrs
for phase in ("read", "particles", "ghosts", "edt", "layers", "surface", "adjacency", "merge", "write"):
    assert attrs[f"timing_{phase}_s"] > 0, phase
PY
  pass "terminal run: the batch run's tables, every timing_<phase>_s in the file"
else
  fail "terminal run's tables or timings"
fi

# 3. --quiet: the final line only, on a terminal too.
run_grapes 1 run "$demo" "${small[@]}" --set "output.path=$WORK/quiet.h5" --quiet
if [ "$status" -eq 0 ] && [ "$(cat "$WORK/out")" = "wrote $WORK/quiet.h5" ] && [ ! -s "$WORK/err" ]; then
  pass "--quiet: only 'wrote ...'"
else
  fail "--quiet (status $status)"; cat "$WORK/out" "$WORK/err"
fi
on_terminal "$WORK/quiet_tty.log" run "$demo" "${small[@]}" --set "output.path=$WORK/q2.h5" -q
if [ "$status" -eq 0 ] && ! grep -q "%" "$WORK/quiet_tty.log" &&
  [ "$(grep -c . "$WORK/quiet_tty.log")" -eq 1 ]; then
  pass "--quiet on a terminal: no progress line"
else
  fail "--quiet on a terminal"; cat -A "$WORK/quiet_tty.log"
fi
run_grapes 1 run "$demo" --quiet --verbose
if [ "$status" -ne 0 ] && grep -q "excludes" "$WORK/err"; then pass "--quiet with --verbose is refused"; else
  fail "--quiet --verbose (status $status)"; cat "$WORK/err"; fi
run_grapes 1 run "$demo" "${small[@]}" --set "input.phantom.radius_mean=-1" --quiet
if [ "$status" -ne 0 ] && grep -q "radius_mean" "$WORK/err" && [ ! -s "$WORK/out" ]; then
  pass "--quiet still prints the error"
else
  fail "--quiet error (status $status)"; cat "$WORK/out" "$WORK/err"
fi

# 4. --verbose: a line per slab (a memory budget cuts the box into slabs), same tables.
run_grapes 1 run "$demo" --set "output.path=$WORK/demo.h5" --quiet
run_grapes 2 run "$demo" --set "output.path=$WORK/slabs.h5" --verbose \
  --set decomposition.memory_per_rank=100MiB
slabs=$(grep -c "^    kernels: slab [0-9]* of [0-9]* done" "$WORK/out" || true)
if [ "$status" -eq 0 ] && [ "$slabs" -ge 2 ] && grep -q "^    first pass: \(box\|slab 1 of\)" "$WORK/out" &&
  ! grep -q "$cr" "$WORK/out" "$WORK/err" &&
  "$PYTHON" "$GRAPES_SOURCE_DIR/tests/cli/compare_results.py" "$WORK/demo.h5" "$WORK/slabs.h5"; then
  pass "--verbose at 2 ranks: $slabs per-slab kernel lines, the same tables"
else
  fail "--verbose slabs (status $status, $slabs slab lines)"; cat "$WORK/out" "$WORK/err"
fi

# 5. Forced on at 2 ranks (mpiexec gives the ranks no terminal): every rank reads in the same
# number of parts, rank 0 draws, the tables do not change.
set +e
GRAPES_PROGRESS=1 "$MPIEXEC" "${mpiexec_flags[@]}" -x GRAPES_PROGRESS -n 2 "$GRAPES_BINARY" run \
  "$demo" "${small[@]}" --set "output.path=$WORK/np2.h5" >"$WORK/out" 2>"$WORK/err"
status=$?
set -e
if [ "$status" -eq 0 ] && grep -q "${cr}.*read grey .*100%" "$WORK/err" &&
  "$PYTHON" "$GRAPES_SOURCE_DIR/tests/cli/compare_results.py" "$WORK/batch.h5" "$WORK/np2.h5"; then
  pass "GRAPES_PROGRESS=1 at 2 ranks: progress on rank 0's stderr, the same tables"
else
  fail "GRAPES_PROGRESS=1 at 2 ranks (status $status)"; cat -A "$WORK/err" | head -20
fi
if command -v script >/dev/null; then
  set +e
  GRAPES_PROGRESS=0 script -qec "$(printf '%q ' "$GRAPES_BINARY" run "$demo" "${small[@]}" \
    --set "output.path=$WORK/off.h5")" /dev/null >"$WORK/off.log" 2>&1 </dev/null
  status=$?
  set -e
  if [ "$status" -eq 0 ] && ! grep -q "%" "$WORK/off.log"; then
    pass "GRAPES_PROGRESS=0 on a terminal: no progress line"
  else
    fail "GRAPES_PROGRESS=0"; cat -A "$WORK/off.log"
  fi
fi

# 6. A series: the step in front of each line, steps per second; --verbose: a line per step;
# --quiet: the final line.
series=$WORK/series.yaml
cat >"$series" <<EOF
series:
  steps:
    - {name: prist, phantom: {shape: [40, 40, 44], seed: 2, step: 0}, noise: 2}
    - {name: charged, phantom: {shape: [40, 40, 44], seed: 2, step: 1}, noise: 2}
    - {name: healed, phantom: {shape: [40, 40, 44], seed: 2, step: 2}, noise: 2}
output: {path: $WORK/series.h5}
EOF
on_terminal "$WORK/series_tty.log" series "$series"
if [ "$status" -eq 0 ] && grep -q "${cr}.*\[step 2 of 3 'charged', ~.* s left\] read grey" "$WORK/series_tty.log" &&
  grep -q "${cr}.*series .* 2/3 steps .* s/step" "$WORK/series_tty.log"; then
  pass "series on a terminal: the step and time left before each line, s/step"
else
  fail "series progress (status $status)"; cat -A "$WORK/series_tty.log"
fi
run_grapes 1 series "$series" --verbose --set "output.path=$WORK/series_v.h5"
if [ "$status" -eq 0 ] && [ "$(grep -c "^    series: step '.*' done" "$WORK/out")" -eq 3 ]; then
  pass "series --verbose: a line per step"
else
  fail "series --verbose (status $status)"; cat "$WORK/out"
fi
run_grapes 1 series "$series" --quiet --set "output.path=$WORK/series_q.h5"
if [ "$status" -eq 0 ] && [ "$(grep -c . "$WORK/out")" -eq 1 ] &&
  grep -q "^wrote $WORK/series_q.h5 (3 steps analysed" "$WORK/out"; then
  pass "series --quiet: the final line only"
else
  fail "series --quiet (status $status)"; cat "$WORK/out" "$WORK/err"
fi
finish
