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
// equal). The refresh's extension draws and the items at their pool slots were drawn ahead for
// the batch's window (extension_draws.cpp), and the items the memory's entries hold are kept
// beside the memory (memory_items), so a group reads no pool entry. A thread takes a chunk of
// groups and runs each group through three stages, two groups apart, so that the scattered
// loads of a stage are in flight while earlier groups compute:
//   A  the refresh's candidates: the kept entries, then the drawn slots that are not yet
//      candidates (repeats found in a bitmap over the pool), with their items; the Gumbel
//      words computed sixteen Philox blocks at a time (philox_simd.hpp)
//   B  the items of the memory entries and candidates, and a prefetch of the history runs
//      (one cache line each, srns.hpp) of the entries and of the pairs' positives
//   C  one batched scoring (score_many.hpp) of the entries, the new candidates and the
//      positives; eq. 4 for each pair with the entries in vector lanes
//      (select_among_fast.hpp), and, asked for by the sampler's fused step, the pair's loss
//      and gradient row from the same scores; the refresh's Gumbel-top-k with exact
//      logarithms only near the cut (gumbel_top.hpp). The kept candidates are the
//      non-injected memory entries, whose scores the selection already has.
// Before group g's stage A, the memory row, memory items, user row and drawn run of group
// g + 1 are prefetched (rows the scattered lines have evicted since the user's last batch);
// each thread sweeps the batch's item numbers into its cache once, as the groups read them out
// of order.
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

// Philox blocks of a refresh's Gumbel words, S1 + S2 of them, computed ahead.
int gumbel_blocks(int m) {
  const int b = (m + 3) / 4;
  return b < kMaxPrefetchBlocks ? b : kMaxPrefetchBlocks;
}

// refresh_candidates (samplers/srns.hpp) from the group's drawn run (E slots, then the items at
// them; ExtensionDraws), with "already a candidate" as a bit test in `taken` (a thread's bitmap
// over the pool slots, all clear on entry and on return) instead of a scan of the candidates
// so far: the same words, the same accepted slots in the same order. Each candidate's item
// into cand_item (the kept entries' from mem_item). Past the run's E words (repeats) the
// stream `more` continues (stream word E onwards), with the items read from the pool.
template <class T>
int refresh_candidates_drawn(const SrnsView& v, int32_t u, int fn_u, const int32_t* mem,
                             const int32_t* mem_item, const T* run, int e, PhiloxStream more,
                             uint64_t* taken, int32_t* cand, int32_t* cand_item) {
  const int keep = v.s1 - fn_u;
  const auto bit = [](int32_t x) { return uint64_t{1} << (x & 63); };
  for (int k = 0; k < keep; ++k) {
    cand[k] = mem[fn_u + k];
    cand_item[k] = mem_item[fn_u + k];
    taken[cand[k] >> 6] |= bit(cand[k]);
  }
  int k = keep;
  for (int j = 0; j < e && k < keep + v.s2; ++j) {
    const int32_t c = run[j];
    if (taken[c >> 6] & bit(c)) continue;
    taken[c >> 6] |= bit(c);
    cand_item[k] = run[e + j];
    cand[k++] = c;
  }
  if (k < keep + v.s2) {
    more.ctr.v[0] += static_cast<uint32_t>(e / 4);  // past the run's words
    const int32_t* pool = v.pool + static_cast<int64_t>(u) * v.pool_size;
    while (k < keep + v.s2) {
      const int32_t c = static_cast<int32_t>(more.below(static_cast<uint32_t>(v.pool_size)));
      if (taken[c >> 6] & bit(c)) continue;
      taken[c >> 6] |= bit(c);
      cand_item[k] = pool[c];
      cand[k++] = c;
    }
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
  int32_t* mem_item;
  int32_t cand[kMaxCandidates];
  int32_t cand_item[kMaxCandidates];
  int32_t items[kMaxMemory + kMaxCandidates + kInlinePositives];
  HistoryRun runs[kMaxMemory];
  PrefetchedStream gum;
};

struct StepContext {
  const SrnsView& v;
  const SrnsStepParams& p;
  const Batch& batch;
  const ExtensionDraws& draws;
  int64_t window;  // the batch's place in the draws' window
  const BatchGroups& groups;
  const ModelView& model;
  int32_t* memory;
  int32_t* memory_items;
  int32_t* negative;
  bool history;
  const PairLossOut* loss;  // or null

  int32_t slot(const GroupWork& w, int32_t x) const { return groups.slot[w.first + x]; }
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

  // Group g's user's memory row and items (read by its stage A), embedding row (its stage C)
  // and drawn run: rows the scattered history lines evict from the caches between the user's
  // batches. Always inlined, as prefetch_span.
  __attribute__((always_inline)) void prefetch_user(int32_t g) const {
    const int32_t u = batch.user[groups.slot[groups.begin[g]]];
    prefetch_span(memory + static_cast<int64_t>(u) * v.s1, v.s1 * 4);
    prefetch_span(memory_items + static_cast<int64_t>(u) * v.s1, v.s1 * 4);
    prefetch_span(model.user_row(u), model.dim * 4);
    if (p.refresh) prefetch_span(draws.run(window, g), static_cast<int>(draws.run_bytes()));
  }

  void stage_a(GroupWork* w, int32_t g, uint64_t* taken) const {
    w->g = g;
    w->first = groups.begin[g];
    w->n_pairs = groups.begin[g + 1] - w->first;
    w->u = batch.user[groups.slot[w->first]];
    w->mem = memory + static_cast<int64_t>(w->u) * v.s1;
    w->mem_item = memory_items + static_cast<int64_t>(w->u) * v.s1;
    w->fn_u = v.fn_count(w->u);
    w->keep = v.s1 - w->fn_u;
    w->m = 0;
    if (!p.refresh) return;
    const uint32_t b = static_cast<uint32_t>(batch.index), u = static_cast<uint32_t>(w->u);
    w->gum.init(make_stream(v.seed, kRngGumbel, p.epoch, b, u), gumbel_blocks(w->keep + v.s2));
    PrefetchedStream* const streams[1] = {&w->gum};
    fill_streams(streams, 1);
    const auto candidates = [&](const auto* run) {
      return refresh_candidates_drawn(v, w->u, w->fn_u, w->mem, w->mem_item, run, draws.words,
                                      make_stream(v.seed, kRngExtend, p.epoch, b, u), taken,
                                      w->cand, w->cand_item);
    };
    const void* run = draws.run(window, g);
    w->m = draws.narrow ? candidates(static_cast<const uint16_t*>(run))
                        : candidates(static_cast<const int32_t*>(run));
  }

  void stage_b(GroupWork* w) const {
    const int t = p.epoch;
    for (int k = 0; k < v.s1; ++k) {
      w->items[k] = w->mem_item[k];
      if (history) {
        w->runs[k] = v.entry_run(t, w->u, k, w->mem[k], w->items[k]);
        prefetch_run(v, w->runs[k]);
      }
    }
    for (int k = w->keep; k < w->m; ++k) w->items[v.s1 + k - w->keep] = w->cand_item[k];
    const int np = inline_positives(*w);
    int32_t* pos_items = w->items + v.s1 + new_candidates(*w);
    for (int32_t x = 0; x < w->n_pairs && history; ++x) {
      const int32_t k = slot(*w, x);
      if (x < np) pos_items[x] = batch.item[k];
      prefetch_run(v, positive_run(*w, k));
    }
  }

  template <class Scorer>
  void stage_c(GroupWork* w, const Scorer& sc) const {
    const int t = p.epoch;
    float ctx[kMaxDim];
    sc.user_context(model.user_row(w->u), ctx);
    const int n_new = new_candidates(*w);
    const int np = inline_positives(*w);
    float r[kMaxMemory + kMaxCandidates + kInlinePositives];
    score_items(sc, ctx, model, w->items, v.s1 + n_new + np, r);
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
        }
      }
    }
    if (!p.refresh) return;
    // Candidate k < keep is memory entry fn_u + k; the others were scored after the entries.
    float rc[kMaxCandidates];
    for (int k = 0; k < w->keep; ++k) rc[k] = r[w->fn_u + k];
    for (int k = w->keep; k < w->m; ++k) rc[k] = r[v.s1 + k - w->keep];
    refresh_fn_entries(v, t, batch.index, w->u, w->mem);
    for (int k = 0; k < w->fn_u; ++k) w->mem_item[k] = v.entry_item(w->u, k, w->mem[k]);
    refresh_keep_fast(v, w->fn_u, w->cand, rc, w->m, &w->gum, w->mem, w->cand_item, w->mem_item);
  }
};

}  // namespace

void srns_step(const SrnsView& v, const SrnsStepParams& p, const Batch& batch,
               const ExtensionDraws& draws, int64_t w, const ModelView& model, int32_t* memory,
               int32_t* memory_items, int32_t* negative, int threads, const PairLossOut* loss) {
  if (loss && p.random_selection) throw std::logic_error("srns_step: no pair loss without eq. 4");
  if (draws.epoch != p.epoch || (p.refresh && draws.words == 0)) {
    throw std::logic_error("srns_step: the draws are not this epoch's refresh draws");
  }
  const BatchGroups& groups = draws.groups[w];
  const StepContext s{
      v,   p, batch, draws, w, groups, model, memory, memory_items, negative, !p.random_selection,
      loss};
  const int32_t n_groups = groups.groups();
  with_scorer(model, [&](const auto& sc) {
#pragma omp parallel num_threads(threads)
    {
      std::vector<uint64_t> taken((v.pool_size + 63) / 64, 0);  // refresh_candidates_drawn
      // The batch's items (and pair numbers), read in user order: from memory in one sequential
      // sweep rather than a line at a time as the groups reach them.
      prefetch_span(batch.item, batch.size * 4);
      if (!v.dense) prefetch_span(batch.pair, batch.size * 8);
#pragma omp for schedule(dynamic, 1)
      for (int32_t c0 = 0; c0 < n_groups; c0 += kGroupChunk) {
        const int32_t c1 = c0 + kGroupChunk < n_groups ? c0 + kGroupChunk : n_groups;
        GroupWork work[3];
        for (int32_t g = c0; g < c1 + 2; ++g) {
          if (g + 1 < n_groups) s.prefetch_user(g + 1);
          if (g < c1) s.stage_a(&work[g % 3], g, taken.data());
          if (g - 1 >= c0 && g - 1 < c1) s.stage_b(&work[(g - 1) % 3]);
          if (g - 2 >= c0) s.stage_c(&work[(g - 2) % 3], sc);
        }
      }
    }
  });
}

}  // namespace srns::cpu
