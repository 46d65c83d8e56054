#!/usr/bin/env bash
# The phantom through grapes at 3 ranks against GRAPES's building blocks (scipy EDT of the
# padded bounding-box mask, numpy rounding, scikit-image regionprops and marching cubes).
source "$(dirname "$0")/lib.sh"
demo="$GRAPES_SOURCE_DIR/inputs/demo.yaml"
shape="input.phantom.shape=[60,64,68]"
run_grapes 2 phantom "$demo" --set "$shape" -o "$WORK/volume.h5"
[ "$status" -eq 0 ] || { fail "grapes phantom"; cat "$WORK/err"; }
printf 'input:\n  grey: {path: %s, dataset: /grey}\n  labels: {path: %s, dataset: /labels}\noutput: {path: %s}\n' \
  "$WORK/volume.h5" "$WORK/volume.h5" "$WORK/result.h5" >"$WORK/run.yaml"
run_grapes 3 run "$WORK/run.yaml"
[ "$status" -eq 0 ] || { fail "grapes run"; cat "$WORK/err"; }
if "$PYTHON" "$GRAPES_SOURCE_DIR/tests/cli/check_against_scipy.py" "$WORK/volume.h5" "$WORK/result.h5"; then
  pass "tables agree with scipy EDT layers and scikit-image regionprops / marching cubes"
else
  fail "tables differ from the scipy / scikit-image reference"
fi
finish
