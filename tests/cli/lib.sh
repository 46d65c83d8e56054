# Shared helpers for the end-to-end tests of the grapes executable (sourced by test_*.sh).
# CTest sets GRAPES_BINARY, GRAPES_SOURCE_DIR, GRAPES_PYTHON and the OpenMPI variables.
set -euo pipefail
: "${GRAPES_BINARY:?set by CTest}"
: "${GRAPES_SOURCE_DIR:?set by CTest}"
PYTHON="${GRAPES_PYTHON:-/usr/bin/python3}"
MPIEXEC="${MPIEXEC:-mpiexec}"
# Sanitizer options (set by CTest in the sanitize build) reach every rank only through -x.
mpiexec_flags=()
for variable in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
  if [ -n "${!variable:-}" ]; then mpiexec_flags+=(-x "$variable"); fi
done
WORK="$(mktemp -d "${TMPDIR:-/tmp}/grapes-cli.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
failures=0
checks=0

pass() { checks=$((checks + 1)); echo "ok: $*"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL: $*"; }

# run_grapes RANKS ARGS... -> sets status, stdout in $WORK/out, stderr in $WORK/err.
# A sanitizer report fails the test even where a non-zero exit is the expected outcome.
run_grapes() {
  local ranks="$1"
  shift
  set +e
  "$MPIEXEC" "${mpiexec_flags[@]}" -n "$ranks" "$GRAPES_BINARY" "$@" >"$WORK/out" 2>"$WORK/err"
  status=$?
  set -e
  scan_sanitizer_reports "$ranks" "$@"
}

# scan_sanitizer_reports RANKS ARGS...: a failed check when $WORK/err holds an ASan/UBSan report.
scan_sanitizer_reports() {
  local ranks="$1"
  shift
  if grep -qE "^(==[0-9]+==ERROR: |SUMMARY: [A-Za-z]+Sanitizer)|runtime error: " "$WORK/err"; then
    fail "sanitizer report from 'grapes $*' at $ranks ranks"
    cat "$WORK/err"
  fi
}

finish() {
  echo "$((checks - failures)) passed, $failures failed"
  [ "$failures" -eq 0 ]
}
