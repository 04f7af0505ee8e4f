// AdvIR's adversarial pair gradient (samplers/advir.hpp: adversarial_pair_gradient) by one warp,
// lanes over F, for the GMF scorer, whose gradient elements are elementwise
// (math.hpp: pair_grad_elem), so every pass recomputes the elements it needs:
//   1. the clean gradient elements (reg 0), lane partials of |g_u|^2, |g_i|^2, |g_j|^2 in
//      dot_lanes order, totalled by the butterfly -> the three norms
//   2. the perturbed rows x + eps g / |g| and lane partials of r'_pos = (p' ⊙ beta) . q_i' and
//      r'_neg -> the perturbed scores, as user_context + score on the CPU
//   3. warp_pair_gradient writes the clean row with its L2 (and returns its loss); each lane then
//      adds weight times the perturbed gradient elements of the elements it wrote
// The same arithmetic in the same order as the CPU's, so the rows agree bit for bit wherever
// expf / log1pf do (the parity tests allow their ulps).
#pragma once
#include <math.h>

#include "lane_math.cuh"
#include "scorer_warp.cuh"
#include "srns/math.hpp"
#include "srns/scorer.hpp"

namespace srns::gpu {

#if defined(__CUDACC__)
// x + eps g / |g| (x where |g| = 0), the CPU's adversarial_row element.
__device__ __forceinline__ float adversarial_elem(float x, float g, float norm, float eps) {
  return norm > 0.0f ? x + eps * (g / norm) : x;
}

__device__ __forceinline__ float warp_adversarial_pair_gradient(
    const GmfScorer& sc, const float* p, const float* qi, const float* qj, int loss_kind, float reg,
    float eps, float weight, float r_pos, float r_neg, float* grad, int lane) {
  const int dim = sc.dim;
  const LossGrad lg = pair_loss(loss_kind, r_pos, r_neg);
  float nu = 0.0f, ni = 0.0f, nj = 0.0f;
  for (int f = lane; f < dim; f += kLanes) {
    const ElemGrad g = pair_grad_elem(p[f], qi[f], qj[f], sc.beta[f], lg.d_pos, lg.d_neg, 0.0f);
    nu = nu + g.user * g.user;
    ni = ni + g.pos * g.pos;
    nj = nj + g.neg * g.neg;
  }
  nu = sqrtf(warp_lane_total(nu));
  ni = sqrtf(warp_lane_total(ni));
  nj = sqrtf(warp_lane_total(nj));
  float s_pos = 0.0f, s_neg = 0.0f;
  for (int f = lane; f < dim; f += kLanes) {
    const ElemGrad g = pair_grad_elem(p[f], qi[f], qj[f], sc.beta[f], lg.d_pos, lg.d_neg, 0.0f);
    const float ctx = adversarial_elem(p[f], g.user, nu, eps) * sc.beta[f];
    const float prod_pos = ctx * adversarial_elem(qi[f], g.pos, ni, eps);
    const float prod_neg = ctx * adversarial_elem(qj[f], g.neg, nj, eps);
    s_pos = s_pos + prod_pos;
    s_neg = s_neg + prod_neg;
  }
  const LossGrad adv = pair_loss(loss_kind, warp_lane_total(s_pos), warp_lane_total(s_neg));
  const float loss = warp_pair_gradient(sc, p, qi, qj, loss_kind, reg, r_pos, r_neg, grad, lane);
  for (int f = lane; f < dim; f += kLanes) {
    const ElemGrad g = pair_grad_elem(p[f], qi[f], qj[f], sc.beta[f], lg.d_pos, lg.d_neg, 0.0f);
    const ElemGrad a = pair_grad_elem(
        adversarial_elem(p[f], g.user, nu, eps), adversarial_elem(qi[f], g.pos, ni, eps),
        adversarial_elem(qj[f], g.neg, nj, eps), sc.beta[f], adv.d_pos, adv.d_neg, 0.0f);
    grad[f] = grad[f] + weight * a.user;
    grad[dim + f] = grad[dim + f] + weight * a.pos;
    grad[2 * dim + f] = grad[2 * dim + f] + weight * a.neg;
    grad[3 * dim + f] = grad[3 * dim + f] + weight * a.beta;
  }
  return loss + weight * adv.loss;
}
#endif

}  // namespace srns::gpu
