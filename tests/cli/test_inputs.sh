#!/usr/bin/env bash
# The same volume through every input backend gives the same tables, at several rank counts;
# grapes phantom writes files that reproduce the in-memory phantom's tables.
source "$(dirname "$0")/lib.sh"
"$PYTHON" "$GRAPES_SOURCE_DIR/tests/cli/make_cli_fixtures.py" "$WORK/in"
compare() { "$PYTHON" "$GRAPES_SOURCE_DIR/tests/cli/compare_results.py" "$1" "$2"; }

write_config() {  # write_config NAME GREY LABELS
  printf 'input:\n  grey: %s\n  labels: %s\noutput: {path: %s}\n' "$2" "$3" "$WORK/$1.h5" >"$WORK/$1.yaml"
}
write_config hdf5 "{path: $WORK/in/good.h5, dataset: /grey}" "{path: $WORK/in/good.h5, dataset: /labels}"
write_config tiff "{path: $WORK/in/grey.tif}" "{path: $WORK/in/labels.tif}"
write_config raw "{path: $WORK/in/grey.raw, shape: [24, 26, 28], dtype: uint8}" \
  "{path: $WORK/in/labels_be.raw, shape: [24, 26, 28], dtype: uint16, endian: big}"

for name in hdf5 tiff raw; do
  for ranks in 1 3; do
    run_grapes "$ranks" run "$WORK/$name.yaml" --set "output.path=$WORK/${name}_np$ranks.h5"
    if [ "$status" -eq 0 ]; then pass "$name input at $ranks ranks"; else
      fail "$name input at $ranks ranks"; cat "$WORK/err"; continue; fi
    if compare "$WORK/hdf5_np1.h5" "$WORK/${name}_np$ranks.h5"; then
      pass "$name at $ranks ranks equals hdf5 at 1 rank"
    else fail "$name at $ranks ranks differs"; fi
  done
done

# grapes phantom -> HDF5 and TIFF files -> grapes run equals the in-memory phantom.
demo="$GRAPES_SOURCE_DIR/inputs/demo.yaml"
shape="input.phantom.shape=[40,44,48]"
run_grapes 2 run "$demo" --set "$shape" --set "output.path=$WORK/direct.h5"
run_grapes 3 phantom "$demo" --set "$shape" -o "$WORK/ph.h5"
[ "$status" -eq 0 ] && pass "grapes phantom (HDF5)" || { fail "grapes phantom (HDF5)"; cat "$WORK/err"; }
write_config from_phantom "{path: $WORK/ph.h5, dataset: /grey}" "{path: $WORK/ph.h5, dataset: /labels}"
# demo.yaml asks for the convex hull columns: the runs from files do too.
run_grapes 2 run "$WORK/from_phantom.yaml" --set analysis.convex_hull=true
if [ "$status" -eq 0 ] && compare "$WORK/direct.h5" "$WORK/from_phantom.h5"; then
  pass "phantom written to HDF5 reproduces the in-memory tables"
else fail "phantom HDF5 round trip"; cat "$WORK/err"; fi
run_grapes 2 phantom "$demo" --set "$shape" -o "$WORK/ph" --format tiff
write_config from_tiff "{path: $WORK/ph_grey.tif}" "{path: $WORK/ph_labels.tif}"
run_grapes 2 run "$WORK/from_tiff.yaml" --set analysis.convex_hull=true
if [ "$status" -eq 0 ] && compare "$WORK/direct.h5" "$WORK/from_tiff.h5"; then
  pass "phantom written to TIFF reproduces the in-memory tables"
else fail "phantom TIFF round trip"; cat "$WORK/err"; fi
run_grapes 2 phantom "$demo" --set "$shape" -o "$WORK/series.h5" --steps 3
if [ "$status" -eq 0 ] && [ -f "$WORK/series_step0.h5" ] && [ -f "$WORK/series_step2.h5" ]; then
  pass "phantom series (3 steps)"
else fail "phantom series"; fi
finish
