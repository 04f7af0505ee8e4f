// The canonical epoch order of training pairs and the batch count (backend.hpp).
#include <algorithm>

#include "srns/backend.hpp"
#include "srns/draws.hpp"

namespace srns {

std::vector<int64_t> epoch_order(uint64_t seed, int epoch, int64_t n) {
  // Pairs in increasing (key, index) order: the index breaks ties, so the order is a
  // permutation fixed by (seed, epoch) alone. A stable least-significant-digit radix sort of
  // the indices (three 11-bit digits of the key) starting from index order gives exactly that.
  std::vector<uint32_t> key(n);
  for (int64_t e = 0; e < n; ++e) key[e] = shuffle_key(seed, epoch, e);
  std::vector<int64_t> order(n), next(n);
  for (int64_t e = 0; e < n; ++e) order[e] = e;
  constexpr int kDigitBits = 11;
  std::vector<int64_t> start(size_t{1} << kDigitBits);
  for (int shift = 0; shift < 32; shift += kDigitBits) {
    const uint32_t mask = (1u << kDigitBits) - 1;
    std::fill(start.begin(), start.end(), 0);
    for (int64_t e = 0; e < n; ++e) ++start[(key[e] >> shift) & mask];
    int64_t at = 0;
    for (int64_t& s : start) {
      const int64_t count = s;
      s = at;
      at += count;
    }
    for (int64_t x = 0; x < n; ++x) {
      const int64_t e = order[x];
      next[start[(key[e] >> shift) & mask]++] = e;
    }
    order.swap(next);
  }
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
