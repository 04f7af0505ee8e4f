// The epoch's training pairs in training order, on the CPU (reference for
// kernels/epoch_pairs.cu): position x of the epoch holds pair e = order[x], its user
// pair_user[e] and item train_cols[e]. Batch b is positions [b B, min((b + 1) B, n)).
#include <utility>

#include "cpu/cpu_ops.hpp"

namespace srns::cpu {

void epoch_pairs(std::vector<int64_t> order, const int32_t* pair_user, const int32_t* train_cols,
                 EpochPairs* out, int threads) {
  out->pair = std::move(order);
  fill_epoch_pairs(pair_user, train_cols, out, threads);
}

void fill_epoch_pairs(const int32_t* pair_user, const int32_t* train_cols, EpochPairs* out,
                      int threads) {
  const int64_t n = static_cast<int64_t>(out->pair.size());
  out->user.resize(n);
  out->item.resize(n);
  const int64_t* pair = out->pair.data();
#pragma omp parallel for num_threads(threads > 1 ? threads : 1) schedule(static)
  for (int64_t x = 0; x < n; ++x) {
    out->user[x] = pair_user[pair[x]];
    out->item[x] = train_cols[pair[x]];
  }
}

}  // namespace srns::cpu
