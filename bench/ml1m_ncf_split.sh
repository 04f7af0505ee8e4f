#!/usr/bin/env bash
# The real ML-1M in the NCF split as srns split directories, for the CPU speed benchmarks:
#   OUT/ml1m-ncf            988,129 training pairs: NCF's training pairs less one validation
#                           pair per user (the user's last pair in file order), 6,040
#                           validation rows that share the test rows' 99 NCF negatives, as the
#                           official SRNS evaluation does (srns split --format ncf --val)
#   OUT/ml1m-ncf-all-pairs  all 994,169 training pairs (no validation), for the side-by-side
#                           with implicit (bench/implicit_side_by_side.py makes it too)
# Inputs: ../shared/data/ncf (data/README there). Usage: bench/ml1m_ncf_split.sh [OUT] [SRNS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/data}"
srns="${2:-$here/../build/srns}"
ncf="$here/../../shared/data/ncf"
for f in ml-1m.train.pairs.tsv ml-1m.test.rating ml-1m.test.negative; do
  [ -f "$ncf/$f" ] || { echo "ml1m_ncf_split.sh: $ncf/$f not found" >&2; exit 1; }
done
mkdir -p "$out/ml1m-ncf-src"
if [ ! -f "$out/ml1m-ncf/train.tsv" ]; then
  # The last pair of each user (the file is sorted by user) is the validation row.
  awk -F'\t' '{ if ($1 != prev && NR > 1) print last; prev = $1; last = $0 } END { print last }' \
    "$ncf/ml-1m.train.pairs.tsv" > "$out/ml1m-ncf-src/val.tsv"
  awk -F'\t' 'NR == FNR { v[$0] = 1; next } !($0 in v)' "$out/ml1m-ncf-src/val.tsv" \
    "$ncf/ml-1m.train.pairs.tsv" > "$out/ml1m-ncf-src/train.tsv"
  "$srns" split --format ncf --train "$out/ml1m-ncf-src/train.tsv" \
    --test "$ncf/ml-1m.test.rating" --test-negatives "$ncf/ml-1m.test.negative" \
    --allow-target-negatives \
    --val "$out/ml1m-ncf-src/val.tsv" --out "$out/ml1m-ncf"
fi
if [ ! -f "$out/ml1m-ncf-all-pairs/train.tsv" ]; then
  "$srns" split --format ncf --train "$ncf/ml-1m.train.pairs.tsv" \
    --test "$ncf/ml-1m.test.rating" --out "$out/ml1m-ncf-all-pairs"
fi
