// Philox4x32-10 blocks computed sixteen at a time on the CPU, and a stream that serves words
// computed ahead: the same numbers as rng.hpp's scalar PhiloxStream, word for word, for the
// hot loops that draw many words per sample (SRNS memory refresh, candidate pools).
//
//   philox_blocks(ctr, n, k0, k1, out)   out[b] = philox4x32_10(ctr[b], k0, k1), b < n
//   PrefetchedStream                     the stream make_stream(...) would give, its first
//                                        `blocks` blocks filled in by philox_blocks (possibly
//                                        together with other streams' blocks); past them it
//                                        continues block by block like PhiloxStream
//
// Vectorised with GCC/Clang vector extensions: the 32x32->64 multiplies of a round run on the
// even and odd 32-bit lanes as 64-bit lanes (vpmuludq on x86), the rest is xor and adds.
#pragma once
#include <cstdint>
#include <cstring>

#include "srns/rng.hpp"

namespace srns::cpu {

void philox_blocks(const Philox4* ctr, int n, uint32_t k0, uint32_t k1, Philox4* out);

// Most blocks a PrefetchedStream holds.
constexpr int kMaxPrefetchBlocks = 32;

struct PrefetchedStream {
  PhiloxStream tail;  // continues at block `blocks`
  Philox4 block[kMaxPrefetchBlocks];
  int blocks = 0;
  int pos = 0;  // next word

  // The stream `s` (fresh from make_stream) with its first n <= kMaxPrefetchBlocks blocks to
  // be computed ahead (fill_streams), the scalar tail starting after them.
  void init(const PhiloxStream& s, int n) {
    tail = s;
    blocks = n;
    pos = 0;
    tail.ctr.v[0] = s.ctr.v[0] + static_cast<uint32_t>(n);
  }
  uint32_t next_u32() {
    if (pos < 4 * blocks) {
      const uint32_t w = block[pos >> 2].v[pos & 3];
      ++pos;
      return w;
    }
    return tail.next_u32();
  }
  // The next n words into out (what n calls of next_u32 would return).
  void take(int n, uint32_t* out) {
    int k = 0;
    if (pos == 0 && n <= 4 * blocks) {
      std::memcpy(out, block, sizeof(uint32_t) * n);  // Philox4 is four packed words
      pos = n;
      k = n;
    }
    for (; k < n; ++k) out[k] = next_u32();
  }
  uint32_t below(uint32_t n) { return word_below(next_u32(), n); }
  float open01() { return word_open01(next_u32()); }
};

// Computes the prefetched blocks of `n` streams in one vectorised pass: each stream's counters
// are gathered, run through philox_blocks together (they share the run's key), and scattered
// back. Streams must share the key (same seed), as every stream of a run does.
void fill_streams(PrefetchedStream* const* streams, int n);

}  // namespace srns::cpu
