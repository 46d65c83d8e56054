#!/usr/bin/env bash
# Cracks resolved in the voxels, followed through a series (docs/SERIES.md, "Geometry"): a
# three-step phantom (tests/cli/make_crack_series.py) whose last step cuts voids, splits and
# tunnels into a known set of particles. /series/geometry and the euler_<step> columns of
# /series/values must find exactly those particles among the kept ones, with the Euler number
# each cut gives, and the solidity columns (analysis.convex_hull) exactly the same particles
# with a paired t test equal to scipy's; a series of older step files (no euler_number) gets
# an empty table and a note.
source "$(dirname "$0")/lib.sh"
fixtures="$WORK/fixtures"
"$PYTHON" "$GRAPES_SOURCE_DIR/tests/cli/make_crack_series.py" "$fixtures" || fail "make_crack_series.py"
mkdir -p "$WORK/steps" "$WORK/old"
# A cut particle is at most half a radius (~4 layers) deep: excluding 1 layer keeps a core for
# it, so the no_core cleaning rule does not remove exactly the particles under test.
for step in pristine charged cracked; do
  printf 'input:\n  grey: {path: %s, dataset: /grey}\n  labels: {path: %s, dataset: /labels}\nanalysis: {core_exclude_layers: 1, convex_hull: true}\noutput: {path: %s}\n' \
    "$fixtures/$step.h5" "$fixtures/$step.h5" "$WORK/steps/$step.h5" >"$WORK/$step.yaml"
  run_grapes 2 run "$WORK/$step.yaml" --quiet
  [ "$status" -eq 0 ] || { fail "grapes run $step"; cat "$WORK/err"; }
done
run_grapes 2 series --from "$WORK"/steps/pristine.h5 "$WORK"/steps/charged.h5 "$WORK"/steps/cracked.h5 \
  --set "output.path=$WORK/series.h5"
[ "$status" -eq 0 ] || { fail "grapes series --from"; cat "$WORK/err"; }
if "$PYTHON" - "$WORK/series.h5" "$fixtures/cracked.json" <<'PY'
import json
import sys

import h5py
import numpy as np

with h5py.File(sys.argv[1], "r") as f:
    geometry = {k: f["series/geometry"][k][()] for k in f["series/geometry"]}
    values = {k: f["series/values"][k][()] for k in f["series/values"]}
    summary = f.attrs["summary"]
    summary = summary.decode() if isinstance(summary, bytes) else str(summary)
cracked = {int(label): v for label, v in json.load(open(sys.argv[2])).items()}
kept = values["label"]
expected = sorted(set(cracked) & set(kept.tolist()))
changed = kept[values["euler_cracked"] != values["euler_pristine"]].tolist()
problems = []
if len(expected) < 5:
    problems.append(f"only {len(expected)} cut particles kept: the fixture tests too little")
if changed != expected:
    problems.append(f"Euler changed in {changed}, cut were {expected}")
for label, euler in zip(kept, values["euler_cracked"]):
    want = cracked.get(int(label), {"euler": 1})["euler"]
    if euler != want:
        problems.append(f"label {label}: euler_cracked {euler}, expected {want}")
if not (np.all(values["euler_pristine"] == 1) and np.all(values["euler_charged"] == 1)):
    problems.append("the uncut steps are not all Euler 1")
# Solidity: the cuts remove voxels inside the hull, so exactly the cut particles change, and
# they lose solidity; the uncut steps have the same labels, so the same solidity.
solidity_changed = kept[values["solidity_cracked"] != values["solidity_pristine"]].tolist()
if solidity_changed != expected:
    problems.append(f"solidity changed in {solidity_changed}, cut were {expected}")
if not np.array_equal(values["solidity_charged"], values["solidity_pristine"]):
    problems.append("solidity differs between the uncut steps")
if np.any(values["solidity_cracked"] > values["solidity_pristine"]):
    problems.append("a cut raised a particle's solidity")
d = values["solidity_cracked"] - values["solidity_pristine"]
want_mean, want_se = d.mean(), d.std(ddof=1) / np.sqrt(len(d))
from scipy import stats
want_p = stats.ttest_rel(values["solidity_cracked"], values["solidity_pristine"]).pvalue
if not (np.isclose(geometry["delta_solidity_mean"][2], want_mean, rtol=1e-12, atol=0) and
        np.isclose(geometry["delta_solidity_se"][2], want_se, rtol=1e-12, atol=0) and
        np.isclose(geometry["p_paired_t_two"][2], want_p, rtol=1e-9, atol=0)):
    problems.append(f"cracked step: delta_solidity {geometry['delta_solidity_mean'][2]} +- "
                    f"{geometry['delta_solidity_se'][2]}, p {geometry['p_paired_t_two'][2]}; "
                    f"numpy/scipy {want_mean} +- {want_se}, p {want_p}")
if not (np.all(geometry["delta_solidity_mean"][:2] == 0) and
        np.all(np.isnan(geometry["p_paired_t_two"][:2]))):
    problems.append("the reference and the uncut step: the change must be 0 with p NaN (0/0), "
                    f"got {geometry['delta_solidity_mean'][:2]}, {geometry['p_paired_t_two'][:2]}")
if "'charged' geometry: p_paired_t_two undefined (NaN)" not in summary:
    problems.append("no warning for the undefined p of the uncut step")
if geometry["step"].tolist() != [0, 1, 2] or geometry["n"].tolist() != [len(kept)] * 3 or \
        geometry["euler_changed"].tolist() != [0, 0, len(expected)]:
    problems.append(f"/series/geometry is {geometry}")
line = f"Geometry 'cracked': Euler number changed in {len(expected)} of {len(kept)} kept particles"
if line not in summary:
    problems.append(f"the summary lacks '{line}'")
for p in problems:
    print(p)
print(f"{len(expected)} of {len(kept)} kept particles cut; found {len(changed)}")
sys.exit(1 if problems else 0)
PY
then pass "geometry finds exactly the cut particles, with their Euler numbers"
else fail "geometry differs from the cuts"; fi

run_grapes 1 plot "$WORK/series.h5" --out "$WORK/figures"
if [ "$status" -eq 0 ] && [ -f "$WORK/figures/series_geometry.png" ] &&
  "$PYTHON" "$GRAPES_SOURCE_DIR/tests/cli/check_figures.py" 15000 "$WORK/figures/series_geometry.png"; then
  pass "grapes plot draws series_geometry.png"
else fail "grapes plot: no geometry figure (status $status)"; cat "$WORK/out" "$WORK/err"; fi

# Step files written before the shape columns: no geometry rows, a note in the summary.
for step in pristine charged cracked; do
  cp "$WORK/steps/$step.h5" "$WORK/old/$step.h5"
  "$PYTHON" - "$WORK/old/$step.h5" <<'PY'
import sys
import h5py
import numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    names = f["particles"].attrs["columns"].decode().split(",")  # docs/OUTPUT.md, "Layout"
    del f["particles/euler_number"]
    f["particles"].attrs["columns"] = np.bytes_(",".join(n for n in names if n != "euler_number"))
PY
done
run_grapes 1 series --from "$WORK"/old/pristine.h5 "$WORK"/old/charged.h5 "$WORK"/old/cracked.h5 \
  --set "output.path=$WORK/old_series.h5"
rows=$("$PYTHON" -c 'import sys, h5py; print(len(h5py.File(sys.argv[1], "r")["series/geometry/step"]))' \
  "$WORK/old_series.h5" 2>/dev/null || echo missing)
if [ "$status" -eq 0 ] && [ "$rows" = 0 ] && grep -q "geometry: not formed" "$WORK/out" "$WORK/err"; then
  pass "older step files: an empty geometry table and a note"
else fail "older step files (status $status, geometry rows $rows)"; cat "$WORK/out" "$WORK/err"; fi
finish
