#!/usr/bin/env bash
# Builds srns (CUDA sources too, where nvcc exists) and runs the whole test suite with ctest.
# GPU tests skip with a message on machines without a usable GPU; tests that need the public
# datasets in ../shared/data skip when it is absent. Extra arguments go to build.sh's configure
# step, e.g. scripts/test.sh -DSRNS_CUDA=OFF (docker/Dockerfile passes its build switches).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" "$@"
cd "$root"
ctest --test-dir build --output-on-failure -j "$(nproc 2>/dev/null || echo 2)"
