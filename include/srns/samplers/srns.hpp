// SRNS (Ding et al., NeurIPS 2020) and random-from-memory: sampling state and the per-sample
// math both backends compile (cpu::SrnsSampler, gpu::SrnsSampler; DESIGN §4).
//
// Shapes (U users, I items, V pool size, W history window, S1 memory slots):
//   pool      [U][V]    items of a user's candidate pool, drawn uniformly (with replacement)
//                       from the items the user has no training interaction with
//   memory    [U][S1]   slots: entries [0, fn_u) index the user's injected false-negative set
//                       (fn_u = min(fn_num, |F_u|)), the rest are slots of the current pool
//   history   dense:  [W][U][I]       the model's score of every (u, i) at the end of an epoch
//             pooled: [W][W][U][V] + [W][T]  scores of the pipeline's pools and of the T
//                       tracked items (training positives, then false-negative sets)
//
// Pool pipeline (the official code): pool p is current during epoch p. At the end of epoch s
// (s = -1 is "before training") the model scores pools s+1..s+W (s = -1: pool 0 only) and the
// tracked items, so when pool t becomes current it carries the records of epochs
// t-n(t)..t-1, n(t) = min(t, W), with n(0) = 1 (the pre-training record). Memory slots are
// indices into the current pool, so they point at new items when the pool shifts. Record s
// lives in ring slot s mod W; in pooled mode pool p's part of a record sits at p mod W.
//
// Dense history stores whole score matrices instead, and gathers the same numbers: cheaper
// whenever I <= W*V (one score per (u, i) instead of W*V per user), identical results.
#pragma once
#include <stdint.h>

#include "srns/draws.hpp"
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

// Raw views of the SRNS state (host or device pointers), as both backends hold it.
struct SrnsView {
  int32_t n_users, n_items, dim;
  int32_t s1, s2, window, pool_size;
  int fn_num;
  uint64_t seed;
  float inv_tau;
  bool dense;         // dense history [W][U][I], else pooled [W][W][U][V] + tracked [W][T]
  bool raw_variance;  // sd of raw recorded scores instead of P_pos
  const int64_t* train_off;
  const int32_t* train_cols;
  const int64_t* fn_off;  // null: no false-negative injection
  const int32_t* fn_cols;
  int64_t n_train;      // tracked items: [0, n_train) positives, then fn_cols
  const int32_t* pool;  // current pool [U][V]
  const float* hist;
  const float* hist_tracked;
  int64_t n_tracked;

  SRNS_HD int fn_count(int32_t u) const {
    return fn_off ? fn_slots(fn_num, fn_off[u + 1] - fn_off[u]) : 0;
  }
  // Item held by memory entry k of user u (value = memory[u][k]).
  SRNS_HD int32_t entry_item(int32_t u, int k, int32_t value) const {
    return k < fn_count(u) ? fn_cols[fn_off[u] + value]
                           : pool[static_cast<int64_t>(u) * pool_size + value];
  }
  // Recorded score of record s for memory entry k of user u during epoch t.
  SRNS_HD float hist_entry(int64_t s, int t, int32_t u, int k, int32_t value, int32_t item) const {
    const int64_t slot = history_slot(s, window);
    if (dense) return hist[(slot * n_users + u) * static_cast<int64_t>(n_items) + item];
    if (k < fn_count(u)) return hist_tracked[slot * n_tracked + n_train + fn_off[u] + value];
    const int64_t part = slot * window + history_slot(t, window);
    return hist[(part * n_users + u) * static_cast<int64_t>(pool_size) + value];
  }
  // Recorded score of record s for the positive (u, i), training pair e.
  SRNS_HD float hist_positive(int64_t s, int32_t u, int32_t i, int64_t e) const {
    const int64_t slot = history_slot(s, window);
    if (dense) return hist[(slot * n_users + u) * static_cast<int64_t>(n_items) + i];
    return hist_tracked[slot * n_tracked + e];
  }
};

// Eq. 4 for the positive (u, i) (training pair e) against the memory row `mem` of user u:
// the memory entry maximising P_pos + alpha_t * sd (first maximum wins). `ctx` is u's user
// context under the scorer `sc` (scorer.hpp), `item_table` the item embeddings, `r_pos` the
// fresh score of (u, i).
template <class Scorer>
SRNS_HD int select_entry(const SrnsView& v, int t, float alpha_t, int32_t u, int32_t i, int64_t e,
                         const Scorer& sc, const float* ctx, const float* item_table, float r_pos,
                         const int32_t* mem) {
  const int n_rec = history_records(t, v.window);
  // Gather first (independent loads overlap their cache misses), then compute.
  int32_t items[kMaxCandidates];
  float h_pos[kMaxWindow], h[kMaxWindow * kMaxMemory];
  for (int k = 0; k < v.s1; ++k) items[k] = v.entry_item(u, k, mem[k]);
  for (int rec = 0; rec < n_rec; ++rec) h_pos[rec] = v.hist_positive(t - n_rec + rec, u, i, e);
  for (int k = 0; k < v.s1; ++k) {
    for (int rec = 0; rec < n_rec; ++rec) {
      h[k * n_rec + rec] = v.hist_entry(t - n_rec + rec, t, u, k, mem[k], items[k]);
    }
  }
  float x[kMaxWindow];
  int best = 0;
  float best_value = 0.0f;
  for (int k = 0; k < v.s1; ++k) {
    const float r = sc.score(ctx, item_table + static_cast<int64_t>(items[k]) * v.dim);
    for (int rec = 0; rec < n_rec; ++rec) {
      x[rec] = history_value(h[k * n_rec + rec], h_pos[rec], v.raw_variance);
    }
    const float value = selection_value(p_pos(r, r_pos), population_std(x, n_rec), alpha_t);
    if (k == 0 || value > best_value) {
      best = k;
      best_value = value;
    }
  }
  return best;
}

// Memory refresh of user u in batch `batch` of epoch t (eq. 3): redraw the false-negative
// entries, extend the pool entries with S2 distinct pool slots outside memory, score them all,
// and keep S1 - fn_u of them drawn without replacement from softmax(r / tau) by Gumbel-top-k.
// Writes the new row to `out` (S1 entries).
// The refresh's first part: the fn_u injected entries of user u's new row (indices into u's
// false-negative set), redrawn from the set at every refresh; out[0..fn_u).
SRNS_HD void redraw_false_negatives(const SrnsView& v, int t, int64_t batch, int32_t u, int fn_u,
                                    int32_t* out) {
  if (fn_u <= 0) return;
  const int64_t fn_size = v.fn_off[u + 1] - v.fn_off[u];
  if (fn_size <= fn_u) {
    for (int k = 0; k < fn_u; ++k) out[k] = k;
    return;
  }
  PhiloxStream s =
      make_stream(v.seed, kRngFnDraw, t, static_cast<uint32_t>(batch), static_cast<uint32_t>(u));
  draw_distinct(&s, out, 0, fn_u, static_cast<int32_t>(fn_size));
}

template <class Scorer>
SRNS_HD void refresh_memory(const SrnsView& v, int t, int64_t batch, int32_t u, const Scorer& sc,
                            const float* ctx, const float* item_table, const int32_t* mem,
                            int32_t* out) {
  const int fn_u = v.fn_count(u);
  redraw_false_negatives(v, t, batch, u, fn_u, out);
  const int keep = v.s1 - fn_u;
  const int m = keep + v.s2;
  int32_t cand[kMaxCandidates];
  float key[kMaxCandidates];
  int32_t top[kMaxCandidates];
  for (int k = 0; k < keep; ++k) cand[k] = mem[fn_u + k];
  PhiloxStream ext =
      make_stream(v.seed, kRngExtend, t, static_cast<uint32_t>(batch), static_cast<uint32_t>(u));
  draw_distinct(&ext, cand, keep, v.s2, v.pool_size);
  PhiloxStream gum =
      make_stream(v.seed, kRngGumbel, t, static_cast<uint32_t>(batch), static_cast<uint32_t>(u));
  int32_t items[kMaxCandidates];
  for (int k = 0; k < m; ++k) items[k] = v.pool[static_cast<int64_t>(u) * v.pool_size + cand[k]];
  for (int k = 0; k < m; ++k) {
    const float r = sc.score(ctx, item_table + static_cast<int64_t>(items[k]) * v.dim);
    key[k] = gumbel_key(r, v.inv_tau, gum.open01());
  }
  top_n_indices(key, m, keep, top);
  for (int k = 0; k < keep; ++k) out[fn_u + k] = cand[top[k]];
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
