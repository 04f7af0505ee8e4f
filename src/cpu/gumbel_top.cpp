// The refresh's Gumbel-top-k with approximate logarithms checked against exact ones
// (gumbel_top.hpp).
#include "cpu/gumbel_top.hpp"

#include <cmath>
#include <cstring>

namespace srns::cpu {
namespace {

typedef float F16 __attribute__((vector_size(64)));
typedef int32_t I16 __attribute__((vector_size(64)));
typedef uint32_t U16 __attribute__((vector_size(64)));

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

}  // namespace

void gumbel_log_approx16(const uint32_t* words, float* out) {
  U16 w;
  std::memcpy(&w, words, sizeof(w));
  // word_open01: ((w >> 9) + 0.5) * 2^-23, exact.
  const F16 u = (__builtin_convertvector(w >> 9, F16) + 0.5f) * (1.0f / 8388608.0f);
  const F16 y = -log_approx(u);
  const F16 l = log_approx(y);
  std::memcpy(out, &l, sizeof(l));
}

void refresh_keep_fast(const SrnsView& v, int fn_u, const int32_t* cand, const float* r, int m,
                       PrefetchedStream* gum, int32_t* out) {
  const int keep = v.s1 - fn_u;
  if (keep <= 0) return;
  alignas(64) uint32_t words[kMaxCandidates + 16] = {};
  alignas(64) float approx_log[kMaxCandidates + 16];
  float scaled[kMaxCandidates], approx[kMaxCandidates];
  for (int k = 0; k < m; ++k) words[k] = gum->next_u32();
  for (int k = 0; k < m; k += 16) gumbel_log_approx16(words + k, approx_log + k);
  bool finite = true;
  float top_abs = 0.0f;
  for (int k = 0; k < m; ++k) {
    scaled[k] = r[k] * v.inv_tau;
    approx[k] = scaled[k] - approx_log[k];
    finite = finite && std::isfinite(approx[k]);
    top_abs = std::fmax(top_abs, std::fabs(approx[k]));
  }
  float exact[kMaxCandidates];
  int32_t index[kMaxCandidates], top[kMaxCandidates];
  int n = 0;
  if (!finite) {
    for (int k = 0; k < m; ++k) index[n++] = k;
  } else {
    int32_t approx_top[kMaxCandidates];
    top_n_indices(approx, m, keep, approx_top);
    const float margin = 2.0f * (kGumbelLogError + std::ldexp(top_abs + 1.0f, -22));
    const float cut = approx[approx_top[keep - 1]] - margin;
    for (int k = 0; k < m; ++k) {
      if (approx[k] >= cut) index[n++] = k;
    }
  }
  for (int x = 0; x < n; ++x) {
    exact[x] = gumbel_key(r[index[x]], v.inv_tau, word_open01(words[index[x]]));
  }
  top_n_indices(exact, n, keep, top);
  for (int k = 0; k < keep; ++k) out[fn_u + k] = cand[index[top[k]]];
}

}  // namespace srns::cpu
