// A softmax over a whole catalogue on the CPU, and draws from it (IRGAN's generator,
// samplers/irgan.hpp), with the numbers of samplers/gan.hpp's softmax_weights and cdf_pick:
//   w[c] = exp((logits[c] - max) / tau)   sixteen exponentials at a time (expf_many: libm's
//                                          bits), -inf and NaN logits weight 0
//   prefix[c] = w[0] + ... + w[c]          added one at a time in c order: softmax_weights'
//                                          running total, kept
//   pick(target) = the first c with target < prefix[c]   cdf_pick's running sums are these, so
//                                          a binary search over them (non-decreasing: every
//                                          w >= 0) finds its c; where none exceeds the target,
//                                          the last c with weight (0 if none has), as cdf_pick.
// tests/catalogue_gradients_test.cpp holds both equal to gan.hpp's.
#pragma once
#include <algorithm>
#include <cmath>

#include "cpu/expf_lanes.hpp"
#include "cpu/simd16.hpp"

namespace srns::cpu {

// softmax_weights(logits, n, inv_tau, w) with prefix[0..n) its running sums; returns the total
// (w may alias logits).
inline float softmax_weights_prefix(const float* logits, int n, float inv_tau, float* w,
                                    float* prefix) {
  // The max, sixteen lanes at a time by softmax_weights' rule (l > top ? l : top, NaN never
  // taken); lanes may end on -0 where the order alone gives +0, which no weight can tell.
  simd::F16 top16 = simd::F16{} - INFINITY;
  int c = 0;
  for (; c + 16 <= n; c += 16) {
    const simd::F16 l = simd::load(logits + c);
    top16 = l > top16 ? l : top16;
  }
  float top = -INFINITY;
  for (int k = 0; k < 16; ++k) top = top16[k] > top ? top16[k] : top;
  for (; c < n; ++c) top = logits[c] > top ? logits[c] : top;
  // Weights a chunk at a time, each chunk's running sums right after its exponentials: the
  // sums' one-at-a-time chain overlaps the next chunk's vector work.
  constexpr int kChunk = 64;
  float arg[kChunk], e[kChunk];
  float total = 0.0f;
  for (int c0 = 0; c0 < n; c0 += kChunk) {
    const int m = n - c0 < kChunk ? n - c0 : kChunk;
    // A masked logit's argument is 0 (its weight is 0 below): no -inf lanes for libm.
    for (int k = 0; k < m; ++k) {
      const float l = logits[c0 + k];
      arg[k] = l > -INFINITY ? (l - top) * inv_tau : 0.0f;
    }
    expf_many(arg, e, m);
    for (int k = 0; k < m; ++k) {
      const float x = logits[c0 + k] > -INFINITY ? e[k] : 0.0f;
      w[c0 + k] = x == x ? x : 0.0f;
    }
    for (int k = 0; k < m; ++k) {
      total += w[c0 + k];
      prefix[c0 + k] = total;
    }
  }
  return total;
}

// cdf_pick(w, n, target) from softmax_weights_prefix's running sums.
inline int cdf_pick_prefix(const float* w, const float* prefix, int n, float target) {
  const float* c = std::upper_bound(prefix, prefix + n, target);
  if (c != prefix + n) return static_cast<int>(c - prefix);
  for (int k = n - 1; k > 0; --k) {
    if (w[k] > 0.0f) return k;
  }
  return 0;
}

}  // namespace srns::cpu
