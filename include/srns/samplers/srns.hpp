// SRNS (Ding et al., NeurIPS 2020) and random-from-memory: sampling state and the per-sample
// math both backends compile (cpu::SrnsSampler, gpu::SrnsSampler; DESIGN §4).
//
// Shapes (U users, I items, V pool size, W history window, S1 memory slots, T tracked items):
//   pool      [U][V]    items of a user's candidate pool, drawn uniformly (with replacement)
//                       from the items the user has no training interaction with
//   memory    [U][S1]   slots: entries [0, fn_u) index the user's injected false-negative set
//                       (fn_u = min(fn_num, |F_u|)), the rest are slots of the current pool
//   history   dense:  [U][I][W]       the model's score of every (u, i) at the end of each of
//                                     the last W epochs
//             pooled: [W][U][V][W] + [T][W]  scores of the pipeline's W pools and of the T
//                       tracked items (training positives, then false-negative sets)
//             The last axis is the W-record ring: one score's W records are one run of W
//             consecutive values (20 bytes in float, 10 in half at W = 5), so reading a
//             candidate's window touches one cache line (two when the run straddles a line
//             boundary), not W lines scattered over W records. Values are float, or binary16
//             with --history-precision half (half.hpp; half the memory, ~3 significant digits).
//
// Pool pipeline (the official code): pool p is current during epoch p. At the end of epoch s
// (s = -1 is "before training") the model scores pools s+1..s+W (s = -1: pool 0 only) and the
// tracked items, so when pool t becomes current it carries the records of epochs
// t-n(t)..t-1, n(t) = min(t, W), with n(0) = 1 (the pre-training record). Memory slots are
// indices into the current pool, so they point at new items when the pool shifts. Record s
// lives in ring slot s mod W of every run; pool p's runs are block p mod W of the pooled
// history.
//
// Dense history stores whole score matrices instead, and gathers the same numbers: cheaper
// whenever I <= W*V (one score per (u, i) instead of W*V per user), identical results.
#pragma once
#include <stdint.h>

#include "srns/draws.hpp"
#include "srns/half.hpp"
#include "srns/hd.hpp"
#include "srns/math.hpp"
#include "srns/rng.hpp"
#include "srns/sampler.hpp"
#include "srns/scorer.hpp"

namespace srns {

// Records available at epoch t.
SRNS_HD int history_records(int t, int window) {
  if (t <= 0) return 1;
  return t < window ? t : window;
}

// Ring slot of record s (s >= -1).
SRNS_HD int history_slot(int64_t s, int window) {
  return static_cast<int>(((s % window) + window) % window);
}

// Pools are drawn in chunks of kPoolChunk consecutive slots, each chunk from its own stream
// (so a GPU thread can draw one chunk, and a Philox block serves four draws).
constexpr int kPoolChunk = 16;

// Slots [c*kPoolChunk, min((c+1)*kPoolChunk, V)) of user u's pool p into out[0..).
SRNS_HD void pool_chunk(uint64_t seed, int64_t p, int32_t u, int32_t c, int32_t pool_size,
                        const int32_t* row, int64_t len, int32_t n_items, int32_t* out) {
  PhiloxStream s =
      make_stream(seed, kRngPool, p, static_cast<uint32_t>(c), static_cast<uint32_t>(u));
  const int32_t begin = c * kPoolChunk;
  const int32_t end = begin + kPoolChunk < pool_size ? begin + kPoolChunk : pool_size;
  for (int32_t v = begin; v < end; ++v) out[v - begin] = draw_non_positive(&s, row, len, n_items);
}

// Number of injected false-negative slots of a user with a false-negative set of `fn_size`.
SRNS_HD int fn_slots(int fn_num, int64_t fn_size) {
  return fn_size < fn_num ? static_cast<int>(fn_size) : fn_num;
}

// Initial memory of user u: fn_u false-negative indices (the first fn_u of the set, redrawn at
// the first refresh) and S1 - fn_u distinct pool slots.
SRNS_HD void init_memory_row(uint64_t seed, int32_t u, int s1, int fn_u, int32_t pool_size,
                             int32_t* row) {
  for (int k = 0; k < fn_u; ++k) row[k] = k;
  PhiloxStream s = make_stream(seed, kRngMemoryInit, -1, 0u, static_cast<uint32_t>(u));
  draw_distinct(&s, row + fn_u, 0, s1 - fn_u, pool_size);
}

constexpr int kMaxCandidates = 128;  // S1 + S2 bound (a memory refresh works on the stack)
constexpr int kMaxMemory = 64;       // S1 bound
constexpr int kMaxWindow = 16;       // W bound

// Where one score's W history records lie: values base[at .. at + W), ring slot s mod W holding
// record s.
struct HistoryRun {
  const void* base;
  int64_t at;
};

// Raw views of the SRNS state (host or device pointers), as both backends hold it.
struct SrnsView {
  int32_t n_users, n_items, dim;
  int32_t s1, s2, window, pool_size;
  int fn_num;
  uint64_t seed;
  float inv_tau;
  bool dense;         // dense history [U][I][W], else pooled [W][U][V][W] + tracked [T][W]
  bool half;          // history values are binary16 bits (uint16_t), else float
  bool raw_variance;  // sd of raw recorded scores instead of P_pos
  const int64_t* train_off;
  const int32_t* train_cols;
  const int64_t* fn_off;  // null: no false-negative injection
  const int32_t* fn_cols;
  int64_t n_train;      // tracked items: [0, n_train) positives, then fn_cols
  const int32_t* pool;  // current pool [U][V]
  const void* hist;     // float or uint16_t (half)
  const void* hist_tracked;
  int64_t n_tracked;

  SRNS_HD int fn_count(int32_t u) const {
    return fn_off ? fn_slots(fn_num, fn_off[u + 1] - fn_off[u]) : 0;
  }
  // Item held by memory entry k of user u (value = memory[u][k]).
  SRNS_HD int32_t entry_item(int32_t u, int k, int32_t value) const {
    return k < fn_count(u) ? fn_cols[fn_off[u] + value]
                           : pool[static_cast<int64_t>(u) * pool_size + value];
  }
  // The history run of memory entry k of user u during epoch t (current pool t).
  SRNS_HD HistoryRun entry_run(int t, int32_t u, int k, int32_t value, int32_t item) const {
    if (dense) return {hist, (static_cast<int64_t>(u) * n_items + item) * window};
    if (k < fn_count(u)) return {hist_tracked, (n_train + fn_off[u] + value) * window};
    const int64_t block = history_slot(t, window);
    return {hist, ((block * n_users + u) * static_cast<int64_t>(pool_size) + value) * window};
  }
  // The history run of the positive (u, i), training pair e.
  SRNS_HD HistoryRun positive_run(int32_t u, int32_t i, int64_t e) const {
    if (dense) return {hist, (static_cast<int64_t>(u) * n_items + i) * window};
    return {hist_tracked, e * window};
  }
  // The value in ring slot `slot` of a run.
  SRNS_HD float run_slot(HistoryRun r, int slot) const {
    const int64_t x = r.at + slot;
    return half ? half_value(static_cast<const uint16_t*>(r.base)[x])
                : static_cast<const float*>(r.base)[x];
  }
  // Record s of a run.
  SRNS_HD float run_value(HistoryRun r, int64_t s) const {
    return run_slot(r, history_slot(s, window));
  }
  // Recorded score of record s for memory entry k of user u during epoch t.
  SRNS_HD float hist_entry(int64_t s, int t, int32_t u, int k, int32_t value, int32_t item) const {
    return run_value(entry_run(t, u, k, value, item), s);
  }
  // Recorded score of record s for the positive (u, i), training pair e.
  SRNS_HD float hist_positive(int64_t s, int32_t u, int32_t i, int64_t e) const {
    return run_value(positive_run(u, i, e), s);
  }
};

// Eq. 4 for one positive against memory entries k < n: the entry maximising
// P_pos(r[k], r_pos) + alpha_t * sd(k) (first maximum wins), sd(k) the population sd over the
// records t - n(t) .. t - 1 of history_value(entry k's record, the positive's record). `r` are
// the entries' fresh scores, `runs` their history runs, `pos` the positive's.
SRNS_HD int select_among(const SrnsView& v, int t, float alpha_t, int n, const float* r,
                         const HistoryRun* runs, HistoryRun pos, float r_pos) {
  const int n_rec = history_records(t, v.window);
  int slot[kMaxWindow];
  float h_pos[kMaxWindow], x[kMaxWindow];
  for (int rec = 0; rec < n_rec; ++rec) {
    slot[rec] = history_slot(t - n_rec + rec, v.window);
    h_pos[rec] = v.run_slot(pos, slot[rec]);
  }
  int best = 0;
  float best_value = 0.0f;
  for (int k = 0; k < n; ++k) {
    for (int rec = 0; rec < n_rec; ++rec) {
      x[rec] = history_value(v.run_slot(runs[k], slot[rec]), h_pos[rec], v.raw_variance);
    }
    const float value = selection_value(p_pos(r[k], r_pos), population_std(x, n_rec), alpha_t);
    if (k == 0 || value > best_value) {
      best = k;
      best_value = value;
    }
  }
  return best;
}

// Eq. 4 for the positive (u, i) (training pair e) against the memory row `mem` of user u:
// select_among over the S1 entries. `ctx` is u's user context under the scorer `sc`
// (scorer.hpp), `item_table` the item embeddings, `r_pos` the fresh score of (u, i).
template <class Scorer>
SRNS_HD int select_entry(const SrnsView& v, int t, float alpha_t, int32_t u, int32_t i, int64_t e,
                         const Scorer& sc, const float* ctx, const float* item_table, float r_pos,
                         const int32_t* mem) {
  HistoryRun runs[kMaxMemory];
  float r[kMaxMemory];
  for (int k = 0; k < v.s1; ++k) {
    const int32_t item = v.entry_item(u, k, mem[k]);
    runs[k] = v.entry_run(t, u, k, mem[k], item);
    r[k] = sc.score(ctx, item_table + static_cast<int64_t>(item) * v.dim);
  }
  return select_among(v, t, alpha_t, v.s1, r, runs, v.positive_run(u, i, e), r_pos);
}

// Memory refresh of user u in batch `batch` of epoch t (eq. 3): redraw the false-negative
// entries, extend the pool entries with S2 distinct pool slots outside memory, score them all,
// and keep S1 - fn_u of them drawn without replacement from softmax(r / tau) by Gumbel-top-k.
// Written as its steps so that a backend may run the scoring its own way between them:
//   refresh_fn_entries   out[0 .. fn_u): the false-negative entries (drawn from kRngFnDraw)
//   refresh_candidates   cand[0 .. m): the kept pool slots mem[fn_u ..], then S2 distinct new
//                        ones drawn from `ext` (the kRngExtend stream); returns m = S1 - fn_u + S2
//   refresh_keep         out[fn_u ..]: the S1 - fn_u candidates of the largest Gumbel keys
//                        r[k] / tau + G_k, G_k from the k-th word of `gum` (kRngGumbel)
// The streams' types are free (rng.hpp) as long as they yield the same words.
SRNS_HD void refresh_fn_entries(const SrnsView& v, int t, int64_t batch, int32_t u, int32_t* out) {
  const int fn_u = v.fn_count(u);
  if (fn_u <= 0) return;
  const int64_t fn_size = v.fn_off[u + 1] - v.fn_off[u];
  if (fn_size <= fn_u) {
    for (int k = 0; k < fn_u; ++k) out[k] = k;
  } else {
    PhiloxStream s =
        make_stream(v.seed, kRngFnDraw, t, static_cast<uint32_t>(batch), static_cast<uint32_t>(u));
    draw_distinct(&s, out, 0, fn_u, static_cast<int32_t>(fn_size));
  }
}

template <class Stream>
SRNS_HD int refresh_candidates(const SrnsView& v, int fn_u, const int32_t* mem, Stream* ext,
                               int32_t* cand) {
  const int keep = v.s1 - fn_u;
  for (int k = 0; k < keep; ++k) cand[k] = mem[fn_u + k];
  draw_distinct(ext, cand, keep, v.s2, v.pool_size);
  return keep + v.s2;
}

template <class Stream>
SRNS_HD void refresh_keep(const SrnsView& v, int fn_u, const int32_t* cand, const float* r, int m,
                          Stream* gum, int32_t* out) {
  float key[kMaxCandidates];
  int32_t top[kMaxCandidates];
  for (int k = 0; k < m; ++k) key[k] = gumbel_key(r[k], v.inv_tau, gum->open01());
  const int keep = v.s1 - fn_u;
  top_n_indices(key, m, keep, top);
  for (int k = 0; k < keep; ++k) out[fn_u + k] = cand[top[k]];
}

// The refresh in one call. Writes the new row to `out` (S1 entries; out may be mem: every read
// of mem precedes the write of the same entry).
template <class Scorer>
SRNS_HD void refresh_memory(const SrnsView& v, int t, int64_t batch, int32_t u, const Scorer& sc,
                            const float* ctx, const float* item_table, const int32_t* mem,
                            int32_t* out) {
  const int fn_u = v.fn_count(u);
  refresh_fn_entries(v, t, batch, u, out);
  int32_t cand[kMaxCandidates];
  float r[kMaxCandidates];
  PhiloxStream ext =
      make_stream(v.seed, kRngExtend, t, static_cast<uint32_t>(batch), static_cast<uint32_t>(u));
  const int m = refresh_candidates(v, fn_u, mem, &ext, cand);
  for (int k = 0; k < m; ++k) {
    const int32_t item = v.pool[static_cast<int64_t>(u) * v.pool_size + cand[k]];
    r[k] = sc.score(ctx, item_table + static_cast<int64_t>(item) * v.dim);
  }
  PhiloxStream gum =
      make_stream(v.seed, kRngGumbel, t, static_cast<uint32_t>(batch), static_cast<uint32_t>(u));
  refresh_keep(v, fn_u, cand, r, m, &gum, out);
}

// What a batch step of SRNS (or random-from-memory) needs beyond the view, fixed for an epoch.
struct SrnsStepParams {
  uint64_t seed;
  int epoch;              // t
  float alpha_t;          // alpha_at(schedule, alpha, t, T0)
  bool refresh;           // t % update_every == 0: memories are refreshed this epoch
  bool random_selection;  // random-from-memory instead of eq. 4
};

// Random-from-memory (NSCaching-style ablation): entry of pair k of batch `batch`, uniform
// over the S1 memory entries.
SRNS_HD int random_entry(uint64_t seed, int t, int64_t batch, int32_t k, int s1) {
  PhiloxStream s = make_stream(seed, kRngRandomSelect, t, static_cast<uint32_t>(batch),
                               static_cast<uint32_t>(k));
  return static_cast<int>(s.below(static_cast<uint32_t>(s1)));
}

inline SamplerInfo srns_info() {
  return {"srns",
          "SRNS: a memory of S1 hard candidates per user, refreshed once per user per batch from "
          "S2 fresh pool candidates by softmax(score/tau); picks argmax P_pos + alpha_t * std, "
          "std being the spread of the model's recent predictions (W epochs): false negatives "
          "score high but stably, informative hard negatives fluctuate, so the variance term "
          "steers away from false negatives",
          "Ding et al., Simplify and Robustify Negative Sampling for Implicit Collaborative "
          "Filtering, NeurIPS 2020",
          /*srns_memory=*/true,
          {}};
}

inline SamplerInfo memory_random_info() {
  return {"memory-random",
          "Random from memory: SRNS's memory and refresh, the negative drawn uniformly among the "
          "S1 memory entries (no score history); the paper's NSCaching-style ablation",
          "Zhang et al., NSCaching: Simple and Efficient Negative Sampling for Knowledge Graph "
          "Embedding, ICDE 2019; ablation of Ding et al., NeurIPS 2020, Fig. 4(d-f)",
          /*srns_memory=*/true,
          {}};
}

}  // namespace srns
