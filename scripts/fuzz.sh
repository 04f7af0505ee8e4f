#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with Debian's clang (-fsanitize=fuzzer,address,
# undefined; the fuzz preset, in build-fuzz/) and runs each for SECONDS seconds, starting from
# its committed seed corpus (tests/fuzz/corpus/<target>/). Installs clang, its runtime
# libraries (libFuzzer, sanitizers) and libomp with apt-get where they are missing.
#
#   scripts/fuzz.sh [SECONDS [TARGET...]]       default: 30 s, every target
#
# New inputs accumulate in build-fuzz/corpus/<target>/, logs in build-fuzz/logs/, and an input
# that crashes lands in build-fuzz/crashes/<target>/: minimise it (fuzz_<target> -minimize_crash=1
# -runs=10000 FILE), fix the bug, and commit it as tests/fuzz/corpus/<target>/crash-<what> so the
# replay test (tests/fuzz_replay_test.cpp) keeps it fixed. Prints one line per target (runs,
# runs/s, coverage, corpus, crashes) and exits 1 when any target found something.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-30}
shift || true
# The build's packages, then clang with its runtime libraries (libFuzzer, sanitizers) and libomp,
# clang's OpenMP.
"$root/scripts/setup.sh"
"$root/scripts/setup.sh" clang libclang-rt-dev libomp-dev

cd "$root"
cmake --preset fuzz >/dev/null
cmake --build build-fuzz -j "$(nproc 2>/dev/null || echo 2)"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=($(sed -n 's/^set(SRNS_FUZZ_TARGETS \(.*\))$/\1/p' tests/fuzz/CMakeLists.txt))
fi

found=0
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/crashes/$t" build-fuzz/logs
  log="build-fuzz/logs/$t.log"
  # 256 MB for one allocation: no input of at most 4 KiB needs that; a size taken from the
  # input does. One thread of OpenMP (fuzz_main.cpp); 10 s per input at most.
  status=0
  "build-fuzz/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=256 -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/crashes/$t/" "build-fuzz/corpus/$t" "tests/fuzz/corpus/$t" \
    >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
  corp=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -n 1)
  crashes=$(find "build-fuzz/crashes/$t" -type f | wc -l)
  printf '%-11s %4ss  runs %-9s %6s/s  %-18s %-14s crashes %s%s\n' "$t" "$seconds" "${runs:-?}" \
    "${rate:-?}" "${cov:-cov: ?}" "${corp:-corp: ?}" "$crashes" \
    "$([ "$status" -ne 0 ] && echo "  (exit $status, see $log)")"
  if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then found=1; fi
done
exit $found
