// SRNS candidate pools on the CPU (reference for kernels/sample_pools.cu): pool p of user u is
// V items drawn uniformly (with replacement) from the items u has no training interaction
// with, in chunks of kPoolChunk slots from their own streams (samplers/srns.hpp: pool_chunk).
#include "cpu/cpu_ops.hpp"
#include "srns/samplers/srns.hpp"

namespace srns::cpu {

void sample_pools(uint64_t seed, int64_t p, int32_t n_users, int32_t n_items, int32_t pool_size,
                  const int64_t* train_off, const int32_t* train_cols, int32_t* pool, int threads) {
  const int32_t chunks = (pool_size + kPoolChunk - 1) / kPoolChunk;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int32_t u = 0; u < n_users; ++u) {
    const int32_t* row = train_cols + train_off[u];
    const int64_t len = train_off[u + 1] - train_off[u];
    int32_t* out = pool + static_cast<int64_t>(u) * pool_size;
    for (int32_t c = 0; c < chunks; ++c) {
      pool_chunk(seed, p, u, c, pool_size, row, len, n_items, out + c * kPoolChunk);
    }
  }
}

}  // namespace srns::cpu
