// Optimiser step on the CPU (reference for kernels/optimizer_step.cu).
//
// Adam (dense): every element of P and Q moves every step, with g = 0 for rows the batch did
// not touch: m and v decay and w -= lr_t m / (sqrt(v) + eps). This is what TF1's Adam does on
// the sparse gradients of an embedding lookup, so it is the paper's optimiser.
// Lazy Adam: only the touched rows are updated (their moments and weights); scales to tables
// far larger than a batch. SGD: w -= lr g on the touched rows. beta (GMF) is dense and always
// stepped by the chosen rule; MF leaves beta at 1.
#include <cmath>

#include "cpu/cpu_ops.hpp"

namespace srns::cpu {
namespace {

AdamStep adam_scalars(const OptimConfig& c, int64_t step) {
  AdamStep s;
  const double t = static_cast<double>(step);
  s.lr_t = static_cast<float>(c.lr * std::sqrt(1.0 - std::pow(static_cast<double>(c.beta2), t)) /
                              (1.0 - std::pow(static_cast<double>(c.beta1), t)));
  s.beta1 = c.beta1;
  s.beta2 = c.beta2;
  s.eps = c.eps;
  return s;
}

// Dense Adam over a whole table: rows listed in `rows` take their gradient from `grad`.
void adam_dense_table(float* w, float* m, float* v, int64_t n_rows, int32_t dim,
                      const std::vector<int32_t>& rows, const std::vector<float>& grad,
                      const AdamStep& s, int threads) {
  // Rows not touched by the batch: g = 0. Touched rows are stepped with their gradient below;
  // the two sets are disjoint, so the loops can run in any order.
  const int64_t n_touched = static_cast<int64_t>(rows.size());
  std::vector<uint8_t> touched(n_rows, 0);
  for (int64_t r = 0; r < n_touched; ++r) touched[rows[r]] = 1;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t row = 0; row < n_rows; ++row) {
    if (touched[row]) continue;
    for (int32_t f = 0; f < dim; ++f) {
      const int64_t x = row * dim + f;
      adam_update(&w[x], &m[x], &v[x], 0.0f, s);
    }
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t r = 0; r < n_touched; ++r) {
    for (int32_t f = 0; f < dim; ++f) {
      const int64_t x = static_cast<int64_t>(rows[r]) * dim + f;
      adam_update(&w[x], &m[x], &v[x], grad[r * dim + f], s);
    }
  }
}

void adam_lazy_table(float* w, float* m, float* v, int32_t dim, const std::vector<int32_t>& rows,
                     const std::vector<float>& grad, const AdamStep& s, int threads) {
  const int64_t n_touched = static_cast<int64_t>(rows.size());
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t r = 0; r < n_touched; ++r) {
    for (int32_t f = 0; f < dim; ++f) {
      const int64_t x = static_cast<int64_t>(rows[r]) * dim + f;
      adam_update(&w[x], &m[x], &v[x], grad[r * dim + f], s);
    }
  }
}

void sgd_table(float* w, int32_t dim, const std::vector<int32_t>& rows,
               const std::vector<float>& grad, float lr, int threads) {
  const int64_t n_touched = static_cast<int64_t>(rows.size());
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t r = 0; r < n_touched; ++r) {
    for (int32_t f = 0; f < dim; ++f) {
      sgd_update(&w[static_cast<int64_t>(rows[r]) * dim + f], grad[r * dim + f], lr);
    }
  }
}

}  // namespace

void optimizer_step(const OptimConfig& config, bool train_beta, const RowGradients& g,
                    Model* model, OptimState* state, int threads) {
  const int32_t dim = model->dim;
  state->step += 1;
  if (config.kind == OptimizerKind::kSgd) {
    sgd_table(model->user.data(), dim, g.user_rows, g.user_grad, config.lr, threads);
    sgd_table(model->item.data(), dim, g.item_rows, g.item_grad, config.lr, threads);
    if (train_beta) {
      for (int32_t f = 0; f < dim; ++f) sgd_update(&model->beta[f], g.beta_grad[f], config.lr);
    }
    return;
  }
  const AdamStep s = adam_scalars(config, state->step);
  if (config.kind == OptimizerKind::kAdam) {
    adam_dense_table(model->user.data(), state->user_m.data(), state->user_v.data(),
                     model->n_users, dim, g.user_rows, g.user_grad, s, threads);
    adam_dense_table(model->item.data(), state->item_m.data(), state->item_v.data(),
                     model->n_items, dim, g.item_rows, g.item_grad, s, threads);
  } else {
    adam_lazy_table(model->user.data(), state->user_m.data(), state->user_v.data(), dim,
                    g.user_rows, g.user_grad, s, threads);
    adam_lazy_table(model->item.data(), state->item_m.data(), state->item_v.data(), dim,
                    g.item_rows, g.item_grad, s, threads);
  }
  if (train_beta) {
    for (int32_t f = 0; f < dim; ++f) {
      adam_update(&model->beta[f], &state->beta_m[f], &state->beta_v[f], g.beta_grad[f], s);
    }
  }
}

}  // namespace srns::cpu
