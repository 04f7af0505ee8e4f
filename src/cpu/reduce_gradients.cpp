// Per-row gradient sums of a batch on the CPU (reference for kernels/reduce_gradients.cu).
//
// A user row's gradient is the sum of its pairs' user contributions in pair order; an item
// row's is the sum of its contributions in (pair, role) order, role 0 = positive, 1 =
// negative; the head's is the sum over pairs in pair order (the MLP's from the pairs' factor
// records, mlp_head_sums.cpp, with the same floats). Summing in this fixed order makes
// the result independent of the thread count, and is what the CUDA backend's deterministic mode
// (a sort by (row, pair, role) and a segmented sum) reproduces bit for bit.
//
// One pass over the contributions in that order: a row-to-slot map gives each row its sum's
// place the first time the row appears (rows are listed in first-appearance order), and every
// contribution is added to its row's running sum, 0 + c_1 + c_2 + ... as a segmented sum
// would. The maps stay valid until the next call, which resets the rows it had set. The sums'
// buffers keep the batch's largest size (user_grad / item_grad may hold more than rows x F).
#include <algorithm>

#include "cpu/cpu_ops.hpp"

namespace srns::cpu {
namespace {

// The running sums of one table's rows. Branch-free: whether a row is new in the batch is
// random, so a new row takes the next slot and starts from a row of zeros by selection.
struct RowSums {
  int32_t* slot_of;
  int32_t* rows;  // room for every possible row
  float* sums;
  const float* zeros;
  int32_t dim;
  int32_t n_rows = 0;

  void add(int32_t row, const float* __restrict contribution) {
    const int32_t old = slot_of[row];
    const bool is_new = old < 0;
    const int32_t slot = is_new ? n_rows : old;
    slot_of[row] = slot;
    rows[n_rows] = row;
    n_rows += is_new;
    float* out = sums + static_cast<int64_t>(slot) * dim;  // base may be out itself
    const float* base = is_new ? zeros : out;
    for (int32_t f = 0; f < dim; ++f) out[f] = base[f] + contribution[f];
  }
};

// Clears the previous batch's rows from the map and sizes the map, the row list and the sums
// for `n_ids` row ids and at most `max_touched` rows.
RowSums start_table(int32_t n_ids, int32_t max_touched, int32_t dim, const float* zeros,
                    std::vector<int32_t>* slot_of, std::vector<int32_t>* rows,
                    std::vector<float>* sums) {
  for (int32_t r : *rows) (*slot_of)[r] = -1;
  if (static_cast<int32_t>(slot_of->size()) < n_ids) slot_of->resize(n_ids, -1);
  rows->resize(max_touched + 1);
  const size_t need = static_cast<size_t>(max_touched) * dim;
  if (sums->size() < need) sums->resize(need);
  return {slot_of->data(), rows->data(), sums->data(), zeros, dim};
}

}  // namespace

void reduce_gradients(const Batch& batch, const int32_t* negative, const StepOutput& out,
                      const ModelView& model, RowGradients* g, int threads) {
  const int32_t n = batch.size;
  const int32_t dim = model.dim;
  int32_t max_user = -1, max_item = -1;
  for (int32_t k = 0; k < n; ++k) {
    max_user = std::max(max_user, batch.user[k]);
    max_item = std::max({max_item, batch.item[k], negative[k]});
  }
  if (static_cast<int32_t>(g->zeros.size()) < dim) g->zeros.assign(dim, 0.0f);
  RowSums users = start_table(max_user + 1, n, dim, g->zeros.data(), &g->user_slot, &g->user_rows,
                              &g->user_grad);
  RowSums items = start_table(max_item + 1, 2 * n, dim, g->zeros.data(), &g->item_slot,
                              &g->item_rows, &g->item_grad);
  const int32_t h = model.head_size;
  g->head_grad.assign(h, 0.0f);
  float* head = g->head_grad.data();
  if (out.head_factored) mlp_head_sums(model, out, n, head, threads);
  const int32_t h_rows = out.head_factored ? 0 : h;  // a head summed from its rows
  // The two tables' sums are independent: with two or more threads, users (and the head's
  // rows) on one, items on another; each in the same order as alone. One thread: no parallel
  // region.
#pragma omp parallel sections num_threads(2) if (threads > 1)
  {
#pragma omp section
    for (int32_t k = 0; k < n; ++k) {
      const float* row = out.row(k);
      users.add(batch.user[k], row);
      const float* gh = row + 3 * dim;
      for (int32_t f = 0; f < h_rows; ++f) head[f] = head[f] + gh[f];
    }
#pragma omp section
    for (int32_t k = 0; k < n; ++k) {
      const float* row = out.row(k);
      items.add(batch.item[k], row + dim);
      items.add(negative[k], row + 2 * dim);
    }
  }
  g->user_rows.resize(users.n_rows);
  g->item_rows.resize(items.n_rows);
}

void map_row_slots(RowGradients* g, int32_t n_users, int32_t n_items) {
  auto map = [](const std::vector<int32_t>& rows, int32_t n, std::vector<int32_t>* slot) {
    slot->assign(n, -1);
    for (size_t k = 0; k < rows.size(); ++k) (*slot)[rows[k]] = static_cast<int32_t>(k);
  };
  map(g->user_rows, n_users, &g->user_slot);
  map(g->item_rows, n_items, &g->item_slot);
}

}  // namespace srns::cpu
