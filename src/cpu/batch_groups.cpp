// A batch's pairs grouped by user, on the CPU (reference for kernels/batch_groups.cu): the
// batch's slots k = 0 .. size-1 ordered by (user, k), and where each user's group begins. The
// first slot of a group is the user's owner in the batch (its first pair). Samplers that
// keep per-user state (SRNS memory) work group by group: every pair of a user reads the state
// as it was at the batch's start, then the group updates it, with no other group touching it.
#include <algorithm>
#include <numeric>

#include "cpu/cpu_ops.hpp"

namespace srns::cpu {

void batch_groups(const Batch& batch, BatchGroups* out) {
  out->slot.resize(batch.size);
  std::iota(out->slot.begin(), out->slot.end(), 0);
  std::stable_sort(out->slot.begin(), out->slot.end(),
                   [&](int32_t a, int32_t b) { return batch.user[a] < batch.user[b]; });
  out->begin.clear();
  for (int32_t x = 0; x < batch.size; ++x) {
    if (x == 0 || batch.user[out->slot[x]] != batch.user[out->slot[x - 1]]) {
      out->begin.push_back(x);
    }
  }
  out->begin.push_back(batch.size);
}

}  // namespace srns::cpu
