// Optimiser step on the CPU (reference for kernels/optimizer_step.cu).
//
// Adam (dense): every element of P and Q moves every step, with g = 0 for rows the batch did
// not touch: m and v decay and w -= lr_t m / (sqrt(v) + eps). This is what TF1's Adam does on
// the sparse gradients of an embedding lookup, so it is the paper's optimiser. Both tables are
// one parallel pass, each thread an equal share of each table: each row reads its summed
// gradient where the batch touched it (RowGradients' slot maps) and a row of zeros elsewhere,
// so a row's F elements are one branch-free run of sixteen-lane steps (adam_row: adam_update's
// arithmetic in every lane, the same floats as one element at a time). A table whose rows are
// deferred (cpu_ops.hpp: DeferredAdam) takes only its touched rows here, and only to park their
// gradients: each row takes its steps, the same ones, when the batch loop next catches it up.
// Lazy Adam: only the touched rows are updated (their moments and weights); scales to tables
// far larger than a batch. SGD: w -= lr g on the touched rows. The scorer's head (GMF: beta)
// is dense and always stepped by the chosen rule where the scorer trains it (MF keeps beta = 1).
// Adagrad (acc in the m tables): the touched rows; a zero gradient changes nothing, so this is
// also the dense step the CUDA optimiser takes.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "cpu/cpu_ops.hpp"

namespace srns::cpu {
namespace {

// Rows of a batch below this many elements are stepped by one thread: a parallel region costs
// more than the work, and far more when another process holds a core.
constexpr int64_t kParallelMinElems = 1 << 16;

// One table of the dense pass: every row, or, where its rows are deferred (DeferredAdam), the
// touched rows' gradients parked for their next catch-up.
struct DenseTable {
  float* w;
  float* m;
  float* v;
  const std::vector<float>* grad;
  const std::vector<int32_t>* touched;  // the batch's rows, aligned with grad's rows
  const RowGradients* g;
  bool user;
  int64_t rows;
  DeferredRows* deferred;  // on(): the touched rows are parked, not stepped

  int64_t passes() const { return deferred->on() ? static_cast<int64_t>(touched->size()) : rows; }
};

// One row of a dense pass: a deferred table's k-th touched row is parked (returns 1 where it
// was not caught up to the step before this one); any other table's row k is stepped.
int64_t adam_dense_row(const DenseTable& t, int64_t k, int32_t dim, const float* zeros,
                       const AdamStep& s, int64_t step) {
  if (t.deferred->on()) {
    DeferredRows& d = *t.deferred;
    const int64_t row = (*t.touched)[k];
    const int64_t stale = d.at[row] != step - 1 || d.pending[row];
    d.pending[row] = 1;
    const float* grad = t.grad->data() + k * dim;
    std::copy(grad, grad + dim, d.grad.data() + row * dim);
    return stale;
  }
  const int32_t slot = t.user ? t.g->user_slot_of(k) : t.g->item_slot_of(k);
  const float* grad = slot >= 0 ? t.grad->data() + static_cast<int64_t>(slot) * dim : zeros;
  const int64_t at = k * dim;
  adam_row(t.w + at, t.m + at, t.v + at, grad, dim, s);
  return 0;
}

// Dense Adam over the user and item tables in one parallel region (a deferred table's touched
// rows, each caught up to the step before it; returns how many were not). Each thread takes an
// equal share of each table: the item rows, which every thread's sampling reads and the
// optimiser writes, cost more than user rows, so one contiguous split of users then items left
// the thread with the items behind.
int64_t adam_dense(const DenseTable& users, const DenseTable& items, int32_t dim,
                   const float* zeros, const AdamStep& s, int64_t step, int threads) {
  int64_t stale = 0;
#pragma omp parallel num_threads(threads) reduction(+ : stale)
  {
    const int64_t nt = omp_get_num_threads(), id = omp_get_thread_num();
    for (const DenseTable* t : {&users, &items}) {
      const int64_t n = t->passes();
      for (int64_t k = n * id / nt; k < n * (id + 1) / nt; ++k) {
        stale += adam_dense_row(*t, k, dim, zeros, s, step);
      }
    }
  }
  return stale;
}

// step(x, g) for element x = row * dim + f of every touched row, g its summed gradient.
template <class Step>
void step_touched(int32_t dim, const std::vector<int32_t>& rows, const std::vector<float>& grad,
                  int threads, Step step) {
  const int64_t n_touched = static_cast<int64_t>(rows.size());
#pragma omp parallel for num_threads(threads) \
    schedule(static) if (n_touched * dim >= kParallelMinElems)
  for (int64_t r = 0; r < n_touched; ++r) {
    for (int32_t f = 0; f < dim; ++f) {
      step(static_cast<int64_t>(rows[r]) * dim + f, grad[r * dim + f]);
    }
  }
}

void adam_lazy_table(float* w, float* m, float* v, int32_t dim, const std::vector<int32_t>& rows,
                     const std::vector<float>& grad, const AdamStep& s, int threads) {
  step_touched(dim, rows, grad, threads,
               [&](int64_t x, float g) { adam_update(&w[x], &m[x], &v[x], g, s); });
}

void adagrad_table(float* w, float* acc, int32_t dim, const std::vector<int32_t>& rows,
                   const std::vector<float>& grad, float lr, int threads) {
  step_touched(dim, rows, grad, threads,
               [&](int64_t x, float g) { adagrad_update(&w[x], &acc[x], g, lr); });
}

void sgd_table(float* w, int32_t dim, const std::vector<int32_t>& rows,
               const std::vector<float>& grad, float lr, int threads) {
  step_touched(dim, rows, grad, threads, [&](int64_t x, float g) { sgd_update(&w[x], g, lr); });
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
  if (config.kind == OptimizerKind::kAdagrad) {
    adagrad_table(model->user.data(), state->user_m.data(), dim, g.user_rows, g.user_grad,
                  config.lr, threads);
    adagrad_table(model->item.data(), state->item_m.data(), dim, g.item_rows, g.item_grad,
                  config.lr, threads);
    if (train_head) {
      for (int32_t f = 0; f < n_head; ++f) {
        adagrad_update(&model->head[f], &state->head_m[f], g.head_grad[f], config.lr);
      }
    }
    return;
  }
  const AdamStep s = adam_scalars(config, state->step);
  if (config.kind == OptimizerKind::kAdam) {
    if (static_cast<int32_t>(state->zeros.size()) != dim) state->zeros.assign(dim, 0.0f);
    DeferredAdam& d = state->deferred;
    if (d.any()) d.scalars.push_back(s);
    const int64_t stale =
        adam_dense({model->user.data(), state->user_m.data(), state->user_v.data(), &g.user_grad,
                    &g.user_rows, &g, true, model->n_users, &d.user},
                   {model->item.data(), state->item_m.data(), state->item_v.data(), &g.item_grad,
                    &g.item_rows, &g, false, model->n_items, &d.item},
                   dim, state->zeros.data(), s, state->step, threads);
    if (stale > 0) {
      throw std::logic_error("optimizer_step: " + std::to_string(stale) +
                             " deferred rows stepped before they were caught up");
    }
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
