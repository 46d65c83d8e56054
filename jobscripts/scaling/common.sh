# Shared helpers of strong_scaling.sh and weak_scaling.sh (sourced, not run).
# shellcheck shell=bash
#
# Environment variables read:
#   GRAPES         the grapes executable                  (default: grapes on PATH)
#   MPIEXEC        the launcher, may carry flags           (default: mpiexec; srun works too)
#   MPIEXEC_FLAGS  extra launcher flags, space-separated   (e.g. --oversubscribe, --bind-to core)
#   RANKS          rank counts to run, space-separated     (default: 1 2 4 ... up to MAX_RANKS,
#                                                           and MAX_RANKS itself)
#   MAX_RANKS      the largest default rank count          (default: the job's task count —
#                                                           SLURM_NTASKS or the lines of
#                                                           PBS_NODEFILE — else nproc)
#   REPEATS        runs per rank count                     (default 1; summarise.py keeps the
#                                                           fastest)
#   EXTRA_SET      more --set overrides, space-separated key=value
#   PYTHON         interpreter for summarise.py            (default python3; needs h5py, numpy)

GRAPES=${GRAPES:-grapes}
MPIEXEC=${MPIEXEC:-mpiexec}
REPEATS=${REPEATS:-1}
PYTHON=${PYTHON:-python3}
SCALING_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# ROMIO instead of OpenMPI's OMPIO for parallel HDF5: OMPIO collective writes have hung with
# HDF5 1.10 at some rank counts (HDFGroup/hdf5#1227) and are slow on parallel file systems.
export OMPI_MCA_io=${OMPI_MCA_io:-^ompio}

# --- A lost node ends the job in seconds -----------------------------------------------------
# OpenMPI's out-of-band TCP keepalive defaults (300 s idle, then 9 probes 20 s apart) leave
# mpiexec waiting ~8 minutes for a node whose link went down, holding the allocation; 5 s and
# 3 probes 2 s apart end the job in ~11 s (jobscripts/README.md, "A node that goes away").
export OMPI_MCA_oob_tcp_keepalive_time=${OMPI_MCA_oob_tcp_keepalive_time:-5}
export OMPI_MCA_oob_tcp_keepalive_intvl=${OMPI_MCA_oob_tcp_keepalive_intvl:-2}
export OMPI_MCA_oob_tcp_keepalive_probes=${OMPI_MCA_oob_tcp_keepalive_probes:-3}
# One thread per rank unless told otherwise: the study scales MPI ranks (a Kokkos OpenMP
# build would otherwise start one thread per core in every rank). For a hybrid study set
# OMP_NUM_THREADS (and bind ranks to OMP_NUM_THREADS cores each in MPIEXEC_FLAGS).
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export OMP_PROC_BIND=${OMP_PROC_BIND:-spread}
export OMP_PLACES=${OMP_PLACES:-threads}

die() {
  echo "$(basename "$0"): $*" >&2
  exit 2
}

# The job's task count, else the cores of this machine.
default_max_ranks() {
  if [[ -n "${SLURM_NTASKS:-}" ]]; then
    echo "$SLURM_NTASKS"
  elif [[ -n "${PBS_NODEFILE:-}" && -f "${PBS_NODEFILE}" ]]; then
    wc -l < "$PBS_NODEFILE"
  else
    nproc
  fi
}

# Rank counts: RANKS, or powers of two up to MAX_RANKS plus MAX_RANKS itself.
rank_list() {
  if [[ -n "${RANKS:-}" ]]; then
    echo "$RANKS"
    return
  fi
  local max=${MAX_RANKS:-$(default_max_ranks)} p=1 list=""
  while (( p <= max )); do
    list+="$p "
    p=$(( p * 2 ))
  done
  if (( p / 2 != max )); then list+="$max"; fi
  echo "$list"
}

# "750" or "750,750,750" or "[750, 750, 750]" -> "750,750,750"
normalise_shape() {
  local text=${1//[\[\] ]/}
  [[ "$text" =~ ^[0-9]+(,[0-9]+,[0-9]+)?$ ]] || die "shape '$1' must be N or Z,Y,X"
  [[ "$text" == *,* ]] || text="$text,$text,$text"
  echo "$text"
}

# Tasks per node of the Slurm job (SLURM_NTASKS_PER_NODE or the first figure of
# SLURM_TASKS_PER_NODE, e.g. "32(x4)"), empty outside Slurm.
slurm_tasks_per_node() {
  local text=${SLURM_NTASKS_PER_NODE:-${SLURM_TASKS_PER_NODE:-}}
  echo "${text%%[!0-9]*}"
}

# Fills the array `launch` with the launcher command for $1 ranks. srun gets --nodes so that
# P ranks fill as few nodes as possible (srun's default may spread them over the allocation);
# mpiexec fills the job's slots in order by itself.
launch_command() {
  local ranks=$1 tpn nodes
  read -r -a launch <<< "$MPIEXEC"
  local flags=()
  read -r -a flags <<< "${MPIEXEC_FLAGS:-}"
  if [[ "$(basename "${launch[0]}")" == srun ]]; then
    tpn=$(slurm_tasks_per_node)
    if [[ -n "$tpn" && "$tpn" -gt 0 ]]; then
      nodes=$(( (ranks + tpn - 1) / tpn ))
      launch+=(--nodes="$nodes")
    fi
  fi
  launch+=(${flags[@]+"${flags[@]}"} -n "$ranks")
}

# Seconds since the epoch with fractions.
now() { date +%s.%N; }

# run_grapes TAG RANKS CONFIG [--set ...]: one `grapes run` into $STUDY_DIR/runs/TAG.h5 with its
# log next to it; appends a line to $STUDY_DIR/runs.tsv. Returns the run's exit status.
run_grapes() {
  local tag=$1 ranks=$2 config=$3
  shift 3
  local result="$STUDY_DIR/runs/$tag.h5" log="$STUDY_DIR/runs/$tag.log" start end rc=0 wall
  launch_command "$ranks"
  local cmd=("${launch[@]}" "$GRAPES" run "$config" --set "output.path=$result" "$@")
  for kv in ${extra_set[@]+"${extra_set[@]}"}; do cmd+=(--set "$kv"); done
  { printf '%q ' "${cmd[@]}"; echo; } > "$log"
  start=$(now)
  "${cmd[@]}" >> "$log" 2>&1 || rc=$?
  end=$(now)
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
  printf '%s\t%s\t%s\t%s\t%s\n' "$tag.h5" "$ranks" "$wall" "$rc" "$config" >> "$STUDY_DIR/runs.tsv"
  if (( rc == 0 )); then
    echo "  P=$ranks  $tag  wall ${wall} s"
  else
    echo "  P=$ranks  $tag  FAILED (exit $rc) after ${wall} s; see $log" >&2
  fi
  return "$rc"
}

# Creates the study folder and records the setup.
start_study() {
  local kind=$1
  mkdir -p "$STUDY_DIR/runs"
  STUDY_DIR=$(cd "$STUDY_DIR" && pwd)
  command -v "$GRAPES" > /dev/null || die "grapes executable '$GRAPES' not found; set GRAPES=/path/to/grapes"
  read -r -a extra_set <<< "${EXTRA_SET:-}"
  [[ -f "$STUDY_DIR/runs.tsv" ]] ||
    printf 'file\tranks\twall_s\texit\tconfig\n' > "$STUDY_DIR/runs.tsv"
  {
    echo "study: $kind scaling, started $(date -Is) on $(hostname)"
    echo "grapes: $(command -v "$GRAPES")"
    echo "launcher: $MPIEXEC ${MPIEXEC_FLAGS:-}"
    echo "ranks: $(rank_list)   repeats: $REPEATS   OMP_NUM_THREADS=$OMP_NUM_THREADS   OMPI_MCA_io=$OMPI_MCA_io"
    echo "job: ${SLURM_JOB_ID:-${PBS_JOBID:-none}}  nodes: ${SLURM_JOB_NUM_NODES:-?}"
    [[ -z "${EXTRA_SET:-}" ]] || echo "extra --set: $EXTRA_SET"
  } >> "$STUDY_DIR/study.txt"
}

# Runs summarise.py on the study if python3 with h5py is there.
finish_study() {
  local mode=$1
  if "$PYTHON" -c 'import h5py, numpy' 2> /dev/null; then
    "$PYTHON" "$SCALING_DIR/summarise.py" --mode "$mode" --csv "$STUDY_DIR/summary.csv" "$STUDY_DIR" |
      tee "$STUDY_DIR/summary.txt"
  else
    echo "($PYTHON lacks h5py/numpy: summarise later with" \
         "python3 $SCALING_DIR/summarise.py --mode $mode $STUDY_DIR)"
  fi
}
