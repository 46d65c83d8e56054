#!/usr/bin/env bash
# The job scripts' OpenMPI settings (jobscripts/README.md): each script's exports, run as the
# script runs them, are taken by OpenMPI itself (ompi_info reports the value and the source
# "environment"; a misspelt parameter name would be ignored silently), and a value the user set
# before submitting wins.
source "$(dirname "$0")/lib.sh"
cd "$GRAPES_SOURCE_DIR"

scripts=(jobscripts/slurm_run.sbatch jobscripts/slurm_run_gpu.sbatch jobscripts/slurm_series.sbatch
  jobscripts/pbs_run.pbs jobscripts/scaling/common.sh)
declare -A wanted=([oob_tcp_keepalive_time]=5 [oob_tcp_keepalive_intvl]=2 [oob_tcp_keepalive_probes]=3)

# The parameter's value and source as ompi_info reports them with the script's exports applied.
reported() { # SCRIPT PARAM [PRESET]
  local exports
  exports="$(grep -E '^export OMPI_MCA_' "$1")"
  env -u OMPI_MCA_oob_tcp_keepalive_time ${3:+OMPI_MCA_$2=$3} bash -c "$exports
    ompi_info --param oob tcp --level 9 --parsable" |
    awk -F: -v p="$2" '$5 == p && ($6 == "value" || $6 == "source") { printf "%s ", $7 }'
}

for script in "${scripts[@]}"; do
  for param in "${!wanted[@]}"; do
    got="$(reported "$script" "$param")"
    if [ "$got" = "${wanted[$param]} environment " ]; then
      pass "$script sets $param=${wanted[$param]}"
    else
      fail "$script: ompi_info reports $param as '$got', wanted '${wanted[$param]} environment'"
    fi
  done
  got="$(reported "$script" oob_tcp_keepalive_time 42)"
  if [ "$got" = "42 environment " ]; then
    pass "$script keeps the user's oob_tcp_keepalive_time"
  else
    fail "$script overrides the user's oob_tcp_keepalive_time (ompi_info: '$got')"
  fi
done
finish
