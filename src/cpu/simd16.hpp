// Sixteen-lane vectors of the CPU kernels, written with GCC/Clang vector extensions: one AVX-512
// register where the build targets it, two or four narrower ones otherwise. Each lane's
// arithmetic is IEEE single precision as in scalar code (no contraction: -ffp-contract=off), so
// a lane computes exactly what the scalar reference computes for its element.
#pragma once
#include <cmath>
#include <cstdint>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace srns::cpu::simd {

typedef float F16 __attribute__((vector_size(64)));
typedef int32_t I16 __attribute__((vector_size(64)));
typedef uint32_t U16 __attribute__((vector_size(64)));
// Unaligned, may-alias view for loads and stores.
typedef float F16u __attribute__((vector_size(64), aligned(4), may_alias));

inline F16 load(const float* p) { return *reinterpret_cast<const F16u*>(p); }
inline void store(float* p, F16 v) { *reinterpret_cast<F16u*>(p) = v; }

// Lane-wise square root (IEEE, correctly rounded: the same floats as sqrtf per lane).
inline F16 sqrt(F16 x) {
#if defined(__AVX512F__)
  return (F16)_mm512_maskz_sqrt_ps(0xFFFF, (__m512)x);  // (the unmasked form warns in GCC 12)
#else
  for (int l = 0; l < 16; ++l) x[l] = std::sqrt(x[l]);
  return x;
#endif
}

}  // namespace srns::cpu::simd
