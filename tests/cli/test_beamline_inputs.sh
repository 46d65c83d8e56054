#!/usr/bin/env bash
# The beamline inputs of docs/BEAMLINE.md: float32 grey from an HTTomo-style /data dataset, a
# Savu-style NeXus /entry/final_result_tomo/data and a tomopy-style folder of TIFF slices,
# with uint16 TIFF labels, give the tables of the same volume read as uint8 (grey levels equal
# to 1e-9 relative, everything else identical). input.grey.rescale: float32 attenuation values
# made from the 8-bit levels (NaN and out-of-range values in the background) rescaled to uint8
# give the uint8 volume's tables byte for byte, at 2 ranks and in a series step; to uint16
# they give 257 times its grey levels.
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

# input.grey.rescale on an HTTomo-like float32 attenuation volume.
range="[-0.0021, 0.0083]"  # make_beamline_fixtures.py's LO, HI
write_config rescaled "{path: $WORK/in/attenuation.h5, dataset: /data, rescale: {to: uint8, range: $range}}"
write_config rescaled16 "{path: $WORK/in/attenuation.h5, dataset: /data, rescale: {to: uint16, range: $range}}"
run_grapes 1 run "$WORK/uint8.yaml" --set "output.path=$WORK/uint8_tif.h5" \
  --set "input.labels={path: $WORK/in/labels.tif}"
run_grapes 2 run "$WORK/rescaled.yaml"
if [ "$status" -eq 0 ] && "$PYTHON" "$GRAPES_SOURCE_DIR/tests/cli/compare_results.py" \
  "$WORK/uint8_tif.h5" "$WORK/rescaled.h5" && "$PYTHON" - "$WORK/rescaled.h5" <<'PY'; then
import sys
import h5py
with h5py.File(sys.argv[1], "r") as f:
    assert f.attrs["input_grey_dtype"] == b"uint8", f.attrs["input_grey_dtype"]
    described = f.attrs["input_grey"].decode()
    assert described.endswith("attenuation.h5:/data rescaled float32 [-0.0021, 0.0083] -> uint8"), described
PY
  pass "float32 attenuation rescaled to uint8 (NaN, clamped values): the uint8 volume's tables, byte for byte"
else
  fail "rescaled float32 input (status $status)"; cat "$WORK/err"
fi
run_grapes 1 run "$WORK/rescaled16.yaml"
if [ "$status" -eq 0 ] && "$PYTHON" - "$WORK/uint8_tif.h5" "$WORK/rescaled16.h5" <<'PY'; then
import sys
import h5py
import numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:])
assert b.attrs["input_grey_dtype"] == b"uint16"
grey = {"particles": ("intensity_min", "intensity_max", "intensity_mean", "intensity_std", "core_mean"),
        "layers": ("graylevel", "std")}
for group in ("particles", "layers"):
    for name in a[group]:
        x, y = a[group][name][()], b[group][name][()]
        if name in grey[group]:  # 65535 / 255 = 257: every level is 257 g
            assert np.allclose(257.0 * x, y, rtol=1e-12, atol=1e-9, equal_nan=True), name
        elif name != "graylevel_normed":
            assert np.array_equal(x, y), name
        else:
            assert np.allclose(x, y, rtol=1e-12, atol=1e-12), name
PY
  pass "float32 attenuation rescaled to uint16: 257 times the uint8 grey levels"
else
  fail "rescaled to uint16 (status $status)"; cat "$WORK/err"
fi
# A series step's grey: the same series from the rescaled file and from the uint8 file.
series_yaml() {  # series_yaml NAME GREY
  printf 'series:\n  steps:\n' >"$WORK/$1.yaml"
  for step in a b; do
    printf '    - {name: %s, grey: %s, labels: {path: %s}, noise: 1}\n' "$step" "$2" \
      "$WORK/in/labels.tif" >>"$WORK/$1.yaml"
  done
  printf 'output: {path: %s}\n' "$WORK/$1.h5" >>"$WORK/$1.yaml"
}
series_yaml series_u8 "{path: $WORK/phantom.h5, dataset: /grey}"
series_yaml series_f32 "{path: $WORK/in/attenuation.h5, dataset: /data, rescale: {range: $range}}"
run_grapes 1 series "$WORK/series_u8.yaml"
run_grapes 1 series "$WORK/series_f32.yaml"
if [ "$status" -eq 0 ] && "$PYTHON" - "$WORK/series_u8.h5" "$WORK/series_f32.h5" <<'PY'; then
import sys
import h5py
import numpy as np
a, b = (h5py.File(p, "r") for p in sys.argv[1:])
for table in a["series"]:
    for name in a["series"][table]:
        x, y = a["series"][table][name][()], b["series"][table][name][()]
        assert x.tobytes() == y.tobytes(), f"/series/{table}/{name}"
assert b["steps/b"].attrs["input_grey_dtype"] == b"uint8"
PY
  pass "series.steps[].grey.rescale: the same /series tables as the uint8 steps"
else
  fail "series with a rescaled grey (status $status)"; cat "$WORK/err"
fi
finish
