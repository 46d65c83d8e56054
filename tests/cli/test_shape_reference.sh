#!/usr/bin/env bash
# The shape columns of /particles (inertia tensor and its eigenvalues, axis lengths,
# elongation, flatness, principal axes, Euler number, the convex hull's area_convex, solidity
# and Feret diameter) and /adjacency's contact_area against
# scikit-image 0.19 regionprops and numpy (tests/cli/check_shape_reference.py), on the
# hand-made and the random volumes of tests/cli/make_shape_fixtures.py; every table
# bit-identical at 1, 2, 3 and 4 ranks, with slabs, and with voxel_size [2, 1, 0.5] at 1 and 3
# ranks.
source "$(dirname "$0")/lib.sh"
cli="$GRAPES_SOURCE_DIR/tests/cli"
fixtures="$WORK/fixtures"
if "$PYTHON" "$cli/make_shape_fixtures.py" "$fixtures" >"$WORK/fixtures.log" 2>&1; then
  pass "make_shape_fixtures.py"
else
  fail "make_shape_fixtures.py"; cat "$WORK/fixtures.log"; finish; exit 1
fi

# run_to NAME RANKS CONFIG ARGS...: grapes run CONFIG into $WORK/NAME.h5; status 0 on success.
run_to() {
  local name="$1" ranks="$2" config="$3"
  shift 3
  run_grapes "$ranks" run "$config" --quiet --set "output.path=$WORK/$name.h5" "$@"
  [ "$status" -eq 0 ] && [ -f "$WORK/$name.h5" ] && return 0
  fail "grapes run $name at $ranks ranks (status $status)"; cat "$WORK/out" "$WORK/err"
  return 1
}

# same REFERENCE RESULT...: every column of /particles, /layers and /adjacency byte for byte.
same() {
  local reference="$1" result
  shift
  for result in "$@"; do
    if "$PYTHON" "$cli/compare_results.py" "$WORK/$reference.h5" "$WORK/$result.h5" \
        >"$WORK/compare.log" 2>&1; then
      pass "$result: every column identical to $reference"
    else
      fail "$result differs from $reference"; cat "$WORK/compare.log"
    fi
  done
}

# check VOLUME SPACING NAME...: the reference checker on $WORK/NAME.h5 (one spacing "z y x").
check() {
  local volume="$1" spacing="$2" name files=()
  shift 2
  for name in "$@"; do files+=("$WORK/$name.h5"); done
  # shellcheck disable=SC2086
  if "$PYTHON" "$cli/check_shape_reference.py" "$fixtures/$volume.h5" "${files[@]}" \
      --spacing $spacing --strict-degenerate >"$WORK/check.log" 2>&1; then
    pass "$volume: shape columns of $* agree with the reference"; cat "$WORK/check.log"
  else
    fail "$volume: shape columns differ from the reference"; cat "$WORK/check.log"
  fi
}

# The slab budget for decomposition.grid [2, 1, 1]: the fixed 96 MiB plus the volumes of a
# slab of a third of a rank's planes (grey uint16 over the slab; uint32 labels and a float
# distance over the slab and its ghost margin; docs/ARCHITECTURE.md#slabs), the per-voxel
# bytes of the margin times FACTOR (a retry when the run says the budget is too small).
slab_budget() {
  "$PYTHON" - "$1" "$2" <<'EOF'
import sys
import h5py
with h5py.File(sys.argv[1], "r") as f:
    z, y, x = (int(v) for v in f.attrs["shape"])
    ghost = int(max(f.attrs["ghost_width"]))
factor = int(sys.argv[2])
planes = (z + 1) // 2
t = max(1, planes // 3)
print((96 << 20) + t * y * x * 2 + min(t + 2 * ghost, z) * y * x * 8 * factor)
EOF
}

for volume in shapes random; do
  config="$fixtures/$volume.yaml"
  unit=()
  for ranks in 1 2 3 4; do
    run_to "$volume-np$ranks" "$ranks" "$config" && unit+=("$volume-np$ranks")
  done
  # Slabs at 2 ranks: a budget that cuts each rank's box into several z slabs.
  if [ -f "$WORK/$volume-np2.h5" ]; then
    for factor in 1 2 4; do
      budget=$(slab_budget "$WORK/$volume-np2.h5" "$factor") || budget=none
      run_grapes 2 run "$config" --quiet --set "output.path=$WORK/$volume-slabs.h5" \
        --set "decomposition.grid=[2,1,1]" --set "decomposition.memory_per_rank=$budget"
      if [ "$status" -eq 0 ] || ! grep -q "is too small" "$WORK/err"; then break; fi
    done
    slabs=$("$PYTHON" -c 'import sys, h5py; print(int(h5py.File(sys.argv[1], "r").attrs["slabs_per_rank"]))' \
      "$WORK/$volume-slabs.h5" 2>/dev/null || echo 0)
    if [ "$status" -eq 0 ] && [ "$slabs" -ge 2 ]; then
      pass "$volume: 2 ranks with memory_per_rank=$budget: $slabs slabs per rank"
      unit+=("$volume-slabs")
    else
      fail "$volume: the slab run (status $status, $slabs slabs per rank)"; cat "$WORK/out" "$WORK/err"
    fi
  fi
  # Anisotropic voxels: from the configuration's voxel_size at 1 rank, from --set at 3.
  aniso=()
  run_to "$volume-aniso-np1" 1 "$fixtures/${volume}_aniso.yaml" && aniso+=("$volume-aniso-np1")
  run_to "$volume-aniso-np3" 3 "$config" --set "voxel_size=[2,1,0.5]" && aniso+=("$volume-aniso-np3")

  if [ "${#unit[@]}" -gt 0 ]; then check "$volume" "1 1 1" "${unit[@]}"; fi
  if [ "${#unit[@]}" -gt 1 ]; then same "${unit[@]}"; fi
  if [ "${#aniso[@]}" -gt 0 ]; then check "$volume" "2 1 0.5" "${aniso[@]}"; fi
  if [ "${#aniso[@]}" -gt 1 ]; then same "${aniso[@]}"; fi
done

# A result written before the shape columns (the same file less them and contact_area) still
# reads: grapes info, grapes export and grapes series --from take what is there.
if [ -f "$WORK/shapes-np1.h5" ]; then
  for step in old_a old_b; do
    cp "$WORK/shapes-np1.h5" "$WORK/$step.h5"
    "$PYTHON" - "$WORK/$step.h5" <<'PY'
import sys
import h5py
import numpy as np
with h5py.File(sys.argv[1], "r+") as f:
    for group, first_new in (("particles", "euler_number"), ("adjacency", "contact_area")):
        names = f[group].attrs["columns"].decode().split(",")  # docs/OUTPUT.md, "Layout"
        keep = names[:names.index(first_new)]
        for name in names[len(keep):]:
            del f[group][name]
        f[group].attrs["columns"] = np.bytes_(",".join(keep))
PY
  done
  run_grapes 1 info "$WORK/old_a.h5"
  info_status=$status
  run_grapes 1 export "$WORK/old_a.h5" --csv "$WORK/old_csv"
  export_status=$status
  run_grapes 2 series --from "$WORK/old_a.h5" "$WORK/old_b.h5" --set "output.path=$WORK/old_series.h5"
  if [ "$info_status" -eq 0 ] && [ "$export_status" -eq 0 ] && [ "$status" -eq 0 ]; then
    pass "a result without the shape columns still reads (info, export, series --from)"
  else
    fail "an older result (info $info_status, export $export_status, series $status)"; cat "$WORK/err"
  fi
fi
finish
