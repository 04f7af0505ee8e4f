#!/usr/bin/env bash
# Configures and builds srns in build/ (CUDA auto-detected). Installs missing Debian packages
# first. Extra arguments go to the configure step, e.g. scripts/build.sh -DSRNS_CUDA=OFF.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cd "$root"
jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset default "$@" >/dev/null
cmake --build build -j "$jobs"
