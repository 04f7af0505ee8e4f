// Per-row gradient sums of a batch on the CPU (reference for kernels/reduce_gradients.cu).
//
// A user row's gradient is the sum of its pairs' user contributions in pair order; an item
// row's is the sum of its contributions in (pair, role) order, role 0 = positive, 1 =
// negative; the head's is the sum over pairs in pair order. Summing in this fixed order makes the
// result independent of the thread count, and is what the CUDA backend's deterministic mode
// (a sort by (row, pair, role) and a segmented sum) reproduces bit for bit.
#include <algorithm>
#include <numeric>

#include "cpu/cpu_ops.hpp"

namespace srns::cpu {
namespace {

// Sorts contribution ids by (row, id) and sums each row's contributions in id order.
// contribution c belongs to row rows_of[c] and lives at grad + offset_of(c).
template <typename OffsetOf>
void reduce_rows(const std::vector<int32_t>& rows_of, int32_t dim, OffsetOf offset_of,
                 const float* grad, std::vector<int32_t>* rows, std::vector<float>* sums,
                 int threads) {
  const int32_t n = static_cast<int32_t>(rows_of.size());
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t a, int32_t b) { return rows_of[a] < rows_of[b]; });
  std::vector<int32_t> seg_begin;
  rows->clear();
  for (int32_t c = 0; c < n; ++c) {
    if (c == 0 || rows_of[order[c]] != rows_of[order[c - 1]]) {
      seg_begin.push_back(c);
      rows->push_back(rows_of[order[c]]);
    }
  }
  seg_begin.push_back(n);
  const int64_t n_rows = static_cast<int64_t>(rows->size());
  sums->assign(n_rows * dim, 0.0f);
  // A batch's rows are little work: threads only pay off for very large batches.
#pragma omp parallel for num_threads(threads) schedule(static) if (n_rows * dim >= (1 << 16))
  for (int64_t r = 0; r < n_rows; ++r) {
    float* out = sums->data() + r * dim;
    for (int32_t c = seg_begin[r]; c < seg_begin[r + 1]; ++c) {
      const float* g = grad + offset_of(order[c]);
      for (int f = 0; f < dim; ++f) out[f] = out[f] + g[f];
    }
  }
}

}  // namespace

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
