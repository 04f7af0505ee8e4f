#!/usr/bin/env bash
# The CPU speed figures of issue 11 on the real ML-1M (NCF split): 2 threads (THREADS), GMF
# F = 32, official SRNS settings (S1 = 8, S2 = 64, V = 3000, W = 5, batch 1000), each figure a
# bench/srns_throughput run with its JSON kept:
#   srns_adam          SRNS, dense Adam, sampled validation every epoch; 5 untimed epochs first
#                      so the timed ones read a full W = 5 history
#   uniform_adam       Uniform, dense Adam, sampled validation every epoch
#   uniform_sgd        Uniform, SGD (one deterministic step per batch), no validation
#   uniform_hogwild    Uniform, SGD --hogwild, no validation
# then bench/implicit_side_by_side.py (implicit's CPU BPR, interleaved with the SGD rows).
# The load average is logged before and after every run (timings mean little on a busy
# machine: check the log).
# Usage: bench/cpu_speed.sh OUT_PREFIX   (e.g. bench/results/cpu_speed_ml1m)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
prefix="${1:?usage: bench/cpu_speed.sh OUT_PREFIX}"
threads="${THREADS:-2}"
build="${BUILD:-$here/../build}"
bench="$build/bench/srns_throughput"
"$here/ml1m_ncf_split.sh" "$here/data" "$build/srns"
data="$here/data/ml1m-ncf"
log="$prefix.log"
: > "$log"
run() {
  local name="$1"
  shift
  echo "$name: load $(cut -d' ' -f1-3 /proc/loadavg) before" | tee -a "$log"
  echo "  $bench $*" | tee -a "$log"
  "$bench" "$@" --json "${prefix}_$name.json" | tail -n 4 | tee -a "$log"
  echo "$name: load $(cut -d' ' -f1-3 /proc/loadavg) after" | tee -a "$log"
}
common=(--data "$data" --devices cpu --threads "$threads")
run srns_adam "${common[@]}" --samplers srns --eval sampled --cpu-warmup 5 --epochs 3
run uniform_adam "${common[@]}" --samplers uniform --eval sampled --cpu-warmup 1 --epochs 3
run uniform_sgd "${common[@]}" --samplers uniform --optimizer sgd --eval none --cpu-warmup 1 \
  --epochs 3
run uniform_hogwild "${common[@]}" --samplers uniform --optimizer sgd --hogwild --eval none \
  --cpu-warmup 1 --epochs 3
echo "implicit side by side: load $(cut -d' ' -f1-3 /proc/loadavg) before" | tee -a "$log"
"$here/implicit_side_by_side.py" --build "$build" --threads "$threads" --rounds 7 \
  --out "${prefix}_vs_implicit" | tee -a "$log"
