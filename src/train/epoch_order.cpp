// The canonical epoch order of training pairs and the batch count (backend.hpp).
#include <algorithm>

#include "srns/backend.hpp"
#include "srns/draws.hpp"

namespace srns {

std::vector<int64_t> epoch_order(uint64_t seed, int epoch, int64_t n) {
  // Sort (key << 32 | low index bits) words; the index breaks ties, so the order is a
  // permutation fixed by (seed, epoch) alone.
  std::vector<std::pair<uint32_t, int64_t>> keyed(n);
  for (int64_t e = 0; e < n; ++e) keyed[e] = {shuffle_key(seed, epoch, e), e};
  std::sort(keyed.begin(), keyed.end());
  std::vector<int64_t> order(n);
  for (int64_t e = 0; e < n; ++e) order[e] = keyed[e].second;
  return order;
}

int64_t batches_per_epoch(int64_t n, int batch_size, bool keep_last) {
  if (n <= 0) return 0;
  const int64_t full = n / batch_size;
  if (full == 0) return 1;
  return keep_last && n % batch_size != 0 ? full + 1 : full;
}

PhaseSeconds& PhaseSeconds::operator+=(const PhaseSeconds& o) {
  select_grad += o.select_grad;
  optimizer += o.optimizer;
  batches += o.batches;
  history += o.history;
  eval += o.eval;
  return *this;
}

}  // namespace srns
