// The canonical epoch order of training pairs and the batch count (backend.hpp).
#include <omp.h>

#include <algorithm>

#include "cpu/philox_simd.hpp"
#include "srns/backend.hpp"
#include "srns/draws.hpp"

namespace srns {
namespace {

// Below this many pairs one thread sorts (a team costs more than it saves).
constexpr int64_t kParallelFrom = 1 << 16;

}  // namespace

std::vector<int64_t> epoch_order(uint64_t seed, int epoch, int64_t n, int threads) {
  EpochOrderScratch scratch;
  std::vector<int64_t> order;
  epoch_order(seed, epoch, n, threads, &scratch, &order);
  return order;
}

void epoch_order(uint64_t seed, int epoch, int64_t n, int threads, EpochOrderScratch* scratch,
                 std::vector<int64_t>* order_out) {
  // Pairs in increasing (key, index) order: the index breaks ties, so the order is a
  // permutation fixed by (seed, epoch) alone. The words key << 32 | index sorted by a stable
  // least-significant-digit radix sort of their key half (three digits), starting from index
  // order, are exactly that order.
  if (n >= (int64_t{1} << 32)) {
    std::vector<std::pair<uint32_t, int64_t>> keyed(n);
    for (int64_t e = 0; e < n; ++e) keyed[e] = {shuffle_key(seed, epoch, e), e};
    std::sort(keyed.begin(), keyed.end());
    order_out->resize(n);
    for (int64_t e = 0; e < n; ++e) (*order_out)[e] = keyed[e].second;
    return;
  }
  // The keys, shuffle_key(seed, epoch, e) for every e, 256 Philox blocks at a time; the
  // chunks are independent, so the threads share them.
  std::vector<uint64_t>& word = scratch->word;
  std::vector<uint64_t>& next = scratch->next;
  word.resize(n);
  next.resize(n);
  constexpr int64_t kBlocks = 256;
  const PhiloxStream s0 = make_stream(seed, kRngShuffle, epoch, 0, 0);
  const int team = threads > 1 && n >= kParallelFrom ? threads : 1;
#pragma omp parallel for num_threads(team) schedule(static)
  for (int64_t e0 = 0; e0 < n; e0 += kBlocks) {
    Philox4 ctr[kBlocks], out[kBlocks];
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
  // Each pass is a stable counting sort on one 11-bit digit of the key. With several threads,
  // thread t counts and then scatters its own contiguous share [x0_t, x1_t): the words of digit
  // d from thread t go after every word of a smaller digit and after digit d's words of
  // threads < t, so the pass stays stable and the result does not depend on the team.
  constexpr int kDigitBits = 11;
  constexpr int64_t kDigits = int64_t{1} << kDigitBits;
  std::vector<int64_t> start(static_cast<size_t>(team) * kDigits);
  for (int shift = 32; shift < 64; shift += kDigitBits) {
    const uint64_t mask = kDigits - 1;
#pragma omp parallel num_threads(team)
    {
      const int t = omp_get_thread_num();
      const int64_t x0 = n * t / team, x1 = n * (t + 1) / team;
      int64_t* mine = start.data() + t * kDigits;
      std::fill(mine, mine + kDigits, 0);
      for (int64_t x = x0; x < x1; ++x) ++mine[(word[x] >> shift) & mask];
#pragma omp barrier
#pragma omp single
      {
        int64_t at = 0;
        for (int64_t d = 0; d < kDigits; ++d) {
          for (int u = 0; u < team; ++u) {
            const int64_t count = start[u * kDigits + d];
            start[u * kDigits + d] = at;
            at += count;
          }
        }
      }  // implied barrier
      for (int64_t x = x0; x < x1; ++x) next[mine[(word[x] >> shift) & mask]++] = word[x];
    }
    word.swap(next);
  }
  order_out->resize(n);
  int64_t* order = order_out->data();
#pragma omp parallel for num_threads(team) schedule(static)
  for (int64_t x = 0; x < n; ++x) order[x] = static_cast<int64_t>(word[x] & 0xFFFFFFFFu);
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
