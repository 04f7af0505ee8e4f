#!/usr/bin/env bash
# Paired A/B timing of two srns_throughput builds on a host whose speed drifts.
#
# On a shared VM the same binary can run 2-3 times slower from one minute to the next (seen on
# this project's AMD EPYC host: user CPU time tripled with no steal time recorded), so two
# binaries timed one after the other compare the host's moods, not the code. Here both run at
# the same time, one thread each, each pinned to its own core, and the cores swap every round:
# each round's ratio B/A is taken under one host state, and the swap cancels a faster core.
# The figures are one-thread figures (both processes share the L3 and memory); use them for
# the ratio, and bench/cpu_speed.sh for the two-thread figures.
#
# Usage: bench/paired_ab.sh BIN_A BIN_B ROUNDS -- SRNS_THROUGHPUT_ARGS...
#   e.g. bench/paired_ab.sh /tmp/a/srns_throughput build/bench/srns_throughput 4 -- \
#          --data bench/data/ml1m-ncf --samplers srns --eval sampled --cpu-warmup 2 --epochs 3
# Prints, per round and sampler, each side's s/epoch (select+grad / optimizer) and B/A; then
# the median ratio per sampler.
set -euo pipefail
a="${1:?usage: bench/paired_ab.sh BIN_A BIN_B ROUNDS -- ARGS...}"
b="${2:?}"
rounds="${3:?}"
shift 3
[ "${1:-}" = "--" ] && shift
[ "$(nproc)" -ge 2 ] || { echo "paired_ab.sh: needs two cores" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then core_a=0 core_b=1; else core_a=1 core_b=0; fi
  taskset -c "$core_a" "$a" --devices cpu --threads 1 "$@" > "$tmp/a.log" 2>&1 &
  pid_a=$!
  taskset -c "$core_b" "$b" --devices cpu --threads 1 "$@" > "$tmp/b.log" 2>&1 &
  pid_b=$!
  wait "$pid_a" || { cat "$tmp/a.log" >&2; exit 1; }
  wait "$pid_b" || { cat "$tmp/b.log" >&2; exit 1; }
  # Rows of the summary table: device sampler step pairs/s s/epoch select+grad optimizer ...
  join <(awk '/^cpu / { print $2, $5, $6, $7 }' "$tmp/a.log" | sort) \
       <(awk '/^cpu / { print $2, $5, $6, $7 }' "$tmp/b.log" | sort) |
    awk -v r="$r" -v ca="$core_a" -v cb="$core_b" '{
      printf "round %d  %-8s A(core %d) %.3f s (%.3f / %.3f)  B(core %d) %.3f s (%.3f / %.3f)  B/A %.3f\n",
             r, $1, ca, $2, $3, $4, cb, $5, $6, $7, $5 / $2 }'
done | tee "$tmp/rounds.txt"
echo "median B/A per sampler:"
awk '{ print $3, $NF }' "$tmp/rounds.txt" | sort -k1,1 -k2,2n |
  awk '{ v[$1] = v[$1] " " $2; n[$1]++ }
       END { for (s in v) { split(substr(v[s], 2), x, " "); m = n[s];
             med = m % 2 ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2;
             printf "  %-8s %.3f over %d rounds\n", s, med, m } }'
