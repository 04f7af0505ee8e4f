// SRNS candidate pools on the CPU (reference for kernels/sample_pools.cu): pool p of user u is
// V items drawn uniformly (with replacement) from the items u has no training interaction
// with, in chunks of kPoolChunk slots from their own streams (samplers/srns.hpp: pool_chunk).
//
// The same draws as pool_chunk, faster: sixteen chunks' stream blocks are computed together
// (philox_simd.hpp), and "is it a training item of u" is a bit test in a per-thread bitmap of
// u's row instead of a binary search.
#include <vector>

#include "cpu/cpu_ops.hpp"
#include "cpu/philox_simd.hpp"
#include "srns/samplers/srns.hpp"

namespace srns::cpu {
namespace {

// A user's training row as a bitmap over the items.
struct BitRow {
  const uint64_t* bits;
  bool contains(int32_t x) const { return (bits[x >> 6] >> (x & 63)) & 1u; }
};

// Stream blocks computed ahead per chunk: one word per slot, one block of slack for rejections.
constexpr int kChunkBlocks = kPoolChunk / 4 + 1;
// Chunks whose blocks are computed in one pass.
constexpr int kChunksPerPass = 16;

}  // namespace

void sample_pools(uint64_t seed, int64_t p, int32_t n_users, int32_t n_items, int32_t pool_size,
                  const int64_t* train_off, const int32_t* train_cols, int32_t* pool, int threads) {
  const int32_t chunks = (pool_size + kPoolChunk - 1) / kPoolChunk;
#pragma omp parallel num_threads(threads)
  {
    std::vector<uint64_t> bits((n_items + 63) / 64, 0);
    PrefetchedStream streams[kChunksPerPass];
    PrefetchedStream* ptr[kChunksPerPass];
    for (int c = 0; c < kChunksPerPass; ++c) ptr[c] = &streams[c];
#pragma omp for schedule(static)
    for (int32_t u = 0; u < n_users; ++u) {
      const int32_t* row = train_cols + train_off[u];
      const int64_t len = train_off[u + 1] - train_off[u];
      for (int64_t x = 0; x < len; ++x) bits[row[x] >> 6] |= uint64_t{1} << (row[x] & 63);
      const BitRow set{bits.data()};
      int32_t* out = pool + static_cast<int64_t>(u) * pool_size;
      for (int32_t c0 = 0; c0 < chunks; c0 += kChunksPerPass) {
        const int n = chunks - c0 < kChunksPerPass ? chunks - c0 : kChunksPerPass;
        for (int j = 0; j < n; ++j) {
          streams[j].init(make_stream(seed, kRngPool, p, static_cast<uint32_t>(c0 + j),
                                      static_cast<uint32_t>(u)),
                          kChunkBlocks);
        }
        fill_streams(ptr, n);
        for (int j = 0; j < n; ++j) {
          const int32_t begin = (c0 + j) * kPoolChunk;
          const int32_t end = begin + kPoolChunk < pool_size ? begin + kPoolChunk : pool_size;
          for (int32_t v = begin; v < end; ++v) out[v] = draw_outside(&streams[j], set, n_items);
        }
      }
      for (int64_t x = 0; x < len; ++x) bits[row[x] >> 6] = 0;
    }
  }
}

}  // namespace srns::cpu
