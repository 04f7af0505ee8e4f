// The refresh's Gumbel-top-k with approximate logarithms checked against exact ones
// (gumbel_top.hpp).
#include "cpu/gumbel_top.hpp"

#include <cmath>
#include <cstring>

#include "cpu/simd16.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace srns::cpu {
namespace {

using simd::F16;
using simd::I16;
using simd::U16;

// Natural log of normal positive floats, to a few ulp: x = 2^e m with m in [sqrt(1/2),
// sqrt(2)), log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.1716, by its series to s^9.
// m - 1 is exact, so values near 1 keep their relative accuracy.
F16 log_approx(F16 x) {
  const I16 bits = (I16)x;
  I16 e = ((bits >> 23) & 0xFF) - 127;
  F16 m = (F16)((bits & 0x7FFFFF) | 0x3F800000);
  const I16 big = m > 1.41421356f;  // -1 where true
  m = big ? m * 0.5f : m;
  e = e - big;
  const F16 f = m - 1.0f;
  const F16 s = f / (f + 2.0f);
  const F16 s2 = s * s;
  const F16 poly = 1.0f + s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 * (1.0f / 9))));
  const F16 ef = __builtin_convertvector(e, F16);
  return ef * 0.6931471805599453f + 2.0f * s * poly;
}

// L~ of sixteen words, in registers.
F16 gumbel_log_approx(const uint32_t* words) {
  U16 w;
  std::memcpy(&w, words, sizeof(w));
  // word_open01: ((w >> 9) + 0.5) * 2^-23, exact.
  const F16 u = (__builtin_convertvector(w >> 9, F16) + 0.5f) * (1.0f / 8388608.0f);
  const F16 y = -log_approx(u);
  return log_approx(y);
}

}  // namespace

void gumbel_log_approx16(const uint32_t* words, float* out) {
  const F16 l = gumbel_log_approx(words);
  std::memcpy(out, &l, sizeof(l));
}

void top_n_small(const float* keys, int n, int n_top, int32_t* out) {
  alignas(64) float pad[32];
  for (int k = 0; k < 32; ++k) pad[k] = k < n ? keys[k] : -INFINITY;
  F16 key[2];
  std::memcpy(key, pad, sizeof(key));
  const I16 index[2] = {I16{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
                        I16{16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31}};
  I16 rank[2] = {};
  const int halves = n > 16 ? 2 : 1;
  for (int j = 0; j < n; ++j) {
    const float kj = pad[j];
    for (int h = 0; h < halves; ++h) {
      rank[h] -= (kj > key[h]) | ((kj == key[h]) & (j < index[h]));  // true is -1
    }
  }
  // out[rank_i] = i where rank_i < n_top (ranks are distinct).
#if defined(__AVX512F__)
  for (int h = 0; h < halves; ++h) {
    const __mmask16 place =
        static_cast<__mmask16>(_mm512_cmplt_epi32_mask((__m512i)rank[h], _mm512_set1_epi32(n_top)) &
                               _mm512_cmplt_epi32_mask((__m512i)index[h], _mm512_set1_epi32(n)));
    _mm512_mask_i32scatter_epi32(out, place, (__m512i)rank[h], (__m512i)index[h], 4);
  }
#else
  for (int i = 0; i < n; ++i) {
    const int r = rank[i >> 4][i & 15];
    if (r < n_top) out[r] = i;
  }
#endif
}

void refresh_keep_fast(const SrnsView& v, int fn_u, const int32_t* cand, const float* r, int m,
                       PrefetchedStream* gum, int32_t* out, const int32_t* cand_item,
                       int32_t* out_item) {
  const int keep = v.s1 - fn_u;
  if (keep <= 0) return;
  alignas(64) uint32_t words[kMaxCandidates + 16] = {};
  alignas(64) float approx[kMaxCandidates + 16];
  gum->take(m, words);
  // K~ sixteen at a time, with whether all are finite and the largest |K~|.
  F16 top_abs = {};
  I16 bad = {};
  for (int k = 0; k < m; k += 16) {
    alignas(64) float rr[16] = {};
    std::memcpy(rr, r + k, sizeof(float) * (m - k < 16 ? m - k : 16));
    F16 rv;
    std::memcpy(&rv, rr, sizeof(rv));
    const F16 lv = gumbel_log_approx(words + k);
    const F16 a = rv * v.inv_tau - lv;
    std::memcpy(approx + k, &a, sizeof(a));
    const F16 mag = (F16)((I16)a & 0x7FFFFFFF);
    top_abs = mag > top_abs ? mag : top_abs;
    bad = bad | (((I16)a & 0x7F800000) == 0x7F800000);  // inf or NaN: all ones
  }
  bool finite = true;
  float largest = 0.0f;
  for (int j = 0; j < 16; ++j) {
    finite = finite && bad[j] == 0;
    largest = top_abs[j] > largest ? top_abs[j] : largest;
  }
  // Candidate c kept as entry fn_u + k (with its item, where asked).
  const auto put = [&](int k, int c) {
    out[fn_u + k] = cand[c];
    if (out_item) out_item[fn_u + k] = cand_item[c];
  };
  int32_t index[kMaxCandidates], top[kMaxCandidates];
  int n = 0;
  if (finite) {
    const float margin = 2.0f * (kGumbelLogError + std::ldexp(largest + 1.0f, -22));
    // A lower bound of T~ (the keep-th largest approximate key): the keep-th largest of the
    // maxima of groups of six candidates (keep distinct candidates reach it). Six: at S1 + S2 =
    // 72, twelve maxima, and about eleven candidates near the bound, each a 16-wide ranking.
    constexpr int kGroup = 6;
    const int n_groups = (m + kGroup - 1) / kGroup;
    float bound = -INFINITY;
    if (keep <= n_groups) {
      float group_max[kMaxCandidates / kGroup];
      for (int g = 0; g < n_groups; ++g) {
        float x = approx[g * kGroup];
        for (int k = g * kGroup + 1; k < (g + 1) * kGroup && k < m; ++k) {
          x = approx[k] > x ? approx[k] : x;
        }
        group_max[g] = x;
      }
      if (n_groups <= 32) {
        top_n_small(group_max, n_groups, keep, top);
      } else {
        top_n_indices(group_max, n_groups, keep, top);
      }
      bound = group_max[top[keep - 1]];
    }
    // The candidates within the margin of the bound hold the keep largest K~; ranked by K~.
    // (Sixteen slack entries: each chunk's survivors are packed in a register and the whole
    // register stored; AMD's Zen 4 runs a compress straight to memory as slow microcode.)
    int32_t near[kMaxCandidates + 16];
    float near_key[kMaxCandidates + 16] = {};
    int n_near = 0;
#if defined(__AVX512F__)
    const __m512 cut_v = _mm512_set1_ps(bound - margin);
    for (int k = 0; k < m; k += 16) {
      const __mmask16 lanes = static_cast<__mmask16>(m - k >= 16 ? 0xFFFF : (1u << (m - k)) - 1);
      const __m512 key = _mm512_load_ps(approx + k);
      const __mmask16 in = _mm512_mask_cmp_ps_mask(lanes, key, cut_v, _CMP_GE_OQ);
      const __m512i idx =
          _mm512_add_epi32(_mm512_set1_epi32(k),
                           _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
      _mm512_storeu_si512(near + n_near, _mm512_maskz_compress_epi32(in, idx));
      _mm512_storeu_ps(near_key + n_near, _mm512_maskz_compress_ps(in, key));
      n_near += __builtin_popcount(in);
    }
#else
    for (int k = 0; k < m; ++k) {
      near[n_near] = k;
      near_key[n_near] = approx[k];
      n_near += approx[k] >= bound - margin;
    }
#endif
    const int ranked = keep + 1 < n_near ? keep + 1 : n_near;
    if (n_near <= 32) {
      top_n_small(near_key, n_near, ranked, top);
    } else {
      top_n_indices(near_key, n_near, ranked, top);
    }
    // Where consecutive ranked keys are more than the margin apart, the exact keys are in the
    // same strict order (each is within margin / 2 of its K~), and every candidate below the
    // cut T~ - margin is below the keep-th: the approximate ranking is the answer.
    bool separated = true;
    for (int x = 0; x + 1 < ranked; ++x) {
      separated = separated && near_key[top[x]] - near_key[top[x + 1]] > margin;
    }
    if (separated) {
      for (int k = 0; k < keep; ++k) put(k, near[top[k]]);
      return;
    }
    const float cut = near_key[top[keep - 1]] - margin;
    for (int x = 0; x < n_near; ++x) {
      if (near_key[x] >= cut) index[n++] = near[x];
    }
  } else {
    for (int k = 0; k < m; ++k) index[n++] = k;
  }
  float exact[kMaxCandidates];
  for (int x = 0; x < n; ++x) {
    exact[x] = gumbel_key(r[index[x]], v.inv_tau, word_open01(words[index[x]]));
  }
  top_n_indices(exact, n, keep, top);
  for (int k = 0; k < keep; ++k) put(k, index[top[k]]);
}

}  // namespace srns::cpu
