#!/usr/bin/env bash
# The main job: builds the srns executable and trains SRNS on the built-in synthetic dataset,
# printing one line per epoch and the test metrics of the best model. It builds only what it
# runs: the srns target (no tests, no benchmarks), with the CUDA backend only where a GPU is
# usable (nvidia-smi lists one), else the CPU-only build in build-cpu/. Extra arguments go to
# `srns train`, e.g.
#   scripts/demo.sh --sampler uniform --epochs 50
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cd "$root"
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L 2>/dev/null | grep -q '^GPU'; then
  preset=default dir=build
else
  preset=cpu dir=build-cpu
fi
cmake --preset "$preset" >/dev/null
cmake --build "$dir" --target srns -j "$(nproc 2>/dev/null || echo 2)"
exec "./$dir/srns" train --epochs 60 --lr 0.005 --t0 20 "$@"
