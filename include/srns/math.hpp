// Per-sample math of srns, written once and compiled by both backends (see hd.hpp).
//
// Scores.  GMF r(u,i) = beta^T (p_u ⊙ q_i); MF is GMF with beta = 1.  Both backends first form
// pb = p_u ⊙ beta (one multiply per element) and then reduce pb ⊙ q_i in a fixed order: 32
// lanes, lane l summing elements l, l+32, l+64, ... in turn, then a butterfly over the lanes
// (offsets 16, 8, 4, 2, 1). That is exactly a warp's shuffle reduction with lanes over the
// embedding dimension, so the CPU reference and the CUDA kernels produce bit-identical scores
// (both builds disable multiply-add contraction; see CMakeLists.txt).
//
// SRNS selection (paper eq. 4).  For a positive (u,i) and memory candidate k:
//   P_pos(k) = sigmoid(r_uk - r_ui)                       fresh scores
//   std(k)   = population sd over the recorded epochs s of sigmoid(h_uk[s] - h_ui[s])
//   j        = argmax_k P_pos(k) + alpha_t * std(k)        first maximum wins
//
// Losses, as functions of r_pos = r_ui and r_neg = r_uj, with their partial derivatives:
//   BPR    L = softplus(r_neg - r_pos)      dL/dr_pos = -sigmoid(r_neg - r_pos) = -dL/dr_neg
//   hinge  L = max(0, 1 - r_pos + r_neg)    dL/dr_pos = -1, dL/dr_neg = 1 where L > 0
//   BCE    L = softplus(-r_pos) + softplus(r_neg)
// plus L2 reg/2 * (|p_u|^2 + |q_i|^2 + |q_j|^2) for every pair (rows counted per occurrence,
// as TF's l2_regularizer on the looked-up rows in the official code).
#pragma once
#include <math.h>
#include <stdint.h>

#include "srns/hd.hpp"

namespace srns {

constexpr int kLanes = 32;  // reduction lanes of a score (a CUDA warp)

SRNS_HD float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

// log(1 + e^x) without overflow.
SRNS_HD float softplus(float x) { return x > 0.0f ? x + log1pf(expf(-x)) : log1pf(expf(x)); }

// Butterfly reduction of 32 lane partials, the order of a warp's xor-shuffle reduction.
SRNS_HD float lane_tree_sum(float* lane) {
  for (int off = kLanes / 2; off > 0; off /= 2) {
    for (int l = 0; l < off; ++l) lane[l] = lane[l] + lane[l + off];
  }
  return lane[0];
}

// Dot product a·b of length n in the canonical lane order.
SRNS_HD float dot_lanes(const float* a, const float* b, int n) {
  float lane[kLanes];
  for (int l = 0; l < kLanes; ++l) lane[l] = 0.0f;
  for (int base = 0; base < n; base += kLanes) {
    const int m = n - base < kLanes ? n - base : kLanes;
    for (int l = 0; l < m; ++l) {
      const float prod = a[base + l] * b[base + l];
      lane[l] = lane[l] + prod;
    }
  }
  return lane_tree_sum(lane);
}

// pb = p ⊙ beta, the user-side factor of every GMF score of user u.
SRNS_HD void user_factor(const float* p, const float* beta, float* pb, int n) {
  for (int f = 0; f < n; ++f) pb[f] = p[f] * beta[f];
}

// P_pos(k | u, i) = sigmoid(r_uk - r_ui).
SRNS_HD float p_pos(float r_neg, float r_pos) { return sigmoid(r_neg - r_pos); }

// Population standard deviation of x[0..n): mean first, then mean squared deviation.
SRNS_HD float population_std(const float* x, int n) {
  float mean = 0.0f;
  for (int s = 0; s < n; ++s) mean += x[s];
  mean /= static_cast<float>(n);
  float var = 0.0f;
  for (int s = 0; s < n; ++s) var += (x[s] - mean) * (x[s] - mean);
  return sqrtf(var / static_cast<float>(n));
}

// The quantity whose spread over the recorded epochs drives eq. 4: P_pos from recorded scores
// (default), or the raw recorded score of the candidate (the official synthetic-data code).
SRNS_HD float history_value(float h_neg, float h_pos, bool raw) {
  return raw ? h_neg : p_pos(h_neg, h_pos);
}

enum AlphaSchedule : int { kAlphaIncrease = 0, kAlphaFlat = 1, kAlphaDecrease = 2 };

// alpha_t for the 0-based epoch t: alpha*min(t/T0,1), alpha, or alpha*max(1-t/T0,0).
SRNS_HD float alpha_at(int schedule, float alpha, int t, int t0) {
  const float ratio = t0 > 0 ? static_cast<float>(t) / static_cast<float>(t0) : 1.0f;
  if (schedule == kAlphaFlat) return alpha;
  if (schedule == kAlphaDecrease) return alpha * (1.0f - ratio > 0.0f ? 1.0f - ratio : 0.0f);
  return alpha * (ratio < 1.0f ? ratio : 1.0f);
}

// Selection value of eq. 4.
SRNS_HD float selection_value(float ppos, float sd, float alpha_t) { return ppos + alpha_t * sd; }

// Gumbel-top-k key: the S1 largest keys are a draw without replacement from softmax(r / tau).
SRNS_HD float gumbel_key(float score, float inv_tau, float u01) {
  return score * inv_tau - logf(-logf(u01));
}

enum LossKind : int { kLossBpr = 0, kLossHinge = 1, kLossBce = 2 };

struct LossGrad {
  float loss;   // L(r_pos, r_neg) without the L2 term
  float d_pos;  // dL / dr_pos
  float d_neg;  // dL / dr_neg
};

SRNS_HD LossGrad pair_loss(int kind, float r_pos, float r_neg) {
  LossGrad g;
  if (kind == kLossHinge) {
    const float m = 1.0f - r_pos + r_neg;
    g.loss = m > 0.0f ? m : 0.0f;
    g.d_pos = m > 0.0f ? -1.0f : 0.0f;
    g.d_neg = -g.d_pos;
  } else if (kind == kLossBce) {
    g.loss = softplus(-r_pos) + softplus(r_neg);
    g.d_pos = -sigmoid(-r_pos);
    g.d_neg = sigmoid(r_neg);
  } else {
    const float x = r_neg - r_pos;
    g.loss = softplus(x);
    g.d_neg = sigmoid(x);
    g.d_pos = -g.d_neg;
  }
  return g;
}

// Gradient of one pair's loss + L2 for embedding element f. With w = d_pos*q_i + d_neg*q_j:
//   dL/dp_u = beta ⊙ w + reg*p_u,  dL/dq_i = d_pos*pb + reg*q_i,  dL/dq_j = d_neg*pb + reg*q_j,
//   dL/dbeta = p_u ⊙ w.
struct ElemGrad {
  float user, pos, neg, beta;
};

SRNS_HD ElemGrad pair_grad_elem(float p, float qi, float qj, float beta, float d_pos, float d_neg,
                                float reg) {
  const float w = d_pos * qi + d_neg * qj;
  const float pb = p * beta;
  ElemGrad g;
  g.user = beta * w + reg * p;
  g.pos = d_pos * pb + reg * qi;
  g.neg = d_neg * pb + reg * qj;
  g.beta = p * w;
  return g;
}

// Host-derived optimiser scalars, computed once per step.
struct AdamStep {
  float lr_t;  // lr * sqrt(1 - beta2^t) / (1 - beta1^t)
  float beta1, beta2, eps;
};

// Adam's scalars of step t (1-based): lr_t = lr sqrt(1 - beta2^t) / (1 - beta1^t), in double,
// rounded to float once. The CPU calls it on the host, the CUDA optimiser on the device from
// its step counter (CUDA's double pow is within 2 ulp of the host's, far below float rounding).
SRNS_HD AdamStep adam_step_scalars(float lr, float beta1, float beta2, float eps, int64_t step) {
  const double t = static_cast<double>(step);
  AdamStep s;
  s.lr_t =
      static_cast<float>(static_cast<double>(lr) * sqrt(1.0 - pow(static_cast<double>(beta2), t)) /
                         (1.0 - pow(static_cast<double>(beta1), t)));
  s.beta1 = beta1;
  s.beta2 = beta2;
  s.eps = eps;
  return s;
}

// Adam, TF1 form: m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;  w -= lr_t m / (sqrt(v) + eps).
// The new m and v are used from locals, not read back through the pointers: the compiler cannot
// prove the stores leave `s` alone, so it reloaded m right after storing it, and on the CPU that
// vector reload waited for the store, every 16 elements (with the per-row set-up cpu_ops.hpp's
// adam_row now avoids, the dense pass ran at 2.4-4 times its arithmetic: bench/adam_pass_probe).
// Same operations, same floats.
SRNS_HD void adam_update(float* w, float* m, float* v, float g, const AdamStep& s) {
  const float mt = s.beta1 * *m + (1.0f - s.beta1) * g;
  const float vt = s.beta2 * *v + (1.0f - s.beta2) * (g * g);
  *m = mt;
  *v = vt;
  *w = *w - s.lr_t * mt / (sqrtf(vt) + s.eps);
}

SRNS_HD void sgd_update(float* w, float g, float lr) { *w = *w - lr * g; }

// Adagrad, TF1 form: acc += g^2; w -= lr g / sqrt(acc) (acc starts at --adagrad-init > 0, so a
// zero gradient leaves w and acc exactly as they were: the dense and the lazy step agree).
SRNS_HD void adagrad_update(float* w, float* acc, float g, float lr) {
  const float a = *acc + g * g;  // used from the local, as adam_update does
  *acc = a;
  *w = *w - lr * g / sqrtf(a);
}

}  // namespace srns
