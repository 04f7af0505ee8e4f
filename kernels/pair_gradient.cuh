// The shared tail of the SRNS and uniform steps: loss and gradient contributions of a pair
// (u, i, j) with fresh scores r_pos = r(u,i), r_neg = r(u,j), written as
//   grad[0..F)   dL/dp_u      grad[F..2F)  dL/dq_i      grad[2F..3F) dL/dq_j
//   grad[3F..4F) dL/dbeta     loss = L(r_pos, r_neg) + reg/2 (|p_u|^2 + |q_i|^2 + |q_j|^2)
// (math.hpp: pair_loss, pair_grad_elem). The squared norms are summed in element order f =
// 0, 1, ... exactly as cpu::pair_gradient does: the thread form calls the same
// pair_gradient_rows (math.hpp),
// the warp form computes element f's term on lane f % 32 and adds the terms in f order through
// shuffles, so both give the CPU's loss bit for bit (given the same pair_loss).
#pragma once
#include <stdint.h>

#include "cpu/cpu_ops.hpp"
#include "srns/hd.hpp"
#include "srns/math.hpp"

namespace srns::gpu {

// Device outputs of a step (cpu::StepOutput without the vectors): per pair the negative, the
// loss and grad[k * 4F .. (k+1) * 4F).
struct DeviceStepOutput {
  int32_t* negative;
  float* loss;
  float* grad;
};

// cpu::pair_gradient for one thread.
SRNS_HD void pair_gradient_thread(const cpu::ModelView& model, int loss_kind, float reg, int32_t u,
                                  int32_t i, int32_t j, float r_pos, float r_neg, float* grad,
                                  float* loss) {
  const int dim = model.dim;
  pair_gradient_rows(model.user + static_cast<int64_t>(u) * dim,
                     model.item + static_cast<int64_t>(i) * dim,
                     model.item + static_cast<int64_t>(j) * dim, model.beta, dim, loss_kind, reg,
                     r_pos, r_neg, grad, loss);
}

#if defined(__CUDACC__)
// The same by one warp (lanes over f); returns the loss on every lane.
__device__ __forceinline__ float warp_pair_gradient(const cpu::ModelView& model, int loss_kind,
                                                    float reg, int32_t u, int32_t i, int32_t j,
                                                    float r_pos, float r_neg, float* grad,
                                                    int lane) {
  const int dim = model.dim;
  const float* p = model.user + static_cast<int64_t>(u) * dim;
  const float* qi = model.item + static_cast<int64_t>(i) * dim;
  const float* qj = model.item + static_cast<int64_t>(j) * dim;
  const LossGrad lg = pair_loss(loss_kind, r_pos, r_neg);
  float sq = 0.0f;
  for (int base = 0; base < dim; base += kLanes) {
    const int f = base + lane;
    float term = 0.0f;
    if (f < dim) {
      const ElemGrad g = pair_grad_elem(p[f], qi[f], qj[f], model.beta[f], lg.d_pos, lg.d_neg, reg);
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
