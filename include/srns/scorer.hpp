// The Scorer unit: the scoring function r(u, i) and its gradient, written once as an SRNS_HD
// policy that both backends compile (hd.hpp).
//
// A model is three parameter blocks (ModelView, host or device pointers):
//   user  P [U][F]    item  Q [I][F]    head  [H]  the scorer's own dense parameters
// Every score of user u shares a user context c_u, formed once per user and reused for all
// of u's candidates:  r(u, i) = score(c_u, q_i).
//
// The gradient of one training pair (u, i, j) with fresh scores r_pos = r(u, i),
// r_neg = r(u, j) and loss L(r_pos, r_neg) (math.hpp: pair_loss) is written as one row of
//   grad[0 .. F)        dL/dp_u
//   grad[F .. 2F)       dL/dq_i
//   grad[2F .. 3F)      dL/dq_j
//   grad[3F .. 3F + H)  dL/dhead             (grad_stride = 3F + H floats per pair)
// and the pair's loss includes the L2 term reg/2 (|p_u|^2 + |q_i|^2 + |q_j|^2) on the rows it
// uses (per occurrence, as the official code's l2_regularizer on looked-up rows).
//
// The gradient of one score, scaled by dL/dr (a generator's REINFORCE term, where the loss is
// not a pair loss), is added to the rows given: add_score_gradient(p_u, q_i, d, user, item, head)
// adds d dr/dp_u, d dr/dq_i, d dr/dhead (a null row is skipped).
//
// Scorers:
//   GmfScorer  GMF r = beta^T (p_u ⊙ q_i), head = beta [F], c_u = p_u ⊙ beta (NCF, He et al.
//              WWW'17); MF is the same scorer with beta fixed to ones (head not trained).
//   MlpScorer  NCF's MLP tower over [p_u ; q_i] (mlp_scorer.hpp), c_u = the user half of its
//              first layer.
//
// Adding a scorer: a policy struct with GmfScorer's members (context_size, user_context, score,
// factor_weight, pair_gradient), a ModelKind, a case in with_scorer() and head_size(), and its
// warp forms (kernels/scorer_warp.cuh); the samplers and both batch loops only ever call the
// policy.
#pragma once
#include <stdint.h>

#include "srns/hd.hpp"
#include "srns/math.hpp"
#include "srns/mlp_scorer.hpp"
#include "srns/model_view.hpp"

namespace srns {

// GMF: r(u, i) = beta^T (p_u ⊙ q_i). Scores reduce in the canonical lane order of math.hpp
// (dot_lanes), so the CPU and the CUDA kernels agree bit for bit.
struct GmfScorer {
  int32_t dim;
  const float* beta;

  SRNS_HD explicit GmfScorer(const ModelView& m) : dim(m.dim), beta(m.head) {}

  // Floats of a user context.
  SRNS_HD int context_size() const { return dim; }
  // c_u = p_u ⊙ beta.
  SRNS_HD void user_context(const float* p_u, float* ctx) const {
    user_factor(p_u, beta, ctx, dim);
  }
  // r(u, i) = c_u · q_i.
  SRNS_HD float score(const float* ctx, const float* q) const { return dot_lanes(ctx, q, dim); }
  // Weight of item factor f in u's scores, r(u, i) = sum_f w_f q_i[f] (AOBPR's factor choice):
  // w_f = p_u[f] beta[f], the same float as c_u[f].
  SRNS_HD float factor_weight(const float* p_u, int f) const { return p_u[f] * beta[f]; }

  // Loss with its L2 term and the gradient row of pair (u, i, j) (file comment). With
  // w = d_pos q_i + d_neg q_j:  dL/dp_u = beta ⊙ w + reg p_u,  dL/dq_i = d_pos (p_u ⊙ beta) +
  // reg q_i,  dL/dq_j = d_neg (p_u ⊙ beta) + reg q_j,  dL/dbeta = p_u ⊙ w.
  // The element-wise gradients form one loop (it vectorises); the squared norms are summed in
  // a second, in element order, a chunk of per-element terms at a time.
  // `grad` overlaps no input (restrict: the element loop vectorises without alias checks).
  SRNS_HD float pair_gradient(const float* p, const float* qi, const float* qj, int loss_kind,
                              float reg, float r_pos, float r_neg, float* __restrict__ grad) const {
    const LossGrad lg = pair_loss(loss_kind, r_pos, r_neg);
    for (int f = 0; f < dim; ++f) {
      const ElemGrad g = pair_grad_elem(p[f], qi[f], qj[f], beta[f], lg.d_pos, lg.d_neg, reg);
      grad[f] = g.user;
      grad[dim + f] = g.pos;
      grad[2 * dim + f] = g.neg;
      grad[3 * dim + f] = g.beta;
    }
    float sq = 0.0f;
    for (int base = 0; base < dim; base += kLanes) {
      const int n = dim - base < kLanes ? dim - base : kLanes;
      float term[kLanes];
      for (int l = 0; l < n; ++l) {
        const int f = base + l;
        term[l] = p[f] * p[f] + qi[f] * qi[f] + qj[f] * qj[f];
      }
      for (int l = 0; l < n; ++l) sq += term[l];
    }
    return lg.loss + 0.5f * reg * sq;
  }

  // user += d (beta ⊙ q), item += d (p ⊙ beta), head += d (p ⊙ q); null rows are skipped.
  SRNS_HD void add_score_gradient(const float* p, const float* q, float d, float* user, float* item,
                                  float* head) const {
    if (user) {
      for (int f = 0; f < dim; ++f) user[f] = user[f] + d * (beta[f] * q[f]);
    }
    if (item) {
      for (int f = 0; f < dim; ++f) item[f] = item[f] + d * (p[f] * beta[f]);
    }
    if (head) {
      for (int f = 0; f < dim; ++f) head[f] = head[f] + d * (p[f] * q[f]);
    }
  }
};

// Size H of a scorer's head.
inline int32_t head_size(ModelKind kind, int32_t dim, const MlpShape& mlp = {}) {
  switch (kind) {
    case ModelKind::kGmf:
    case ModelKind::kMf:
      return dim;
    case ModelKind::kMlp:
      return static_cast<int32_t>(mlp_head_size(mlp, dim));
  }
  return 0;
}

// Whether the optimiser trains the head (MF keeps beta = 1).
inline bool head_trained(ModelKind kind) { return kind != ModelKind::kMf; }

// Calls f(scorer) with the policy of m.kind over the parameters in `m`; the one place where
// the engine branches on the scorer.
template <class F>
decltype(auto) with_scorer(const ModelView& m, F&& f) {
  if (m.kind == ModelKind::kMlp) return f(MlpScorer(m));
  return f(GmfScorer(m));
}

// Floats of a user context of `kind` at dimension `dim` (scratch sizes, before a model exists).
inline int32_t context_size(ModelKind kind, int32_t dim, const MlpShape& mlp = {}) {
  const ModelView none{kind, dim, nullptr, nullptr, nullptr, head_size(kind, dim, mlp), mlp};
  return with_scorer(none, [](const auto& sc) { return sc.context_size(); });
}

}  // namespace srns
