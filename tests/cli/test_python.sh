#!/usr/bin/env bash
# The grapes_hpc Python package on real result files: the unittest suite (python/tests) with
# demo results written by grapes at 1 and 2 ranks (particles span ranks) and the series files
# of the operando (2 ranks), ex-situ and label-matching examples written by grapes series, and
# `grapes plot` rendering every figure as valid PNG/SVG from a result file, the three series
# files and a synthetic series file.
source "$(dirname "$0")/lib.sh"
demo="$GRAPES_SOURCE_DIR/inputs/demo.yaml"
package="$GRAPES_SOURCE_DIR/python"
mkdir -p "$WORK/results" "$WORK/figures"

if ! "$PYTHON" -c 'import h5py, numpy, pandas, matplotlib' 2>"$WORK/err"; then
  fail "$PYTHON lacks h5py/numpy/pandas/matplotlib (bash tools/setup-debian.sh installs them)"
  cat "$WORK/err"
  finish
  exit 1
fi

# Result files from the real program: 1 rank, 2 ranks, and the phantom's label volume.
run_grapes 1 run "$demo" --set "output.path=$WORK/results/demo_np1.h5"
[ "$status" -eq 0 ] && pass "demo at 1 rank" || { fail "demo at 1 rank"; cat "$WORK/err"; }
run_grapes 2 run "$demo" --set "output.path=$WORK/results/demo_np2.h5"
[ "$status" -eq 0 ] && pass "demo at 2 ranks" || { fail "demo at 2 ranks"; cat "$WORK/err"; }
run_grapes 1 phantom "$demo" -o "$WORK/results/phantom.h5"
[ "$status" -eq 0 ] && pass "phantom labels" || { fail "phantom labels"; cat "$WORK/err"; }
# The same volumes as HDF5 inputs: a result whose label volume grapes view can slice
# (python/tests/helpers.py hdf5_run_command makes the same file).
run_grapes 1 run "$GRAPES_SOURCE_DIR/inputs/hdf5_example.yaml" \
  --set "input.grey.path=$WORK/results/phantom.h5" --set "input.labels.path=$WORK/results/phantom.h5" \
  --set "output.volumes=[]" --set "output.path=$WORK/results/hdf5_run.h5" --quiet
[ "$status" -eq 0 ] && pass "run on HDF5 inputs" || { fail "run on HDF5 inputs"; cat "$WORK/err"; }
# Series files from the real program (python/tests/helpers.py SERIES_FILES names them).
for example in operando:2 exsitu:1 matching:1; do
  name=${example%%:*}
  run_grapes "${example##*:}" series "$GRAPES_SOURCE_DIR/inputs/${name}_example.yaml" \
    -o "$WORK/results/$name.h5" --quiet
  [ "$status" -eq 0 ] && pass "grapes series ${name}_example.yaml" ||
    { fail "grapes series ${name}_example.yaml"; cat "$WORK/err"; }
done

# The Python suite (reader, series tables vs the datasets and vs numpy on the step tables,
# to_grapes vs /particles and /layers row for row, GRAPES's own helpers on to_grapes output,
# figures).
if PYTHONPATH="$package${PYTHONPATH:+:$PYTHONPATH}" GRAPES_TEST_RESULTS="$WORK/results" \
  MPLBACKEND=Agg "$PYTHON" -m unittest discover -s "$package/tests" -t "$package/tests" \
  >"$WORK/unittest.log" 2>&1; then
  pass "python unittest suite: $(grep -E '^Ran ' "$WORK/unittest.log")"
  grep -q "skipped" "$WORK/unittest.log" && { fail "python tests skipped with result files present"; cat "$WORK/unittest.log"; }
else
  fail "python unittest suite"
  cat "$WORK/unittest.log"
fi

# grapes plot: a result file (PNG and SVG) and a synthetic series file (PNG).
"$PYTHON" "$package/tests/synthetic.py" series "$WORK/results/series.h5" >/dev/null
check_plot() {  # check_plot NAME EXPECTED_COUNT FORMAT ARGS...
  local name=$1 expected=$2 format=$3 min_bytes=15000
  shift 3
  [ "$format" = svg ] && min_bytes=5000  # SVG text is stored as text, not glyph outlines
  run_grapes 1 plot "$@" --out "$WORK/figures/$name" --format "$format"
  local files=()
  mapfile -t files < <(sed -n 's/^wrote //p' "$WORK/out")
  if [ "$status" -eq 0 ] && [ "${#files[@]}" -eq "$expected" ] &&
    "$PYTHON" "$GRAPES_SOURCE_DIR/tests/cli/check_figures.py" "$min_bytes" "${files[@]}"; then
    pass "grapes plot $name: ${#files[@]} valid $format figures"
  else
    fail "grapes plot $name (status $status, ${#files[@]} of $expected figures)"
    cat "$WORK/out" "$WORK/err"
  fi
}
check_plot demo_png 3 png "$WORK/results/demo_np2.h5"
check_plot two_datasets 4 svg "$WORK/results/demo_np1.h5" "$WORK/results/demo_np2.h5" --k 3
check_plot series 5 png "$WORK/results/series.h5"
check_plot operando 6 png "$WORK/results/operando.h5"
check_plot operando_svg 6 svg "$WORK/results/operando.h5"
check_plot exsitu 3 png "$WORK/results/exsitu.h5"
check_plot matching 6 png "$WORK/results/matching.h5"

# Errors: a file that is not a grapes result, and no Python interpreter.
run_grapes 1 plot "$demo"
if [ "$status" -ne 0 ] && grep -q "demo.yaml" "$WORK/err"; then pass "grapes plot on a non-result file fails naming it"; else
  fail "grapes plot on a non-result file (status $status)"; cat "$WORK/err"; fi
GRAPES_PYTHON=/nonexistent/python3 run_grapes 1 plot "$WORK/results/demo_np1.h5"
if [ "$status" -eq 2 ] && grep -q "GRAPES_PYTHON" "$WORK/err"; then pass "grapes plot without python3: clear error"; else
  fail "grapes plot without python3 (status $status)"; cat "$WORK/err"; fi
# grapes view: the subcommand starts the server on the results, prints its URL with the token;
# the page answers with the token and refuses without it; a missing folder is refused.
port=$(( 20000 + RANDOM % 20000 ))
"$GRAPES_BINARY" view "$WORK/results" --no-browser --port "$port" >"$WORK/view.out" 2>&1 &
view_pid=$!
url=""
for _ in $(seq 1 50); do
  url=$(grep -o "http://127.0.0.1:$port/?token=[A-Za-z0-9_-]*" "$WORK/view.out" || true)
  [ -n "$url" ] && "$PYTHON" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1])" "$url" 2>/dev/null && break
  sleep 0.2
done
page=$("$PYTHON" -c "import urllib.request,sys; print(urllib.request.urlopen(sys.argv[1]).status)" "$url" 2>&1)
refused=$("$PYTHON" -c "
import urllib.request, urllib.error, sys
try: urllib.request.urlopen(sys.argv[1]); print('served')
except urllib.error.HTTPError as e: print(e.code)" "http://127.0.0.1:$port/api/files" 2>&1)
kill "$view_pid" 2>/dev/null; wait "$view_pid" 2>/dev/null || true
if [ "$page" = 200 ] && [ "$refused" = 403 ]; then pass "grapes view serves the page with its token, 403 without"; else
  fail "grapes view (page '$page', without token '$refused')"; cat "$WORK/view.out"; fi
run_grapes 1 view "$WORK/no-such-folder" --no-browser
if [ "$status" -ne 0 ] && grep -q "no-such-folder" "$WORK/err"; then pass "grapes view of a missing folder fails naming it"; else
  fail "grapes view of a missing folder (status $status)"; cat "$WORK/out" "$WORK/err"; fi
run_grapes 1 plot --help
if [ "$status" -eq 0 ] && grep -q -- "--format" "$WORK/out"; then pass "grapes plot --help"; else fail "grapes plot --help"; fi
finish
