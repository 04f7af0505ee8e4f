// Per-row gradient sums of a batch on the CPU (reference for kernels/reduce_gradients.cu).
//
// A user row's gradient is the sum of its pairs' user contributions in pair order; an item
// row's is the sum of its contributions in (pair, role) order, role 0 = positive, 1 =
// negative; the head's is the sum over pairs in pair order. Summing in this fixed order makes the
// result independent of the thread count, and is what the CUDA backend's deterministic mode
// (a sort by (row, pair, role) and a segmented sum) reproduces bit for bit.
#include "cpu/cpu_ops.hpp"
#include "cpu/reduce_rows.hpp"

namespace srns::cpu {

void reduce_gradients(const Batch& batch, const int32_t* negative, const StepOutput& out,
                      const ModelView& model, RowGradients* g, int threads) {
  const int32_t n = batch.size;
  const int32_t dim = model.dim;
  const int64_t stride = model.grad_stride();
  std::vector<int32_t> user_of(batch.user, batch.user + n);
  reduce_rows(
      user_of, dim, [&](int32_t k) { return k * stride; }, out.grad.data(), &g->user_rows,
      &g->user_grad, threads);
  // Item contribution c = 2k + role: the pair's positive (role 0) then its negative (role 1).
  std::vector<int32_t> item_of(2 * static_cast<size_t>(n));
  for (int32_t k = 0; k < n; ++k) {
    item_of[2 * k] = batch.item[k];
    item_of[2 * k + 1] = negative[k];
  }
  reduce_rows(
      item_of, dim, [&](int32_t c) { return (c / 2) * stride + (1 + c % 2) * dim; },
      out.grad.data(), &g->item_rows, &g->item_grad, threads);
  const int32_t h = model.head_size;
  g->head_grad.assign(h, 0.0f);
  for (int32_t k = 0; k < n; ++k) {
    const float* gh = out.grad.data() + k * stride + 3 * dim;
    for (int32_t f = 0; f < h; ++f) g->head_grad[f] = g->head_grad[f] + gh[f];
  }
}

}  // namespace srns::cpu
