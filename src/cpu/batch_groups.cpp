// A batch's pairs grouped by user, on the CPU (reference for kernels/batch_groups.cu): the
// batch's slots k = 0 .. size-1 ordered by (user, k), and where each user's group begins. The
// first slot of a group is the user's owner in the batch (its first pair). Samplers that
// keep per-user state (SRNS memory) work group by group: every pair of a user reads the state
// as it was at the batch's start, then the group updates it, with no other group touching it.
//
// Ordered by a stable least-significant-digit radix sort of the slots on the user id (8-bit
// digits, as many as the largest id needs), which keeps equal users in slot order.
#include <algorithm>

#include "cpu/cpu_ops.hpp"

namespace srns::cpu {

void batch_groups(const Batch& batch, BatchGroups* out) {
  const int32_t n = batch.size;
  out->slot.resize(n);
  for (int32_t k = 0; k < n; ++k) out->slot[k] = k;
  int32_t max_user = 0;
  for (int32_t k = 0; k < n; ++k) max_user = std::max(max_user, batch.user[k]);
  std::vector<int32_t>& next = out->scratch;
  next.resize(n);
  for (int shift = 0; shift < 31 && (max_user >> shift) > 0; shift += 8) {
    int32_t start[257] = {};
    for (int32_t k = 0; k < n; ++k) ++start[((batch.user[k] >> shift) & 0xFF) + 1];
    for (int d = 0; d < 256; ++d) start[d + 1] += start[d];
    for (int32_t x = 0; x < n; ++x) {
      const int32_t k = out->slot[x];
      next[start[(batch.user[k] >> shift) & 0xFF]++] = k;
    }
    out->slot.swap(next);
  }
  out->begin.clear();
  for (int32_t x = 0; x < n; ++x) {
    if (x == 0 || batch.user[out->slot[x]] != batch.user[out->slot[x - 1]]) {
      out->begin.push_back(x);
    }
  }
  out->begin.push_back(n);
}

}  // namespace srns::cpu
