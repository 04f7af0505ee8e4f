// Random draws that samplers share, written once for both backends (SRNS_HD, hd.hpp). Every
// draw reads a Philox stream (rng.hpp), so the CPU and the GPU draw the same numbers.
#pragma once
#include <stdint.h>

#include "srns/hd.hpp"
#include "srns/rng.hpp"

namespace srns {

// Whether sorted row[0..len) holds x. Branch-free halving (a conditional move per step):
// random probes would mispredict a branchy search half the time.
SRNS_HD bool sorted_contains(const int32_t* row, int64_t len, int32_t x) {
  if (len <= 0) return false;
  const int32_t* base = row;
  while (len > 1) {
    const int64_t half = len / 2;
    base = base[half] <= x ? base + half : base;
    len -= half;
  }
  return *base == x;
}

// A sorted row of items as a set.
struct SortedRow {
  const int32_t* row;
  int64_t len;
  SRNS_HD bool contains(int32_t x) const { return sorted_contains(row, len, x); }
};

// Uniform item of [0, n_items) outside `set` (anything with contains(item)), by rejection; the
// caller guarantees one exists.
template <class Stream, class Set>
SRNS_HD int32_t draw_outside(Stream* s, const Set& set, int32_t n_items) {
  for (;;) {
    const int32_t c = static_cast<int32_t>(s->below(static_cast<uint32_t>(n_items)));
    if (!set.contains(c)) return c;
  }
}

// Uniform item outside the sorted training row (rejection; the caller guarantees one exists).
template <class Stream>
SRNS_HD int32_t draw_non_positive(Stream* s, const int32_t* row, int64_t len, int32_t n_items) {
  return draw_outside(s, SortedRow{row, len}, n_items);
}

// Whether x is among list[0..n).
SRNS_HD bool list_contains(const int32_t* list, int n, int32_t x) {
  int found = 0;
  for (int k = 0; k < n; ++k) found |= list[k] == x;  // branch-free: vectorises
  return found != 0;
}

// Appends `count` distinct values of [0, range) not already in out[0..have) (range must leave
// room: have + count <= range).
template <class Stream>
SRNS_HD void draw_distinct(Stream* s, int32_t* out, int have, int count, int32_t range) {
  for (int k = 0; k < count; ++k) {
    int32_t c;
    do {
      c = static_cast<int32_t>(s->below(static_cast<uint32_t>(range)));
    } while (list_contains(out, have + k, c));
    out[have + k] = c;
  }
}

// Positions of the n largest keys among keys[0..m), largest first; equal keys keep index
// order. n <= m.
SRNS_HD void top_n_indices(const float* keys, int m, int n, int32_t* out) {
  for (int r = 0; r < n; ++r) out[r] = -1;
  for (int k = 0; k < m; ++k) {
    // insertion into the sorted top list
    int pos = n;
    while (pos > 0 && (out[pos - 1] < 0 || keys[k] > keys[out[pos - 1]])) --pos;
    if (pos < n) {
      for (int r = n - 1; r > pos; --r) out[r] = out[r - 1];
      out[pos] = k;
    }
  }
}

// Random key of training pair `index` in epoch t's shuffle: pairs are trained in increasing
// (key, index) order, a uniformly random permutation that a GPU radix sort reproduces.
SRNS_HD uint32_t shuffle_key(uint64_t seed, int64_t epoch, int64_t index) {
  PhiloxStream s = make_stream(seed, kRngShuffle, epoch, static_cast<uint32_t>(index >> 32),
                               static_cast<uint32_t>(index));
  return s.next_u32();
}

}  // namespace srns
