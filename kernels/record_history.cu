// Scoring for the SRNS score history (the CPU backend's record_history calls the same three
// ops in the same places):
//   score_all    dense record [U][I]: the tiled score matrix (score_matrix.cu);
//   score_pool   [U][V] scores of a pool, one thread per (u, v);
//   score_pairs  scores of the tracked (user, item) pairs, one thread per pair.
// Each thread sums its score with the 32 lane partials in registers (score_lanes), the
// canonical order, so every recorded score equals the CPU's bit for bit.
#include "lane_math.cuh"
#include "launch.cuh"
#include "record_history.cuh"
#include "score_matrix.cuh"

namespace srns::gpu {
namespace {

__global__ void score_pairs_kernel(cpu::ModelView m, int64_t n, const int32_t* users,
                                   const int32_t* items, float* out) {
  const int dim = m.dim;
  for (int64_t k = thread_index(); k < n; k += thread_count()) {
    out[k] = score_lanes(m.user + static_cast<int64_t>(users[k]) * dim, m.beta,
                         m.item + static_cast<int64_t>(items[k]) * dim, dim);
  }
}

__global__ void score_pool_kernel(cpu::ModelView m, int32_t n_users, int32_t pool_size,
                                  const int32_t* pool, float* out) {
  const int dim = m.dim;
  const int64_t n = static_cast<int64_t>(n_users) * pool_size;
  for (int64_t x = thread_index(); x < n; x += thread_count()) {
    const int64_t u = x / pool_size;
    out[x] =
        score_lanes(m.user + u * dim, m.beta, m.item + static_cast<int64_t>(pool[x]) * dim, dim);
  }
}

}  // namespace

void score_all(cudaStream_t stream, const cpu::ModelView& model, int32_t n_users, int32_t n_items,
               float* hist_record) {
  score_matrix(stream, model, 0, n_users, n_items, hist_record, n_items);
}

void score_pairs(cudaStream_t stream, const cpu::ModelView& model, int64_t n, const int32_t* users,
                 const int32_t* items, float* out) {
  if (n <= 0) return;
  score_pairs_kernel<<<grid_size(n), kBlock, 0, stream>>>(model, n, users, items, out);
  SRNS_CUDA_LAUNCH_CHECK("score_pairs_kernel");
}

void score_pool(cudaStream_t stream, const cpu::ModelView& model, int32_t n_users,
                int32_t pool_size, const int32_t* pool, float* out) {
  const int64_t n = static_cast<int64_t>(n_users) * pool_size;
  if (n <= 0) return;
  score_pool_kernel<<<grid_size(n), kBlock, 0, stream>>>(model, n_users, pool_size, pool, out);
  SRNS_CUDA_LAUNCH_CHECK("score_pool_kernel");
}

}  // namespace srns::gpu
