// The canonical epoch order of training pairs and the batch count (backend.hpp).
#include <algorithm>

#include "cpu/philox_simd.hpp"
#include "srns/backend.hpp"
#include "srns/draws.hpp"

namespace srns {

std::vector<int64_t> epoch_order(uint64_t seed, int epoch, int64_t n) {
  // Pairs in increasing (key, index) order: the index breaks ties, so the order is a
  // permutation fixed by (seed, epoch) alone. The words key << 32 | index sorted by a stable
  // least-significant-digit radix sort of their key half (three digits), starting from index
  // order, are exactly that order.
  if (n >= (int64_t{1} << 32)) {
    std::vector<std::pair<uint32_t, int64_t>> keyed(n);
    for (int64_t e = 0; e < n; ++e) keyed[e] = {shuffle_key(seed, epoch, e), e};
    std::sort(keyed.begin(), keyed.end());
    std::vector<int64_t> order(n);
    for (int64_t e = 0; e < n; ++e) order[e] = keyed[e].second;
    return order;
  }
  // The keys, shuffle_key(seed, epoch, e) for every e, sixteen Philox blocks at a time.
  std::vector<uint64_t> word(n), next(n);
  constexpr int64_t kBlocks = 256;
  Philox4 ctr[kBlocks], out[kBlocks];
  const PhiloxStream s0 = make_stream(seed, kRngShuffle, epoch, 0, 0);
  for (int64_t e0 = 0; e0 < n; e0 += kBlocks) {
    const int m = static_cast<int>(std::min(kBlocks, n - e0));
    for (int j = 0; j < m; ++j) {
      ctr[j] = make_stream(seed, kRngShuffle, epoch, static_cast<uint32_t>((e0 + j) >> 32),
                           static_cast<uint32_t>(e0 + j))
                   .ctr;
    }
    cpu::philox_blocks(ctr, m, s0.key0, s0.key1, out);
    // The stream's first word is the key.
    for (int j = 0; j < m; ++j) word[e0 + j] = uint64_t{out[j].v[0]} << 32 | uint64_t(e0 + j);
  }
  constexpr int kDigitBits = 11;
  std::vector<int64_t> start(size_t{1} << kDigitBits);
  for (int shift = 32; shift < 64; shift += kDigitBits) {
    const uint64_t mask = (uint64_t{1} << kDigitBits) - 1;
    std::fill(start.begin(), start.end(), 0);
    for (int64_t x = 0; x < n; ++x) ++start[(word[x] >> shift) & mask];
    int64_t at = 0;
    for (int64_t& s : start) {
      const int64_t count = s;
      s = at;
      at += count;
    }
    for (int64_t x = 0; x < n; ++x) next[start[(word[x] >> shift) & mask]++] = word[x];
    word.swap(next);
  }
  std::vector<int64_t> order(n);
  for (int64_t x = 0; x < n; ++x) order[x] = static_cast<int64_t>(word[x] & 0xFFFFFFFFu);
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
