// Loss and gradient row of every pair of a batch on the CPU (reference for
// kernels/pair_gradients.cu). For pair k = (u, i, j = negative[k]), with the model as it is at
// the start of the batch:
//   c_u = user_context(p_u);  r_pos = score(c_u, q_i);  r_neg = score(c_u, q_j)
//   loss[k], grad[k] = the scorer's pair_gradient (scorer.hpp)
// Pairs are independent, so threads split them statically; results do not depend on the
// thread count.
#include <type_traits>

#include "cpu/cpu_ops.hpp"
#include "cpu/score_many.hpp"

namespace srns::cpu {

void pair_gradients(const ModelView& model, const Batch& batch, const int32_t* negative,
                    int loss_kind, float reg, StepOutput* out, int threads) {
  const int64_t stride = model.grad_stride();
  out->size_for(batch.size, model);
  with_scorer(model, [&](const auto& sc) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int32_t k = 0; k < batch.size; ++k) {
      const int32_t u = batch.user[k], i = batch.item[k], j = negative[k];
      const float* p = model.user_row(u);
      if constexpr (std::is_same_v<std::decay_t<decltype(sc)>, MlpScorer>) {
        // The MLP's gradient pass scores the pair itself (the same r_pos, r_neg).
        out->loss[k] = sc.pair_gradient_scoring(p, model.item_row(i), model.item_row(j),
                                                loss_kind, reg, out->grad.data() + k * stride);
        continue;
      }
      float ctx[kMaxDim];
      sc.user_context(p, ctx);
      const float r_pos = score_one(sc, ctx, model.item_row(i));
      const float r_neg = score_one(sc, ctx, model.item_row(j));
      out->loss[k] = sc.pair_gradient(p, model.item_row(i), model.item_row(j), loss_kind, reg,
                                      r_pos, r_neg, out->grad.data() + k * stride);
    }
  });
}

}  // namespace srns::cpu
