#!/usr/bin/env bash
# Makes the seed corpus of every fuzz target (tests/fuzz/corpus/<target>/seed-*) from the tiny
# fixture data/fixtures/tiny_log.tsv, in each target's input format (fuzz_common.hpp and the
# head of each target's file), with an srns binary:
#   tests/fuzz/make_seeds.sh build/srns
# The seeds are committed; rerun this after an input format changes.
set -euo pipefail
srns=$(realpath "${1:?usage: make_seeds.sh SRNS_BINARY}")
root=$(cd "$(dirname "$0")/../.." && pwd)
corpus="$root/tests/fuzz/corpus"
log="$root/data/fixtures/tiny_log.tsv"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$corpus"/{log_reader,split_dir,presplit,model_file,user_items,checkpoint}
rm -f "$corpus"/*/seed-*

# Bytes given as two-digit hex, e.g. bytes 20 09.
bytes() { for b in "$@"; do printf "\\x$b"; done; }
# The files of a directory joined by '\0' (pack DIR NAME...), absent ones skipped.
pack() {
  local dir=$1 first=1
  shift
  for name in "$@"; do
    [ -f "$dir/$name" ] || continue
    [ $first = 1 ] || printf '\0'
    first=0
    cat "$dir/$name"
  done
}
# The presence mask of files (mask DIR NAME...), as two hex bytes, low byte first.
mask() {
  local dir=$1 bits=0 k=0
  shift
  for name in "$@"; do
    [ -f "$dir/$name" ] && bits=$((bits | (1 << k)))
    k=$((k + 1))
  done
  printf '%02x %02x' $((bits & 255)) $((bits >> 8))
}

# log_reader: option bytes (rating 3rd column, time 4th, 1 negative; then min-rating 3 and the
# ratio protocol), the log as tab, comma and MovieLens '::' text.
{ bytes 20 09; cat "$log"; } >"$corpus/log_reader/seed-tsv"
{ bytes a0 0d; cat "$log"; } >"$corpus/log_reader/seed-tsv-ratio"
{ bytes 23 09; grep -v '^#' "$log" | tr '\t' ','; } >"$corpus/log_reader/seed-csv"
{ bytes 21 29; grep -v '^#' "$log" | sed 's/\t/::/g'; } >"$corpus/log_reader/seed-movielens"

# split_dir: the fixture's split, and a small generated one with truth.tsv.
files=(train.tsv val.tsv test.tsv val_neg.tsv test_neg.tsv user_map.tsv item_map.tsv meta.json
  truth.tsv)
"$srns" split --input "$log" --eval-negatives 1 --out "$work/tiny" >/dev/null
"$srns" gen --users 12 --items 40 --interactions 80 --eval-negatives 3 --out "$work/gen" >/dev/null
for s in tiny gen; do
  # shellcheck disable=SC2046
  { bytes $(mask "$work/$s" "${files[@]}"); pack "$work/$s" "${files[@]}"; } \
    >"$corpus/split_dir/seed-$s"
done

# presplit: SRNS-form negatives with validation, and NCF form "(u,i)" without.
{ bytes 1f; pack "$work/tiny" train.tsv test.tsv test_neg.tsv val.tsv; } >"$corpus/presplit/seed-srns"
paste "$work/tiny/test.tsv" <(cut -f2- "$work/tiny/test_neg.tsv") |
  awk -F'\t' '{ printf "(%s,%s)", $1, $2; for (k = 3; k <= NF; ++k) printf "\t%s", $k; print "" }' \
    >"$work/ncf.negative"
cp "$work/ncf.negative" "$work/tiny/ncf.negative"
{ bytes 0e; pack "$work/tiny" train.tsv test.tsv ncf.negative; } >"$corpus/presplit/seed-ncf"

# model_file: a GMF and an MF model trained on the fixture's split.
"$srns" train --data "$work/tiny" --epochs 1 --dim 2 --threads 1 --device cpu --quiet --out "$work/gmf"
"$srns" train --data "$work/tiny" --epochs 1 --dim 3 --model mf --threads 1 --device cpu --quiet --out "$work/mf"
cp "$work/gmf/model.bin" "$corpus/model_file/seed-gmf"
cp "$work/mf/model.bin" "$corpus/model_file/seed-mf"

# user_items: 4 users x 5 items, and the generated truth set with its counts.
{ bytes 04 05; cat "$work/tiny/train.tsv"; } >"$corpus/user_items/seed-tiny"
{ bytes 0c 28; cat "$work/gen/truth.tsv"; } >"$corpus/user_items/seed-truth"

# checkpoint: the generated split's SRNS run (tests/fuzz/checkpoint.cpp sets up the same), killed
# once it has written a checkpoint (a finished run removes its own).
"$srns" train --data "$work/gen" --dim 4 --batch-size 16 --s1 2 --s2 2 --pool-size 6 --window 2 \
  --epochs 100000 --checkpoint-every 1 --threads 1 --device cpu --quiet --out "$work/ck" &
pid=$!
until [ -f "$work/ck/checkpoint.bin" ]; do sleep 0.05; done
sleep 0.2
kill -9 $pid
wait $pid 2>/dev/null || true
cp "$work/ck/checkpoint.bin" "$corpus/checkpoint/seed-srns"

for d in "$corpus"/*/; do echo "$(basename "$d"): $(ls "$d" | wc -l) inputs"; done
