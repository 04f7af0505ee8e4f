#!/usr/bin/env bash
# Builds the CPU code and its tests with AddressSanitizer and UndefinedBehaviorSanitizer (the
# debug preset, in build-debug/) and runs the test suite there. Any report fails the run: UBSan
# does not recover (-fno-sanitize-recover in the preset) and ASan checks leaks too. GPU tests
# are not built in this preset. Extra arguments go to ctest, e.g. scripts/sanitize.sh -R Cli.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cd "$root"
cmake --preset debug >/dev/null
cmake --build build-debug -j "$(nproc 2>/dev/null || echo 2)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir build-debug --output-on-failure -j "$(nproc 2>/dev/null || echo 2)" "$@"
