// Per-row sums of gradient contributions on the CPU, added in the order given (so the sums do
// not depend on the thread count): a row-to-slot map opens a row's sum (zeros) the first time
// the row appears, and each contribution is added to its running sum, 0 + c_1 + c_2 + ... The
// rows are listed in first-appearance order, which the optimiser accepts (it maps rows itself).
// Used by the GAN samplers' generator steps.
#pragma once
#include <cstdint>
#include <vector>

namespace srns::cpu {

class RowSums {
 public:
  // Starts new sums of `dim` floats per row, rows < n_rows; forgets the previous ones.
  void start(int32_t n_rows, int32_t dim, std::vector<int32_t>* rows, std::vector<float>* sums) {
    if (static_cast<int32_t>(slot_.size()) < n_rows) slot_.resize(n_rows, -1);
    for (int32_t r : *rows) slot_[r] = -1;
    rows->clear();
    sums->clear();
    dim_ = dim;
    rows_ = rows;
    sums_ = sums;
  }
  void add(int32_t row, const float* contribution) {
    int32_t slot = slot_[row];
    if (slot < 0) {
      slot = static_cast<int32_t>(rows_->size());
      slot_[row] = slot;
      rows_->push_back(row);
      sums_->resize(sums_->size() + dim_, 0.0f);
    }
    float* out = sums_->data() + static_cast<int64_t>(slot) * dim_;
    for (int32_t f = 0; f < dim_; ++f) out[f] = out[f] + contribution[f];
  }

 private:
  std::vector<int32_t> slot_;  // row -> its place in *rows_, or -1
  int32_t dim_ = 0;
  std::vector<int32_t>* rows_ = nullptr;
  std::vector<float>* sums_ = nullptr;
};

}  // namespace srns::cpu
