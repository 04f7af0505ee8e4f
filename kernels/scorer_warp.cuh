// Warp forms of the scorer policies (include/srns/scorer.hpp): one warp, lanes over the
// embedding dimension, computes what the policy's thread form computes, bit for bit:
//   warp_user_context   c_u into shared memory (GMF: c_u[f] = p_u[f] * beta[f], one rounding)
//   warp_score(s)       r = score(c_u, q) as warp dots in the canonical lane order (math.hpp)
//   warp_pair_gradient  the pair's gradient row and loss; element f on lane f % 32, the L2
//                       squares added in f order through shuffles, as the sequential loop adds
//   thread_score        one thread's whole score with its lane partials in registers
// A scorer without these forms can still run on the GPU through its policy's own (thread)
// functions; adding them means overloads of these functions for its policy.
#pragma once
#include <stdint.h>

#include "lane_math.cuh"
#include "srns/math.hpp"
#include "srns/scorer.hpp"

namespace srns::gpu {

// r(u, i) by one thread from p_u and q_i (GMF: score_lanes, partials in registers).
SRNS_HD float thread_score(const GmfScorer& sc, const float* p_u, const float* q) {
  return score_lanes(p_u, sc.beta, q, sc.dim);
}

#if defined(__CUDACC__)
__device__ __forceinline__ void warp_user_context(const GmfScorer& sc, const float* p_u, float* ctx,
                                                  int lane) {
  for (int f = lane; f < sc.dim; f += kLanes) ctx[f] = p_u[f] * sc.beta[f];
}

__device__ __forceinline__ float warp_score(const GmfScorer& sc, const float* ctx, const float* q,
                                            int lane) {
  return warp_dot(ctx, q, sc.dim, lane);
}

// kDots scores at once (independent loads in flight); score c summed as warp_score would.
template <int kDots>
__device__ __forceinline__ void warp_scores(const GmfScorer& sc, const float* ctx,
                                            const float* const* rows, int lane, float* out) {
  warp_dots<kDots>(ctx, rows, sc.dim, lane, out);
}

// GmfScorer::pair_gradient by one warp; returns the loss (with its L2 term) on every lane.
__device__ __forceinline__ float warp_pair_gradient(const GmfScorer& sc, const float* p,
                                                    const float* qi, const float* qj, int loss_kind,
                                                    float reg, float r_pos, float r_neg,
                                                    float* grad, int lane) {
  const int dim = sc.dim;
  const LossGrad lg = pair_loss(loss_kind, r_pos, r_neg);
  float sq = 0.0f;
  for (int base = 0; base < dim; base += kLanes) {
    const int f = base + lane;
    float term = 0.0f;
    if (f < dim) {
      const ElemGrad g = pair_grad_elem(p[f], qi[f], qj[f], sc.beta[f], lg.d_pos, lg.d_neg, reg);
      grad[f] = g.user;
      grad[dim + f] = g.pos;
      grad[2 * dim + f] = g.neg;
      grad[3 * dim + f] = g.beta;
      term = p[f] * p[f] + qi[f] * qi[f] + qj[f] * qj[f];
    }
    const int n = dim - base < kLanes ? dim - base : kLanes;
    for (int s = 0; s < n; ++s) sq += __shfl_sync(0xFFFFFFFFu, term, s);
  }
  return lg.loss + 0.5f * reg * sq;
}
#endif

}  // namespace srns::gpu
