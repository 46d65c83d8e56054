#!/usr/bin/env bash
# Bad input at 2 ranks: one clear message from rank 0 naming the key or file, a non-zero exit,
# no hang (CTest's timeout) and no output file.
source "$(dirname "$0")/lib.sh"
"$PYTHON" "$GRAPES_SOURCE_DIR/tests/cli/make_cli_fixtures.py" "$WORK/in"
out="$WORK/result.h5"

config() {  # config NAME GREY_SOURCE LABEL_SOURCE [extra yaml]
  cat >"$WORK/$1.yaml" <<YAML
input:
  grey: $2
  labels: $3
output: {path: $out}
${4:-}
YAML
}

expect_error() {  # expect_error WHAT EXPECTED_TEXT ARGS...
  local what="$1" expected="$2"
  shift 2
  rm -f "$out"
  run_grapes 2 "$@"
  local messages
  messages=$(grep -c "^error" "$WORK/err" || true)
  if [ "$status" -ne 0 ] && grep -qF -- "$expected" "$WORK/err" && [ "$messages" -eq 1 ] &&
    [ ! -e "$out" ]; then
    pass "$what"
  else
    fail "$what (status $status, $messages messages, expected '$expected')"
    cat "$WORK/err"
  fi
}

h5() { echo "{path: $WORK/in/$1, dataset: $2}"; }

config unknown_key "$(h5 good.h5 /grey)" "$(h5 good.h5 /labels)" "analysis: {normalize: surface}"
expect_error "unknown key with suggestion" "did you mean 'analysis.normalise'" run "$WORK/unknown_key.yaml"
config wrong_type "$(h5 good.h5 /grey)" "$(h5 good.h5 /labels)" "analysis: {core_exclude_layers: abc}"
expect_error "wrong type" "analysis.core_exclude_layers" run "$WORK/wrong_type.yaml"
expect_error "missing config file" "no_such.yaml" run "$WORK/no_such.yaml"
config missing_file "$(h5 absent.h5 /grey)" "$(h5 good.h5 /labels)"
expect_error "missing input file" "absent.h5" run "$WORK/missing_file.yaml"
config missing_dataset "$(h5 good.h5 /gray)" "$(h5 good.h5 /labels)"
expect_error "missing dataset" "/gray" run "$WORK/missing_dataset.yaml"
config float_labels "$(h5 float_labels.h5 /grey)" "$(h5 float_labels.h5 /labels)"
expect_error "float labels" "labels must be integers" run "$WORK/float_labels.yaml"
config mismatch "$(h5 mismatch.h5 /grey)" "$(h5 mismatch.h5 /labels)"
expect_error "shape mismatch" "has shape" run "$WORK/mismatch.yaml"
config int16 "$(h5 int16_grey.h5 /grey)" "$(h5 int16_grey.h5 /labels)"
expect_error "unsupported grey dtype" "int16" run "$WORK/int16.yaml"
config empty "$(h5 empty.h5 /grey)" "$(h5 empty.h5 /labels)"
expect_error "empty volume" "empty" run "$WORK/empty.yaml"
config broken_tiff "{path: $WORK/in/broken.tif}" "{path: $WORK/in/labels.tif}"
expect_error "unreadable TIFF" "broken.tif" run "$WORK/broken_tiff.yaml"
config good "$(h5 good.h5 /grey)" "$(h5 good.h5 /labels)"
expect_error "output directory missing" "does not exist" run "$WORK/good.yaml" --set "output.path=$WORK/nowhere/out.h5"
mkdir -p "$WORK/readonly" && chmod 555 "$WORK/readonly"
if [ "$(id -u)" -ne 0 ]; then  # root may write anywhere
  expect_error "output directory not writable" "not writable" run "$WORK/good.yaml" --set "output.path=$WORK/readonly/out.h5"
fi
expect_error "bad --set" "unknown key" run "$WORK/good.yaml" --set decomposition.gird=auto
expect_error "grid does not match ranks" "decomposition.grid" run "$WORK/good.yaml" --set "decomposition.grid=[3,1,1]"
expect_error "fixed ghost too small" "needs a ghost width of at least" run "$WORK/good.yaml" --set decomposition.ghost=1
expect_error "missing result file for info" "absent.h5" info "$WORK/absent.h5"

# A volume with no particles is valid: an empty table, exit 0.
config none "$(h5 no_particles.h5 /grey)" "$(h5 no_particles.h5 /labels)"
run_grapes 2 run "$WORK/none.yaml"
if [ "$status" -eq 0 ] && grep -q "^particles: 0" "$WORK/out"; then pass "no particles: empty table";
else fail "no particles (status $status)"; cat "$WORK/err"; fi
finish
