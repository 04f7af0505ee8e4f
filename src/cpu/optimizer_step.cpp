// Optimiser step on the CPU (reference for kernels/optimizer_step.cu).
//
// Adam (dense): every element of P and Q moves every step, with g = 0 for rows the batch did
// not touch: m and v decay and w -= lr_t m / (sqrt(v) + eps). This is what TF1's Adam does on
// the sparse gradients of an embedding lookup, so it is the paper's optimiser.
// Lazy Adam: only the touched rows are updated (their moments and weights); scales to tables
// far larger than a batch. SGD: w -= lr g on the touched rows. The scorer's head (GMF: beta)
// is dense and always stepped by the chosen rule where the scorer trains it (MF keeps beta = 1).
#include <cmath>

#include "cpu/cpu_ops.hpp"

namespace srns::cpu {
namespace {

// Rows of a batch below this many elements are stepped by one thread: a parallel region costs
// more than the work, and far more when another process holds a core.
constexpr int64_t kParallelMinElems = 1 << 16;

// Dense Adam over a whole table in one pass: rows listed in `rows` take their gradient from
// `grad`, every other row g = 0. slot_of_row (n_rows entries, all -1 on entry and on return)
// maps a row to its position in `rows`.
void adam_dense_table(float* w, float* m, float* v, int64_t n_rows, int32_t dim,
                      const std::vector<int32_t>& rows, const std::vector<float>& grad,
                      std::vector<int32_t>* slot_of_row, const AdamStep& s, int threads) {
  const int64_t n_touched = static_cast<int64_t>(rows.size());
  int32_t* slot = slot_of_row->data();
  for (int64_t r = 0; r < n_touched; ++r) slot[rows[r]] = static_cast<int32_t>(r);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t row = 0; row < n_rows; ++row) {
    const float* g = slot[row] >= 0 ? grad.data() + static_cast<int64_t>(slot[row]) * dim : nullptr;
    for (int32_t f = 0; f < dim; ++f) {
      const int64_t x = row * dim + f;
      adam_update(&w[x], &m[x], &v[x], g ? g[f] : 0.0f, s);
    }
  }
  for (int64_t r = 0; r < n_touched; ++r) slot[rows[r]] = -1;
}

void adam_lazy_table(float* w, float* m, float* v, int32_t dim, const std::vector<int32_t>& rows,
                     const std::vector<float>& grad, const AdamStep& s, int threads) {
  const int64_t n_touched = static_cast<int64_t>(rows.size());
#pragma omp parallel for num_threads(threads) \
    schedule(static) if (n_touched * dim >= kParallelMinElems)
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
#pragma omp parallel for num_threads(threads) \
    schedule(static) if (n_touched * dim >= kParallelMinElems)
  for (int64_t r = 0; r < n_touched; ++r) {
    for (int32_t f = 0; f < dim; ++f) {
      sgd_update(&w[static_cast<int64_t>(rows[r]) * dim + f], grad[r * dim + f], lr);
    }
  }
}

}  // namespace

AdamStep adam_scalars(const OptimConfig& c, int64_t step) {
  return adam_step_scalars(c.lr, c.beta1, c.beta2, c.eps, step);
}

void optimizer_step(const OptimConfig& config, const RowGradients& g, Model* model,
                    OptimState* state, int threads) {
  const bool train_head = head_trained(model->kind);
  const int32_t n_head = static_cast<int32_t>(model->head.size());
  const int32_t dim = model->dim;
  state->step += 1;
  if (config.kind == OptimizerKind::kSgd) {
    sgd_table(model->user.data(), dim, g.user_rows, g.user_grad, config.lr, threads);
    sgd_table(model->item.data(), dim, g.item_rows, g.item_grad, config.lr, threads);
    if (train_head) {
      for (int32_t f = 0; f < n_head; ++f) sgd_update(&model->head[f], g.head_grad[f], config.lr);
    }
    return;
  }
  const AdamStep s = adam_scalars(config, state->step);
  if (config.kind == OptimizerKind::kAdam) {
    if (state->user_slot.empty()) state->user_slot.assign(model->n_users, -1);
    if (state->item_slot.empty()) state->item_slot.assign(model->n_items, -1);
    adam_dense_table(model->user.data(), state->user_m.data(), state->user_v.data(), model->n_users,
                     dim, g.user_rows, g.user_grad, &state->user_slot, s, threads);
    adam_dense_table(model->item.data(), state->item_m.data(), state->item_v.data(), model->n_items,
                     dim, g.item_rows, g.item_grad, &state->item_slot, s, threads);
  } else {
    adam_lazy_table(model->user.data(), state->user_m.data(), state->user_v.data(), dim,
                    g.user_rows, g.user_grad, s, threads);
    adam_lazy_table(model->item.data(), state->item_m.data(), state->item_v.data(), dim,
                    g.item_rows, g.item_grad, s, threads);
  }
  if (train_head) {
    for (int32_t f = 0; f < n_head; ++f) {
      adam_update(&model->head[f], &state->head_m[f], &state->head_v[f], g.head_grad[f], s);
    }
  }
}

}  // namespace srns::cpu
