#!/bin/bash
# Weak scaling of `grapes run`: the volume grows with the rank count P so that every rank owns
# the same box (BASE^3 voxels, default 256^3 = 16.8 M voxels per rank). Ideal: the time stays
# constant as P grows (parallel efficiency T(P_min) / T(P) = 1).
#
#   jobscripts/scaling/weak_scaling.sh [STUDY_DIR]            (default scaling_weak)
#
# Locally:
#   RANKS="1 2 4" BASE=128 MPIEXEC_FLAGS=--oversubscribe GRAPES=build/grapes \
#     jobscripts/scaling/weak_scaling.sh /tmp/weak
# In a batch job: see submit_scaling.sbatch.
#
# The volume is the built-in phantom (no files): P is split into a rank grid [a, b, c]
# (a >= b >= c, as close to a cube as P allows, a * b * c = P) and the run gets
#   --set input.phantom.shape=[BASE*a, BASE*b, BASE*c] --set decomposition.grid=[a,b,c]
# e.g. P = 8 and BASE = 256: shape [512, 512, 512], grid [2, 2, 2]; P = 2: [512, 256, 256].
# The phantom's particle size and packing do not change with the shape, so every rank also
# sees about the same number of particles. (Every rank places the whole particle list before
# the timed phases start, work that grows with the total volume: it counts in the wall time
# in runs.tsv, not in the phase timings.)
#
#   BASE=N or Z,Y,X     the box per rank (default 256)
#   PHANTOM_SET="k=v"   more phantom keys, e.g. "input.phantom.seed=2 input.phantom.radius_mean=12"
#   WEAK_CONFIG=my.yaml a configuration with input.phantom to start from (default: phantom: {})
#   GRID=auto           let grapes choose the rank grid instead of [a, b, c]
#
# Environment: see common.sh (GRAPES, MPIEXEC, MPIEXEC_FLAGS, RANKS, MAX_RANKS, REPEATS,
# EXTRA_SET, PYTHON). Results: STUDY_DIR/runs/p<P>_r<k>.{h5,log}, runs.tsv, study.txt,
# summary.txt and summary.csv.
set -euo pipefail

# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The most cube-like a * b * c = P with a >= b >= c: prints "a b c".
factor3() {
  local p=$1 a b c best="" best_a=0 best_c=0
  for (( c = 1; c * c * c <= p; c++ )); do
    (( p % c == 0 )) || continue
    for (( b = c; b * b <= p / c; b++ )); do
      (( (p / c) % b == 0 )) || continue
      a=$(( p / c / b ))
      # Prefer the smallest ratio a / c (compare a * best_c with best_a * c).
      if [[ -z "$best" ]] || (( a * best_c < best_a * c )); then
        best="$a $b $c"
        best_a=$a
        best_c=$c
      fi
    done
  done
  echo "$best"
}

STUDY_DIR=${1:-${STUDY_DIR:-scaling_weak}}
start_study weak
read -r -a ranks_array <<< "$(rank_list)"
IFS=, read -r base_z base_y base_x <<< "$(normalise_shape "${BASE:-256}")"

if [[ -n "${WEAK_CONFIG:-}" ]]; then
  [[ -f "$WEAK_CONFIG" ]] || die "configuration '$WEAK_CONFIG' not found"
  config=$WEAK_CONFIG
else
  config="$STUDY_DIR/phantom.yaml"
  printf 'input:\n  phantom: {}\n' > "$config"
fi
read -r -a phantom_set <<< "${PHANTOM_SET:-}"
echo "volume: phantom, ${base_z}x${base_y}x${base_x} voxels per rank, config $config ${PHANTOM_SET:-}" |
  tee -a "$STUDY_DIR/study.txt"

failed=0
for p in "${ranks_array[@]}"; do
  read -r a b c <<< "$(factor3 "$p")"
  shape="[$(( base_z * a )),$(( base_y * b )),$(( base_x * c ))]"
  args=(--set "input.phantom.shape=$shape")
  for kv in ${phantom_set[@]+"${phantom_set[@]}"}; do args+=(--set "$kv"); done
  if [[ "${GRID:-}" == auto ]]; then
    args+=(--set "decomposition.grid=auto")
  else
    args+=(--set "decomposition.grid=[$a,$b,$c]")
  fi
  echo "P=$p: shape $shape, grid [$a,$b,$c]"
  for (( k = 1; k <= REPEATS; k++ )); do
    run_grapes "$(printf 'p%04d_r%d' "$p" "$k")" "$p" "$config" "${args[@]}" ||
      failed=$(( failed + 1 ))
  done
done

finish_study weak
if (( failed > 0 )); then
  echo "$failed run(s) failed (see the logs in $STUDY_DIR/runs)" >&2
  exit 1
fi
