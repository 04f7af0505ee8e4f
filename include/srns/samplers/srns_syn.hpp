// SRNS as the official code runs it on the synthetic data (dingjingtao/SRNS, SRNS_syn/main.py;
// the paper's Fig. 2 and 3), which differs from its real-data pipeline (samplers/srns.hpp) in
// every part below. cpu::SrnsSynSampler, gpu::SrnsSynSampler; --protocol syn-official sets it
// up with the official settings, and each part is its own flag (the option in brackets).
//
//   scores     S = the recorded scores of the end of the previous epoch (before training for
//              epoch 0) [--syn-scores previous], or the current model's [fresh]
//   sd         the population sd of each (u, i)'s raw recorded scores over the last W epochs,
//              zero in epochs t < --syn-sd-warmup (official: W = 5, warm-up 5)
//   selection  j = argmax over the memory M_u of c(k) + alpha_t sd(u, k), first maximum wins;
//              c(k) = S(u, k) [--syn-criterion raw] or sigmoid(S(u, k) - S(u, i)) [p-pos]
//   memory     M_u holds items (no pools): fn_u = min(fn_num, |F_u|) injected false negatives
//              first, then S1 - fn_u items drawn uniformly with replacement from the items
//              outside u's training set and, [--syn-candidates no-test], u's test set
//   refresh    [--syn-refresh pair] after every positive's selection, in batch order, so a
//              user's later pairs in the batch see it; [user] once per user per batch after its
//              pairs are selected. It redraws the fn_u injected items from F_u (when
//              |F_u| > fn_num), appends S2 candidates drawn as above (with replacement), and
//              keeps S1 - fn_u of the S1 - fn_u + S2 non-injected entries, drawn without
//              replacement from softmax(S / tau) (Gumbel-top-k; official tau = 1)
// Shapes: memory [U][S1] items; records [W][U][I] (the end-of-epoch score matrices); sd
// [U][I], formed at the start of each epoch.
#pragma once
#include <stdint.h>

#include "srns/config.hpp"
#include "srns/draws.hpp"
#include "srns/hd.hpp"
#include "srns/math.hpp"
#include "srns/rng.hpp"
#include "srns/sampler.hpp"
#include "srns/samplers/srns.hpp"
#include "srns/scorer.hpp"

namespace srns {

constexpr uint32_t kRngSrnsSynRefresh = kRngSamplerBase + 9;  // this sampler's Philox purposes
constexpr uint32_t kRngSrnsSynInit = kRngSamplerBase + 10;

enum SrnsSynOption : int { kSynScoresPrevious = 0, kSynScoresFresh = 1 };
enum SrnsSynCriterion : int { kSynCriterionRaw = 0, kSynCriterionPPos = 1 };
enum SrnsSynRefresh : int { kSynRefreshPair = 0, kSynRefreshUser = 1 };
enum SrnsSynCandidates : int { kSynCandidatesNoTest = 0, kSynCandidatesNoTrain = 1 };

// Raw views of the state (host or device pointers).
struct SrnsSynView {
  int32_t n_users, n_items, s1, s2, fn_num;
  uint64_t seed;
  float inv_tau;
  bool fresh_scores, p_pos_criterion, per_pair_refresh, exclude_test;
  const int64_t* train_off;
  const int32_t* train_cols;
  const int64_t* test_off;  // null: no test set to exclude
  const int32_t* test_cols;
  const int64_t* fn_off;  // null: no false-negative injection
  const int32_t* fn_cols;
  const float* scores;  // [U][I] the last record (previous mode)
  const float* sd;      // [U][I], or null during the warm-up

  SRNS_HD int fn_count(int32_t u) const {
    return fn_off ? fn_slots(fn_num, fn_off[u + 1] - fn_off[u]) : 0;
  }
  // Whether item c may enter u's memory.
  SRNS_HD bool candidate(int32_t u, int32_t c) const {
    if (sorted_contains(train_cols + train_off[u], train_off[u + 1] - train_off[u], c)) {
      return false;
    }
    return !(exclude_test && test_off &&
             sorted_contains(test_cols + test_off[u], test_off[u + 1] - test_off[u], c));
  }
  SRNS_HD int32_t draw_candidate(PhiloxStream* s, int32_t u) const {
    for (;;) {
      const int32_t c = static_cast<int32_t>(s->below(static_cast<uint32_t>(n_items)));
      if (candidate(u, c)) return c;
    }
  }
  SRNS_HD float sd_of(int32_t u, int32_t i) const {
    return sd ? sd[static_cast<int64_t>(u) * n_items + i] : 0.0f;
  }
};

// The score of (u, item) the sampler reads: the record, or the model's (ctx: u's context).
template <class Scorer>
SRNS_HD float syn_score(const SrnsSynView& v, const Scorer& sc, const float* ctx,
                        const float* item_table, int32_t u, int32_t item) {
  if (!v.fresh_scores) return v.scores[static_cast<int64_t>(u) * v.n_items + item];
  return sc.score(ctx, item_table + static_cast<int64_t>(item) * sc.dim);
}

// Initial memory row of user u: the first fn_u of a random sample of F_u, then candidates.
SRNS_HD void syn_init_memory(const SrnsSynView& v, int32_t u, int32_t* row) {
  PhiloxStream s = make_stream(v.seed, kRngSrnsSynInit, -1, 0u, static_cast<uint32_t>(u));
  const int fn_u = v.fn_count(u);
  if (fn_u > 0) {
    int32_t pick[kMaxMemory];
    draw_distinct(&s, pick, 0, fn_u, static_cast<int32_t>(v.fn_off[u + 1] - v.fn_off[u]));
    for (int k = 0; k < fn_u; ++k) row[k] = v.fn_cols[v.fn_off[u] + pick[k]];
  }
  for (int k = fn_u; k < v.s1; ++k) row[k] = v.draw_candidate(&s, u);
}

// Eq. 4 of the synthetic code for the positive (u, i): the memory entry maximising
// c(k) + alpha_t sd(u, k) (first maximum wins).
template <class Scorer>
SRNS_HD int syn_select(const SrnsSynView& v, const Scorer& sc, const float* ctx,
                       const float* item_table, float alpha_t, int32_t u, int32_t i,
                       const int32_t* mem) {
  const float s_pos = v.p_pos_criterion ? syn_score(v, sc, ctx, item_table, u, i) : 0.0f;
  int best = 0;
  float best_value = 0.0f;
  for (int k = 0; k < v.s1; ++k) {
    const float s = syn_score(v, sc, ctx, item_table, u, mem[k]);
    const float c = v.p_pos_criterion ? p_pos(s, s_pos) : s;
    const float value = selection_value(c, v.sd_of(u, mem[k]), alpha_t);
    if (k == 0 || value > best_value) {
      best = k;
      best_value = value;
    }
  }
  return best;
}

// The refresh's stream: per pair k of batch b in epoch t, or per user u and batch.
SRNS_HD PhiloxStream syn_refresh_stream(const SrnsSynView& v, int t, int64_t b, int32_t k,
                                        int32_t u) {
  const uint32_t sample =
      v.per_pair_refresh ? static_cast<uint32_t>(k) : 0x80000000u | static_cast<uint32_t>(u);
  return make_stream(v.seed, kRngSrnsSynRefresh, t, static_cast<uint32_t>(b), sample);
}

// The refresh of u's memory row in place; `stream` is the refresh's own stream.
template <class Scorer>
SRNS_HD void syn_refresh(const SrnsSynView& v, const Scorer& sc, const float* ctx,
                         const float* item_table, int32_t u, PhiloxStream* stream, int32_t* mem) {
  const int fn_u = v.fn_count(u);
  const int64_t fn_size = fn_u > 0 ? v.fn_off[u + 1] - v.fn_off[u] : 0;
  if (fn_size > v.fn_num) {  // a fresh sample of the injected items
    int32_t pick[kMaxMemory];
    draw_distinct(stream, pick, 0, fn_u, static_cast<int32_t>(fn_size));
    for (int k = 0; k < fn_u; ++k) mem[k] = v.fn_cols[v.fn_off[u] + pick[k]];
  }
  const int keep = v.s1 - fn_u;
  const int m = keep + v.s2;
  int32_t cand[kMaxCandidates];
  float key[kMaxCandidates];
  int32_t top[kMaxCandidates];
  for (int k = 0; k < keep; ++k) cand[k] = mem[fn_u + k];
  for (int k = keep; k < m; ++k) cand[k] = v.draw_candidate(stream, u);
  for (int k = 0; k < m; ++k) {
    key[k] = gumbel_key(syn_score(v, sc, ctx, item_table, u, cand[k]), v.inv_tau, stream->open01());
  }
  top_n_indices(key, m, keep, top);
  for (int k = 0; k < keep; ++k) mem[fn_u + k] = cand[top[k]];
}

// The view's settings from the run's flags, the same for both twins; the table pointers
// (train, test, false-negative sets, scores, sd) are each backend's to set.
inline SrnsSynView syn_view_settings(const TrainConfig& c, int32_t n_users, int32_t n_items,
                                     bool has_fn_sets) {
  SrnsSynView v{};
  v.n_users = n_users;
  v.n_items = n_items;
  v.s1 = c.srns.s1;
  v.s2 = c.srns.s2;
  v.fn_num = has_fn_sets ? c.srns.fn_num : 0;
  v.seed = c.seed;
  v.inv_tau = 1.0f / c.srns.tau;
  v.fresh_scores = sampler_option(c, "syn-scores") == kSynScoresFresh;
  v.p_pos_criterion = sampler_option(c, "syn-criterion") == kSynCriterionPPos;
  v.per_pair_refresh = sampler_option(c, "syn-refresh") == kSynRefreshPair;
  v.exclude_test = sampler_option(c, "syn-candidates") == kSynCandidatesNoTest;
  return v;
}

inline SamplerInfo srns_syn_info() {
  return {"srns-syn",
          "SRNS as the official code runs it on the synthetic data (Fig. 2, 3): selection and "
          "memory resampling from the previous epoch's recorded scores, raw score + alpha_t * sd "
          "of raw scores, a refresh after every positive, memory candidates outside train and "
          "test, no pools; --protocol syn-official sets it up with the official settings",
          "Ding et al., NeurIPS 2020; dingjingtao/SRNS, SRNS_syn/main.py",
          /*srns_memory=*/true,
          {{"syn-scores",
            kSynScoresPrevious,
            0,
            1,
            true,
            "scores that drive selection and refresh: previous (the end of the last epoch, "
            "official) or fresh (the current model)",
            {"previous", "fresh"}},
           {"syn-criterion",
            kSynCriterionRaw,
            0,
            1,
            true,
            "difficulty term: raw (the score, official) or p-pos (sigmoid(s_k - s_i))",
            {"raw", "p-pos"}},
           {"syn-refresh",
            kSynRefreshPair,
            0,
            1,
            true,
            "memory refresh after every positive (pair, official) or once per user per batch "
            "(user)",
            {"pair", "user"}},
           {"syn-candidates",
            kSynCandidatesNoTest,
            0,
            1,
            true,
            "memory candidates outside the user's train and test items (no-test, official) or "
            "outside train only (no-train)",
            {"no-test", "no-train"}},
           {"syn-sd-warmup", 5, 0, 1000, true,
            "epochs before the sd term starts (official 5: the sd needs W recorded epochs)"}}};
}

}  // namespace srns
