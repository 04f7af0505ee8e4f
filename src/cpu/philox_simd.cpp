// Sixteen Philox4x32-10 blocks at a time (philox_simd.hpp).
#include "cpu/philox_simd.hpp"

#include "cpu/simd16.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace srns::cpu {
namespace {

using simd::U16;
typedef uint64_t U8 __attribute__((vector_size(64)));

// hi:lo = a * m per 32-bit lane: even lanes as the low halves of 64-bit lanes, odd lanes as the
// high halves.
inline void mulhilo(U16 a, uint32_t m, U16* hi, U16* lo) {
  const U8 wide = (U8)a;  // a vector cast reinterprets the bits
  const U8 mask = U8{} + 0xFFFFFFFFull;
#if defined(__AVX512F__)
  // vpmuludq: the compiler does not always see that the generic form below is one. (GCC 12
  // warns about the intrinsic's own undefined pass-through operand.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
  const __m512i mv = _mm512_set1_epi64(m);
  const U8 even = (U8)_mm512_mul_epu32((__m512i)wide, mv);
  const U8 odd = (U8)_mm512_mul_epu32((__m512i)(wide >> 32), mv);
#pragma GCC diagnostic pop
#else
  const U8 even = (wide & mask) * static_cast<uint64_t>(m);
  const U8 odd = (wide >> 32) * static_cast<uint64_t>(m);
#endif
  const U8 h = (even >> 32) | (odd & ~mask);
  const U8 l = (even & mask) | (odd << 32);
  *hi = (U16)h;
  *lo = (U16)l;
}

// Sixteen blocks, counters in structure-of-arrays form.
void philox16(U16 c0, U16 c1, U16 c2, U16 c3, uint32_t k0, uint32_t k1, U16* out) {
  const uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  const uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    U16 hi0, lo0, hi1, lo1;
    mulhilo(c0, kM0, &hi0, &lo0);
    mulhilo(c2, kM1, &hi1, &lo1);
    const U16 n0 = hi1 ^ c1 ^ k0;
    const U16 n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 += kW0;
    k1 += kW1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

}  // namespace

void philox_blocks(const Philox4* ctr, int n, uint32_t k0, uint32_t k1, Philox4* out) {
  for (int b0 = 0; b0 < n; b0 += 16) {
    const int m = n - b0 < 16 ? n - b0 : 16;
    alignas(64) uint32_t in[4][16] = {};
    for (int j = 0; j < m; ++j) {
      for (int w = 0; w < 4; ++w) in[w][j] = ctr[b0 + j].v[w];
    }
    U16 c[4], r[4];
    for (int w = 0; w < 4; ++w) c[w] = *reinterpret_cast<const U16*>(in[w]);
    philox16(c[0], c[1], c[2], c[3], k0, k1, r);
    alignas(64) uint32_t res[4][16];
    for (int w = 0; w < 4; ++w) *reinterpret_cast<U16*>(res[w]) = r[w];
    for (int j = 0; j < m; ++j) {
      for (int w = 0; w < 4; ++w) out[b0 + j].v[w] = res[w][j];
    }
  }
}

void fill_streams(PrefetchedStream* const* streams, int n) {
  Philox4 ctr[4 * kMaxPrefetchBlocks], out[4 * kMaxPrefetchBlocks];
  int have = 0;
  int first = 0;  // first stream of the current gathering
  for (int s = 0; s <= n; ++s) {
    const bool flush = s == n || have + streams[s]->blocks > 4 * kMaxPrefetchBlocks;
    if (flush && have > 0) {
      const PhiloxStream& t = streams[first]->tail;
      philox_blocks(ctr, have, t.key0, t.key1, out);
      int at = 0;
      for (int x = first; x < s; ++x) {
        for (int b = 0; b < streams[x]->blocks; ++b) streams[x]->block[b] = out[at++];
      }
      have = 0;
      first = s;
    }
    if (s == n) break;
    PrefetchedStream& p = *streams[s];
    for (int b = 0; b < p.blocks; ++b) {
      ctr[have + b] = p.tail.ctr;
      ctr[have + b].v[0] = p.tail.ctr.v[0] - static_cast<uint32_t>(p.blocks - b);
    }
    have += p.blocks;
  }
}

}  // namespace srns::cpu
