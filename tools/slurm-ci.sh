#!/usr/bin/env bash
# Runs the job scripts of jobscripts/ under a real, one-node Slurm started on this machine:
#   1. slurm_run.sbatch on the demo (srun launcher, then mpiexec inside the allocation),
#   2. slurm_series.sbatch as a job array over a 3-step phantom series, then its combine step
#      (grapes series --from; with an old grapes that has no `series` command, a fallback
#      checks the combine step's command line with a stand-in instead and says SKIPPED),
#   3. scaling/submit_scaling.sbatch (strong and weak study, P = 1, 2),
# and checks each produced its result files. As root, it installs Debian's slurm-wlm and munge
# if missing, writes a munge key (only if /etc/munge/munge.key is missing) and a slurm.conf in
# a scratch folder, starts munged, slurmctld and slurmd, and always stops them again.
#
#   bash tools/slurm-ci.sh [path/to/grapes]          (default: build/grapes)
#
# Environment: SLURM_CI_DIR (scratch folder, default a new /tmp/grapes-slurm.XXXXXX, removed
# at the end unless SLURM_CI_KEEP=1), PYTHON (with h5py; default /usr/bin/python3).
# Exit status: 0 when every job passed or when Slurm cannot be had here (not root, no h5py, no
# package to install: it prints SKIPPED and why), 1 when a job or a check failed, or when
# Slurm is installed and run as root but its daemons do not start (a check that could run and
# did not is a failure; GRAPES_TEST_ALLOW_SKIP=1 makes that a skip, for a container that
# forbids daemons).
set -uo pipefail
cd "$(dirname "$0")/.."
SOURCE=$(pwd)
GRAPES=$(realpath -m "${1:-build/grapes}")
PYTHON=${PYTHON:-/usr/bin/python3}
JOB_TIMEOUT=${JOB_TIMEOUT:-300}
failures=0

say() { echo "slurm-ci: $*"; }
skip() {
  say "SKIPPED: $*"
  exit 0
}
# Slurm is here and we are root, yet it does not run: a failure unless skips are allowed.
cannot_run() {
  [ "${GRAPES_TEST_ALLOW_SKIP:-0}" = 1 ] && skip "$*"
  say "FAIL: $* (set GRAPES_TEST_ALLOW_SKIP=1 to skip where daemons cannot run)"
  exit 1
}
pass() { say "ok: $*"; }
fail() {
  say "FAIL: $*"
  failures=$((failures + 1))
}

# ---- Can Slurm run here? ----------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || skip "not root (starting slurmd and munged needs root)"
[ -x "$GRAPES" ] || { say "FAIL: grapes executable '$GRAPES' not found (build first)"; exit 1; }
"$PYTHON" -c 'import h5py' 2>/dev/null || skip "$PYTHON lacks h5py (needed to check the results)"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null ||
  ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || skip "Slurm is not installed and there is no apt-get to install it"
  say "installing slurm-wlm and munge (apt-get)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends slurm-wlm munge; } >/tmp/slurm-ci-apt.log 2>&1; then
    tail -5 /tmp/slurm-ci-apt.log
    skip "apt-get install slurm-wlm munge failed (no network or archive?); log /tmp/slurm-ci-apt.log"
  fi
fi

SCRATCH=${SLURM_CI_DIR:-$(mktemp -d /tmp/grapes-slurm.XXXXXX)}
mkdir -p "$SCRATCH"/{state,spool,log,run,work}
chmod 755 "$SCRATCH"
export SLURM_CONF="$SCRATCH/slurm.conf"
started_munged=""

# Stops what this script started (by pid file), whatever happened.
cleanup() {
  local status=$?
  if [ -f "$SCRATCH/run/slurmctld.pid" ]; then scancel --quiet --full "--user=$(id -un)" 2>/dev/null; fi
  for daemon in slurmd slurmctld; do
    local pidfile="$SCRATCH/run/$daemon.pid"
    if [ -f "$pidfile" ]; then
      local pid
      pid=$(cat "$pidfile")
      kill "$pid" 2>/dev/null
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null
    fi
  done
  if [ -n "$started_munged" ] && [ -f "$SCRATCH/run/munged.pid" ]; then
    kill "$(cat "$SCRATCH/run/munged.pid")" 2>/dev/null
  fi
  if [ "${SLURM_CI_KEEP:-0}" = 1 ] || [ "$status" -ne 0 ]; then
    say "scratch folder kept: $SCRATCH"
  else
    rm -rf "$SCRATCH"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- munge ------------------------------------------------------------------------------
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
    say "wrote a new /etc/munge/munge.key"
  fi
  chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  touch "$SCRATCH/run/munged.pid" && chown munge "$SCRATCH/run/munged.pid"
  if ! runuser -u munge -- munged --pid-file="$SCRATCH/run/munged.pid" 2>"$SCRATCH/log/munged.err"; then
    cat "$SCRATCH/log/munged.err"
    cannot_run "munged does not start"
  fi
  started_munged=1
  munge -n | unmunge >/dev/null 2>&1 || cannot_run "munge credentials do not verify"
fi
pass "munge works"

# ---- slurm.conf -------------------------------------------------------------------------
host=$(hostname -s)
node_line=$(slurmd -C 2>/dev/null | grep '^NodeName=' | sed 's/ UpTime=.*//')
[ -n "$node_line" ] || node_line="NodeName=$host CPUs=$(nproc)"
cpus=$(sed -n 's/.* CPUs=\([0-9]*\).*/\1/p' <<<"$node_line")
port=$((17000 + RANDOM % 2000))
cat >"$SLURM_CONF" <<EOF
# One-node Slurm for tools/slurm-ci.sh (everything under $SCRATCH).
ClusterName=grapesci
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
StateSaveLocation=$SCRATCH/state
SlurmdSpoolDir=$SCRATCH/spool
SlurmctldPidFile=$SCRATCH/run/slurmctld.pid
SlurmdPidFile=$SCRATCH/run/slurmd.pid
SlurmctldLogFile=$SCRATCH/log/slurmctld.log
SlurmdLogFile=$SCRATCH/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
$node_line State=UNKNOWN
PartitionName=ci Nodes=$host Default=YES MaxTime=30 State=UP
EOF

# ---- daemons ----------------------------------------------------------------------------
slurmctld -i >"$SCRATCH/log/slurmctld.out" 2>&1 || {
  tail -20 "$SCRATCH/log/slurmctld.log" "$SCRATCH/log/slurmctld.out" 2>/dev/null
  cannot_run "slurmctld does not start"
}
slurmd >"$SCRATCH/log/slurmd.out" 2>&1 || {
  tail -20 "$SCRATCH/log/slurmd.log" "$SCRATCH/log/slurmd.out" 2>/dev/null
  cannot_run "slurmd does not start"
}
state=""
for _ in $(seq 60); do
  state=$(sinfo -h -o %t 2>/dev/null | head -1)
  [ "$state" = idle ] && break
  sleep 1
done
if [ "$state" != idle ]; then
  tail -20 "$SCRATCH/log/slurmctld.log" "$SCRATCH/log/slurmd.log"
  cannot_run "the node did not become idle within 60 s (state '${state:-none}')"
fi
pass "Slurm $(sinfo -V | cut -d' ' -f2) up: node $host idle, $cpus CPUs, port $port"
ranks=$((cpus >= 2 ? 2 : 1))

# ---- helpers ----------------------------------------------------------------------------
WORK="$SCRATCH/work"
cp -r "$SOURCE/inputs" "$SOURCE/jobscripts" "$WORK/"
cd "$WORK"

# submit NAME SBATCH-ARGS... : sbatch --wait; sets job_status; prints the job's log on failure.
submit() {
  local name=$1
  shift
  local start=$SECONDS
  timeout "$JOB_TIMEOUT" sbatch --wait --output="$WORK/$name-%A_%a.out" "$@" >"$WORK/$name.sbatch" 2>&1
  job_status=$?
  if [ "$job_status" -eq 0 ]; then
    pass "$name: $(head -1 "$WORK/$name.sbatch"), exit 0 after $((SECONDS - start)) s"
  else
    fail "$name: sbatch --wait exit $job_status"
    cat "$WORK/$name.sbatch"
    for log in "$WORK/$name"-*.out; do [ -f "$log" ] && { echo "--- $log"; tail -30 "$log"; }; done
  fi
}

# check_results DESCRIPTION FILE...: each is a grapes result file with particles.
check_results() {
  local what=$1
  shift
  if "$PYTHON" - "$@" <<'PY'; then pass "$what: $# result file(s)"; else fail "$what"; fi
import sys, h5py
for path in sys.argv[1:]:
    with h5py.File(path, "r") as f:
        software = f.attrs["software"]
        software = software.decode() if isinstance(software, bytes) else software
        assert software.startswith("grapes-hpc"), path
        assert f["particles/label"].shape[0] > 0, path
PY
}

common=(--nodes=1 --ntasks="$ranks" --ntasks-per-node="$ranks" --cpus-per-task=1 --mem=0 --time=10)
# Debian's OpenMPI has no Slurm PMI support: srun must use PMIx (SLURM_MPI_TYPE = --mpi).
srun_env="ALL,SLURM_MPI_TYPE=pmix,GRAPES=$GRAPES,PYTHON=$PYTHON"

# ---- 1. one run -------------------------------------------------------------------------
submit run_srun "${common[@]}" --export="$srun_env,OUTPUT=results/demo_srun.h5" \
  jobscripts/slurm_run.sbatch
check_results "slurm_run.sbatch with srun --mpi=pmix" results/demo_srun.h5
submit run_mpiexec "${common[@]}" \
  --export="ALL,GRAPES=$GRAPES,LAUNCH=mpiexec,OUTPUT=results/demo_mpiexec.h5,OMPI_ALLOW_RUN_AS_ROOT=1,OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1" \
  jobscripts/slurm_run.sbatch
check_results "slurm_run.sbatch with mpiexec in the allocation" results/demo_mpiexec.h5
if grep -q "$ranks ranks" "$WORK"/run_srun-*.out; then pass "the srun job ran $ranks ranks"; else
  fail "the srun job did not run $ranks ranks"; fi
# Without PMIx the srun launch must fail, and the script must say how to fix it.
timeout "$JOB_TIMEOUT" sbatch --wait --output="$WORK/run_nopmix-%j.out" "${common[@]}" \
  --export="ALL,GRAPES=$GRAPES,OUTPUT=results/demo_nopmix.h5" jobscripts/slurm_run.sbatch \
  >"$WORK/run_nopmix.sbatch" 2>&1
nopmix=$?
if [ "$nopmix" -ne 0 ] && grep -q "SLURM_MPI_TYPE=pmix" "$WORK"/run_nopmix-*.out; then
  pass "srun without PMIx fails (exit $nopmix) with the SLURM_MPI_TYPE=pmix hint"
elif [ "$nopmix" -eq 0 ]; then
  say "note: srun without --mpi=pmix worked here (MpiDefault or an OpenMPI with Slurm PMI)"
else
  fail "srun without PMIx: no hint in the job log"; tail -20 "$WORK"/run_nopmix-*.out
fi

# ---- 2. a series as a job array, then the combine step -----------------------------------
mkdir -p data
"$GRAPES" phantom inputs/demo.yaml --set "input.phantom.shape=[48,56,64]" --steps 3 -o data/s.h5 \
  >"$WORK/phantom.log" 2>&1 || fail "grapes phantom --steps 3"
cat >series.yaml <<'EOF'
input:
  grey: {path: data/s_step0.h5, dataset: /grey}
  labels: {path: data/s_step0.h5, dataset: /labels}
EOF
printf '# name grey labels\nprist data/s_step0.h5 data/s_step0.h5\n4.0V data/s_step1.h5 data/s_step1.h5\n4.4V data/s_step2.h5 data/s_step2.h5\n' >steps.txt
submit series_array "${common[@]}" --array=0-2 \
  --export="$srun_env,TEMPLATE=series.yaml,STEP_LIST=steps.txt,RESULTS_DIR=results/series" \
  jobscripts/slurm_series.sbatch
check_results "slurm_series.sbatch array (3 steps)" results/series/prist.h5 results/series/4.0V.h5 \
  results/series/4.4V.h5
# An unknown subcommand's --help prints the top-level help (exit 0): look for its usage line.
if "$GRAPES" series --help 2>/dev/null | grep -q "grapes series"; then
  submit series_combine --nodes=1 --ntasks=1 --ntasks-per-node=1 --mem=0 --time=10 \
    --export="$srun_env,COMBINE=1,STEP_LIST=steps.txt,RESULTS_DIR=results/series,SERIES_OUTPUT=results/series.h5" \
    jobscripts/slurm_series.sbatch
  "$PYTHON" -c 'import h5py, sys; assert "series/steps" in h5py.File(sys.argv[1], "r")' results/series.h5 &&
    pass "combine step wrote results/series.h5 with /series" || fail "combine step: no /series in results/series.h5"
else
  # Fallback for an old grapes without the `series` command.
  say "SKIPPED: the series combine step (COMBINE=1: grapes series --from): this grapes is too" \
      "old to have the 'series' command ($GRAPES series --help shows no 'grapes series' usage)"
  # The script's combine plumbing still runs, with a stand-in `grapes series` that records
  # the command line it was given.
  cat >"$WORK/grapes-standin" <<STANDIN
#!/bin/bash
if [ "\$1" = series ]; then
  [ "\$2" = --help ] && { echo "Usage: grapes series [OPTIONS] [CONFIG] --from FILE..."; exit 0; }
  printf '%s\n' "\$@" >"$WORK/series-args.txt"
  exit 0
fi
exec "$GRAPES" "\$@"
STANDIN
  chmod +x "$WORK/grapes-standin"
  submit series_combine_standin --nodes=1 --ntasks=1 --ntasks-per-node=1 --mem=0 --time=10 \
    --export="ALL,SLURM_MPI_TYPE=pmix,GRAPES=$WORK/grapes-standin,COMBINE=1,STEP_LIST=steps.txt,RESULTS_DIR=results/series" \
    jobscripts/slurm_series.sbatch
  expected=$(printf '%s\n' series --set output.path=results/series/series.h5 --from \
    results/series/prist.h5 results/series/4.0V.h5 results/series/4.4V.h5)
  if [ "$(cat "$WORK/series-args.txt" 2>/dev/null)" = "$expected" ]; then
    pass "combine step (stand-in grapes series): the steps in STEP_LIST order, output path"
  else
    fail "combine step command line: got '$(tr '\n' ' ' <"$WORK/series-args.txt" 2>/dev/null)'"
  fi
fi

# ---- 3. the scaling driver ----------------------------------------------------------------
submit scaling --nodes=1 --ntasks="$ranks" --ntasks-per-node="$ranks" --cpus-per-task=1 --exclusive \
  --mem=0 --time=10 \
  --export="$srun_env,STUDY=both,RANKS=1 $ranks,PHANTOM_SHAPE=64,BASE=40,STUDY_ROOT=scaling/ci" \
  jobscripts/scaling/submit_scaling.sbatch
for study in strong weak; do
  runs=(scaling/ci/$study/runs/*.h5)
  if [ -s "scaling/ci/$study/summary.txt" ] && [ -s "scaling/ci/$study/summary.csv" ] && [ "${#runs[@]}" -eq 2 ]; then
    check_results "scaling $study study (summary.txt, summary.csv)" "${runs[@]}"
  else
    fail "scaling $study study: missing summary or runs (${#runs[@]} runs)"
    ls -R "scaling/ci/$study" 2>/dev/null | head -20
  fi
done

if [ "$failures" -eq 0 ]; then say "all job scripts passed under Slurm"; else say "$failures check(s) failed"; fi
[ "$failures" -eq 0 ]
