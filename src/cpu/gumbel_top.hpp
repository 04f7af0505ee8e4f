// The refresh's Gumbel-top-k (samplers/srns.hpp: refresh_keep) with most of its logarithms
// skipped, and exactly the same result.
//
// refresh_keep keeps the n = S1 - fn_u candidates with the largest keys
//   K_k = fl(r_k / tau) - L_k,   L_k = logf(-logf(u_k))   (u_k the k-th word's open01 value)
// largest first, equal keys in index order. Two libm logarithms per candidate are most of a
// refresh's arithmetic, but only keys near the n-th largest decide anything. So:
//   1. K~_k = fl(r_k / tau) - L~_k with L~ a vectorised approximation, |L~ - L| <= kGumbelLogError
//      for every one of the 2^23 possible u (checked exhaustively against this libm by
//      tests/gumbel_top_test.cpp), hence |K~_k - K_k| <= d = kGumbelLogError + 2^-22 (|K| + 1);
//   2. T~ = the n-th largest K~; every candidate of the true top n has K~_k >= T~ - 2d (the n
//      candidates at or above T~ have true keys >= T~ - d, so the n-th largest true key is too,
//      and a true top-n key K_k >= that gives K~_k >= T~ - 2d). T~ is found without sorting
//      all keys: the n-th largest maximum of groups of six candidates is a lower bound B of T~
//      (n distinct candidates reach it), and the candidates with K~ >= B - 2d hold the n
//      largest K~, so T~ is the n-th largest among those few;
//   3. exact keys (libm, as refresh_keep) for the candidates with K~ >= T~ - 2d only, and
//      top_n_indices over them in index order, which keeps its tie rule.
// A non-finite score falls back to exact keys for all. Typically n plus a few candidates get
// exact keys.
#pragma once
#include <cstdint>

#include "cpu/philox_simd.hpp"
#include "srns/samplers/srns.hpp"

namespace srns::cpu {

// Bound on |gumbel_log_approx(w) - logf(-logf(word_open01(w)))| over all words w.
constexpr float kGumbelLogError = 4e-6f;

// top_n_indices(keys, n, n_top, out) for n <= 32 finite keys, without its data-dependent
// branches: each key's place in (key descending, index ascending) is counted sixteen keys at a
// time, rank_i = #{j : key_j > key_i} + #{j < i : key_j == key_i}, and key i lands at
// out[rank_i] when rank_i < n_top.
void top_n_small(const float* keys, int n, int n_top, int32_t* out);

// L~ for sixteen words: approximations of logf(-logf(word_open01(w[j]))).
void gumbel_log_approx16(const uint32_t* words, float* out);

// refresh_keep(v, fn_u, cand, r, m, gum, out), the same entries in the same order; with
// out_item, also out_item[fn_u + k] = cand_item[c] for the candidate c kept as entry fn_u + k.
void refresh_keep_fast(const SrnsView& v, int fn_u, const int32_t* cand, const float* r, int m,
                       PrefetchedStream* gum, int32_t* out, const int32_t* cand_item = nullptr,
                       int32_t* out_item = nullptr);

}  // namespace srns::cpu
