#!/usr/bin/env bash
# grapes series end to end on phantom series with known injected darkening: the recovered
# delta I against the noise-free truth, the Z tests, the radial profile of the change; the
# /series tables identical at 1, 2 and 4 ranks and from --from; resume after a kill and after
# a replaced input; ex-situ mode; info and export of a series file.
source "$(dirname "$0")/lib.sh"

# A 4-step series: pristine, damaged, an undamaged control (fresh noise only), damaged twice
# as much. NOISE is the per-voxel noise (0 for the truth). The separator slab at low x is a
# clear box whose grey std is each step's measurement noise.
write_series() {  # write_series FILE NOISE OUTPUT
  local phantom="shape: [80, 80, 96], seed: 11, radius_mean: 11, damage_fraction: 0.5, damage_depth: 20, noise_sd: $2, clear_box: [[0, 80], [0, 80], [0, 12]]"
  cat >"$1" <<EOF
series:
  steps:
    - {name: prist, phantom: {$phantom, step: 0}, noise: {box: [[0, 80], [0, 80], [1, 11]]}}
    - {name: damaged, phantom: {$phantom, step: 1}, noise: {box: [[0, 80], [0, 80], [1, 11]]}}
    - {name: control, phantom: {$phantom, step: 2, damage_scale: 0}, noise: {box: [[0, 80], [0, 80], [1, 11]]}}
    - {name: worse, phantom: {$phantom, step: 3, damage_scale: 2}, noise: {box: [[0, 80], [0, 80], [1, 11]]}}
  conditions: [{name: darker, a: prist, op: ">", b: worse}]
  quartiles: {axis: 2, collector: high}
output: {path: $3}
EOF
}
write_series "$WORK/noisy.yaml" 6 "$WORK/noisy.h5"
write_series "$WORK/truth.yaml" 0 "$WORK/truth.h5"
same_series() { "$PYTHON" - "$1" "$2" <<'PY'
import sys, h5py
a, b = h5py.File(sys.argv[1]), h5py.File(sys.argv[2])
names = []
a["series"].visit(lambda n: names.append(n) if isinstance(a["series"][n], h5py.Dataset) else None)
assert names, "no /series tables"
for n in names:
    x, y = a["series"][n][()], b["series"][n][()]
    assert x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes(), n
def lines(text):  # the summary but a resumed run's note of its reused steps
    text = text.decode() if isinstance(text, bytes) else str(text)
    return [l for l in text.splitlines() if not l.startswith("Resumed: ")]
assert lines(a.attrs["summary"]) == lines(b.attrs["summary"])
PY
}

for ranks in 1 2 4; do
  run_grapes "$ranks" series "$WORK/noisy.yaml" --set "output.path=$WORK/noisy_np$ranks.h5"
  if [ "$status" -eq 0 ] && [ -f "$WORK/noisy_np$ranks.h5" ]; then pass "series at $ranks ranks"; else
    fail "series at $ranks ranks (status $status)"; cat "$WORK/err"; fi
done
for ranks in 2 4; do
  if same_series "$WORK/noisy_np1.h5" "$WORK/noisy_np$ranks.h5"; then
    pass "/series tables at $ranks ranks identical to 1 rank"; else fail "/series at $ranks ranks differ"; fi
done
grep -q "GRAPES-HPC operando series: 4 steps" "$WORK/out" && grep -q "^  worse " "$WORK/out" &&
  pass "summary printed" || fail "summary printed"

# sigma_bg of a noise box: numpy's std (ddof 0, as docs/SERIES.md) of the same box of the same
# phantom steps, written to files.
printf 'input:\n  phantom: {shape: [80, 80, 96], seed: 11, radius_mean: 11, damage_fraction: 0.5, damage_depth: 20, noise_sd: 6, clear_box: [[0, 80], [0, 80], [0, 12]]}\n' \
  >"$WORK/phantom_noisy.yaml"
run_grapes 1 phantom "$WORK/phantom_noisy.yaml" -o "$WORK/phantom_noisy.h5" --steps 2
if [ "$status" -eq 0 ] && "$PYTHON" - "$WORK" <<'PY'; then
import sys, h5py, numpy as np
work = sys.argv[1]
for k, name in ((0, "prist"), (1, "damaged")):
    with h5py.File(f"{work}/phantom_noisy_step{k}.h5", "r") as f:
        want = float(np.std(f["grey"][0:80, 0:80, 1:11].astype(np.float64)))
    with h5py.File(f"{work}/noisy_np1.steps/{name}.h5", "r") as f:
        got = float(f.attrs["sigma_bg"])
    assert want > 1 and abs(got - want) <= 1e-12 * want, (name, got, want)
    print(f"{name}: sigma_bg {got!r}, numpy {want!r}")
PY
  pass "sigma_bg equals numpy's std of the noise box"
else fail "sigma_bg differs from numpy's std of the noise box"; cat "$WORK/err"; fi

run_grapes 2 series "$WORK/truth.yaml"
[ "$status" -eq 0 ] && pass "noise-free truth series" || { fail "truth series"; cat "$WORK/err"; }
if "$PYTHON" - "$WORK/noisy_np1.h5" "$WORK/truth.h5" <<'PY'; then pass "recovered delta I, Z tests, radial profile"; else fail "recovered delta I, Z tests, radial profile"; fi
import sys, h5py, numpy as np
def steps(path):
    t = h5py.File(path)["series/steps"]
    return {k: t[k][()] for k in t}
noisy, truth = steps(sys.argv[1]), steps(sys.argv[2])
names = [n.decode() for n in noisy["name"]]
for i, name in enumerate(names[1:], 1):
    err = abs(noisy["delta_mean"][i] - truth["delta_mean"][i])
    assert err <= 3 * noisy["delta_se_tot"][i], (name, err, noisy["delta_se_tot"][i])
    assert noisy["sem"][i] > 0 and np.isfinite(noisy["se_tot"][i]), name
d, c, w = names.index("damaged"), names.index("control"), names.index("worse")
assert truth["delta_mean"][d] < -0.5 and truth["delta_mean"][w] < 2 * truth["delta_mean"][d] + 0.1
assert abs(truth["delta_mean"][c]) < 1e-9            # the control has no damage at all
assert noisy["p_paired"][d] < 1e-3 and noisy["p_paired"][w] < 1e-3, noisy["p_paired"]
assert noisy["p_paired"][c] > 0.01, noisy["p_paired"][c]
assert noisy["p_two"][w] < 0.05 and noisy["p_two"][c] > 0.05, noisy["p_two"]
r = h5py.File(sys.argv[1])["series/radial_delta"]
kind = np.array([k.decode() for k in r["depth_kind"][()]])
rows = (r["step"][()] == w) & (kind == "relative")
depth, delta = r["depth"][()][rows], r["delta_mean"][()][rows]
assert delta[np.argmax(depth)] < delta[np.argmin(depth)] - 1.0, (depth, delta)
assert depth[np.argmin(delta)] >= 7, (depth, delta)  # deepest at the centre
PY

# --from the step result files with the same settings: the same /series tables.
steps_dir="$WORK/noisy_np2.steps"
run_grapes 1 series "$WORK/noisy.yaml" --from "$steps_dir/prist.h5" "$steps_dir/damaged.h5" \
  "$steps_dir/control.h5" "$steps_dir/worse.h5" -o "$WORK/from.h5"
if [ "$status" -eq 0 ] && same_series "$WORK/noisy_np2.h5" "$WORK/from.h5"; then
  pass "--from gives the same /series tables"; else fail "--from (status $status)"; cat "$WORK/err"; fi

# series.alternative and series.error_bars (SPEC §6 items 8, 8b): --from the same step files
# with the other alternative gives 1 - every one-tailed p and changes nothing else; with
# error_bars: standard the summary leads with the standard model, whose delta bar is
# 3 sd(delta I)/sqrt(n) of /series/values.
run_grapes 1 series "$WORK/noisy.yaml" --from "$steps_dir/prist.h5" "$steps_dir/damaged.h5" \
  "$steps_dir/control.h5" "$steps_dir/worse.h5" -o "$WORK/greater.h5" \
  --set series.alternative=greater --set series.error_bars=standard
if [ "$status" -eq 0 ] && "$PYTHON" - "$WORK/noisy_np2.h5" "$WORK/greater.h5" <<'PY'; then pass "alternative greater: 1 - p_one; error_bars standard leads the summary"; else fail "series.alternative / series.error_bars"; cat "$WORK/err"; fi
import sys, h5py, numpy as np
less, greater = (h5py.File(p, "r") for p in sys.argv[1:])
a_steps, b_steps = less["series/steps"], greater["series/steps"]
for c in ("p_one", "p_welch_one", "p_paired_t_one"):
    a, b = a_steps[c][()], b_steps[c][()]
    assert np.array_equal(np.isnan(a), np.isnan(b)) and (~np.isnan(a)).sum() == 3, (c, a, b)
    ok = ~np.isnan(a)
    assert np.allclose(b[ok], 1.0 - a[ok], rtol=0, atol=1e-12), (c, a, b)
for c in a_steps:
    if not c.endswith("_one"):
        assert a_steps[c][()].tobytes() == b_steps[c][()].tobytes(), c
text = greater.attrs["summary"]
text = text.decode() if isinstance(text, bytes) else text
lines = text.splitlines()
heads = [i for i, line in enumerate(lines) if line.startswith("Per step")]
assert lines[heads[0]].startswith("Per step, standard errors"), lines[heads[0]]
assert lines[heads[1]].startswith("Per step, the paper's errors"), lines[heads[1]]
assert "series.error_bars: standard" in text and "series.alternative: greater" in text, text
paper = less.attrs["summary"]
paper = paper.decode() if isinstance(paper, bytes) else paper
assert [l for l in paper.splitlines() if l.startswith("Per step")][0].startswith("Per step, the paper's")
values = greater["series/values"]
names = [n.decode() for n in b_steps["name"][()]]
for i, name in enumerate(names[1:], 1):
    delta = values[f"I_{name}"][()] - values["I_prist"][()]
    bar = 3 * delta.std(ddof=1) / np.sqrt(len(delta))
    row = next(l for l in lines[heads[0] + 2:heads[1]] if l.split()[0] == name).split()
    assert row[6] == "+/-" and abs(float(row[7]) - bar) <= 5.1e-4, (row, bar)
    assert abs(b_steps["delta_ses"][i] * 3 - bar) <= 1e-9 * bar, (name, bar)
PY

# The noise box is checked (SPEC §6 item 6): label voxels in it and a box under 1,000
# voxels each give a warning naming the step.
cat >"$WORK/box.yaml" <<EOF
series:
  steps:
    - {name: a, phantom: {shape: [32, 32, 32], seed: 2}, noise: {box: [[0, 32], [0, 32], [0, 32]]}}
    - {name: b, phantom: {shape: [32, 32, 32], seed: 2}, noise: {box: [[0, 4], [0, 4], [0, 4]]}}
  clean: {small_fraction: 0}
output: {path: $WORK/box.h5}
EOF
run_grapes 1 series "$WORK/box.yaml"
if [ "$status" -eq 0 ] &&
  grep -q "^warning: step 'a': the noise box \[0:32, 0:32, 0:32\] (series.steps\[0\] (\"a\").noise.box) holds [1-9][0-9]* label voxels ([0-9.]* % of its 32768)" "$WORK/out" &&
  grep -q "^warning: step 'b': the noise box \[0:4, 0:4, 0:4\] .* has 64 voxels, fewer than 1000" "$WORK/out" &&
  ! grep -q "^warning: step 'a'.*fewer than" "$WORK/out"; then
  pass "noise box with label voxels or under 1,000 voxels warned"; else fail "noise box warnings"; cat "$WORK/out" "$WORK/err"; fi
# The same warnings in the file's summary, also when the steps are given by --from.
summary_warnings() {  # summary_warnings FILE: the summary's noise-box warning lines
  "$PYTHON" -c 'import sys, h5py; s = h5py.File(sys.argv[1], "r").attrs["summary"]
s = s.decode() if isinstance(s, bytes) else str(s)
print("\n".join(l for l in s.splitlines() if l.startswith("Warning: step") and "noise box" in l))' "$1"
}
run_grapes 1 series --from "$WORK"/box.steps/a.h5 "$WORK"/box.steps/b.h5 --set "output.path=$WORK/box_from.h5"
in_summary=$(summary_warnings "$WORK/box.h5")
if [ "$(printf '%s\n' "$in_summary" | grep -c "^Warning: step")" -eq 2 ] &&
  printf '%s\n' "$in_summary" | grep -q "^Warning: step 'a': the noise box .* holds [1-9][0-9]* label voxels" &&
  [ "$(summary_warnings "$WORK/box_from.h5")" = "$in_summary" ]; then
  pass "the noise-box warnings are in the series summary (and with --from)"
else fail "noise-box warnings in the summary"; summary_warnings "$WORK/box.h5"; summary_warnings "$WORK/box_from.h5"; fi

# Resume after a kill: the run dies after its second step, leaves no series file; --resume
# computes only the two missing steps and gives the clean run's tables.
write_series "$WORK/resume.yaml" 6 "$WORK/resume.h5"
set +e
GRAPES_TEST_KILL_AFTER_STEPS=2 "$MPIEXEC" -n 2 -x GRAPES_TEST_KILL_AFTER_STEPS "$GRAPES_BINARY" \
  series "$WORK/resume.yaml" >"$WORK/out" 2>"$WORK/err"
killed=$?
set -e
if [ "$killed" -ne 0 ] && [ ! -e "$WORK/resume.h5" ] && [ -f "$WORK/resume.steps/damaged.h5" ] &&
  [ ! -e "$WORK/resume.steps/control.h5" ]; then pass "killed run leaves no series file"; else
  fail "killed run (status $killed)"; ls -la "$WORK" "$WORK/resume.steps"; fi
run_grapes 2 series "$WORK/resume.yaml" --resume
if [ "$status" -eq 0 ] && [ "$(grep -c ', reused$' "$WORK/out")" -eq 2 ] &&
  grep -q "(2 steps analysed, 2 from files)" "$WORK/out" && same_series "$WORK/noisy_np1.h5" "$WORK/resume.h5" &&
  "$PYTHON" - "$WORK/resume.h5" <<'PY'; then
import sys, h5py
s = h5py.File(sys.argv[1], "r").attrs["summary"]
s = s.decode() if isinstance(s, bytes) else str(s)
assert "Resumed: reused steps 'prist' 'damaged', compared by" in s and "not by content" in s, s
PY
  pass "--resume recomputes only the missing steps, same tables"; else fail "--resume"; cat "$WORK/out" "$WORK/err"; fi
# soc added to the steps changes no table: --resume reuses every step, and the series file's
# step_soc is the configuration's.
sed -e 's/{name: prist,/{name: prist, soc: 3.0,/' -e 's/{name: damaged,/{name: damaged, soc: 4.2,/' \
  "$WORK/resume.yaml" >"$WORK/resume_soc.yaml"
run_grapes 2 series "$WORK/resume_soc.yaml" --resume
if [ "$status" -eq 0 ] && [ "$(grep -c ', reused$' "$WORK/out")" -eq 4 ] && "$PYTHON" -c '
import sys, h5py
f = h5py.File(sys.argv[1], "r")
socs = {s: f["steps"][s].attrs.get("step_soc") for s in f["steps"]}
assert socs["prist"] == 3.0 and socs["damaged"] == 4.2 and socs["control"] is None, socs' "$WORK/resume.h5"; then
  pass "--resume after adding soc reuses the steps and writes the new soc"
else fail "--resume after adding soc (status $status)"; cat "$WORK/out" "$WORK/err"; fi

# Resume after one input file was replaced: only that step is analysed again.
run_grapes 2 phantom "$GRAPES_SOURCE_DIR/inputs/demo.yaml" --set "input.phantom.shape=[48,48,48]" \
  --set input.phantom.damage_fraction=0.5 --steps 3 -o "$WORK/ph.h5"
cat >"$WORK/files.yaml" <<EOF
series:
  steps:
$(for s in 0 1 2; do echo "    - {name: s$s, grey: {path: $WORK/ph_step$s.h5, dataset: /grey}, labels: {path: $WORK/ph_step$s.h5, dataset: /labels}, noise: 6}"; done)
  clean: {border: false}
output: {path: $WORK/files.h5}
EOF
run_grapes 2 series "$WORK/files.yaml"
first=$status
sleep 1.1 && touch "$WORK/ph_step1.h5"
run_grapes 2 series "$WORK/files.yaml" --resume
if [ "$first" -eq 0 ] && [ "$status" -eq 0 ] && grep -q "(1 steps analysed, 2 from files)" "$WORK/out" &&
  grep -q "^step 's1' (2 of 3)" "$WORK/out"; then pass "--resume after a replaced input"; else
  fail "--resume after a replaced input"; cat "$WORK/out" "$WORK/err"; fi

# Ex-situ: two phantoms that share no labels. As shipped (partial-volume blur at the particle
# surfaces, docs/METHOD.md "The phantom") no normalised profile is flat; with sharp boundaries
# (boundary_blur: 0, the phantom before the blur) the cycled one has flat profiles, which
# exclude_flat must leave out and count.
run_grapes 2 series "$GRAPES_SOURCE_DIR/inputs/exsitu_example.yaml" --set "output.path=$WORK/exsitu_blur.h5"
if [ "$status" -eq 0 ] && "$PYTHON" -c 'import sys, h5py; f = h5py.File(sys.argv[1], "r")
assert all(f[f"series/radial/{n}"].attrs["flat_profiles"] == 0 for n in ("pristine", "cycled"))' "$WORK/exsitu_blur.h5"; then
  pass "ex-situ example with the blurred phantom: no flat profiles"
else fail "ex-situ example: flat profiles remain with the blur"; cat "$WORK/err"; fi
sed -e 's/radius_mean: 11}/radius_mean: 11, boundary_blur: 0}/' -e 's/damage_scale: 1}/damage_scale: 1, boundary_blur: 0}/' \
  "$GRAPES_SOURCE_DIR/inputs/exsitu_example.yaml" >"$WORK/exsitu_sharp.yaml"
run_grapes 2 series "$WORK/exsitu_sharp.yaml" --set "output.path=$WORK/exsitu.h5"
if [ "$status" -eq 0 ] && "$PYTHON" - "$WORK/exsitu.h5" <<'PY'; then pass "ex-situ comparison"; else fail "ex-situ comparison"; cat "$WORK/err"; fi
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1])
assert f.attrs["series_mode"] in (b"exsitu", "exsitu")
z = f["series/radial_z"]
assert len(z["layer"]) > 5 and np.nanmin(z["z"][()]) < -3       # the damaged cores differ
for name in ("pristine", "cycled"):
    groups = {g.decode() for g in f[f"series/radial/{name}/group"][()]}
    assert {"all", "volume_q1", "volume_q4"} <= groups, groups
    attrs = f[f"series/radial/{name}"].attrs
    assert attrs["flat_profiles_excluded"] == attrs["flat_profiles"], dict(attrs)
assert f["series/radial/cycled"].attrs["flat_profiles"] > 0
df = z["df"][()]
assert np.all(np.isnan(df) | (df > 1)), df                  # Welch-Satterthwaite
summary = f.attrs["summary"]
assert "flat profiles (graylevel_normed all 0)" in (summary.decode() if isinstance(summary, bytes) else summary)
PY

# profile: graylevel (from the same step files): the raw grey-level profile, no flat exclusion.
run_grapes 1 series "$WORK/exsitu_sharp.yaml" --from "$WORK/exsitu.steps/pristine.h5" \
  "$WORK/exsitu.steps/cycled.h5" -o "$WORK/exsitu_grey.h5" --set series.exsitu.profile=graylevel
if [ "$status" -eq 0 ] && "$PYTHON" - "$WORK/exsitu_grey.h5" <<'PY'; then pass "ex-situ profile: graylevel"; else fail "ex-situ profile: graylevel"; cat "$WORK/err"; fi
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
for name in ("pristine", "cycled"):
    t, attrs = f[f"series/radial/{name}"], f[f"series/radial/{name}"].attrs
    assert attrs["flat_profiles_excluded"] == 0 and attrs["profile"] in (b"graylevel", "graylevel")
    p, l = f[f"steps/{name}/particles"], f[f"steps/{name}/layers"]
    clean = p["touches_border"][()] == 0
    volume = p["volume"][()][clean]
    large = set(p["label"][()][clean][volume > np.quantile(volume, 0.5)])
    rows = np.isin(l["label"][()], list(large)) & (l["layer"][()] == 3)
    expected = l["graylevel"][()][rows].mean()
    all_rows = np.array([g == b"all" for g in t["group"][()]]) & (t["layer"][()] == 3)
    assert abs(t["mean"][()][all_rows][0] - expected) <= 1e-9 * expected, (name, expected)
PY

# info and export of a series file.
run_grapes 1 info "$WORK/noisy_np1.h5"
[ "$status" -eq 0 ] && grep -q "^/series/steps: 4 rows" "$WORK/out" && grep -q "operando series" "$WORK/out" &&
  pass "grapes info of a series file" || { fail "grapes info of a series file"; cat "$WORK/out" "$WORK/err"; }
run_grapes 1 export "$WORK/noisy_np1.h5" --csv "$WORK/csv"
if [ "$status" -eq 0 ] && [ "$(wc -l <"$WORK/csv/series/steps.csv")" -eq 5 ] &&
  [ -f "$WORK/csv/series/radial_delta.csv" ] && [ -f "$WORK/csv/steps/worse/particles.csv" ]; then
  pass "grapes export of a series file"; else fail "grapes export of a series file"; ls -R "$WORK/csv"; fi

# A series config given to grapes run, and a plain config given to grapes series.
run_grapes 1 run "$WORK/noisy.yaml"
[ "$status" -ne 0 ] && grep -q "grapes series" "$WORK/err" && pass "grapes run refuses a series config" ||
  fail "grapes run on a series config"
run_grapes 1 series "$GRAPES_SOURCE_DIR/inputs/demo.yaml"
[ "$status" -ne 0 ] && grep -q "series:" "$WORK/err" && pass "grapes series refuses a run config" ||
  fail "grapes series on a run config"
finish
