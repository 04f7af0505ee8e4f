#!/usr/bin/env bash
# Downloads MovieLens 100K and/or 1M from GroupLens into data/raw/ (git-ignored), checks their
# md5 sums, and prints the `srns split` commands of the paper's protocol. MovieLens is for
# research use under the GroupLens licence and must not be redistributed.
#   data/fetch_movielens.sh 100k      # or 1m, or both (default)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
raw="$here/raw"
mkdir -p "$raw"
want=${1:-both}

fetch() {  # name url md5 file-inside
  local name=$1 url=$2 md5=$3
  if [ ! -f "$raw/$name.zip" ]; then
    echo "downloading $url"
    curl -fL --retry 3 -o "$raw/$name.zip.part" "$url"
    mv "$raw/$name.zip.part" "$raw/$name.zip"
  fi
  echo "$md5  $raw/$name.zip" | md5sum -c --quiet - || {
    echo "checksum mismatch for $raw/$name.zip (delete it and retry)" >&2; exit 1; }
  (cd "$raw" && unzip -oq "$name.zip")
}

if [ "$want" = 100k ] || [ "$want" = both ]; then
  fetch ml-100k https://files.grouplens.org/datasets/movielens/ml-100k.zip 0e33842e24a9c977be4e0107933c0723
  echo "split: srns split --input $raw/ml-100k/u.data --min-rating 4 --out ml100k"
fi
if [ "$want" = 1m ] || [ "$want" = both ]; then
  fetch ml-1m https://files.grouplens.org/datasets/movielens/ml-1m.zip c4d9eecfca2ab87c1945afe126590906
  echo "split: srns split --input $raw/ml-1m/ratings.dat --min-rating 4 --out ml1m"
fi
