// Candidate pools: one thread per (user, chunk of kPoolChunk = 16 slots) calls pool_chunk, the
// function the CPU calls for the same chunk, with the chunk's own Philox stream; results are
// identical to cpu::sample_pools by construction (integer draws, no floating point).
//
// Shapes: pool int32[U][V]; chunks per user ceil(V / 16).
#include "launch.cuh"
#include "sample_pools.cuh"
#include "srns/samplers/srns.hpp"

namespace srns::gpu {
namespace {

__global__ void sample_pools_kernel(uint64_t seed, int64_t p, int32_t n_users, int32_t n_items,
                                    int32_t pool_size, int32_t chunks, const int64_t* train_off,
                                    const int32_t* train_cols, int32_t* pool) {
  const int64_t n = static_cast<int64_t>(n_users) * chunks;
  for (int64_t x = thread_index(); x < n; x += thread_count()) {
    const int32_t u = static_cast<int32_t>(x / chunks);
    const int32_t c = static_cast<int32_t>(x % chunks);
    const int64_t begin = train_off[u];
    pool_chunk(seed, p, u, c, pool_size, train_cols + begin, train_off[u + 1] - begin, n_items,
               pool + static_cast<int64_t>(u) * pool_size + static_cast<int64_t>(c) * kPoolChunk);
  }
}

}  // namespace

void sample_pools(cudaStream_t stream, uint64_t seed, int64_t p, int32_t n_users, int32_t n_items,
                  int32_t pool_size, const int64_t* train_off, const int32_t* train_cols,
                  int32_t* pool) {
  const int32_t chunks = (pool_size + kPoolChunk - 1) / kPoolChunk;
  const int64_t n = static_cast<int64_t>(n_users) * chunks;
  if (n <= 0) return;
  sample_pools_kernel<<<grid_size(n), kBlock, 0, stream>>>(seed, p, n_users, n_items, pool_size,
                                                           chunks, train_off, train_cols, pool);
  SRNS_CUDA_LAUNCH_CHECK("sample_pools_kernel");
}

}  // namespace srns::gpu
