// Whole score matrices on the CPU (reference for kernels/score_matrix.cu): a user's context is
// formed once and scored against every item, r(u, i) = score(c_u, q_i) (scorer.hpp), sixteen
// items at a time (score_many.hpp), into a ScoreOut (plain matrix, or one ring slot of the SRNS
// history's [U][I][W] runs).
#include <vector>

#include "cpu/cpu_ops.hpp"
#include "cpu/score_many.hpp"

namespace srns::cpu {

void score_matrix(const ModelView& model, int32_t u0, int32_t n_users, int32_t n_items,
                  const ScoreOut& out, int threads) {
  with_scorer(model, [&](const auto& sc) {
#pragma omp parallel num_threads(threads)
    {
      std::vector<float> scores(n_items);
#pragma omp for schedule(static)
      for (int32_t x = 0; x < n_users; ++x) {
        float ctx[kMaxDim];
        sc.user_context(model.user_row(u0 + x), ctx);
        score_range(sc, ctx, model, 0, n_items, scores.data());
        put_row(out, x, scores.data(), n_items);
      }
    }
  });
}

}  // namespace srns::cpu
