#!/bin/bash
# Strong scaling of `grapes run`: ONE fixed volume analysed with P = 1, 2, 4, ... ranks.
# Ideal: the time halves when P doubles (speed-up P, parallel efficiency 1).
#
#   jobscripts/scaling/strong_scaling.sh [STUDY_DIR]          (default scaling_strong)
#
# Locally (8 ranks on a small machine):
#   RANKS="1 2 4 8" PHANTOM_SHAPE=256 MPIEXEC_FLAGS=--oversubscribe \
#     GRAPES=build/grapes jobscripts/scaling/strong_scaling.sh /tmp/strong
# In a batch job: see submit_scaling.sbatch.
#
# The volume (pick one):
#   default          the built-in phantom of PHANTOM_SHAPE (default 750 -> 750^3 voxels: uint8
#                    grey + uint16 labels, 1.2 GiB) written ONCE to STUDY_DIR/phantom.h5 with
#                    `grapes phantom` (reused by later runs of the same study), then read back
#                    like real data, so the read phase is real parallel-HDF5 I/O. Its size is
#                    set by PHANTOM_SHAPE=N or Z,Y,X; more phantom keys with PHANTOM_SET (e.g.
#                    "input.phantom.seed=2 input.phantom.label_dtype=uint32").
#   IN_MEMORY=1      the same phantom generated in memory by every run (no file, no disk I/O:
#                    the read phase is the generation of each rank's box).
#   CONFIG=my.yaml   your own configuration (your data; any input form), used as it is.
# P = 1 must hold the whole volume in one rank's memory; drop it from RANKS for big volumes
# (summarise.py then measures speed-up from the smallest P run).
#
# Environment: see common.sh (GRAPES, MPIEXEC, MPIEXEC_FLAGS, RANKS, MAX_RANKS, REPEATS,
# EXTRA_SET, PYTHON). Results: STUDY_DIR/runs/p<P>_r<k>.{h5,log}, runs.tsv (wall times),
# study.txt (setup), summary.txt and summary.csv (from summarise.py).
set -euo pipefail

# shellcheck source=common.sh source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

STUDY_DIR=${1:-${STUDY_DIR:-scaling_strong}}
start_study strong
ranks_list=$(rank_list)
read -r -a ranks_array <<< "$ranks_list"
max_ranks=0
for p in "${ranks_array[@]}"; do
  if (( p > max_ranks )); then max_ranks=$p; fi
done

if [[ -n "${CONFIG:-}" ]]; then
  [[ -f "$CONFIG" ]] || die "configuration '$CONFIG' not found"
  config=$CONFIG
  echo "volume: from $CONFIG" | tee -a "$STUDY_DIR/study.txt"
else
  shape=$(normalise_shape "${PHANTOM_SHAPE:-750}")
  read -r -a phantom_set <<< "${PHANTOM_SET:-}"
  phantom_args=(--set "input.phantom.shape=[$shape]")
  for kv in ${phantom_set[@]+"${phantom_set[@]}"}; do phantom_args+=(--set "$kv"); done
  printf 'input:\n  phantom: {}\n' > "$STUDY_DIR/phantom.yaml"
  if [[ "${IN_MEMORY:-0}" == 1 ]]; then
    # The phantom in every run: its keys go on each run's command line (via EXTRA_SET).
    config="$STUDY_DIR/phantom.yaml"
    extra_set=("input.phantom.shape=[$shape]" ${phantom_set[@]+"${phantom_set[@]}"}
               ${extra_set[@]+"${extra_set[@]}"})
    echo "volume: phantom [$shape] in memory ${PHANTOM_SET:-}" | tee -a "$STUDY_DIR/study.txt"
  else
    stamp="shape=[$shape] ${PHANTOM_SET:-}"
    if [[ -f "$STUDY_DIR/phantom.h5" && "$(cat "$STUDY_DIR/phantom.stamp" 2> /dev/null)" == "$stamp" ]]; then
      echo "volume: reusing $STUDY_DIR/phantom.h5 ($stamp)"
    else
      echo "writing the phantom [$shape] to $STUDY_DIR/phantom.h5 with $max_ranks ranks ..."
      rm -f "$STUDY_DIR/phantom.stamp"
      launch_command "$max_ranks"
      "${launch[@]}" "$GRAPES" phantom "$STUDY_DIR/phantom.yaml" "${phantom_args[@]}" \
        -o "$STUDY_DIR/phantom.h5" > "$STUDY_DIR/phantom.log" 2>&1 ||
        die "grapes phantom failed; see $STUDY_DIR/phantom.log"
      echo "$stamp" > "$STUDY_DIR/phantom.stamp"
    fi
    config="$STUDY_DIR/strong.yaml"
    cat > "$config" << EOF
# Written by strong_scaling.sh: the phantom file as real input.
input:
  grey:   {path: '$STUDY_DIR/phantom.h5', dataset: /grey}
  labels: {path: '$STUDY_DIR/phantom.h5', dataset: /labels}
EOF
    echo "volume: $STUDY_DIR/phantom.h5 ($stamp)" | tee -a "$STUDY_DIR/study.txt"
  fi
fi

failed=0
for p in "${ranks_array[@]}"; do
  for (( k = 1; k <= REPEATS; k++ )); do
    run_grapes "$(printf 'p%04d_r%d' "$p" "$k")" "$p" "$config" || failed=$(( failed + 1 ))
  done
done

finish_study strong
if (( failed > 0 )); then
  echo "$failed run(s) failed (see the logs in $STUDY_DIR/runs)" >&2
  exit 1
fi
