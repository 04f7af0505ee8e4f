// Uniform-negative batch step on the CPU (reference for kernels/uniform_step.cu):
// j uniform over the items outside u's training row (rejection, sampler.hpp), then the same
// gradient contributions as the SRNS step, so the two samplers are timed on equal terms.
#include "cpu/cpu_ops.hpp"

namespace srns::cpu {

void pair_gradient(const ModelView& model, const StepParams& params, int32_t u, int32_t i,
                   int32_t j, float r_pos, float r_neg, float* grad, float* loss) {
  const int dim = model.dim;
  pair_gradient_rows(model.user + static_cast<int64_t>(u) * dim,
                     model.item + static_cast<int64_t>(i) * dim,
                     model.item + static_cast<int64_t>(j) * dim, model.beta, dim, params.loss,
                     params.reg, r_pos, r_neg, grad, loss);
}

void uniform_step(const ModelView& model, const StepParams& params, const Batch& batch,
                  StepOutput* out, int threads) {
  const int dim = model.dim;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int32_t k = 0; k < batch.size; ++k) {
    const int32_t u = batch.user[k], i = batch.item[k];
    PhiloxStream s = make_stream(params.seed, kRngUniformNeg, params.epoch,
                                 static_cast<uint32_t>(batch.index), static_cast<uint32_t>(k));
    const int64_t begin = params.train_off[u];
    const int32_t j = draw_non_positive(&s, params.train_cols + begin,
                                        params.train_off[u + 1] - begin, params.n_items);
    float pb[1024];
    user_factor(model.user + static_cast<int64_t>(u) * dim, model.beta, pb, dim);
    const float r_pos = dot_lanes(pb, model.item + static_cast<int64_t>(i) * dim, dim);
    const float r_neg = dot_lanes(pb, model.item + static_cast<int64_t>(j) * dim, dim);
    out->negative[k] = j;
    pair_gradient(model, params, u, i, j, r_pos, r_neg,
                  out->grad.data() + static_cast<int64_t>(k) * 4 * dim, &out->loss[k]);
  }
}

}  // namespace srns::cpu
