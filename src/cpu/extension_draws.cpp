// SRNS's refresh draws for a window of batches, drawn ahead of the batches' steps on the CPU
// (cpu_ops.hpp: ExtensionDraws; srns_step.cpp reads them).
//
// A refresh of user u in batch b extends u's memory with S2 distinct pool slots, the words of
// the stream (seed, kRngExtend, epoch, b, u) mapped below V (samplers/srns.hpp:
// refresh_candidates), and scores the items at those slots: about 54 scattered cache lines of
// u's 12 KB pool row (V = 3000) per user and batch, most of the memory traffic of an ML-1M
// SRNS step. Neither the words nor the items depend on the model or on the memory, only on
// (epoch, batch, user) and the current pool, so they are drawn here for a window of batches at
// once, user by user: each user's pool row is read once per window, from the cache for all of
// its groups but the first, and a step reads a group's draws as one run of 2E words. Which of
// the E words a refresh accepts (the repeats it skips) does depend on the memory, so that is
// left to the step; a refresh that needs more than E words continues the stream itself.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "cpu/cpu_ops.hpp"
#include "cpu/philox_simd.hpp"

namespace srns::cpu {
namespace {

// Streams whose blocks are computed in one vectorised pass (fill_streams).
constexpr int kStreamsPerPass = 16;

// *runs sized n, its old values not kept. Grown to n and a sixteenth more, without a copy: a
// window's group count varies a little from epoch to epoch, and std::vector's doubling would
// hold twice the memory (and both blocks during the copy).
template <class T>
void size_runs(std::vector<T>* runs, int64_t n) {
  if (static_cast<size_t>(n) > runs->capacity()) {
    std::vector<T> fresh;
    fresh.reserve(n + n / 16);
    runs->swap(fresh);
  }
  runs->resize(n);
}

// Whether every pool slot and item fits a uint16_t.
bool narrow_runs(int32_t pool_size, int32_t n_items) {
  return pool_size <= 65536 && n_items <= 65536;
}

}  // namespace

int extension_words(int s2) {
  const int blocks = (s2 + 8 + 3) / 4;  // eight words of slack for repeats
  return 4 * (blocks < kMaxPrefetchBlocks ? blocks : kMaxPrefetchBlocks);
}

int64_t extension_run_bytes(int s2, int32_t pool_size, int32_t n_items) {
  return int64_t{2} * extension_words(s2) * (narrow_runs(pool_size, n_items) ? 2 : 4);
}

int64_t ExtensionDraws::find(int epoch_of_batch, const Batch& batch) const {
  if (epoch_of_batch != epoch || batches.empty()) return -1;
  const int64_t w = batch.index - batches.front().index;
  if (w < 0 || w >= static_cast<int64_t>(batches.size())) return -1;
  return same_batch(batches[w], batch) ? w : -1;
}

void draw_extensions(const SrnsView& v, int epoch, const Batch* batches, int64_t n, bool with_draws,
                     int threads, ExtensionDraws* out) {
  out->epoch = epoch;
  out->batches.assign(batches, batches + n);
  if (static_cast<int64_t>(out->groups.size()) < n) out->groups.resize(n);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (int64_t b = 0; b < n; ++b) batch_groups(batches[b], &out->groups[b]);
  out->group0.assign(n + 1, 0);
  for (int64_t b = 0; b < n; ++b) out->group0[b + 1] = out->group0[b] + out->groups[b].groups();
  const int32_t e = with_draws ? extension_words(v.s2) : 0;
  out->words = e;
  if (e == 0) return;
  const int64_t n_groups = out->group0[n];
  out->narrow = out->allow_narrow && narrow_runs(v.pool_size, v.n_items);
  size_runs(&out->runs16, out->narrow ? n_groups * 2 * e : 0);
  size_runs(&out->runs32, out->narrow ? 0 : n_groups * 2 * e);

  // The window's groups by user (counting sort; each user's in batch order).
  std::vector<int64_t>& first = out->user_first;
  first.assign(static_cast<size_t>(v.n_users) + 1, 0);
  const auto user_of = [&](int64_t b, int32_t g) {
    const BatchGroups& gr = out->groups[b];
    return batches[b].user[gr.slot[gr.begin[g]]];
  };
  for (int64_t b = 0; b < n; ++b) {
    for (int32_t g = 0; g < out->groups[b].groups(); ++g) ++first[user_of(b, g) + 1];
  }
  for (int32_t u = 0; u < v.n_users; ++u) first[u + 1] += first[u];
  out->by_user.resize(n_groups);
  out->group_batch.resize(n_groups);
  {
    std::vector<int64_t> at(first.begin(), first.end() - 1);
    for (int64_t b = 0; b < n; ++b) {
      for (int32_t g = 0; g < out->groups[b].groups(); ++g) {
        const int64_t x = at[user_of(b, g)]++;
        out->by_user[x] = static_cast<int32_t>(out->group0[b] + g);
        out->group_batch[x] = static_cast<int32_t>(b);
      }
    }
  }

  const uint32_t range = static_cast<uint32_t>(v.pool_size);
#pragma omp parallel num_threads(threads)
  {
    PrefetchedStream streams[kStreamsPerPass];
    PrefetchedStream* ptr[kStreamsPerPass];
    for (int j = 0; j < kStreamsPerPass; ++j) ptr[j] = &streams[j];
#pragma omp for schedule(dynamic, 64)
    for (int32_t u = 0; u < v.n_users; ++u) {
      const int32_t* pool = v.pool + static_cast<int64_t>(u) * v.pool_size;
      for (int64_t x0 = first[u]; x0 < first[u + 1]; x0 += kStreamsPerPass) {
        const int c = static_cast<int>(std::min<int64_t>(kStreamsPerPass, first[u + 1] - x0));
        for (int j = 0; j < c; ++j) {
          const uint32_t b = static_cast<uint32_t>(batches[out->group_batch[x0 + j]].index);
          streams[j].init(make_stream(v.seed, kRngExtend, epoch, b, static_cast<uint32_t>(u)),
                          e / 4);
        }
        fill_streams(ptr, c);
        for (int j = 0; j < c; ++j) {
          uint32_t words[4 * kMaxPrefetchBlocks];
          streams[j].take(e, words);
          const auto fill = [&](auto* run) {
            using T = std::remove_reference_t<decltype(*run)>;
            for (int32_t k = 0; k < e; ++k) run[k] = static_cast<T>(word_below(words[k], range));
            for (int32_t k = 0; k < e; ++k) run[e + k] = static_cast<T>(pool[run[k]]);
          };
          const int64_t at = static_cast<int64_t>(out->by_user[x0 + j]) * 2 * e;
          if (out->narrow) {
            fill(out->runs16.data() + at);
          } else {
            fill(out->runs32.data() + at);
          }
        }
      }
    }
  }
}

}  // namespace srns::cpu
