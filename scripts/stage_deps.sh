#!/usr/bin/env bash
# Copies the header-only dependencies and the GoogleTest sources of this machine into
# <repo>/.deps (git-ignored), for machines without network or packages (the GPU machine):
#   .deps/include/cxxopts.hpp   .deps/include/nlohmann/   .deps/googletest/
# Configure with -DSRNS_DEPS_DIR=<repo>/.deps (bench/gpu_check.sh does when .deps exists);
# CMake still prefers installed packages and uses these only where none is found.
# --check: only verify that .deps is complete (exit 1 if not).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deps="$root/.deps"
complete() {
  [ -f "$deps/include/cxxopts.hpp" ] && [ -f "$deps/include/nlohmann/json.hpp" ] &&
    [ -f "$deps/googletest/CMakeLists.txt" ]
}
if [ "${1:-}" = "--check" ]; then
  if complete; then echo "stage_deps: $deps is complete"; exit 0; fi
  echo "stage_deps: $deps is incomplete; run scripts/stage_deps.sh on a machine with the packages"
  exit 1
fi
for need in /usr/include/cxxopts.hpp /usr/include/nlohmann/json.hpp /usr/src/googletest/CMakeLists.txt; do
  if [ ! -e "$need" ]; then
    echo "stage_deps: $need is missing here (apt-get install libcxxopts-dev nlohmann-json3-dev googletest)" >&2
    exit 1
  fi
done
rm -rf "$deps"
mkdir -p "$deps/include"
cp /usr/include/cxxopts.hpp "$deps/include/"
cp -r /usr/include/nlohmann "$deps/include/"
cp -r /usr/src/googletest "$deps/googletest"
complete
echo "stage_deps: staged cxxopts, nlohmann/json and googletest in $deps ($(du -sh "$deps" | cut -f1))"
