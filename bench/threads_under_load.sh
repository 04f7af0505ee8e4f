#!/usr/bin/env bash
# Seconds per epoch of `srns train` with the default thread count against --threads 1, on an
# idle machine and with one busy core (`yes > /dev/null`), for a list of OpenMP wait settings.
# Prints one row per (load, setting, sampler, threads): the median and the minimum over REPS
# runs. The busy loop is started and ended by this script (its own pid only). SAMPLERS and
# THREADS (the --threads values, default "0 1") narrow or widen the table.
#
#   bench/threads_under_load.sh SPLIT_DIR [SRNS_BINARY] [REPS] [EPOCHS]
#   SETTINGS="unset OMP_WAIT_POLICY=passive" bench/threads_under_load.sh ml100k
#
# A setting is an environment assignment passed to `env`; "unset" runs with OMP_WAIT_POLICY
# and GOMP_SPINCOUNT removed from the environment (what a user who sets nothing gets).
set -euo pipefail
data=${1:?usage: threads_under_load.sh SPLIT_DIR [SRNS_BINARY] [REPS] [EPOCHS]}
srns=${2:-build/srns}
reps=${3:-5}
epochs=${4:-5}
settings=${SETTINGS:-unset}
samplers=${SAMPLERS:-uniform srns}
thread_counts=${THREADS:-0 1}

one_run() {  # setting sampler threads -> seconds per epoch
  local setting=$1
  [ "$setting" = unset ] && setting=SRNS_NOTHING=1
  env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT "$setting" "$srns" train --data "$data" \
    --sampler "$2" --threads "$3" --epochs "$epochs" --device cpu --no-out --quiet --json |
    sed -n 's/.*"seconds_per_epoch": \([0-9.e-]*\).*/\1/p'
}

measure() {  # load
  for setting in $settings; do
    for sampler in $samplers; do
      for threads in $thread_counts; do
        times=$(for _ in $(seq "$reps"); do one_run "$setting" "$sampler" "$threads"; done | sort -g)
        median=$(echo "$times" | sed -n "$(((reps + 1) / 2))p")
        low=$(echo "$times" | head -n 1)
        printf '%-5s %-26s %-8s threads=%-2s median %8.4f s/epoch  min %8.4f\n' \
          "$1" "$setting" "$sampler" "$threads" "$median" "$low"
      done
    done
  done
}

echo "# $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $reps runs of $epochs epochs each"
measure idle
yes >/dev/null &
busy=$!
trap 'kill "$busy" 2>/dev/null || true' EXIT
sleep 1
measure busy
