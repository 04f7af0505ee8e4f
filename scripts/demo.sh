#!/usr/bin/env bash
# The main job: builds srns and trains SRNS on the built-in synthetic dataset, printing one line
# per epoch and the test metrics of the best model. Extra arguments go to `srns train`, e.g.
#   scripts/demo.sh --sampler uniform --epochs 50
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh"
cd "$root"
exec ./build/srns train --epochs 60 --lr 0.005 --t0 20 "$@"
