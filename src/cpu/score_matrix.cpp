// Whole score matrices on the CPU (reference for kernels/score_matrix.cu): a user's context is
// formed once and scored against every item, r(u, i) = score(c_u, q_i) (scorer.hpp).
#include "cpu/cpu_ops.hpp"

namespace srns::cpu {

void score_matrix(const ModelView& model, int32_t u0, int32_t n_users, int32_t n_items, float* out,
                  int64_t ld, int threads) {
  with_scorer(model, [&](const auto& sc) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int32_t x = 0; x < n_users; ++x) {
      float ctx[kMaxDim];
      sc.user_context(model.user_row(u0 + x), ctx);
      float* row = out + x * ld;
      for (int32_t i = 0; i < n_items; ++i) row[i] = sc.score(ctx, model.item_row(i));
    }
  });
}

}  // namespace srns::cpu
