// The epoch's pairs in training order: one thread per position gathers the pair's user and
// item (integer copies, identical to the CPU's).
#include "epoch_pairs.cuh"
#include "launch.cuh"

namespace srns::gpu {
namespace {

__global__ void epoch_pairs_kernel(const int64_t* order, int64_t n, const int32_t* pair_user,
                                   const int32_t* train_cols, int64_t* pair, int32_t* user,
                                   int32_t* item) {
  for (int64_t x = thread_index(); x < n; x += thread_count()) {
    const int64_t e = order[x];
    pair[x] = e;
    user[x] = pair_user[e];
    item[x] = train_cols[e];
  }
}

}  // namespace

void epoch_pairs(cudaStream_t stream, const int64_t* order, int64_t n, const int32_t* pair_user,
                 const int32_t* train_cols, int64_t* pair, int32_t* user, int32_t* item) {
  if (n <= 0) return;
  epoch_pairs_kernel<<<grid_size(n), kBlock, 0, stream>>>(order, n, pair_user, train_cols, pair,
                                                          user, item);
  SRNS_CUDA_LAUNCH_CHECK("epoch_pairs_kernel");
}

}  // namespace srns::gpu
