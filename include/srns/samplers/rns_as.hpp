// RNS-AS, the adversarial-sampling part of Reinforced Negative Sampling (Ding et al., IJCAI
// 2019), as the authors' code runs it (ReinforceNS: gan_main.py --model RNS --reduced, without
// displayed-but-not-clicked data). cpu::RnsAsSampler, gpu::RnsAsSampler.
//
// Per positive (u, i) of a batch, with both models as they are at the batch's start:
//   C = S1 candidate slots, each a uniform non-positive item (drawn with replacement, each by
//       rejection, as the reference code does)                             draw_candidates
//   j = C[c], c ~ p(c) = softmax(r_G(u, C[.]) / tau)                       gan.hpp
//   D: the run's loss on (u, i, j) (BPR by default), one optimiser step per batch
//   R = -sigmoid(-r_D(u, j))                                               rns_as_reward
//   G: one step per batch on -sum_k (R_k - b) log p(c_k) + reg/2 (|p_u|^2 + |q_j|^2), b the
//      previous epoch's mean reward (0 in the first)                       candidate_generator_row
// Duplicate candidates are separate slots of the softmax (the reference code's n x S1 logits).
// The exposure part of RNS-AS (an MMD reward towards displayed-but-not-clicked items, weights
// alpha and beta) needs exposure logs that ML-1M, Pinterest and the synthetic data do not have;
// it is not implemented.
#pragma once
#include <stdint.h>

#include "srns/draws.hpp"
#include "srns/hd.hpp"
#include "srns/math.hpp"
#include "srns/rng.hpp"
#include "srns/sampler.hpp"
#include "srns/samplers/gan.hpp"

namespace srns {

constexpr uint32_t kRngRnsAs = kRngSamplerBase + 1;  // this sampler's Philox purpose

// The stream of pair k of batch `batch` in epoch t: its candidates, then its draw's uniform.
SRNS_HD PhiloxStream gan_pair_stream(uint64_t seed, uint32_t purpose, int t, int64_t batch,
                                     int32_t k) {
  return make_stream(seed, purpose, t, static_cast<uint32_t>(batch), static_cast<uint32_t>(k));
}

// n candidate slots for a user with sorted training row row[0..len).
SRNS_HD void draw_candidates(PhiloxStream* s, const int32_t* row, int64_t len, int32_t n_items,
                             int n, int32_t* out) {
  for (int c = 0; c < n; ++c) out[c] = draw_non_positive(s, row, len, n_items);
}

// D's reward for the negative j: -sigmoid(-r_D(u, j)), in (-1, 0), higher for harder negatives.
SRNS_HD float rns_as_reward(float r_neg) { return -sigmoid(-r_neg); }

// G's gradient of one pair: -A log p(pick) over the n candidate slots (G's item rows q[c], user
// row p_u), plus reg/2 (|p_u|^2 + |q_pick|^2). Adds to user [F], slots [n][F] (slot c's item
// row) and head [H], which the caller zeroes.
template <class Scorer>
SRNS_HD void candidate_generator_row(const Scorer& sc, const float* p_u, const float* const* q,
                                     const float* prob, int n, int pick, float advantage,
                                     float inv_tau, float reg, int dim, float* user, float* slots,
                                     float* head) {
  for (int c = 0; c < n; ++c) {
    const float d = reinforce_coefficient(advantage, prob[c], c == pick, inv_tau);
    sc.add_score_gradient(p_u, q[c], d, user, slots + static_cast<int64_t>(c) * dim, head);
  }
  float* drawn = slots + static_cast<int64_t>(pick) * dim;
  for (int f = 0; f < dim; ++f) {
    user[f] = user[f] + reg * p_u[f];
    drawn[f] = drawn[f] + reg * q[pick][f];
  }
}

inline SamplerInfo rns_as_info() {
  std::vector<SamplerOption> options = {gan_candidates_option()};
  for (const SamplerOption& o : generator_options()) options.push_back(o);
  SamplerInfo info{
      "rns-as",
      "RNS-AS, adversarial sampling: a generator (a second model, trained by REINFORCE with "
      "reward -sigmoid(-r_D(u, j)) and the previous epoch's mean reward as baseline) draws the "
      "negative from softmax(r_G / tau) over S1 uniform non-positive candidates. The exposure "
      "part of RNS-AS needs displayed-but-not-clicked logs, which these datasets do not have, "
      "and is not implemented. Start generator and recommender from a pretrained model "
      "(--init, e.g. a --sampler uniform run's model.bin), as the paper does",
      "Ding et al., Reinforced Negative Sampling for Recommendation with Exposure Data, IJCAI "
      "2019",
      /*srns_memory=*/false, options};
  info.generator = true;
  return info;
}

}  // namespace srns
