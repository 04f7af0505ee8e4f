// IRGAN (Wang et al., IRGAN: A Minimax Game for Unifying Generative and Discriminative
// Information Retrieval Models, SIGIR 2017) in the pairwise form that fits this engine: the
// recommender D is trained with the run's pair loss on negatives that the generator G draws from
// its softmax over the user's whole non-positive catalogue. cpu::IrganSampler,
// gpu::IrganSampler.
//
// Per batch, per user u of the batch (its pairs share one distribution), with both models as
// they are at the batch's start:
//   p(j) = exp(r_G(u, j) / tau) / sum_{j' not in R_u} exp(r_G(u, j') / tau)   j not in R_u
//   every pair (u, i) of u draws j ~ p                         the masked full-catalogue softmax
//   D: the run's loss on (u, i, j)
//   R = log sigmoid(r_D(u, j) - r_D(u, i))       the reward of IRGAN's pairwise code (ltr-gan-
//                                                pairwise: log sigmoid(s_neg - s_pos)), no baseline
//   G: one step per batch on -sum_k R_k log p(j_k) + reg/2 (|p_u|^2 + |q_j|^2) per pair; the
//      softmax's gradient reaches every item: dL/dr_G(u, c) = (p(c) sum_k R_k - sum_{k: j_k = c}
//      R_k) / tau  (the sum over u's pairs k of reinforce_coefficient)
// Cost: every batch scores each of its users against the whole catalogue, O(B I F) (Table 1).
//
// --irgan-mix m > 0: IRGAN's importance sampling (its item-recommendation code: m = 0.2). G then
// learns from draws j' of p_n = (1 - m) p_all + m uniform(R_u), where p_all is G's softmax over
// all items (positives included, as the official generator), with the official pointwise reward
// R' = 2 (sigmoid(r_D(u, j')) - 0.5) weighted by p_all(j') / p_n(j'):
//   L_G = -sum_k (p_all / p_n)(j'_k) R'_k log p_all(j'_k) + reg/2 (|p_u|^2 + |q_j'|^2)
// D's negatives still come from the masked softmax p above. The official code also trains D
// pointwise, draws D's negatives at temperature 0.2 (positives not excluded) and alternates
// 100 D epochs with 50 G epochs; this engine keeps D's pairwise loss and one D and one G step per
// batch, as the SRNS paper compares all samplers.
#pragma once
#include <stdint.h>

#include "srns/draws.hpp"
#include "srns/hd.hpp"
#include "srns/math.hpp"
#include "srns/rng.hpp"
#include "srns/sampler.hpp"
#include "srns/samplers/gan.hpp"

namespace srns {

constexpr uint32_t kRngIrgan = kRngSamplerBase + 2;  // this sampler's Philox purpose

// The stream of pair k of batch `batch` in epoch t: the uniform of D's negative, then (with
// --irgan-mix) the mixture's two uniforms.
SRNS_HD PhiloxStream irgan_pair_stream(uint64_t seed, int t, int64_t batch, int32_t k) {
  return make_stream(seed, kRngIrgan, t, static_cast<uint32_t>(batch), static_cast<uint32_t>(k));
}

// log sigmoid(r_D(u, j) - r_D(u, i)) = -softplus(r_D(u, i) - r_D(u, j)).
SRNS_HD float irgan_pair_reward(float r_pos, float r_neg) { return -softplus(r_pos - r_neg); }

// The official pointwise reward 2 (sigmoid(r_D(u, j)) - 0.5).
SRNS_HD float irgan_point_reward(float r) { return 2.0f * (sigmoid(r) - 0.5f); }

// A draw of p_n = (1 - mix) p_all + mix uniform(row[0..len)): with u1 < mix a uniform positive
// (by u2), else the inverse-CDF pick of u2 in the weights w_all[0..n) of p_all (sum total).
SRNS_HD int32_t mixture_draw(float u1, float u2, float mix, const float* w_all, int32_t n,
                             float total, const int32_t* row, int64_t len) {
  if (u1 < mix && len > 0) {
    int64_t x = static_cast<int64_t>(u2 * static_cast<float>(len));
    return row[x < len ? x : len - 1];
  }
  return cdf_pick(w_all, n, u2 * total);
}

// p_all(j) / p_n(j) for an item of probability p under p_all, a training positive or not.
SRNS_HD float importance_weight(float p, bool positive, float mix, int64_t len) {
  const float pn = (1.0f - mix) * p + (positive && len > 0 ? mix / static_cast<float>(len) : 0.0f);
  return pn > 0.0f ? p / pn : 0.0f;
}

inline SamplerInfo irgan_info() {
  std::vector<SamplerOption> options = generator_options();
  options.push_back({"irgan-mix", 0.0, 0.0, 1.0, false,
                     "IRGAN's importance sampling: the generator learns from draws of (1 - m) "
                     "p_G(all items) + m uniform(user's positives) with reward 2 sigmoid(r_D) - 1 "
                     "weighted by p_G / p_n (the official code: 0.2); 0: from the recommender's "
                     "negatives with the pairwise reward"});
  SamplerInfo info{
      "irgan",
      "IRGAN, pairwise form: a generator (a second model, trained by REINFORCE with reward "
      "log sigmoid(r_D(u, j) - r_D(u, i))) draws the negative from its softmax over all items "
      "the user never interacted with: every batch scores its users against the whole "
      "catalogue. Start from a pretrained model (--init)",
      "Wang et al., IRGAN: A Minimax Game for Unifying Generative and Discriminative Information "
      "Retrieval Models, SIGIR 2017",
      /*srns_memory=*/false, options};
  info.generator = true;
  return info;
}

}  // namespace srns
