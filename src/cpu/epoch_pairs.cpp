// The epoch's training pairs in training order, on the CPU (reference for
// kernels/epoch_pairs.cu): position x of the epoch holds pair e = order[x], its user
// pair_user[e] and item train_cols[e]. Batch b is positions [b B, min((b + 1) B, n)).
#include "cpu/cpu_ops.hpp"

namespace srns::cpu {

void epoch_pairs(const std::vector<int64_t>& order, const int32_t* pair_user,
                 const int32_t* train_cols, EpochPairs* out) {
  const int64_t n = static_cast<int64_t>(order.size());
  out->pair = order;
  out->user.resize(n);
  out->item.resize(n);
  for (int64_t x = 0; x < n; ++x) {
    out->user[x] = pair_user[order[x]];
    out->item[x] = train_cols[order[x]];
  }
}

}  // namespace srns::cpu
