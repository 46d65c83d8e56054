#!/usr/bin/env bash
# Faults of grapes series (issue "Faults in series and volumes"): every step checked before the
# first runs, --from files that cannot form one series, step names that cannot be files, and
# plotting a series that kept no particle. Each case: a non-zero exit, one message naming the
# key or both files, and no series file.
source "$(dirname "$0")/lib.sh"

phantom="shape: [40, 40, 48], seed: 5, radius_mean: 6, clear_box: [[0, 40], [0, 40], [0, 8]]"
write_series() {  # write_series FILE OUTPUT STEP2_EXTRA
  cat >"$1" <<EOF
series:
  steps:
    - {name: s0, phantom: {$phantom, step: 0}, noise: {box: [[0, 40], [0, 40], [1, 7]]}}
    - {name: s1, phantom: {$phantom, step: 1}, noise: {box: [[0, 40], [0, 40], [1, 7]]}}
    - {name: s2, $3}
output: {path: $2}
EOF
}

# expect_refused NAME TEXT: the last run failed with TEXT in its error and left no series file
# ($WORK/out.h5) and no step result file.
expect_refused() {
  if [ "$status" -ne 0 ] && [ "$status" -lt 124 ] && grep -qF -- "$2" "$WORK/err" &&
    [ ! -e "$WORK/out.h5" ] && [ -z "$(ls -A "$WORK/out.steps" 2>/dev/null)" ]; then
    pass "$1"
  else
    fail "$1 (status $status, wanted '$2', no output)"
    cat "$WORK/err"
    ls -la "$WORK"
  fi
  rm -rf "$WORK/out.h5" "$WORK/out.steps"
}

# A bad third step stops the series before step 0 reads a voxel.
write_series "$WORK/box.yaml" "$WORK/out.h5" \
  "phantom: {$phantom, step: 2}, noise: {box: [[0, 40], [0, 40], [1, 70]]}"
run_grapes 2 series "$WORK/box.yaml"
expect_refused "noise box outside the image in step 3" 'series.steps[2] ("s2").noise.box'
write_series "$WORK/missing.yaml" "$WORK/out.h5" \
  "grey: {path: $WORK/none.h5, dataset: /g}, labels: {path: $WORK/none.h5, dataset: /l}"
run_grapes 2 series "$WORK/missing.yaml"
expect_refused "missing input of step 3" "$WORK/none.h5"
write_series "$WORK/shape.yaml" "$WORK/out.h5" "phantom: {${phantom/48]/40]}, step: 2}"
run_grapes 2 series "$WORK/shape.yaml"
expect_refused "step 3 of another shape" 'has shape [40, 40, 40] but the first step has [40, 40, 48]'

# Step names that cannot be file names are refused before anything runs.
long="$(printf 'x%.0s' $(seq 1 300))"
sed "s/name: s2/name: $long/" "$WORK/box.yaml" >"$WORK/long.yaml"
run_grapes 1 series "$WORK/long.yaml"
expect_refused "a 300-byte step name" "the step name is 300 bytes long"
sed "s/name: s2/name: '..'/" "$WORK/box.yaml" >"$WORK/dots.yaml"
run_grapes 1 series "$WORK/dots.yaml"
expect_refused "step name .." "not . or .."

# --from files that cannot form one series.
write_series "$WORK/good.yaml" "$WORK/good.h5" "phantom: {$phantom, step: 2}"
run_grapes 2 series "$WORK/good.yaml"
[ "$status" -eq 0 ] && pass "a good 3-step series" || { fail "good series ($status)"; cat "$WORK/err"; }
steps="$WORK/good.steps"
run_grapes 1 series --from "$WORK/good.h5" "$steps/s0.h5" --set "output.path=$WORK/out.h5"
expect_refused "--from a series file" "is a series file, not a step's result: give its step files"
mkdir -p "$WORK/a" "$WORK/b"
cp "$steps/s0.h5" "$WORK/a/res.h5"
cp "$steps/s1.h5" "$WORK/b/res.h5"
run_grapes 1 series --from "$WORK/a/res.h5" "$WORK/b/res.h5" --set "output.path=$WORK/out.h5"
expect_refused "--from two files of one name" "'$WORK/a/res.h5' and '$WORK/b/res.h5' would both be the step 'res'"
for setting in "voxel_size=2|voxel_size" "analysis.core_exclude_layers=2|analysis.core_exclude_layers" \
  "input.phantom.shape=[40,40,40]|shape"; do
  printf 'input: {phantom: {%s}}\noutput: {path: %s}\n' "$phantom" "$WORK/other.h5" >"$WORK/other.yaml"
  run_grapes 1 run "$WORK/other.yaml" --set "${setting%|*}"
  [ "$status" -eq 0 ] || { fail "run with ${setting%|*} ($status)"; cat "$WORK/err"; }
  run_grapes 1 series --from "$steps/s0.h5" "$WORK/other.h5" --set "output.path=$WORK/out.h5"
  expect_refused "--from files of different ${setting#*|}" "differ in ${setting#*|} ("
done

# A series whose cleaning keeps no particle (every particle touches the image border): the
# series is written, its plot refused with a message instead of empty figures.
crowded="shape: [20, 20, 20], seed: 3, radius_mean: 9"
cat >"$WORK/crowded.yaml" <<EOF
series:
  steps:
    - {name: c0, phantom: {$crowded, step: 0}, noise: 5}
    - {name: c1, phantom: {$crowded, step: 1}, noise: 5}
output: {path: $WORK/crowded.h5}
EOF
run_grapes 1 series "$WORK/crowded.yaml"
[ "$status" -eq 0 ] && pass "a series that keeps no particle runs" || { fail "crowded ($status)"; cat "$WORK/err"; }
set +e
"$GRAPES_BINARY" plot "$WORK/crowded.h5" --out "$WORK/figs" >"$WORK/out" 2>"$WORK/err"
status=$?
set -e
if [ "$status" -ne 0 ] && grep -q "has no particles kept in every step" "$WORK/err" &&
  ! grep -q "RuntimeWarning" "$WORK/err"; then
  pass "plot of a series with 0 kept particles is refused"
else
  fail "plot of 0 kept particles (status $status)"
  cat "$WORK/err"
fi

# Two series with the same output at the same time: the second stops at once, naming the
# output, the first's holder and the lock, and writes nothing; after the first is done it runs
# (docs/SERIES.md). The lock file keeps the last holder's description, which a refusal quotes.
write_series "$WORK/locked.yaml" "$WORK/out.h5" "phantom: {$phantom, step: 2}, noise: {box: [[0, 40], [0, 40], [1, 7]]}"
lock="$WORK/.out.h5.lock"
run_grapes 2 series "$WORK/locked.yaml"
held=$(cat "$lock" 2>/dev/null || true)
if [ "$status" -eq 0 ] && printf '%s' "$held" | grep -q "^pid [0-9]* on host .* since [0-9-]* [0-9:]*$"; then
  pass "a series locks its output and names itself in the lock ($held)"
else fail "the lock file after a series (status $status) holds '$held'"; cat "$WORK/err"; fi
rm -rf "$WORK/out.h5" "$WORK/out.steps"
flock -o "$lock" sleep 30 &  # another grapes holding the lock (-o: sleep does not inherit it)
holder=$!
for _ in $(seq 50); do flock -n "$lock" true 2>/dev/null || break; sleep 0.1; done
run_grapes 2 series "$WORK/locked.yaml"
expect_refused "a second series writing the same output is refused, naming the first" \
  "output.path $WORK/out.h5 is being written by another grapes ($held; $lock is locked)"
run_grapes 1 series --from "$steps/s0.h5" "$steps/s1.h5" --set "output.path=$WORK/out.h5"
expect_refused "--from onto a locked output is refused" "is being written by another grapes"
pkill -P "$holder" sleep 2>/dev/null || true
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
run_grapes 2 series "$WORK/locked.yaml"
if [ "$status" -eq 0 ] && [ -f "$WORK/out.h5" ]; then pass "the same series runs once the lock is free"
else fail "series after the lock was released (status $status)"; cat "$WORK/err"; fi
rm -rf "$WORK/out.h5" "$WORK/out.steps"
finish
