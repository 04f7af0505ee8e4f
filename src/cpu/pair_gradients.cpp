// Loss and gradient row of every pair of a batch on the CPU (reference for
// kernels/pair_gradients.cu). For pair k = (u, i, j = negative[k]), with the model as it is at
// the start of the batch:
//   c_u = user_context(p_u);  r_pos = score(c_u, q_i);  r_neg = score(c_u, q_j)
//   loss[k], grad[k] = the scorer's pair_gradient (scorer.hpp)
// Pairs are independent, so threads split them statically; results do not depend on the
// thread count.
#include "cpu/cpu_ops.hpp"
#include "cpu/score_many.hpp"

namespace srns::cpu {
namespace {

// Loss of pair (p_u, q_i, q_j), its gradient row into grad: the pair scored (score_one), then
// the scorer's pair_gradient.
template <class Scorer>
float score_and_pair_gradient(const Scorer& sc, const float* p, const float* qi, const float* qj,
                              int loss_kind, float reg, float* grad) {
  float ctx[kMaxDim];
  sc.user_context(p, ctx);
  const float r_pos = score_one(sc, ctx, qi);
  const float r_neg = score_one(sc, ctx, qj);
  return sc.pair_gradient(p, qi, qj, loss_kind, reg, r_pos, r_neg, grad);
}

// The MLP's gradient pass scores the pair itself (the same r_pos, r_neg as score()).
float score_and_pair_gradient(const MlpScorer& sc, const float* p, const float* qi, const float* qj,
                              int loss_kind, float reg, float* grad) {
  return sc.pair_gradient_scoring(p, qi, qj, loss_kind, reg, grad);
}

}  // namespace

void pair_gradients(const ModelView& model, const Batch& batch, const int32_t* negative,
                    int loss_kind, float reg, StepOutput* out, int threads) {
  const int64_t stride = model.grad_stride();
  out->size_for(batch.size, model);
  with_scorer(model, [&](const auto& sc) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int32_t k = 0; k < batch.size; ++k) {
      out->loss[k] = score_and_pair_gradient(
          sc, model.user_row(batch.user[k]), model.item_row(batch.item[k]),
          model.item_row(negative[k]), loss_kind, reg, out->grad.data() + k * stride);
    }
  });
}

}  // namespace srns::cpu
