// IEEE 754 binary16 ("half") storage for the SRNS score history (--history-precision half):
// conversions written once for both backends (SRNS_HD), as bit manipulation, so the CPU and
// the GPU store and read back exactly the same values.
//   half_bits(x)   x rounded to the nearest binary16, ties to even (overflow: +-inf; NaN stays
//                  NaN), as F16C's vcvtps2ph and CUDA's __float2half_rn do
//   half_value(h)  the float equal to binary16 h (exact: every half is a float)
// A half keeps 11 significant bits: scores near 5 are stored within 2^-9 ~ 0.002.
#pragma once
#include <stdint.h>
#include <string.h>

#include "srns/hd.hpp"

namespace srns {

SRNS_HD uint32_t float_bits(float x) {
  uint32_t b;
  memcpy(&b, &x, sizeof(b));
  return b;
}

SRNS_HD float bits_float(uint32_t b) {
  float x;
  memcpy(&x, &b, sizeof(x));
  return x;
}

// Rounds q + (dropped bits rem, of which `half` is the halfway value) to nearest, ties to even.
SRNS_HD uint32_t round_half_even(uint32_t q, uint32_t rem, uint32_t half) {
  return rem > half || (rem == half && (q & 1u)) ? q + 1u : q;
}

SRNS_HD uint16_t half_bits(float x) {
  const uint32_t b = float_bits(x);
  const uint32_t sign = (b >> 16) & 0x8000u;
  const uint32_t a = b & 0x7FFFFFFFu;
  if (a > 0x7F800000u) return static_cast<uint16_t>(sign | 0x7E00u);   // NaN
  if (a >= 0x47800000u) return static_cast<uint16_t>(sign | 0x7C00u);  // >= 2^16: inf
  if (a >= 0x38800000u) {  // normal half (>= 2^-14): rebias, keep 10 mantissa bits
    const uint32_t r = a - 0x38000000u;
    // A carry out of the mantissa moves to the next binade (or to inf), as it should.
    return static_cast<uint16_t>(sign | round_half_even(r >> 13, r & 0x1FFFu, 0x1000u));
  }
  if (a < 0x33000000u) return static_cast<uint16_t>(sign);  // <= 2^-25: rounds to zero
  // Subnormal half: units of 2^-24.
  const uint32_t e = a >> 23;
  const uint32_t mant = (a & 0x7FFFFFu) | 0x800000u;
  const uint32_t shift = 126u - e;  // 14 .. 24
  const uint32_t q = mant >> shift, rem = mant & ((1u << shift) - 1u);
  return static_cast<uint16_t>(sign | round_half_even(q, rem, 1u << (shift - 1u)));
}

SRNS_HD float half_value(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t e = (h >> 10) & 0x1Fu, m = h & 0x3FFu;
  if (e == 0) {  // zero or subnormal: m * 2^-24, exact in float
    const float v = static_cast<float>(m) * 5.9604644775390625e-8f;
    return sign ? -v : v;
  }
  if (e == 31) return bits_float(sign | 0x7F800000u | (m << 13));
  return bits_float(sign | ((e + 112u) << 23) | (m << 13));
}

}  // namespace srns
