// Building blocks the kernels share, each provably the same arithmetic as the CPU reference.
//
// Scores.  math.hpp fixes the order of every score: lane l (of 32) sums elements l, l+32, ...
// in turn, then a butterfly adds lanes (offsets 16, 8, 4, 2, 1). Two GPU forms keep it:
//   score_lanes / dot_lanes_reg  one thread computes a whole score with its 32 lane partials in
//                                registers (the loops unroll, so no local memory);
//   warp_dot(s)                  a warp computes one score (or a few), lane l holding partial l;
//                                the xor butterfly gives lane l the sum partial[l] + partial[l ^
//                                off], which equals the CPU's partial[l] + partial[l + off] for l <
//                                off (float addition commutes exactly), and leaves every lane with
//                                the CPU's total.
// Both builds disable multiply-add contraction, so each product rounds before its sum, as on
// the CPU. pb = p ⊙ beta is rounded to float before it multiplies q, as user_factor() does.
//
// Random draws.  stream_at(s, w) positions a fresh stream at word w (the w-th next_u32() of the
// sequential stream), so lane k can take draw k of a stream the CPU walks in order.
//
// Warp-parallel forms of the sequential draws (draws.hpp), host-testable:
//   round_accepts  draw_distinct in rounds of 32 draws: draw t of a round is kept exactly when
//                  it is new to the list and to the round's earlier draws (if it repeats an
//                  earlier draw, that draw was either kept or refused for the same reason);
//   key_rank       top_n_indices as ranks: key k's place in (key descending, index ascending),
//                  the insertion sort's order for keys that are not NaN;
//   argmax_key / argmax_better  select_entry's "first strict maximum" as a reduction: a NaN
//                  value wins when it is entry 0 (nothing beats it sequentially) and never
//                  otherwise; ties go to the lower index.
#pragma once
#include <math.h>
#include <stdint.h>

#include "srns/draws.hpp"
#include "srns/hd.hpp"
#include "srns/math.hpp"
#include "srns/rng.hpp"

#if defined(__CUDA_ARCH__)
#define SRNS_UNROLL _Pragma("unroll")
#else
#define SRNS_UNROLL
#endif

namespace srns::gpu {

// Butterfly of 32 register partials: lane_tree_sum with every loop bound a constant, so the
// loops unroll and the partials stay in registers (a loop over `off` would not unroll its
// inner loop, and the array would go to local memory).
SRNS_HD float lane_tree_sum_reg(float* lane) {
  static_assert(kLanes == 32, "the butterfly below is written for 32 lanes");
  SRNS_UNROLL
  for (int l = 0; l < 16; ++l) lane[l] = lane[l] + lane[l + 16];
  SRNS_UNROLL
  for (int l = 0; l < 8; ++l) lane[l] = lane[l] + lane[l + 8];
  SRNS_UNROLL
  for (int l = 0; l < 4; ++l) lane[l] = lane[l] + lane[l + 4];
  SRNS_UNROLL
  for (int l = 0; l < 2; ++l) lane[l] = lane[l] + lane[l + 2];
  return lane[0] + lane[1];
}

// dot_lanes(a, b, n), bit for bit, with the partials in registers.
SRNS_HD float dot_lanes_reg(const float* a, const float* b, int n) {
  float lane[kLanes];
  SRNS_UNROLL
  for (int l = 0; l < kLanes; ++l) lane[l] = 0.0f;
  for (int base = 0; base < n; base += kLanes) {
    const int m = n - base;
    SRNS_UNROLL
    for (int l = 0; l < kLanes; ++l) {
      if (l < m) {
        const float prod = a[base + l] * b[base + l];
        lane[l] = lane[l] + prod;
      }
    }
  }
  return lane_tree_sum_reg(lane);
}

// The canonical score r(u, i) = dot_lanes(p ⊙ beta, q), pb formed element by element.
SRNS_HD float score_lanes(const float* p, const float* beta, const float* q, int n) {
  float lane[kLanes];
  SRNS_UNROLL
  for (int l = 0; l < kLanes; ++l) lane[l] = 0.0f;
  for (int base = 0; base < n; base += kLanes) {
    const int m = n - base;
    SRNS_UNROLL
    for (int l = 0; l < kLanes; ++l) {
      if (l < m) {
        const float pb = p[base + l] * beta[base + l];
        const float prod = pb * q[base + l];
        lane[l] = lane[l] + prod;
      }
    }
  }
  return lane_tree_sum_reg(lane);
}

// Stream `s` (fresh from make_stream) advanced to word `word`: its next next_u32() returns the
// word the sequential stream returns at call number `word` (0-based).
SRNS_HD PhiloxStream stream_at(PhiloxStream s, uint32_t word) {
  s.ctr.v[0] += word / 4u;
  s.buf = philox4x32_10(s.ctr, s.key0, s.key1);
  s.ctr.v[0] += 1u;
  s.used = static_cast<int>(word % 4u);
  return s;
}

// Whether draw `lane` of a round, round[lane], joins list[0..have) in draw_distinct.
SRNS_HD bool round_accepts(const int32_t* list, int have, const int32_t* round, int lane) {
  const int32_t c = round[lane];
  return !list_contains(list, have, c) && !list_contains(round, lane, c);
}

// Place of keys[k] among keys[0..m) ordered by key descending, then index ascending.
SRNS_HD int key_rank(const float* keys, int m, int k) {
  const float x = keys[k];
  int rank = 0;
  for (int j = 0; j < m; ++j) rank += (keys[j] > x) || (keys[j] == x && j < k);
  return rank;
}

// Reduction key of select_entry's value of entry k (see the file comment).
SRNS_HD float argmax_key(float value, int k) {
  if (value != value) return k == 0 ? HUGE_VALF : -HUGE_VALF;
  return value;
}

// Whether (va, ia) beats (vb, ib): larger key, then lower index.
SRNS_HD bool argmax_better(float va, int ia, float vb, int ib) {
  return va > vb || (va == vb && ia < ib);
}

#if defined(__CUDACC__)
// The total of one warp's lane partials (lane l holding canonical partial l), on every lane: the
// xor butterfly that ends warp_dot, so a partial summed as dot_lanes sums lane l totals as
// dot_lanes does.
__device__ __forceinline__ float warp_lane_total(float acc) {
  SRNS_UNROLL
  for (int off = kLanes / 2; off > 0; off /= 2) {
    acc = acc + __shfl_xor_sync(0xFFFFFFFFu, acc, off);
  }
  return acc;
}

// Canonical dot of a and b over n elements by one warp; every lane returns the total.
__device__ __forceinline__ float warp_dot(const float* a, const float* b, int n, int lane) {
  float acc = 0.0f;
  for (int f = lane; f < n; f += kLanes) {
    const float prod = a[f] * b[f];
    acc = acc + prod;
  }
  return warp_lane_total(acc);
}

// kDots canonical dots of a against rows[0..kDots) at once (independent loads in flight,
// shuffles pipelined); dot c is summed exactly as warp_dot(a, rows[c]) would sum it.
template <int kDots>
__device__ __forceinline__ void warp_dots(const float* a, const float* const* rows, int n, int lane,
                                          float* out) {
  float acc[kDots];
  SRNS_UNROLL
  for (int c = 0; c < kDots; ++c) acc[c] = 0.0f;
  for (int f = lane; f < n; f += kLanes) {
    const float x = a[f];
    SRNS_UNROLL
    for (int c = 0; c < kDots; ++c) {
      const float prod = x * rows[c][f];
      acc[c] = acc[c] + prod;
    }
  }
  SRNS_UNROLL
  for (int off = kLanes / 2; off > 0; off /= 2) {
    SRNS_UNROLL
    for (int c = 0; c < kDots; ++c) acc[c] = acc[c] + __shfl_xor_sync(0xFFFFFFFFu, acc[c], off);
  }
  SRNS_UNROLL
  for (int c = 0; c < kDots; ++c) out[c] = acc[c];
}

#endif

}  // namespace srns::gpu
