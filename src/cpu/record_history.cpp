// Scores behind the SRNS pooled score history, on the CPU (reference for
// kernels/record_history.cu): every pool slot of every user, and the tracked (user, item)
// pairs, into a ScoreOut (one ring slot of the history's runs). Each score is the scorer's
// r(u, i) (scorer.hpp; a user's pool scored sixteen items at a time, score_many.hpp); the
// dense history is a score matrix (score_matrix.cpp).
#include <vector>

#include "cpu/cpu_ops.hpp"
#include "cpu/score_many.hpp"

namespace srns::cpu {

void score_pairs(const ModelView& model, int64_t n, const int32_t* users, const int32_t* items,
                 const ScoreOut& out, int threads) {
  with_scorer(model, [&](const auto& sc) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t k = 0; k < n; ++k) {
      float ctx[kMaxDim];
      sc.user_context(model.user_row(users[k]), ctx);
      out.put(k, 0, sc.score(ctx, model.item_row(items[k])));
    }
  });
}

void score_pool(const ModelView& model, int32_t n_users, int32_t pool_size, const int32_t* pool,
                const ScoreOut& out, int threads) {
  with_scorer(model, [&](const auto& sc) {
#pragma omp parallel num_threads(threads)
    {
      std::vector<float> scores(pool_size);
#pragma omp for schedule(static)
      for (int32_t u = 0; u < n_users; ++u) {
        float ctx[kMaxDim];
        sc.user_context(model.user_row(u), ctx);
        score_items(sc, ctx, model, pool + static_cast<int64_t>(u) * pool_size, pool_size,
                    scores.data());
        put_row(out, u, scores.data(), pool_size);
      }
    }
  });
}

}  // namespace srns::cpu
