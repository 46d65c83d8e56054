# Shared helpers for the end-to-end tests of the grapes executable (sourced by test_*.sh).
# CTest sets GRAPES_BINARY, GRAPES_SOURCE_DIR, GRAPES_PYTHON and the OpenMPI variables.
set -euo pipefail
: "${GRAPES_BINARY:?set by CTest}"
: "${GRAPES_SOURCE_DIR:?set by CTest}"
PYTHON="${GRAPES_PYTHON:-/usr/bin/python3}"
MPIEXEC="${MPIEXEC:-mpiexec}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/grapes-cli.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
failures=0
checks=0

pass() { checks=$((checks + 1)); echo "ok: $*"; }
fail() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL: $*"; }

# run_grapes RANKS ARGS... -> sets status, stdout in $WORK/out, stderr in $WORK/err
run_grapes() {
  local ranks="$1"
  shift
  set +e
  "$MPIEXEC" -n "$ranks" "$GRAPES_BINARY" "$@" >"$WORK/out" 2>"$WORK/err"
  status=$?
  set -e
}

finish() {
  echo "$((checks - failures)) passed, $failures failed"
  [ "$failures" -eq 0 ]
}
