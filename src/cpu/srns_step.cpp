// The SRNS batch step on the CPU (reference for kernels/srns_step.cu), user group by user group
// (batch_groups.cpp), with the model as it is at the batch's start:
//   every pair (u, i) of the group   j = the memory entry of eq. 4 (select_among), or a uniform
//                                    entry for random-from-memory (random_entry)
//   then, once per user per batch    u's memory row refreshed in place (eq. 3: the steps of
//                                    refresh_memory)
// All pairs of u read the row before the refresh writes it, and no other group touches it,
// so groups are independent and threads split them; results do not depend on the thread
// count.
//
// Laid out for the cache and the vector units, with the same numbers as the one-call
// reference functions (select_entry, refresh_memory; tests/srns_step_test.cpp holds them
// equal). A thread takes a chunk of groups and runs each group through three stages, two
// groups apart, so that the scattered loads of a stage are in flight while earlier groups
// compute:
//   A  the refresh's candidate pool slots (S2 distinct extension draws, repeats found in a
//      bitmap over the pool, from words computed sixteen Philox blocks at a time,
//      philox_simd.hpp, with the Gumbel words); their pool entries (and the memory entries')
//      are queued for prefetching, and issued a few at a time during the next stage C (pump)
//   B  the items of the memory entries and candidates, and a prefetch of the history runs
//      (one cache line each, srns.hpp) of the entries and of the pairs' positives
//   C  one batched scoring (score_many.hpp) of the entries, the new candidates and the
//      positives; eq. 4 for each pair with the entries in vector lanes
//      (select_among_fast.hpp), and, asked for by the sampler's fused step, the pair's loss
//      and gradient row from the same scores; the refresh's Gumbel-top-k with exact
//      logarithms only near the cut (gumbel_top.hpp). The kept candidates are the
//      non-injected memory entries, whose scores the selection already has.
// Before group g's stage A, the memory row and user row of group g + 1 are prefetched (rows
// the scattered lines have evicted since the user's last batch); each thread sweeps the
// batch's item numbers into its cache once, as the groups read them out of order.
#include <stdexcept>
#include <vector>

#include "cpu/cpu_ops.hpp"
#include "cpu/gumbel_top.hpp"
#include "cpu/pair_row.hpp"
#include "cpu/philox_simd.hpp"
#include "cpu/score_many.hpp"
#include "cpu/select_among_fast.hpp"

namespace srns::cpu {
namespace {

// Groups handed to a thread at a time (dynamic schedule; the pipeline runs within a chunk).
constexpr int32_t kGroupChunk = 32;
// Positives scored in the group's one batched scoring; more are scored in further calls.
constexpr int32_t kInlinePositives = 32;

// Philox blocks of a refresh's streams computed ahead: the S2 extension draws (one word each,
// plus slack for rejected repeats) and the S1 + S2 Gumbel words.
int extension_blocks(int s2) {
  const int b = (s2 + 8 + 3) / 4;
  return b < kMaxPrefetchBlocks ? b : kMaxPrefetchBlocks;
}
int gumbel_blocks(int m) {
  const int b = (m + 3) / 4;
  return b < kMaxPrefetchBlocks ? b : kMaxPrefetchBlocks;
}

// refresh_candidates (samplers/srns.hpp) with "already a candidate" as a bit test in `taken`
// (a thread's bitmap over the pool slots, all clear on entry and on return) instead of a scan
// of the candidates so far: the same words of `ext`, the same accepted slots in the same order.
int refresh_candidates_bitmap(const SrnsView& v, int fn_u, const int32_t* mem,
                              PrefetchedStream* ext, uint64_t* taken, int32_t* cand) {
  const int keep = v.s1 - fn_u;
  const auto bit = [](int32_t x) { return uint64_t{1} << (x & 63); };
  for (int k = 0; k < keep; ++k) {
    cand[k] = mem[fn_u + k];
    taken[cand[k] >> 6] |= bit(cand[k]);
  }
  // The first S2 words map to slots in one vectorisable pass; each repeat (rare) is made up by
  // one more word of the stream, in order.
  const uint32_t range = static_cast<uint32_t>(v.pool_size);
  uint32_t slot[kMaxCandidates];
  ext->take(v.s2, slot);
  for (int j = 0; j < v.s2; ++j) slot[j] = word_below(slot[j], range);
  int k = keep;
  for (int j = 0; k < keep + v.s2; ++j) {
    const int32_t c = static_cast<int32_t>(j < v.s2 ? slot[j] : ext->below(range));
    if (taken[c >> 6] & bit(c)) continue;
    taken[c >> 6] |= bit(c);
    cand[k++] = c;
  }
  for (int x = 0; x < keep + v.s2; ++x) taken[cand[x] >> 6] = 0;
  return keep + v.s2;
}

// Every line of [p, p + bytes). Always inlined: called out of line, a function that only
// prefetches is judged free of side effects by GCC and the call deleted.
__attribute__((always_inline)) inline void prefetch_span(const void* p, int bytes) {
  const uintptr_t at = reinterpret_cast<uintptr_t>(p);
  const char* line = static_cast<const char*>(p) - (at & 63);
  const int lines = static_cast<int>(((at & 63) + bytes + 63) / 64);
  for (int k = 0; k < lines; ++k) __builtin_prefetch(line + 64 * k);
}

// A history run's line (or two, where the run straddles a line boundary).
void prefetch_run(const SrnsView& v, HistoryRun r) {
  const int bytes = v.half ? 2 : 4;
  const char* p = static_cast<const char*>(r.base) + r.at * bytes;
  const char* last = p + bytes * (v.window - 1);
  __builtin_prefetch(p);
  if ((reinterpret_cast<uintptr_t>(p) ^ reinterpret_cast<uintptr_t>(last)) >= 64) {
    __builtin_prefetch(last);
  }
}

// One group in flight. Scored items: [0, S1) the memory entries, [S1, S1 + S2) the refresh's
// new candidates (when refreshing), then up to kInlinePositives positives.
struct GroupWork {
  int32_t g, u, first, n_pairs;
  int fn_u, keep, m;  // m: refresh candidates, 0 without a refresh
  int32_t* mem;
  int32_t cand[kMaxCandidates];
  int32_t items[kMaxMemory + kMaxCandidates + kInlinePositives];
  HistoryRun runs[kMaxMemory];
  PrefetchedStream gum;
  // Stage A's pool prefetches, issued a few at a time during the stage C that follows it
  // (pump): a burst of S1 + S2 would stall on the core's few outstanding-miss slots.
  const int32_t* pf_row;
  const int32_t* pf_slot;
  int pf_n, pf_next;

  void pump(int n) {
    const int end = pf_next + n < pf_n ? pf_next + n : pf_n;
    for (; pf_next < end; ++pf_next) __builtin_prefetch(pf_row + pf_slot[pf_next]);
  }
};

struct StepContext {
  const SrnsView& v;
  const SrnsStepParams& p;
  const Batch& batch;
  const BatchGroups& groups;
  const ModelView& model;
  int32_t* memory;
  int32_t* negative;
  bool history;
  const PairLossOut* loss;  // or null

  int32_t slot(const GroupWork& w, int32_t x) const { return groups.slot[w.first + x]; }
  const int32_t* pool_row(int32_t u) const {
    return v.pool + static_cast<int64_t>(u) * v.pool_size;
  }
  // The history run of the positive of batch slot k (the pair's number only read by pooled
  // history: the batch's pair numbers are lines that dense history need not load).
  HistoryRun positive_run(const GroupWork& w, int32_t k) const {
    return v.positive_run(w.u, batch.item[k], v.dense ? 0 : batch.pair[k]);
  }
  // Refresh candidates beyond the kept memory entries (scored after the entries).
  static int new_candidates(const GroupWork& w) { return w.m > 0 ? w.m - w.keep : 0; }
  int inline_positives(const GroupWork& w) const {
    return !history ? 0 : w.n_pairs < kInlinePositives ? w.n_pairs : kInlinePositives;
  }

  // Group g's user's memory row (read by its stage A) and embedding row (its stage C): rows
  // the scattered pool and history lines evict from the caches between the user's batches.
  // Always inlined, as prefetch_span.
  __attribute__((always_inline)) void prefetch_user(int32_t g) const {
    const int32_t u = batch.user[groups.slot[groups.begin[g]]];
    prefetch_span(memory + static_cast<int64_t>(u) * v.s1, v.s1 * 4);
    prefetch_span(model.user_row(u), model.dim * 4);
  }

  void stage_a(GroupWork* w, int32_t g, uint64_t* taken) const {
    w->g = g;
    w->first = groups.begin[g];
    w->n_pairs = groups.begin[g + 1] - w->first;
    w->u = batch.user[groups.slot[w->first]];
    w->mem = memory + static_cast<int64_t>(w->u) * v.s1;
    w->fn_u = v.fn_count(w->u);
    w->keep = v.s1 - w->fn_u;
    w->m = 0;
    w->pf_row = pool_row(w->u);
    w->pf_next = 0;
    if (!p.refresh) {
      w->pf_slot = w->mem + w->fn_u;
      w->pf_n = w->keep;
      return;
    }
    PrefetchedStream ext;
    const uint32_t b = static_cast<uint32_t>(batch.index), u = static_cast<uint32_t>(w->u);
    ext.init(make_stream(v.seed, kRngExtend, p.epoch, b, u), extension_blocks(v.s2));
    w->gum.init(make_stream(v.seed, kRngGumbel, p.epoch, b, u), gumbel_blocks(w->keep + v.s2));
    PrefetchedStream* const streams[2] = {&ext, &w->gum};
    fill_streams(streams, 2);
    w->m = refresh_candidates_bitmap(v, w->fn_u, w->mem, &ext, taken, w->cand);
    w->pf_slot = w->cand;
    w->pf_n = w->m;
  }

  void stage_b(GroupWork* w) const {
    const int t = p.epoch;
    for (int k = 0; k < v.s1; ++k) {
      w->items[k] = v.entry_item(w->u, k, w->mem[k]);
      if (history) {
        w->runs[k] = v.entry_run(t, w->u, k, w->mem[k], w->items[k]);
        prefetch_run(v, w->runs[k]);
      }
    }
    const int32_t* pool = pool_row(w->u);
    for (int k = w->keep; k < w->m; ++k) w->items[v.s1 + k - w->keep] = pool[w->cand[k]];
    const int np = inline_positives(*w);
    int32_t* pos_items = w->items + v.s1 + new_candidates(*w);
    for (int32_t x = 0; x < w->n_pairs && history; ++x) {
      const int32_t k = slot(*w, x);
      if (x < np) pos_items[x] = batch.item[k];
      prefetch_run(v, positive_run(*w, k));
    }
  }

  template <class Scorer>
  void stage_c(GroupWork* w, const Scorer& sc, GroupWork* ahead) const {
    const int t = p.epoch;
    float ctx[kMaxDim];
    sc.user_context(model.user_row(w->u), ctx);
    ahead->pump(16);
    const int n_new = new_candidates(*w);
    const int np = inline_positives(*w);
    float r[kMaxMemory + kMaxCandidates + kInlinePositives];
    score_items(sc, ctx, model, w->items, v.s1 + n_new + np, r);
    ahead->pump(16);
    if (!history) {
      for (int32_t x = 0; x < w->n_pairs; ++x) {
        const int32_t k = slot(*w, x);
        const int entry = random_entry(p.seed, t, batch.index, k, v.s1);
        negative[k] = w->items[entry];
      }
    } else {
      const float* r_pos = r + v.s1 + n_new;
      float more[kInlinePositives];
      for (int32_t x0 = 0; x0 < w->n_pairs; x0 += kInlinePositives) {
        const int32_t n = w->n_pairs - x0 < kInlinePositives ? w->n_pairs - x0 : kInlinePositives;
        if (x0 > 0) {
          int32_t items[kInlinePositives];
          for (int32_t x = 0; x < n; ++x) items[x] = batch.item[slot(*w, x0 + x)];
          score_items(sc, ctx, model, items, n, more);
          r_pos = more;
        }
        for (int32_t x = 0; x < n; ++x) {
          const int32_t k = slot(*w, x0 + x);
          const HistoryRun pos = positive_run(*w, k);
          const int entry = select_among_fast(v, t, p.alpha_t, v.s1, r, w->runs, pos, r_pos[x]);
          negative[k] = w->items[entry];
          if (loss) {
            // pair_gradients' loss and row, with the scores it would compute: r(u, i), r(u, j).
            loss->out->loss[k] = pair_row(sc, model.user_row(w->u), model.item_row(batch.item[k]),
                                          model.item_row(negative[k]), loss->kind, loss->reg,
                                          r_pos[x], r[entry], loss->out->row(k));
          }
          ahead->pump(8);
        }
      }
    }
    if (!p.refresh) return;
    // Candidate k < keep is memory entry fn_u + k; the others were scored after the entries.
    float rc[kMaxCandidates];
    for (int k = 0; k < w->keep; ++k) rc[k] = r[w->fn_u + k];
    for (int k = w->keep; k < w->m; ++k) rc[k] = r[v.s1 + k - w->keep];
    ahead->pump(16);
    refresh_fn_entries(v, t, batch.index, w->u, w->mem);
    refresh_keep_fast(v, w->fn_u, w->cand, rc, w->m, &w->gum, w->mem);
  }
};

}  // namespace

void srns_step(const SrnsView& v, const SrnsStepParams& p, const Batch& batch,
               const BatchGroups& groups, const ModelView& model, int32_t* memory,
               int32_t* negative, int threads, const PairLossOut* loss) {
  if (loss && p.random_selection) throw std::logic_error("srns_step: no pair loss without eq. 4");
  const StepContext s{v, p, batch, groups, model, memory, negative, !p.random_selection, loss};
  const int32_t n_groups = groups.groups();
  with_scorer(model, [&](const auto& sc) {
#pragma omp parallel num_threads(threads)
    {
      std::vector<uint64_t> taken((v.pool_size + 63) / 64, 0);  // refresh_candidates_bitmap
      // The batch's items (and pair numbers), read in user order: from memory in one sequential
      // sweep rather than a line at a time as the groups reach them.
      prefetch_span(batch.item, batch.size * 4);
      if (!v.dense) prefetch_span(batch.pair, batch.size * 8);
#pragma omp for schedule(dynamic, 1)
      for (int32_t c0 = 0; c0 < n_groups; c0 += kGroupChunk) {
        const int32_t c1 = c0 + kGroupChunk < n_groups ? c0 + kGroupChunk : n_groups;
        GroupWork work[3];
        for (int32_t g = c0; g < c1 + 2; ++g) {
          GroupWork* a = &work[g % 3];
          a->pf_n = a->pf_next = 0;
          if (g + 1 < n_groups) s.prefetch_user(g + 1);
          if (g < c1) s.stage_a(a, g, taken.data());
          if (g - 1 >= c0 && g - 1 < c1) s.stage_b(&work[(g - 1) % 3]);
          if (g - 2 >= c0) s.stage_c(&work[(g - 2) % 3], sc, a);
          a->pump(kMaxCandidates);  // the rest of group g's before stage B reads them
        }
      }
    }
  });
}

}  // namespace srns::cpu
