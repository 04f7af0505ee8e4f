// AdvIR (Park and Chang, Adversarial Sampling and Training for Semi-Supervised Information
// Retrieval, WWW 2019; arXiv 1811.04155): adversarial sampling as RNS-AS does it (rns_as.hpp:
// the generator's softmax over S1 uniform candidates, its REINFORCE step with the reward
// -sigmoid(-r_D(u, j)) and the previous epoch's mean reward as baseline), plus adversarial
// training of the recommender D (the supervised AdvIR form, APR-style: He et al., SIGIR 2018).
// cpu::AdvirSampler, gpu::AdvirSampler.
//
// D's loss of a pair (u, i, j), with L the run's pair loss (BPR by default):
//   L(theta) + w L(theta + delta) + reg/2 (|p_u|^2 + |q_i|^2 + |q_j|^2)
// where delta perturbs the three embedding rows of the pair along the normalised gradient of
// the pair's loss (the fast-gradient solution of max_{|delta| <= eps} L(theta + delta)):
//   delta_x = eps g_x / |g_x|,  g_x = dL/dx at theta,  x in {p_u, q_i, q_j}   (0 where g_x = 0)
// and is a constant to the gradient (APR's stop-gradient): the pair's gradient row is
//   dL/dtheta (theta) + reg theta + w dL/dtheta (theta + delta)
// The scorer's head (GMF: beta) is not perturbed, but the adversarial term's gradient reaches it.
// eps = --adv-eps, w = --adv-weight (APR's defaults 0.5 and 1). Each row's norm is taken per pair,
// over that row alone, in the canonical lane order (dot_lanes), so the GPU's warp form agrees.
//
// Not implemented: AdvIR's virtual adversarial training (VAT, label-free perturbations from a KL
// divergence) and its selective variant (SVAT); which AdvIR variant the SRNS paper ran is not
// stated there.
#pragma once
#include <math.h>
#include <stdint.h>

#include "srns/hd.hpp"
#include "srns/math.hpp"
#include "srns/samplers/rns_as.hpp"
#include "srns/scorer.hpp"

namespace srns {

constexpr uint32_t kRngAdvir = kRngSamplerBase + 3;  // this sampler's Philox purpose

// x + eps g / |g| on one row of `dim` floats (x where |g| = 0).
SRNS_HD void adversarial_row(const float* x, const float* g, int dim, float eps, float* out) {
  const float norm = sqrtf(dot_lanes(g, g, dim));
  for (int f = 0; f < dim; ++f) out[f] = norm > 0.0f ? x[f] + eps * (g[f] / norm) : x[f];
}

// Floats of scratch adversarial_pair_gradient needs for model `m`.
SRNS_HD int64_t adversarial_scratch_floats(const ModelView& m) {
  return 2 * m.grad_stride() + 3 * static_cast<int64_t>(m.dim) + kMaxDim;
}

// The pair's loss and gradient row (scorer.hpp layout, m.grad_stride() floats) under
// adversarial training (file comment). r_pos, r_neg: the pair's fresh scores at theta.
template <class Scorer>
SRNS_HD float adversarial_pair_gradient(const Scorer& sc, const ModelView& m, const float* p,
                                        const float* qi, const float* qj, int loss_kind, float reg,
                                        float eps, float weight, float r_pos, float r_neg,
                                        float* grad, float* scratch) {
  const int dim = m.dim;
  const int64_t stride = m.grad_stride();
  float* clean = scratch;
  float* adv = clean + stride;
  float* p_adv = adv + stride;
  float* qi_adv = p_adv + dim;
  float* qj_adv = qi_adv + dim;
  float* ctx = qj_adv + dim;
  sc.pair_gradient(p, qi, qj, loss_kind, 0.0f, r_pos, r_neg, clean);
  adversarial_row(p, clean, dim, eps, p_adv);
  adversarial_row(qi, clean + dim, dim, eps, qi_adv);
  adversarial_row(qj, clean + 2 * dim, dim, eps, qj_adv);
  sc.user_context(p_adv, ctx);
  const float adv_loss = sc.pair_gradient(p_adv, qi_adv, qj_adv, loss_kind, 0.0f,
                                          sc.score(ctx, qi_adv), sc.score(ctx, qj_adv), adv);
  const float loss = sc.pair_gradient(p, qi, qj, loss_kind, reg, r_pos, r_neg, grad);
  for (int64_t x = 0; x < stride; ++x) grad[x] = grad[x] + weight * adv[x];
  return loss + weight * adv_loss;
}

inline SamplerInfo advir_info() {
  std::vector<SamplerOption> options = {gan_candidates_option()};
  for (const SamplerOption& o : generator_options()) options.push_back(o);
  options.push_back({"adv-eps", 0.5, 0.0, 100.0, false,
                     "size eps of the adversarial perturbation of each embedding row of a pair "
                     "(eps g / |g|, g the row's loss gradient)"});
  options.push_back({"adv-weight", 1.0, 0.0, 100.0, false,
                     "weight of the adversarial loss L(theta + delta) in the recommender's loss"});
  SamplerInfo info{
      "advir",
      "AdvIR: adversarial sampling as rns-as (a generator's softmax over S1 uniform candidates, "
      "REINFORCE) plus adversarial training of the recommender: each pair's loss is also taken "
      "on its embeddings perturbed by eps along their normalised loss gradient, weighted by "
      "--adv-weight (APR-style; the VAT/SVAT variants are not implemented). Start from a "
      "pretrained model (--init)",
      "Park and Chang, Adversarial Sampling and Training for Semi-Supervised Information "
      "Retrieval, WWW 2019",
      /*srns_memory=*/false, options};
  info.generator = true;
  return info;
}

}  // namespace srns
