// Many scores of one user at once on the CPU: out[k] = r(u, items[k]) = score(c_u, q_items[k]),
// bit for bit the scorer's own score (scorer.hpp), for the ops that score a user against many
// items (SRNS selection and refresh, history records, evaluation).
//
// GMF (and MF) is vectorised sixteen items at a time with GCC/Clang vector extensions (AVX-512
// where the build targets it, narrower registers otherwise), in math.hpp's canonical order:
//   lane l of item k   0 + c[l] q[l] + c[l+32] q[l+32] + ...   (l < 32, two 16-wide halves)
//   off 16             p[l] = lane[l] + lane[l+16]              (the halves added)
//   off 8, 4, 2, 1     pairs (l, l + off) added across the sixteen items' vectors by shuffles,
//                      each step halving the partials per item, so the last vector holds the
//                      sixteen scores in item order.
// IEEE addition is commutative, so each pair sums exactly as dot_lanes' butterfly does. A tail
// of F that is not a multiple of 32 is padded with zeros in both factors: adding a +0 product
// leaves a lane unchanged (a lane that starts at +0 is never -0).
// The MLP scores sixteen items' towers in lanes (mlp_lanes.hpp); other scorers fall back to one
// score() call per item.
#pragma once
#include <cstdint>
#include <cstring>

#include "cpu/mlp_lanes.hpp"
#include "cpu/simd16.hpp"
#include "srns/score_out.hpp"
#include "srns/scorer.hpp"

#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace srns::cpu {

namespace simd {

// The off-8 .. off-1 butterfly steps of sixteen items' 16 partials (file comment).
inline F16 add8(F16 a, F16 b) {
  return __builtin_shufflevector(a, b, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23) +
         __builtin_shufflevector(a, b, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30,
                                 31);
}
inline F16 add4(F16 a, F16 b) {
  return __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27) +
         __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
}
inline F16 add2(F16 a, F16 b) {
  return __builtin_shufflevector(a, b, 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29) +
         __builtin_shufflevector(a, b, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
}
inline F16 add1(F16 a, F16 b) {
  return __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30) +
         __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

// Sixteen items' off-16 partials p[0..16) -> their sixteen scores, in item order.
inline F16 reduce16(const F16* p) {
  F16 a[8], b[4], c[2];
  for (int k = 0; k < 8; ++k) a[k] = add8(p[2 * k], p[2 * k + 1]);
  for (int k = 0; k < 4; ++k) b[k] = add4(a[2 * k], a[2 * k + 1]);
  for (int k = 0; k < 2; ++k) c[k] = add2(b[2 * k], b[2 * k + 1]);
  return add1(c[0], c[1]);
}

// The off-16 partial of c . q over the first `full` floats (a multiple of 32), plus a
// zero-padded tail chunk `tail_c` . `tail_q` when `tail_c` is non-null.
inline F16 partial(const float* c, const float* q, int full, const float* tail_c,
                   const float* tail_q) {
  F16 lo = {}, hi = {};
  for (int base = 0; base < full; base += 32) {
    lo = lo + load(c + base) * load(q + base);
    hi = hi + load(c + base + 16) * load(q + base + 16);
  }
  if (tail_c) {
    lo = lo + load(tail_c) * load(tail_q);
    hi = hi + load(tail_c + 16) * load(tail_q + 16);
  }
  return lo + hi;
}

}  // namespace simd

// sc.score(ctx, q) for one item. GMF with F a multiple of 32: the off-16 partial, then the
// off-8 .. off-1 steps inside the one vector (lane l takes lane l + off), as reduce16 does.
template <class Scorer>
float score_one(const Scorer& sc, const float* ctx, const float* q) {
  return sc.score(ctx, q);
}

inline float score_one(const GmfScorer& sc, const float* ctx, const float* q) {
  if (sc.dim % 32 != 0) return sc.score(ctx, q);
  simd::F16 a = simd::partial(ctx, q, sc.dim, nullptr, nullptr);
  a = a + __builtin_shufflevector(a, a, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7);
  a = a + __builtin_shufflevector(a, a, 4, 5, 6, 7, 0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15);
  a = a + __builtin_shufflevector(a, a, 2, 3, 0, 1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  a = a + __builtin_shufflevector(a, a, 1, 0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  return a[0];
}

// out[k] = sc.score(ctx, row_of(k)) for k < n, row_of(k) the item row (const float*) of
// candidate k.
template <class Scorer, class RowOf>
void score_rows(const Scorer& sc, const float* ctx, RowOf row_of, int64_t n, float* out) {
  for (int64_t k = 0; k < n; ++k) out[k] = sc.score(ctx, row_of(k));
}

// GMF sixteen items at a time: part(q) is item row q's off-16 partial, and reduce16 turns
// sixteen of them into sixteen scores (a last block short of sixteen repeats its first item).
template <class Part, class RowOf>
void score_blocks16(Part part, RowOf row_of, int64_t n, float* out) {
  int64_t k0 = 0;
  for (; k0 + 16 <= n; k0 += 16) {
    simd::F16 p[16];
    for (int j = 0; j < 16; ++j) p[j] = part(row_of(k0 + j));
    simd::store(out + k0, simd::reduce16(p));
  }
  if (k0 == n) return;
  const int m = static_cast<int>(n - k0);
  simd::F16 p[16];
  p[0] = part(row_of(k0));
  for (int j = 1; j < 16; ++j) p[j] = j < m ? part(row_of(k0 + j)) : p[0];
  alignas(64) float tmp[16];
  simd::store(tmp, simd::reduce16(p));
  std::memcpy(out + k0, tmp, sizeof(float) * m);
}

template <class RowOf>
void score_rows(const GmfScorer& sc, const float* ctx, RowOf row_of, int64_t n, float* out) {
  const int dim = sc.dim;
  if (dim == 32) {
    // F = 32 (the paper's setting): partial()'s operations with the context's two vectors
    // held in registers rather than reloaded for every item.
    const simd::F16 c0 = simd::load(ctx), c1 = simd::load(ctx + 16), zero = {};
    return score_blocks16(
        [&](const float* q) {
          return (zero + c0 * simd::load(q)) + (zero + c1 * simd::load(q + 16));
        },
        row_of, n, out);
  }
  const int full = dim / 32 * 32;
  alignas(64) float tail_c[32], tail_q[32];
  const float* tc = nullptr;
  if (full < dim) {
    std::memset(tail_c, 0, sizeof(tail_c));
    std::memset(tail_q, 0, sizeof(tail_q));
    std::memcpy(tail_c, ctx + full, sizeof(float) * (dim - full));
    tc = tail_c;
  }
  score_blocks16(
      [&](const float* q) {
        if (tc) std::memcpy(tail_q, q + full, sizeof(float) * (dim - full));
        return simd::partial(ctx, q, full, tc, tail_q);
      },
      row_of, n, out);
}

// The MLP: sixteen items' towers at once (mlp_lanes.hpp), each lane forward's own operations.
template <class RowOf>
void score_rows(const MlpScorer& sc, const float* ctx, RowOf row_of, int64_t n, float* out) {
  const float* q[16];
  for (int64_t k0 = 0; k0 < n; k0 += 16) {
    const int m = n - k0 < 16 ? static_cast<int>(n - k0) : 16;
    for (int j = 0; j < m; ++j) q[j] = row_of(k0 + j);
    mlp_score16(sc, ctx, q, m, out + k0);
  }
}

// out[k] = r(u, items[k]) for k < n, ctx = u's user context under `sc` (model m's scorer).
template <class Scorer>
void score_items(const Scorer& sc, const float* ctx, const ModelView& m, const int32_t* items,
                 int64_t n, float* out) {
  score_rows(
      sc, ctx, [&](int64_t k) { return m.item_row(items[k]); }, n, out);
}

// out[k] = r(u, i0 + k) for k < n (consecutive items).
template <class Scorer>
void score_range(const Scorer& sc, const float* ctx, const ModelView& m, int32_t i0, int64_t n,
                 float* out) {
  score_rows(
      sc, ctx, [&](int64_t k) { return m.item_row(static_cast<int32_t>(i0 + k)); }, n, out);
}

}  // namespace srns::cpu

namespace srns::cpu {

// out(row, c) = scores[c] for c < n (score_out.hpp). Half conversion uses F16C where the build
// targets it (the same round-to-nearest-even as half_bits).
inline void put_row(const ScoreOut& out, int64_t row, const float* scores, int64_t n) {
  if (!out.half) {
    float* dst = static_cast<float*>(out.data) + row * out.ld;
    if (out.stride == 1) {
      std::memcpy(dst, scores, sizeof(float) * n);
    } else {
      for (int64_t c = 0; c < n; ++c) dst[c * out.stride] = scores[c];
    }
    return;
  }
  uint16_t* dst = static_cast<uint16_t*>(out.data) + row * out.ld;
  int64_t c = 0;
#if defined(__F16C__)
  alignas(16) uint16_t h[8];
  for (; c + 8 <= n; c += 8) {
    const __m128i v = _mm256_cvtps_ph(_mm256_loadu_ps(scores + c), _MM_FROUND_TO_NEAREST_INT);
    _mm_store_si128(reinterpret_cast<__m128i*>(h), v);
    for (int j = 0; j < 8; ++j) dst[(c + j) * out.stride] = h[j];
  }
#endif
  for (; c < n; ++c) dst[c * out.stride] = half_bits(scores[c]);
}

}  // namespace srns::cpu
