// What the adversarial (GAN) samplers share: RNS-AS (rns_as.hpp), IRGAN (irgan.hpp) and AdvIR
// (advir.hpp), written once for both backends (SRNS_HD).
//
// A GAN sampler owns a generator G: a second model of the run's scorer (same users, items and
// dim as the recommender D), started from the run's initial model (the paper starts both from a
// Uniform-BPR pretrain: --init) and stepped by its own dense Adam (TF1 form, lr --gen-lr) once
// per batch. For each positive (u, i) of a batch G draws the negative j from a softmax of its
// scores at temperature tau over a candidate set C (RNS-AS, AdvIR: S1 uniform non-positive
// slots; IRGAN: the user's whole non-positive catalogue):
//   p(c) = exp(r_G(u, c) / tau) / sum_{c' in C} exp(r_G(u, c') / tau)
// D trains on (u, i, j) with the run's loss; D gives a reward R for the draw, read from D as it
// is at the start of the batch (before its step), and G takes one REINFORCE step on
//   L_G = - sum_k A_k log p(j_k) + reg/2 (|p_u|^2 + |q_j|^2)   (per pair, G's rows it used)
// with the advantage A_k = R_k - b (b: RNS-AS and AdvIR the previous epoch's mean reward, 0 in
// the first epoch; IRGAN none). Its gradient with respect to the score of candidate c is
//   dL_G / dr_G(u, c) = -A (1[c = j] - p(c)) / tau            (reinforce_coefficient)
// which reaches the rows through the scorer (scorer.hpp: add_score_gradient).
//
// Draws. The softmax draw is an inverse-CDF draw with one uniform u in (0, 1): the first c whose
// running sum of exp((r_c - max) / tau), in candidate order, exceeds u times the total. Every
// other draw of a pair (the candidates) comes before it on the pair's own Philox stream.
#pragma once
#include <math.h>
#include <stdint.h>

#include "srns/draws.hpp"
#include "srns/hd.hpp"
#include "srns/math.hpp"
#include "srns/rng.hpp"
#include "srns/sampler.hpp"

namespace srns {

constexpr int kMaxGanCandidates = 256;  // S1 of the candidate samplers (per-warp shared memory)

// Unnormalised softmax weights w[c] = exp((logits[c] - max) / tau) of logits[0..n) (w may alias
// logits); -inf and NaN logits (masked items, a diverged model) get weight 0. Returns their sum,
// added in c order.
SRNS_HD float softmax_weights(const float* logits, int n, float inv_tau, float* w) {
  float top = -INFINITY;
  for (int c = 0; c < n; ++c) top = logits[c] > top ? logits[c] : top;
  float total = 0.0f;
  for (int c = 0; c < n; ++c) {
    const float x = logits[c] > -INFINITY ? expf((logits[c] - top) * inv_tau) : 0.0f;
    w[c] = x == x ? x : 0.0f;
    total += w[c];
  }
  return total;
}

// The inverse-CDF pick for target = u * total: the first c whose running sum of w (in c order,
// as softmax_weights adds them) exceeds the target; where rounding leaves none, the last c with
// weight (0 if none has).
SRNS_HD int cdf_pick(const float* w, int n, float target) {
  float run = 0.0f;
  int last = 0;
  for (int c = 0; c < n; ++c) {
    run += w[c];
    if (target < run) return c;
    if (w[c] > 0.0f) last = c;
  }
  return last;
}

// Draws c from softmax(logits / tau) over logits[0..n) with the uniform u in (0, 1) and writes
// the probabilities into prob[0..n) (prob may alias logits).
SRNS_HD int softmax_draw(const float* logits, int n, float inv_tau, float u, float* prob) {
  const float total = softmax_weights(logits, n, inv_tau, prob);
  const int pick = cdf_pick(prob, n, u * total);
  const float inv_total = total > 0.0f ? 1.0f / total : 0.0f;
  for (int c = 0; c < n; ++c) prob[c] = prob[c] * inv_total;
  return pick;
}

// dL_G / dr_G(u, c) of L_G = -A log p(j) with p = softmax(r_G / tau): c is the drawn slot or not.
SRNS_HD float reinforce_coefficient(float advantage, float prob, bool drawn, float inv_tau) {
  return -advantage * ((drawn ? 1.0f : 0.0f) - prob) * inv_tau;
}

// The REINFORCE coefficients of a group of draws over one full softmax (all draws of a user
// share p): coef[c] = sum_k reinforce_coefficient(A_k, p(c), c = j_k, 1 / tau), formed as
//   (p(c) sum_k A_k - sum_{k: j_k = c} A_k) / tau
// from prob[0..n) (normalised), which it overwrites with coef. The draws are drawn[0..m) with
// advantages advantage[0..m).
SRNS_HD void softmax_reinforce_row(float* prob, int n, float inv_tau, const int32_t* drawn,
                                   const float* advantage, int m) {
  float total = 0.0f;
  for (int k = 0; k < m; ++k) total += advantage[k];
  const float scale = total * inv_tau;
  for (int c = 0; c < n; ++c) prob[c] = prob[c] * scale;
  for (int k = 0; k < m; ++k) prob[drawn[k]] = prob[drawn[k]] - advantage[k] * inv_tau;
}

// The run's generator settings (sampler options; the samplers without an option leave its
// default).
struct GanSettings {
  int candidates = 30;  // S1 (RNS-AS, AdvIR)
  float tau = 1.0f;     // temperature of G's softmax
  float lr = 1e-3f;     // G's Adam learning rate
  float reg = 1e-5f;    // G's L2 on the rows a pair uses
};

// The options every GAN sampler takes, with the reference code's values as defaults (ReinforceNS:
// temperature 1, Adam lr 1e-3, L2 1e-5 on the looked-up rows).
inline std::vector<SamplerOption> generator_options() {
  return {{"gen-tau", 1.0, 1e-3, 1e3, false,
           "temperature tau of the generator's softmax p(j) ~ exp(r_G(u, j) / tau)"},
          {"gen-lr", 1e-3, 1e-7, 10.0, false, "learning rate of the generator's Adam"},
          {"gen-reg", 1e-5, 0.0, 10.0, false,
           "L2 weight of the generator: reg/2 |row|^2 on each pair's user and drawn item"}};
}

// --gan-candidates (RNS-AS, AdvIR).
inline SamplerOption gan_candidates_option() {
  return {"gan-candidates",
          30,
          1,
          kMaxGanCandidates,
          true,
          "uniform non-positive candidates per positive among which the generator draws the "
          "negative (S1)"};
}

GanSettings gan_settings(const TrainConfig& config);  // src/train/gan_settings.cpp

}  // namespace srns
