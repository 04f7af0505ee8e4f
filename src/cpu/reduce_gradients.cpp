// Per-row gradient sums of a batch on the CPU (reference for kernels/reduce_gradients.cu).
//
// A user row's gradient is the sum of its pairs' user contributions in pair order; an item
// row's is the sum of its contributions in (pair, role) order, role 0 = positive, 1 =
// negative; the head's is the sum over pairs in pair order. Summing in this fixed order makes
// the result independent of the thread count, and is what the CUDA backend's deterministic mode
// (a sort by (row, pair, role) and a segmented sum) reproduces bit for bit.
//
// One pass over the contributions in that order: a row-to-slot map gives each row its sum's
// place the first time the row appears (rows are listed in first-appearance order), and every
// contribution is added to its row's running sum, 0 + c_1 + c_2 + ... as a segmented sum
// would. The maps stay valid until the next call, which resets the rows it had set.
#include "cpu/cpu_ops.hpp"

namespace srns::cpu {
namespace {

// Adds `contribution` (dim floats) to the running sum of `row`, opening the sum (zeros) the
// first time the row is seen.
void add_to_row(int32_t row, const float* contribution, int32_t dim, std::vector<int32_t>* slot_of,
                std::vector<int32_t>* rows, std::vector<float>* sums) {
  if (row >= static_cast<int32_t>(slot_of->size())) slot_of->resize(row + 1, -1);
  int32_t slot = (*slot_of)[row];
  if (slot < 0) {
    slot = static_cast<int32_t>(rows->size());
    (*slot_of)[row] = slot;
    rows->push_back(row);
    sums->resize(sums->size() + dim, 0.0f);
  }
  float* out = sums->data() + static_cast<int64_t>(slot) * dim;
  for (int32_t f = 0; f < dim; ++f) out[f] = out[f] + contribution[f];
}

void forget_rows(std::vector<int32_t>* rows, std::vector<int32_t>* slot_of,
                 std::vector<float>* sums) {
  for (int32_t r : *rows) (*slot_of)[r] = -1;
  rows->clear();
  sums->clear();
}

}  // namespace

void reduce_gradients(const Batch& batch, const int32_t* negative, const StepOutput& out,
                      const ModelView& model, RowGradients* g) {
  const int32_t dim = model.dim;
  const int64_t stride = model.grad_stride();
  forget_rows(&g->user_rows, &g->user_slot, &g->user_grad);
  forget_rows(&g->item_rows, &g->item_slot, &g->item_grad);
  const int32_t h = model.head_size;
  g->head_grad.assign(h, 0.0f);
  for (int32_t k = 0; k < batch.size; ++k) {
    const float* row = out.grad.data() + k * stride;
    add_to_row(batch.user[k], row, dim, &g->user_slot, &g->user_rows, &g->user_grad);
    add_to_row(batch.item[k], row + dim, dim, &g->item_slot, &g->item_rows, &g->item_grad);
    add_to_row(negative[k], row + 2 * dim, dim, &g->item_slot, &g->item_rows, &g->item_grad);
    const float* gh = row + 3 * dim;
    for (int32_t f = 0; f < h; ++f) g->head_grad[f] = g->head_grad[f] + gh[f];
  }
}

}  // namespace srns::cpu
