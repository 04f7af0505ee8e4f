#!/usr/bin/env bash
# One-shot check of the CUDA backend on a GPU machine, designed to finish in under 8 minutes on
# an H100 (SRNS_GPU_CHECK_BUDGET seconds, default 460; every step has its own timeout, and
# steps that no longer fit are skipped, not started):
#   1. configure (CUDA on, sm_90; offline dependencies from <repo>/.deps when present) and build
#      in <repo>/build-gpu;
#   2. srns info; the CUDA tests (parity and end to end) with SRNS_REQUIRE_GPU=1, so a GPU that
#      fails to initialise fails them instead of skipping them;
#   3. compute-sanitizer memcheck, racecheck and synccheck on the parity tests (when
#      compute-sanitizer exists);
#   4. the throughput benchmark on ML-100K (<repo>/shared-data/ml-100k/u.data, staged by hand,
#      see below), the generated ML-1M-sized set (CUDA and CPU) and the generated large set
#      (CUDA; 1M users x 200k items x 50M interactions, pool size 100, lazy Adam).
# Every log, the tests' JSON and the benchmarks' JSON land in OUT_DIR; OUT_DIR/summary.txt
# lists each step's status and time and ends with the benchmark tables.
#
# The GPU machine has no network: before sending the tree there, stage on a machine that has
# the packages and the data:
#   scripts/stage_deps.sh                         # -> .deps/ (cxxopts, nlohmann/json, googletest)
#   mkdir -p shared-data/ml-100k && cp ../shared/data/ml-100k/u.data shared-data/ml-100k/
# (both folders are git-ignored; send them along with the working tree).
set -uo pipefail
if [ $# -ne 1 ]; then
  echo "usage: bench/gpu_check.sh OUT_DIR" >&2
  exit 2
fi
mkdir -p "$1"
out=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-gpu"
budget=${SRNS_GPU_CHECK_BUDGET:-460}
start=$SECONDS
summary="$out/summary.txt"
: >"$summary"

note() { echo "$*" | tee -a "$summary"; }
left() { echo $((budget - (SECONDS - start))); }

# step NAME LIMIT CMD...: runs CMD with a timeout of LIMIT seconds (less if the budget is
# nearly spent), output in OUT/NAME.log; prints and records the status.
step() {
  local name=$1 limit=$2
  shift 2
  local remaining=$(($(left) - 5))
  if [ "$remaining" -lt 15 ]; then
    note "$(printf '%-9s %-22s' SKIPPED "$name") (time budget spent)"
    return 99
  fi
  [ "$limit" -gt "$remaining" ] && limit=$remaining
  local t0=$SECONDS rc status
  timeout --kill-after=10 "$limit" "$@" >"$out/$name.log" 2>&1
  rc=$?
  status=PASS
  [ $rc -ne 0 ] && status="FAIL($rc)"
  [ $rc -eq 124 ] && status="TIMEOUT"
  note "$(printf '%-9s %-22s %4ss (limit %ss)  %s' "$status" "$name" $((SECONDS - t0)) "$limit" "$name.log")"
  return $rc
}

note "gpu_check: $(date -u +%FT%TZ), repo $root, budget ${budget}s"
{
  nvidia-smi || true
  nvcc --version || true
  cmake --version | head -1
  echo "cores: $(nproc)"
} >"$out/environment.log" 2>&1

deps_flag=()
if [ -f "$root/.deps/include/cxxopts.hpp" ]; then deps_flag=(-DSRNS_DEPS_DIR="$root/.deps"); fi
generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
step configure 90 cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DSRNS_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 "${deps_flag[@]}"
if ! step build 300 cmake --build "$build" -j "$(nproc)"; then
  note "gpu_check: the build failed; see $out/build.log"
  exit 1
fi

export SRNS_REQUIRE_GPU=1
step info 30 "$build/srns" info
step cuda_tests 150 "$build/tests/srns_cuda_tests" --gtest_output="json:$out/cuda_tests.json"

sanitizer=$(command -v compute-sanitizer || true)
for c in /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda/compute-sanitizer/compute-sanitizer; do
  [ -z "$sanitizer" ] && [ -x "$c" ] && sanitizer=$c
done
if [ -n "$sanitizer" ]; then
  parity='LaneMathDevice.*:Ops/OpParity.*'
  parity+=':Cases/SrnsStepParity.*/dense_epoch3:Cases/SrnsStepParity.*/pooled_false_negatives'
  parity+=':Cases/SrnsStepParity.*/wide_memory_dim40:CudaBackend.ABatchIsAGraphOfAtMostThreeKernels'
  step memcheck 90 "$sanitizer" --tool memcheck --error-exitcode 1 \
    "$build/tests/srns_cuda_tests" --gtest_filter="$parity"
  # Shared-memory hazards (warp scratch of the SRNS step) and barrier misuse.
  step racecheck 60 "$sanitizer" --tool racecheck --error-exitcode 1 \
    "$build/tests/srns_cuda_tests" --gtest_filter='Cases/SrnsStepParity.*/dense_epoch3:Ops/OpParity.*/reduce_gradients'
  step synccheck 60 "$sanitizer" --tool synccheck --error-exitcode 1 \
    "$build/tests/srns_cuda_tests" --gtest_filter='Cases/SrnsStepParity.*/pooled_false_negatives:Ops/OpParity.*/rank'
else
  note "SKIPPED   sanitizers             (compute-sanitizer not found)"
fi

bench="$build/bench/srns_throughput"
u_data="$root/shared-data/ml-100k/u.data"
if [ -f "$u_data" ]; then
  rm -rf "$build/ml100k"
  step split_ml100k 30 "$build/srns" split --input "$u_data" --min-rating 4 --out "$build/ml100k" &&
    step bench_ml100k 60 "$bench" --data "$build/ml100k" --devices cuda,cpu --epochs 3 \
      --cpu-epochs 1 --cuda-steps warp,thread --json "$out/bench_ml100k.json"
else
  note "SKIPPED   bench_ml100k           ($u_data missing; stage it with: mkdir -p shared-data/ml-100k && cp ../shared/data/ml-100k/u.data shared-data/ml-100k/)"
fi
step bench_ml1m 120 "$bench" --gen ml1m --devices cuda,cpu --epochs 3 --cpu-epochs 1 \
  --cuda-steps warp,thread --json "$out/bench_ml1m.json"
# Large: lazy Adam (dense Adam would move all 1.2M rows every batch), pooled history (auto).
step bench_large 150 "$bench" --gen large --devices cuda --epochs 1 --warmup 0 --eval sampled \
  --optimizer lazy-adam --json "$out/bench_large.json"

{
  echo
  echo "total $((SECONDS - start)) s"
  for b in ml100k ml1m large; do
    [ -f "$out/bench_$b.log" ] || continue
    echo
    echo "== bench_$b"
    grep -E '^(dataset|check|  (PASS|FAIL)|device|cpu |cuda |SRNS|CHECK)' "$out/bench_$b.log"
  done
} >>"$summary"
cat "$summary"
