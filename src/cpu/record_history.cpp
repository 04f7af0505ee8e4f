// Scoring for the SRNS score history, on the CPU (reference for kernels/record_history.cu and
// kernels/sample_pools.cu): whole score matrices (dense history), pool rows and tracked pairs
// (pooled history), and the pools themselves. Every score is the canonical one of math.hpp.
#include <vector>

#include "cpu/cpu_ops.hpp"

namespace srns::cpu {

void score_all(const ModelView& model, int32_t n_users, int32_t n_items, float* hist_record,
               int threads) {
  const int dim = model.dim;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int32_t u = 0; u < n_users; ++u) {
    float pb[1024];
    user_factor(model.user + static_cast<int64_t>(u) * dim, model.beta, pb, dim);
    float* out = hist_record + static_cast<int64_t>(u) * n_items;
    for (int32_t i = 0; i < n_items; ++i) {
      out[i] = dot_lanes(pb, model.item + static_cast<int64_t>(i) * dim, dim);
    }
  }
}

void score_pairs(const ModelView& model, int64_t n, const int32_t* users, const int32_t* items,
                 float* out, int threads) {
  const int dim = model.dim;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t k = 0; k < n; ++k) {
    float pb[1024];
    user_factor(model.user + static_cast<int64_t>(users[k]) * dim, model.beta, pb, dim);
    out[k] = dot_lanes(pb, model.item + static_cast<int64_t>(items[k]) * dim, dim);
  }
}

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

void score_pool(const ModelView& model, int32_t n_users, int32_t pool_size, const int32_t* pool,
                float* out, int threads) {
  const int dim = model.dim;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int32_t u = 0; u < n_users; ++u) {
    float pb[1024];
    user_factor(model.user + static_cast<int64_t>(u) * dim, model.beta, pb, dim);
    const int64_t base = static_cast<int64_t>(u) * pool_size;
    for (int32_t v = 0; v < pool_size; ++v) {
      out[base + v] = dot_lanes(pb, model.item + static_cast<int64_t>(pool[base + v]) * dim, dim);
    }
  }
}

}  // namespace srns::cpu
