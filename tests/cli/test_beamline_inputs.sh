#!/usr/bin/env bash
# The beamline inputs of docs/BEAMLINE.md: float32 grey from an HTTomo-style /data dataset, a
# Savu-style NeXus /entry/final_result_tomo/data and a tomopy-style folder of TIFF slices,
# with uint16 TIFF labels, give the tables of the same volume read as uint8 (grey levels equal
# to 1e-9 relative, everything else identical).
source "$(dirname "$0")/lib.sh"
demo="$GRAPES_SOURCE_DIR/inputs/demo.yaml"
run_grapes 1 phantom "$demo" --set "input.phantom.shape=[40,44,48]" -o "$WORK/phantom.h5"
[ "$status" -eq 0 ] || { fail "grapes phantom"; cat "$WORK/err"; finish; exit 1; }
"$PYTHON" "$GRAPES_SOURCE_DIR/tests/cli/make_beamline_fixtures.py" "$WORK/phantom.h5" "$WORK/in"

write_config() {  # write_config NAME GREY
  printf 'input:\n  grey: %s\n  labels: {path: %s}\noutput: {path: %s}\n' \
    "$2" "$WORK/in/labels.tif" "$WORK/$1.h5" >"$WORK/$1.yaml"
}
printf 'input:\n  grey: {path: %s, dataset: /grey}\n  labels: {path: %s, dataset: /labels}\n' \
  "$WORK/phantom.h5" "$WORK/phantom.h5" >"$WORK/uint8.yaml"
write_config httomo "{path: $WORK/in/httomo.h5, dataset: /data}"
write_config savu "{path: $WORK/in/savu.nxs, dataset: /entry/final_result_tomo/data}"
write_config tomopy "{path: $WORK/in/recon/}"

run_grapes 1 run "$WORK/uint8.yaml" --set "output.path=$WORK/uint8.h5"
[ "$status" -eq 0 ] || { fail "uint8 reference run"; cat "$WORK/err"; }
for name in httomo savu tomopy; do
  run_grapes 2 run "$WORK/$name.yaml"
  if [ "$status" -ne 0 ]; then fail "$name input"; cat "$WORK/err"; continue; fi
  if "$PYTHON" - "$WORK/uint8.h5" "$WORK/$name.h5" <<'PY'; then pass "$name float32 input equals the uint8 volume"; else fail "$name tables differ"; fi
import sys
import h5py
import numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:])
assert b.attrs["input_grey_dtype"] == b"float32", b.attrs["input_grey_dtype"]
for group in ("particles", "layers", "adjacency"):
    for name in a[group]:
        x, y = a[group][name][()], b[group][name][()]
        if x.dtype.kind == "f":
            assert np.allclose(x, y, rtol=1e-9, atol=1e-9, equal_nan=True), f"/{group}/{name}"
        else:
            assert np.array_equal(x, y), f"/{group}/{name}"
PY
done
finish
