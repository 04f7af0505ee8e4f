// Scores behind the SRNS pooled score history, on the CPU (reference for
// kernels/record_history.cu): every pool slot of every user, and the tracked (user, item)
// pairs. Each score is the scorer's r(u, i) (scorer.hpp); the dense history is a score matrix
// (score_matrix.cpp).
#include "cpu/cpu_ops.hpp"

namespace srns::cpu {

void score_pairs(const ModelView& model, int64_t n, const int32_t* users, const int32_t* items,
                 float* out, int threads) {
  with_scorer(model, [&](const auto& sc) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t k = 0; k < n; ++k) {
      float ctx[kMaxDim];
      sc.user_context(model.user_row(users[k]), ctx);
      out[k] = sc.score(ctx, model.item_row(items[k]));
    }
  });
}

void score_pool(const ModelView& model, int32_t n_users, int32_t pool_size, const int32_t* pool,
                float* out, int threads) {
  with_scorer(model, [&](const auto& sc) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int32_t u = 0; u < n_users; ++u) {
      float ctx[kMaxDim];
      sc.user_context(model.user_row(u), ctx);
      const int64_t base = static_cast<int64_t>(u) * pool_size;
      for (int32_t v = 0; v < pool_size; ++v) {
        out[base + v] = sc.score(ctx, model.item_row(pool[base + v]));
      }
    }
  });
}

}  // namespace srns::cpu
