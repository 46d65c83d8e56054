#!/usr/bin/env bash
# Hostile but realistic use (the cases of the hostile-input issue): an output that is an input,
# damaged and foreign result files, full disks, absurd shapes and sizes, signals to ranks and to
# mpiexec, odd output paths, signed labels, tiny volumes. Every failure is one message from
# rank 0, a non-zero exit on every rank, no hang (each run under `timeout`), no crash, no output
# file and no temporary file left behind.
# The full-disk cases mount small tmpfs file systems (root only); they are skipped, saying so,
# where mounting is not allowed.
source "$(dirname "$0")/lib.sh"
FIXTURES="$GRAPES_SOURCE_DIR/tests/cli/make_hostile_fixtures.py"
"$PYTHON" "$FIXTURES" "$WORK/in"
out="$WORK/result.h5"
mounts=()
cleanup() {
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# run_limited RANKS ARGS...: run_grapes under a time limit (a hang is a failure, status 124).
run_limited() {
  local ranks="$1"
  shift
  set +e
  timeout -k 5 "${LIMIT:-60}" "$MPIEXEC" "${mpiexec_flags[@]}" -n "$ranks" "$GRAPES_BINARY" "$@" \
    >"$WORK/out" 2>"$WORK/err"
  status=$?
  set -e
  scan_sanitizer_reports "$ranks" "$@"  # an ASan abort on a bad-input path is a failure too
}

temporaries() { ls -A "$1" 2>/dev/null | grep '\.tmp-' || true; }

# expect_failure WHAT EXPECTED_TEXT RANKS ARGS...: exit 2 (bad input; not a crash or a hang), one
# 'error' line from rank 0 holding EXPECTED_TEXT, no HDF5 or Kokkos dump, no MPI_Abort, no
# output file and no temporary file next to it.
expect_failure() {
  local what="$1" expected="$2" ranks="$3"
  shift 3
  rm -f "$out" "$WORK"/.result.h5.tmp-*  # what an earlier case left is not this case's
  run_limited "$ranks" "$@"
  local messages
  messages=$(grep -c "^error" "$WORK/err" || true)
  if [ "$status" -eq 2 ] && grep -qF -- "$expected" "$WORK/err" &&
    [ "$messages" -eq 1 ] && ! grep -qE "HDF5-DIAG|Traceback|MPI_ABORT|Segmentation" "$WORK/err" &&
    [ ! -e "$out" ] && [ -z "$(temporaries "$WORK")" ]; then
    pass "$what"
  else
    fail "$what (status $status, $messages error lines, expected '$expected')"
    head -c 3000 "$WORK/err"
    echo
    temporaries "$WORK"
  fi
}

config() {  # config NAME GREY_SOURCE LABEL_SOURCE [extra yaml]
  cat >"$WORK/$1.yaml" <<YAML
input:
  grey: $2
  labels: $3
output: {path: $out}
${4:-}
YAML
}
h5() { echo "{path: $WORK/in/$1, dataset: $2}"; }
config good "$(h5 good.h5 /grey)" "$(h5 good.h5 /labels)"
phantom="$GRAPES_SOURCE_DIR/inputs/demo.yaml"
small_phantom="input.phantom.shape=[64,64,64]"

# small_disk NAME SIZE: a tmpfs of SIZE at $WORK/NAME in $disk, or disk="" when mounting is
# not allowed.
small_disk() {
  disk="$WORK/$1"
  mkdir -p "$disk"
  if mount -t tmpfs -o "size=$2" tmpfs "$disk" 2>/dev/null; then mounts+=("$disk"); else disk=""; fi
  # As root the full-disk cases can run: not running them is a failure, not a skip (unless
  # GRAPES_TEST_ALLOW_SKIP=1, for a container that forbids mounts).
  if [ -z "$disk" ] && [ "$(id -u)" -eq 0 ] && [ "${GRAPES_TEST_ALLOW_SKIP:-0}" != 1 ]; then
    fail "running as root but cannot mount a tmpfs for '$1' (set GRAPES_TEST_ALLOW_SKIP=1 to skip)"
  fi
}

# ---- 1. output.path equal to an input (same path, hard link, symbolic link) ------------------
victim="$WORK/in/victim.h5"
sum_before=$(sha256sum "$victim" | cut -d' ' -f1)
config victim "$(h5 victim.h5 /grey)" "$(h5 victim.h5 /labels)"
expect_victim() {  # expect_victim WHAT OUTPUT_PATH: refused, naming both keys; the input intact
  local what="$1" path="$2"
  run_limited 2 run "$WORK/victim.yaml" --set "output.path=$path"
  if [ "$status" -ne 0 ] && [ "$status" -lt 124 ] && grep -q "output.path" "$WORK/err" &&
    grep -q "input.grey.path\|input.labels.path" "$WORK/err" &&
    [ "$(grep -c '^error' "$WORK/err")" -eq 1 ] && ! grep -q "^  read" "$WORK/out" &&
    [ "$(sha256sum "$victim" | cut -d' ' -f1)" = "$sum_before" ]; then
    pass "$what"
  else
    fail "$what (status $status)"
    cat "$WORK/err"
    cp "$WORK/in/good.h5" "$victim"  # repaired for the next case
  fi
}
expect_victim "output.path is the input file: refused before reading, input intact" "$victim"
ln "$victim" "$WORK/hardlink.h5"
expect_victim "output.path is a hard link to the input: refused" "$WORK/hardlink.h5"
ln -s "$victim" "$WORK/symlink.h5"
expect_victim "output.path is a symbolic link to the input: refused" "$WORK/symlink.h5"
ln -s "$victim" "$WORK/in/alias.h5"
config alias "$(h5 alias.h5 /grey)" "$(h5 alias.h5 /labels)"
run_limited 2 run "$WORK/alias.yaml" --set "output.path=$victim"
if [ "$status" -ne 0 ] && grep -q "input.grey.path" "$WORK/err" &&
  [ "$(sha256sum "$victim" | cut -d' ' -f1)" = "$sum_before" ]; then
  pass "input reached through a symbolic link, output its target: refused"
else fail "input through a symbolic link (status $status)"; cat "$WORK/err"; fi

# ---- 2, 3. Damaged and foreign result files (export, info) -----------------------------------
run_limited 2 run "$WORK/good.yaml"
[ "$status" -eq 0 ] || { fail "reference run (status $status)"; cat "$WORK/err"; }
cp "$out" "$WORK/reference.h5"
"$PYTHON" "$FIXTURES" damage "$WORK/reference.h5" "$WORK/in"
expect_export_failure() {  # expect_export_failure WHAT EXPECTED FILE
  rm -rf "$WORK/csv"
  run_limited 1 export "$3" --csv "$WORK/csv"
  if [ "$status" -ne 0 ] && [ "$status" -lt 124 ] && grep -qF -- "$2" "$WORK/err" &&
    [ "$(grep -c '^error' "$WORK/err")" -eq 1 ] && [ -z "$(ls -A "$WORK/csv" 2>/dev/null)" ]; then
    pass "$1"
  else fail "$1 (status $status)"; cat "$WORK/err"; ls -A "$WORK/csv" 2>/dev/null; fi
}
expect_export_failure "export: a deleted column is named, nothing written" "/particles/volume" \
  "$WORK/in/missing_column.h5"
expect_export_failure "export: a short column is named, nothing written" \
  "/particles/intensity_mean" "$WORK/in/short_column.h5"
expect_export_failure "export: an HDF5 file that is not a grapes result" "not a grapes result" \
  "$WORK/in/not_a_result.h5"
run_limited 1 info "$WORK/in/short_column.h5"
if [ "$status" -ne 0 ] && grep -q "/particles/intensity_mean" "$WORK/err"; then
  pass "info: a short column is named"
else fail "info of a damaged file (status $status)"; cat "$WORK/out" "$WORK/err"; fi
run_limited 1 info "$WORK/in/not_a_result.h5"
if [ "$status" -ne 0 ] && grep -q "not a grapes result" "$WORK/err"; then
  pass "info: an HDF5 file that is not a grapes result"
else fail "info of a foreign HDF5 file (status $status)"; cat "$WORK/out" "$WORK/err"; fi

# ---- 4, 6. Full disks: CSV export, and the result's tables ---------------------------------
run_limited 2 run "$phantom" --set "$small_phantom" --set "analysis.layer_width=0.05" \
  --set "output.path=$WORK/many_layers.h5"
[ "$status" -eq 0 ] || { fail "run with many layer rows (status $status)"; cat "$WORK/err"; }
rm -rf "$WORK/csv_full" && run_limited 1 export "$WORK/many_layers.h5" --csv "$WORK/csv_full"
small_disk csv_disk 64k
if [ -z "$disk" ]; then
  echo "SKIP: full-disk export (cannot mount a tmpfs here: needs root)"
else
  run_limited 1 export "$WORK/many_layers.h5" --csv "$disk"
  complete=1
  for csv in "$disk"/*.csv; do
    [ -e "$csv" ] || continue
    cmp -s "$csv" "$WORK/csv_full/$(basename "$csv")" || complete=0
  done
  if [ "$status" -ne 0 ] && [ "$status" -lt 124 ] && grep -q "^error.*no space left" "$WORK/err" &&
    [ "$complete" -eq 1 ] && [ -z "$(temporaries "$disk")" ]; then
    pass "export onto a full disk: an error, no truncated CSV under its final name"
  else fail "export onto a full disk (status $status, complete $complete)"; cat "$WORK/err"; ls -la "$disk"; fi
fi
small_disk result_disk 256k
if [ -z "$disk" ]; then
  echo "SKIP: full disk while writing the tables (cannot mount a tmpfs here: needs root)"
else
  for ranks in 1 2 3; do
    out="$disk/result.h5"
    expect_failure "full disk while the tables are written, $ranks ranks" \
      "no space left writing $disk/result.h5" "$ranks" run "$phantom" --set "$small_phantom" \
      --set "analysis.layer_width=0.05" --set "output.path=$out"
    [ -z "$(temporaries "$disk")" ] || fail "temporary left on the full disk"
    rm -f "$disk"/.result.h5.tmp-*
  done
  head -c 240000 /dev/zero >"$disk/filler" || true  # full before the run starts
  expect_failure "disk full before the run, 2 ranks" "no space left writing" 2 run "$phantom" \
    --set "$small_phantom" --set "output.path=$out"
  rm -f "$disk/filler"
  out="$WORK/result.h5"
fi

# ---- Full disks at the other write stages: the volumes, and the series file's assembly -------
# A failed write must stop every rank in seconds (rc 2, no hang, no segfault), leave no
# temporary, and keep an older result of the same name (docs/ARCHITECTURE.md, "Errors").
small_disk volume_disk 2m
if [ -n "$disk" ]; then
  volumes=(run "$phantom" --set "input.phantom.shape=[128,128,128]" --set "output.path=$disk/vol.h5")
  for try in 1 2; do
    run_limited 2 "${volumes[@]}" --set "output.volumes=[layers, edt]"
    if [ "$status" -ne 0 ] && [ "$status" -lt 124 ] && grep -q "^error: no space left writing $disk/vol.h5 (/volumes/" "$WORK/err" &&
      [ -z "$(ls -A "$disk")" ]; then pass "full disk while the volumes are written ($try)"
    else fail "full disk while the volumes are written ($try; status $status)"; cat "$WORK/err"; ls -A "$disk"; fi
  done
  run_limited 2 "${volumes[@]}"
  old_sum=$(sha256sum "$disk/vol.h5" | cut -d' ' -f1)
  run_limited 2 "${volumes[@]}" --set "output.volumes=[layers, edt]"
  if [ "$status" -ne 0 ] && [ "$status" -lt 124 ] && [ "$(sha256sum "$disk/vol.h5" | cut -d' ' -f1)" = "$old_sum" ] &&
    [ -z "$(temporaries "$disk")" ]; then pass "full disk while the volumes are written: the old result kept"
  else fail "full disk over an old result (status $status)"; cat "$WORK/err"; ls -A "$disk"; fi
  umount "$disk"
fi
# A disk where the step files fit but the series file holding copies of them does not: sized
# from a run on the roomy disk (steps + half the series file), so new columns keep it right.
LIMIT=240 run_limited 1 series "$GRAPES_SOURCE_DIR/inputs/operando_example.yaml" --set "output.path=$WORK/op_size.h5"
[ "$status" -eq 0 ] || { fail "the operando example on a roomy disk (status $status)"; cat "$WORK/err"; }
steps_bytes=$(cat "$WORK"/op_size.steps/*.h5 | wc -c)
series_bytes=$(wc -c <"$WORK/op_size.h5")
small_disk series_disk "$(((steps_bytes + series_bytes / 2) / 1024))k"
if [ -n "$disk" ]; then
  operando=(series "$GRAPES_SOURCE_DIR/inputs/operando_example.yaml" --set "output.path=$disk/op.h5")
  LIMIT=240 run_limited 1 "${operando[@]}"  # 4 steps: slower under the sanitizers
  if [ "$status" -ne 0 ] && [ "$status" -lt 124 ] && grep -q "^error: no space left writing $disk/op.h5 (copying" "$WORK/err" &&
    [ -z "$(temporaries "$disk")" ] && [ ! -e "$disk/op.h5" ]; then
    pass "full disk while the series file is assembled"
  else fail "full disk while the series file is assembled (status $status)"; cat "$WORK/err"; ls -A "$disk"; fi
  run_limited 2 series --from "$disk"/op.steps/*.h5 --set "output.path=$disk/from.h5"
  if [ "$status" -ne 0 ] && [ "$status" -lt 124 ] && grep -q "no space left writing $disk/from.h5" "$WORK/err" &&
    [ -z "$(temporaries "$disk")" ]; then pass "full disk while a --from series file is assembled"
  else fail "full disk, --from (status $status)"; cat "$WORK/err"; ls -A "$disk"; fi
  mount -o remount,size=$(((steps_bytes + series_bytes) * 2 / 1024))k "$disk"
  LIMIT=240 run_limited 1 "${operando[@]}" --resume
  if [ "$status" -eq 0 ] && [ "$(grep -c ', reused$' "$WORK/err" "$WORK/out" | awk -F: '{s += $2} END {print s}')" -eq 4 ]; then
    pass "--resume after the full disk reuses the 4 steps and writes the series"
  else fail "--resume after the full disk (status $status)"; cat "$WORK/err"; fi
  umount "$disk"
fi

# ---- 5. Shapes whose voxel count overflows 64 bits --------------------------------------------
config wrap_h5 "$(h5 wrap.h5 /grey)" "$(h5 wrap.h5 /labels)"
wrap_raw="{path: $WORK/in/wrap.raw, shape: [18014398509482016, 32, 32], dtype: uint8}"
config wrap_raw "$wrap_raw" "$wrap_raw"
for ranks in 1 2; do
  expect_failure "HDF5 shape past 64 bits, $ranks ranks" "more voxels than a 64-bit count" "$ranks" \
    run "$WORK/wrap_h5.yaml"
  expect_failure "raw shape past 64 bits, $ranks ranks" "more voxels than a 64-bit count" "$ranks" \
    run "$WORK/wrap_raw.yaml"
done

# ---- 7. Allocations no rank can make ----------------------------------------------------------
config huge "$(h5 huge.h5 /grey)" "$(h5 huge.h5 /labels)"
expect_failure "a declared 100000^3 dataset: one message naming input.grey and the size" \
  "input.grey" 2 run "$WORK/huge.yaml"
grep -q "^error: .* needs [0-9.]* GiB" "$WORK/err" || fail "the memory message gives no size"
expect_failure "layer_width 1e-9: a config error naming analysis.layer_width" \
  "analysis.layer_width" 2 run "$WORK/good.yaml" --set "analysis.layer_width=1e-9"

# ---- 8. Signals and a vanished mpiexec during the write ---------------------------------------
# The test hook GRAPES_TEST_PAUSE_IN_WRITE pauses the first table write (announced on stderr),
# so that the signal arrives while the temporary result file exists.
start_paused() {  # start_paused RANKS ARGS...: grapes in the background, paused in the write
  local ranks="$1"
  shift
  rm -f "$out" "$WORK/err"
  touch "$WORK/err"
  GRAPES_TEST_PAUSE_IN_WRITE=3 "$MPIEXEC" -n "$ranks" "$GRAPES_BINARY" "$@" \
    >"$WORK/out" 2>"$WORK/err" &
  launcher=$!
  for _ in $(seq 300); do grep -q "pausing in write" "$WORK/err" && return 0; sleep 0.1; done
  return 1
}
finish_paused() {  # finish_paused WHAT: non-zero, one message, no result, no temporary
  set +e
  wait "$launcher"
  status=$?
  set -e
  if [ "$status" -ne 0 ] && [ ! -e "$out" ] && [ -z "$(temporaries "$WORK")" ] &&
    [ "$(grep -c '^error' "$WORK/err")" -le 1 ]; then
    pass "$1"
  else fail "$1 (status $status)"; cat "$WORK/err"; temporaries "$WORK"; fi
  rm -f "$WORK"/.result.h5.tmp-*
}
for signal in TERM INT; do
  if start_paused 2 run "$WORK/good.yaml"; then
    kill -"$signal" "$launcher"
    finish_paused "SIG$signal to mpiexec during the write: no result, no temporary"
  else fail "the run did not reach the write"; cat "$WORK/err"; fi
done
if start_paused 2 run "$WORK/good.yaml"; then
  rank1=$(pgrep -P "$launcher" -x grapes | sort -n | tail -1)
  kill -TERM "$rank1"
  finish_paused "SIGTERM to one rank during the write: the whole run stops, no temporary"
  grep -q "^error: interrupted by SIGTERM" "$WORK/err" || fail "no 'interrupted' message"
else fail "the run did not reach the write"; cat "$WORK/err"; fi
# An orphaned rank (its launcher died) must not rename a result into place. PMI_RANK makes a
# single process count as launched (its parent the launcher); the parent shell exits during
# the pause.
rm -f "$out" "$WORK/err"
PMI_RANK=0 GRAPES_TEST_PAUSE_IN_WRITE=2 sh -c "'$GRAPES_BINARY' run '$WORK/good.yaml' \
  >'$WORK/out' 2>'$WORK/err' & for i in \$(seq 100); do grep -q pausing '$WORK/err' && break; \
  sleep 0.1; done"
for _ in $(seq 100); do grep -q "^error" "$WORK/err" 2>/dev/null && break; [ -e "$out" ] && break; sleep 0.1; done
sleep 0.5
if [ ! -e "$out" ] && grep -q "^error: the MPI launcher.*has gone" "$WORK/err" &&
  [ -z "$(temporaries "$WORK")" ]; then
  pass "a rank whose launcher died renames nothing into place"
else fail "orphaned rank"; cat "$WORK/err"; ls -A "$WORK"; fi
# What a SIGKILL leaves (.<name>.tmp-<pid>) is removed by the next run to the same output when
# its process is gone; a temporary of a live process is left alone.
sh -c 'exit 0' & dead=$!
wait "$dead"
touch "$WORK/.result.h5.tmp-$dead" "$WORK/.result.h5.tmp-$$"
run_limited 2 run "$WORK/good.yaml"
if [ "$status" -eq 0 ] && [ ! -e "$WORK/.result.h5.tmp-$dead" ] && [ -e "$WORK/.result.h5.tmp-$$" ]; then
  pass "stale temporary of a dead run removed, a live one kept"
else fail "stale temporaries (status $status)"; ls -A "$WORK"; fi
rm -f "$WORK/.result.h5.tmp-$$"

# ---- 9. output.path an existing folder or ending in '/' ---------------------------------------
mkdir -p "$WORK/folder"
for path in "$WORK/folder" "$WORK/folder/"; do
  rm -f "$WORK/out"
  expect_failure "output.path '$path' refused before reading" "output.path '$path'" 2 \
    run "$WORK/good.yaml" --set "output.path=$path"
  if grep -q "^  read" "$WORK/out" || grep -q "\.tmp-" "$WORK/err"; then
    fail "output.path '$path': the volume was read first, or the message names the temporary"
  fi
done

# ---- 10. Messages that say the reason ---------------------------------------------------------
expect_failure "ghost 3e9: the message gives the limit" "up to 2147483647" 2 run "$WORK/good.yaml" \
  --set decomposition.ghost=3000000000
config lzf "$(h5 good.h5 /grey)" "$(h5 signed.h5 /lzf)"
expect_failure "an LZF dataset without the filter: the filter is named" "filter lzf (id 32000)" 2 run "$WORK/lzf.yaml"
config bool "$(h5 good.h5 /grey)" "$(h5 signed.h5 /bool)"
expect_failure "bool labels: the message lists integer types only" "labels must be integers" 2 \
  run "$WORK/bool.yaml"
grep -q "float" "$WORK/err" && fail "the bool-label message offers float types"
expect_failure "a tiny layer_width with ghost: auto blames the layer width, not the ghost" \
  "analysis.layer_width" 2 run "$WORK/good.yaml" --set analysis.layer_width=1e-8
grep -q "decomposition.ghost" "$WORK/err" && fail "the layer-width message blames the ghost"

# ---- 11. Signed integer labels ----------------------------------------------------------------
signed_case() {  # signed_case WHAT LABEL_SOURCE GREY_SOURCE
  config signed "$3" "$2"
  rm -f "$out"
  run_limited 2 run "$WORK/signed.yaml"
  if [ "$status" -eq 0 ] &&
    "$PYTHON" "$GRAPES_SOURCE_DIR/tests/cli/compare_results.py" "$WORK/reference.h5" "$out"; then
    pass "$1 labels give the uint16 run's tables"
  else fail "$1 labels (status $status)"; cat "$WORK/err"; fi
}
for dtype in int8 int16 int32 int64; do signed_case "HDF5 $dtype" "$(h5 signed.h5 /$dtype)" "$(h5 good.h5 /grey)"; done
signed_case "TIFF int32" "{path: $WORK/in/labels_int32.tif}" "{path: $WORK/in/grey.tif}"
signed_case "raw int16" "{path: $WORK/in/labels_int16.raw, shape: [24, 26, 28], dtype: int16}" \
  "$(h5 good.h5 /grey)"
config negative "$(h5 good.h5 /grey)" "$(h5 signed.h5 /negative)"
for ranks in 1 3; do
  expect_failure "negative labels at $ranks ranks: count and first position" \
    "2 voxels have negative labels (int32), the first at (z, y, x) = (3, 4, 5)" "$ranks" \
    run "$WORK/negative.yaml"
  grep -q "input.labels" "$WORK/err" || fail "the negative-label message does not name input.labels"
done

# ---- 11b. An output folder on a read-only file system (test_errors.sh's chmod case cannot
# stop root, and CI runs as root) ----------------------------------------------------------
small_disk readonly 1M
if [ -n "$disk" ]; then
  if mount -o remount,ro "$disk"; then
    saved_out="$out"
    out="$disk/result.h5"
    expect_failure "output folder on a read-only file system, 2 ranks" "is not writable" 2 \
      run "$phantom" --set "$small_phantom" --set "output.path=$out"
    out="$saved_out"
  else fail "cannot remount $disk read-only"; fi
else
  echo "SKIP: output folder on a read-only file system (cannot mount a tmpfs here: needs root)"
fi

# ---- 12. A tiny volume on many ranks is not refused for its block growth ----------------------
config cube "$(h5 cube3.h5 /grey)" "$(h5 cube3.h5 /labels)"
run_limited 4 run "$WORK/cube.yaml" --set "decomposition.grid=[2,2,1]"
if [ "$status" -eq 0 ] && grep -q "^particles: 1," "$WORK/out"; then
  pass "3^3 cube on a 2x2x1 grid runs"
else fail "3^3 cube on a 2x2x1 grid (status $status)"; cat "$WORK/err"; fi

# ---- 13. Every column and attribute of a result file is documented with its unit --------------
if "$PYTHON" "$GRAPES_SOURCE_DIR/tests/cli/check_output_doc.py" "$WORK/reference.h5" \
  "$GRAPES_SOURCE_DIR/docs/OUTPUT.md"; then
  pass "docs/OUTPUT.md documents every column (with its unit) and attribute"
else fail "docs/OUTPUT.md is incomplete"; fi
finish
