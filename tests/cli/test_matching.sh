#!/usr/bin/env bash
# series.match on a phantom series whose later steps carry a random permutation of the labels:
# every /series table equals the consistent-label series', at 1, 2 and 4 ranks, and from --from.
source "$(dirname "$0")/lib.sh"
example="$GRAPES_SOURCE_DIR/inputs/matching_example.yaml"
# The same series with consistent labels and no matching: the example without permute_labels.
sed -e 's/, permute_labels: [0-9]*//' -e 's/match: {method: overlap, min_iou: 0.5}/match: none/' \
  "$example" >"$WORK/consistent.yaml"
run_grapes 2 series "$WORK/consistent.yaml" --set "output.path=$WORK/consistent.h5"
[ "$status" -eq 0 ] && pass "consistent-label series" || { fail "consistent-label series"; cat "$WORK/err"; }

same_tables() {  # same_tables A B [skip]: every /series table of A equals B's
  "$PYTHON" - "$@" <<'PY'
import sys, h5py
a, b = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
skip = set(sys.argv[3:])
for table in a["series"]:
    if table in skip:
        continue
    for column in a["series"][table]:
        x, y = a["series"][table][column][()], b["series"][table][column][()]
        assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), (table, column)
PY
}
for ranks in 1 2 4; do
  run_grapes "$ranks" series "$example" --set "output.path=$WORK/matched_np$ranks.h5"
  if [ "$status" -eq 0 ] && same_tables "$WORK/consistent.h5" "$WORK/matched_np$ranks.h5"; then
    pass "matched permuted labels give the consistent series' tables at $ranks ranks"
  else fail "matched series at $ranks ranks (status $status)"; cat "$WORK/err"; fi
done
for ranks in 2 4; do
  same_tables "$WORK/matched_np1.h5" "$WORK/matched_np$ranks.h5" && pass "/series/matching at $ranks ranks" ||
    fail "/series/matching at $ranks ranks differs"
done
if grep -q "charged      matched [1-9][0-9]*, split 0, merged 0, unmatched 0" "$WORK/out" &&
  "$PYTHON" - "$WORK/matched_np1.h5" <<'PY'; then pass "matching summary and reference_label column"; else fail "matching summary"; cat "$WORK/out"; fi
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1])
m = f["series/matching"]
assert set(m["status"][()]) == {b"matched"} and np.all(m["iou"][()] == 1.0)
p = f["steps/charged/particles"]
ref, own = p["reference_label"][()], p["label"][()]
assert len(ref) == len(own) and np.any(ref != own) and sorted(ref) == sorted(f["steps/pristine/particles/label"][()])
PY
steps="$WORK/matched_np2.steps"
run_grapes 1 series "$example" --from "$steps/pristine.h5" "$steps/charged.h5" "$steps/overcharged.h5" \
  -o "$WORK/from.h5"
if [ "$status" -eq 0 ] && same_tables "$WORK/matched_np2.h5" "$WORK/from.h5"; then
  pass "--from the matched step files"; else fail "--from matched (status $status)"; cat "$WORK/err"; fi
finish
