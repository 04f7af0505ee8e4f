// expf of sixteen floats at once, equal bit for bit to the C library's expf where this
// machine's libm computes it the way glibc (2.28 and later) does on a CPU with FMA:
//   k + r = x * 32 / ln 2   (k = round(x * 32 / ln 2) by adding 1.5 * 2^52, r = x * 32 / ln 2 - k,
//                            each product fused with its sum, so rounded once)
//   2^(r/32) ~ 1 + c2 r + c1 r^2 + c0 r^3   (c: the minimax cubic glibc uses, scaled to r)
//   expf(x) = float(2^(k/32) * that)        (2^(k/32) = 2^(k div 32) * T[k mod 32],
//                                            T[j] = 2^(j/32) rounded to double)
// all in double, the only rounding to float at the end. Lanes with |x| >= 88, and NaN, take
// libm's expf itself (its overflow, underflow and NaN cases).
//
// Whether the two agree is not assumed: expf_lanes_exact() compares them once per process on
// a sweep of float bit patterns and on the inputs where an unfused evaluation of the same
// steps differs (this glibc without FMA); callers use the lanes only where it holds, and
// libm's expf one value at a time otherwise. tests/expf_lanes_test.cpp checks the lanes
// against libm over every 257th float; the whole float range agreed when checked once
// (2,237,661,184 values with |x| < 88, glibc 2.36 on this repository's build machine).
#pragma once
#include <cmath>

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
#define SRNS_EXPF_LANES 1
#endif

namespace srns::cpu {

// True when expf_lanes equals libm's expf here (checked once, on first call; thread-safe).
bool expf_lanes_exact();

#if defined(SRNS_EXPF_LANES)
namespace expf_detail {
// 2^(j/32) rounded to double, minus j << 47 (the exponent bits that k adds back), j < 32.
extern const long long kTable[32];
constexpr double kInvLn2N = 0x1.71547652b82fep+0 * 32;
constexpr double kShift = 0x1.8p+52;
constexpr double kC0 = 0x1.c6af84b912394p-5 / 32 / 32 / 32;
constexpr double kC1 = 0x1.ebfce50fac4f3p-3 / 32 / 32;
constexpr double kC2 = 0x1.62e42ff0c52d6p-1 / 32;

inline __m256 half(__m256 x) {
  const __m512d xd = _mm512_maskz_cvtps_pd(0xff, x);  // maskz: no GCC 12 -Wmaybe-uninitialized
  const __m512d shift = _mm512_set1_pd(kShift);
  const __m512d inv = _mm512_set1_pd(kInvLn2N);
  __m512d kd = _mm512_fmadd_pd(inv, xd, shift);
  const __m512i ki = _mm512_castpd_si512(kd);
  kd = _mm512_sub_pd(kd, shift);
  const __m512d r = _mm512_fmsub_pd(inv, xd, kd);
  // T[ki mod 32]: two 16-entry lookups, chosen by bit 4 of the index.
  const __m512i* tab = reinterpret_cast<const __m512i*>(kTable);
  const __m512i lo = _mm512_permutex2var_epi64(_mm512_loadu_si512(tab), ki,
                                               _mm512_loadu_si512(tab + 1));
  const __m512i hi = _mm512_permutex2var_epi64(_mm512_loadu_si512(tab + 2), ki,
                                               _mm512_loadu_si512(tab + 3));
  const __mmask8 upper = _mm512_test_epi64_mask(ki, _mm512_set1_epi64(16));
  const __m512i t = _mm512_add_epi64(_mm512_mask_blend_epi64(upper, lo, hi),
                                     _mm512_maskz_slli_epi64(0xff, ki, 47));
  const __m512d s = _mm512_castsi512_pd(t);
  const __m512d z = _mm512_fmadd_pd(_mm512_set1_pd(kC0), r, _mm512_set1_pd(kC1));
  const __m512d r2 = _mm512_mul_pd(r, r);
  __m512d y = _mm512_fmadd_pd(_mm512_set1_pd(kC2), r, _mm512_set1_pd(1.0));
  y = _mm512_fmadd_pd(z, r2, y);
  return _mm512_maskz_cvtpd_ps(0xff, _mm512_mul_pd(y, s));
}
}  // namespace expf_detail

// The sixteen expf(x[j]) (see the file comment; equal to libm's only where
// expf_lanes_exact()).
inline __m512 expf_lanes(__m512 x) {
  const __m256 lo = expf_detail::half(_mm512_maskz_extractf32x8_ps(0xff, x, 0));
  const __m256 hi = expf_detail::half(_mm512_maskz_extractf32x8_ps(0xff, x, 1));
  __m512 y = _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1);
  const __mmask16 special =
      _mm512_cmp_ps_mask(_mm512_abs_ps(x), _mm512_set1_ps(88.0f), _CMP_NLT_UQ);
  if (special) {
    alignas(64) float xs[16], ys[16];
    _mm512_store_ps(xs, x);
    _mm512_store_ps(ys, y);
    for (int j = 0; j < 16; ++j) {
      if (special >> j & 1) ys[j] = expf(xs[j]);
    }
    y = _mm512_load_ps(ys);
  }
  return y;
}
#endif

// out[k] = expf(x[k]) for k < n (out may be x): sixteen at a time where the lanes equal libm's
// expf, else libm's expf one value at a time.
inline void expf_many(const float* x, float* out, int n) {
  int k = 0;
#if defined(SRNS_EXPF_LANES)
  if (expf_lanes_exact()) {
    for (; k + 16 <= n; k += 16) _mm512_storeu_ps(out + k, expf_lanes(_mm512_loadu_ps(x + k)));
  }
#endif
  for (; k < n; ++k) out[k] = expf(x[k]);
}

}  // namespace srns::cpu
