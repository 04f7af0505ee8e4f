// Per-row sums of gradient contributions in a fixed order, whatever the thread count: the
// reduction behind cpu::reduce_gradients (the recommender's rows) and the GAN samplers'
// generator steps.
#pragma once
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

namespace srns::cpu {

// Sorts contribution ids by (row, id) and sums each row's contributions in id order.
// contribution c belongs to row rows_of[c] and lives at grad + offset_of(c) (dim floats).
// rows: the distinct rows, ascending; sums: their sums, rows x dim.
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

}  // namespace srns::cpu
