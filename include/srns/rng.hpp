// Counter-based randomness shared by the CPU and CUDA backends.
//
// Philox4x32-10 (Salmon et al., SC'11): a bijection of a 128-bit counter under a 64-bit key,
// ten rounds of two 32x32->64 multiplies with Weyl-sequence key bumps. Every draw in srns comes
// from a stream whose key is the run seed and whose counter is
//     (c0 = draw index, c1 = sample, c2 = batch, c3 = (epoch + 1) << 8 | purpose),
// so any draw can be recomputed anywhere without carrying generator state. The stream is the
// same sequence as cuRAND's Philox4_32_10 after curand_init(seed, subsequence = c3:c2,
// offset = 4 * (c1:c0)), which the GPU test checks.
#pragma once
#include <stdint.h>

#include "srns/hd.hpp"

namespace srns {

// What a draw is for: part of the counter, so streams for different purposes never overlap.
enum RngPurpose : uint32_t {
  kRngShuffle = 1,        // epoch order of the training pairs
  kRngInitUser = 2,       // user embedding rows
  kRngInitItem = 3,       // item embedding rows
  kRngInitBeta = 4,       // GMF output weights
  kRngPool = 5,           // SRNS candidate pool of a user (batch = pool id)
  kRngMemoryInit = 6,     // initial memory slots
  kRngExtend = 7,         // S2 extra slots drawn at a memory refresh
  kRngGumbel = 8,         // Gumbel noise of a memory refresh
  kRngUniformNeg = 9,     // uniform negative of a training pair
  kRngRandomSelect = 10,  // random-from-memory selection (NSCaching ablation)
  kRngFnDraw = 11,        // false negatives injected at a refresh
  kRngFnSubset = 12,      // the sigma share of a user's false-negative set
  kRngEvalNeg = 13,       // sampled evaluation negatives
  kRngSplit = 14,         // random ratio split
  kRngGenerator = 15,     // synthetic data generator
  // Purposes from here on belong to sampler units: each claims kRngSamplerBase + n in its
  // header (include/srns/samplers/), n the next free number in samplers/all.hpp's list.
  kRngSamplerBase = 16,
};

struct Philox4 {
  uint32_t v[4];
};

SRNS_HD void mulhilo32(uint32_t a, uint32_t b, uint32_t* hi, uint32_t* lo) {
  const uint64_t p = static_cast<uint64_t>(a) * static_cast<uint64_t>(b);
  *hi = static_cast<uint32_t>(p >> 32);
  *lo = static_cast<uint32_t>(p);
}

// One Philox4x32-10 block: 4 random words for counter `c` under key (k0, k1).
SRNS_HD Philox4 philox4x32_10(Philox4 c, uint32_t k0, uint32_t k1) {
  const uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  const uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo32(kM0, c.v[0], &hi0, &lo0);
    mulhilo32(kM1, c.v[2], &hi1, &lo1);
    Philox4 n;
    n.v[0] = hi1 ^ c.v[1] ^ k0;
    n.v[1] = lo1;
    n.v[2] = hi0 ^ c.v[3] ^ k1;
    n.v[3] = lo0;
    c = n;
    k0 += kW0;
    k1 += kW1;
  }
  return c;
}

// Uniform integer in [0, n) from one word by the multiply-high map (bias below n / 2^32,
// negligible here).
SRNS_HD uint32_t word_below(uint32_t word, uint32_t n) {
  return static_cast<uint32_t>((static_cast<uint64_t>(word) * n) >> 32);
}

// Uniform float in the open interval (0, 1) from one word: 23 random bits, centred in their
// cell (every value exact, in [2^-24, 1 - 2^-24], so log(u) and log(1 - u) stay finite).
SRNS_HD float word_open01(uint32_t word) {
  return (static_cast<float>(word >> 9) + 0.5f) * (1.0f / 8388608.0f);
}

// A sequential view of one counter stream: next_u32() walks c0 = 0, 1, 2, ... four words at a
// time. Cheap to construct (no state beyond 10 words), so every sample makes its own. Draw
// helpers (draws.hpp) take any stream type with next_u32(), below() and open01(), so a backend
// may hand them the same words computed ahead (the CPU's cpu::PrefetchedStream).
struct PhiloxStream {
  uint32_t key0, key1;
  Philox4 ctr;
  Philox4 buf;
  int used;

  SRNS_HD uint32_t next_u32() {
    if (used == 4) {
      buf = philox4x32_10(ctr, key0, key1);
      ctr.v[0] += 1u;
      used = 0;
    }
    return buf.v[used++];
  }
  SRNS_HD uint32_t below(uint32_t n) { return word_below(next_u32(), n); }
  SRNS_HD float open01() { return word_open01(next_u32()); }
};

SRNS_HD PhiloxStream make_stream(uint64_t seed, uint32_t purpose, int64_t epoch, uint32_t batch,
                                 uint32_t sample) {
  PhiloxStream s;
  s.key0 = static_cast<uint32_t>(seed);
  s.key1 = static_cast<uint32_t>(seed >> 32);
  s.ctr.v[0] = 0u;
  s.ctr.v[1] = sample;
  s.ctr.v[2] = batch;
  s.ctr.v[3] = (static_cast<uint32_t>(epoch + 1) << 8) | (purpose & 0xFFu);
  s.buf.v[0] = s.buf.v[1] = s.buf.v[2] = s.buf.v[3] = 0u;
  s.used = 4;
  return s;
}

}  // namespace srns
