// MLP scorer: NCF's MLP tower (He et al., Neural Collaborative Filtering, WWW 2017), with the
// SRNS paper's sigmoid activation by default (Section 4.3.3):
//   a_0 = [p_u ; q_i]                                   (2F)
//   a_k = act(W_k a_{k-1} + b_k),  k = 1 .. D           (hidden widths L_1 .. L_D)
//   r(u, i) = h^T a_D + b_out
// act: sigmoid (default), relu or tanh (MlpShape). The user half of layer 1 does not depend on
// the item, so it is the user context: c_u = W_1[:, :F] p_u + b_1 (L_1 floats), and a score
// continues each unit's sum with W_1[:, F:] q_i.
//
// Head layout (H floats): per layer k, W_k [L_k][in_k] row-major (in_1 = 2F, in_k = L_{k-1})
// then b_k [L_k]; then h [L_D], then b_out. Initialisation (model.cpp): W_k and h Glorot uniform
// U(-sqrt(6 / (fan_in + fan_out)), +), biases 0.
//
// Summation order (the contract with the warp forms, kernels/mlp_warp.cuh, which equal these
// sums bit for bit; only the activation's expf / tanhf may differ by an ulp between libm and
// CUDA): every unit's pre-activation starts from its bias and adds w * x over its inputs in
// order (layer 1: the user half, then the item half); r starts from b_out and adds h[o] a_D[o]
// in order; backward sums run over the next layer's units in order.
//
// Gradient row of a pair (u, i, j) with d_pos = dL/dr_pos, d_neg = dL/dr_neg (math.hpp), the
// positive tower P and the negative tower N:
//   delta_D = d h ⊙ act'(a_D);  delta_{k-1} = act'(a_{k-1}) ⊙ W_k^T delta_k    (per tower)
//   dW_k[o][j] = delta^P_k[o] a^P_{k-1}[j] + delta^N_k[o] a^N_{k-1}[j],  db_k = delta^P + delta^N
//   dh = d_pos a^P_D + d_neg a^N_D,  db_out = d_pos + d_neg
//   dL/dp_u = W_1[:, :F]^T (delta^P_1 + delta^N_1) + reg p_u,
//   dL/dq_i = W_1[:, F:]^T delta^P_1 + reg q_i,  dL/dq_j = W_1[:, F:]^T delta^N_1 + reg q_j
// act'(a): sigmoid a (1 - a), tanh 1 - a^2, relu (a > 0). The head is not regularised (NCF's
// MLP default; GMF's beta is not either).
#pragma once
#include <math.h>
#include <stdint.h>

#include "srns/hd.hpp"
#include "srns/math.hpp"
#include "srns/model_view.hpp"

namespace srns {

SRNS_HD float mlp_act(int activation, float x) {
  if (activation == kMlpRelu) return x > 0.0f ? x : 0.0f;
  if (activation == kMlpTanh) return tanhf(x);
  return sigmoid(x);
}

// act'(x) from the activation's output a = act(x).
SRNS_HD float mlp_act_grad(int activation, float a) {
  if (activation == kMlpRelu) return a > 0.0f ? 1.0f : 0.0f;
  if (activation == kMlpTanh) return 1.0f - a * a;
  return a * (1.0f - a);
}

// Floats of the head of an MLP over F-dimensional embeddings.
SRNS_HD int64_t mlp_head_size(const MlpShape& s, int32_t dim) {
  int64_t n = 0;
  int32_t in = 2 * dim;
  for (int k = 0; k < s.depth; ++k) {
    n += static_cast<int64_t>(s.width[k]) * (in + 1);
    in = s.width[k];
  }
  return n + in + 1;
}

struct MlpScorer {
  int32_t dim;
  MlpShape shape;
  const float* head;

  SRNS_HD explicit MlpScorer(const ModelView& m) : dim(m.dim), shape(m.mlp), head(m.head) {}

  SRNS_HD int32_t in_width(int k) const { return k == 0 ? 2 * dim : shape.width[k - 1]; }
  SRNS_HD int32_t out_width() const { return shape.width[shape.depth - 1]; }
  // W_k (0-based layer k) and its bias; the output weights h and b_out.
  SRNS_HD int64_t layer_offset(int k) const {
    int64_t off = 0;
    for (int l = 0; l < k; ++l) off += static_cast<int64_t>(shape.width[l]) * (in_width(l) + 1);
    return off;
  }
  SRNS_HD const float* weights(int k) const { return head + layer_offset(k); }
  SRNS_HD const float* bias(int k) const {
    return weights(k) + static_cast<int64_t>(shape.width[k]) * in_width(k);
  }
  SRNS_HD const float* out_weights() const { return head + layer_offset(shape.depth); }

  // Floats of a user context: the user half of layer 1.
  SRNS_HD int context_size() const { return shape.width[0]; }
  // c_u[o] = b_1[o] + sum_f W_1[o][f] p_u[f].
  SRNS_HD void user_context(const float* p_u, float* ctx) const {
    const float* w = weights(0);
    const float* b = bias(0);
    for (int o = 0; o < shape.width[0]; ++o) {
      float acc = b[o];
      for (int f = 0; f < dim; ++f) {
        const float prod = w[static_cast<int64_t>(o) * 2 * dim + f] * p_u[f];
        acc = acc + prod;
      }
      ctx[o] = acc;
    }
  }
  // The tower's activations a_1 .. a_D of item row q into a[k][.]; returns r.
  SRNS_HD float forward(const float* ctx, const float* q, float (*a)[kMaxMlpWidth]) const {
    const float* w = weights(0);
    for (int o = 0; o < shape.width[0]; ++o) {
      float acc = ctx[o];
      for (int f = 0; f < dim; ++f) {
        const float prod = w[static_cast<int64_t>(o) * 2 * dim + dim + f] * q[f];
        acc = acc + prod;
      }
      a[0][o] = mlp_act(shape.activation, acc);
    }
    for (int k = 1; k < shape.depth; ++k) {
      const float* wk = weights(k);
      const float* bk = bias(k);
      const int in = in_width(k);
      for (int o = 0; o < shape.width[k]; ++o) {
        float acc = bk[o];
        for (int j = 0; j < in; ++j) {
          const float prod = wk[static_cast<int64_t>(o) * in + j] * a[k - 1][j];
          acc = acc + prod;
        }
        a[k][o] = mlp_act(shape.activation, acc);
      }
    }
    const float* h = out_weights();
    const int last = shape.depth - 1;
    float r = h[out_width()];
    for (int o = 0; o < out_width(); ++o) {
      const float prod = h[o] * a[last][o];
      r = r + prod;
    }
    return r;
  }
  SRNS_HD float score(const float* ctx, const float* q) const {
    float a[kMaxMlpDepth][kMaxMlpWidth];
    return forward(ctx, q, a);
  }
  // Not linear in q: AOBPR's factor choice takes the user embedding itself.
  SRNS_HD float factor_weight(const float* p_u, int f) const { return p_u[f]; }

  // Loss with its L2 term and the gradient row of pair (u, i, j) (file comment).
  SRNS_HD float pair_gradient(const float* p, const float* qi, const float* qj, int loss_kind,
                              float reg, float r_pos, float r_neg, float* grad) const {
    float ctx[kMaxMlpWidth];
    float a[2][kMaxMlpDepth][kMaxMlpWidth];
    user_context(p, ctx);
    forward(ctx, qi, a[0]);
    forward(ctx, qj, a[1]);
    return pair_backward(p, qi, qj, a, pair_loss(loss_kind, r_pos, r_neg), reg, grad);
  }
  // pair_gradient with r_pos = score(c_u, q_i) and r_neg = score(c_u, q_j) taken from its own
  // two tower passes (forward's return value is score's, bit for bit): for callers that have
  // not scored the pair, one pass per tower instead of a score() call and the gradient's pass.
  SRNS_HD float pair_gradient_scoring(const float* p, const float* qi, const float* qj,
                                      int loss_kind, float reg, float* grad) const {
    float ctx[kMaxMlpWidth];
    float a[2][kMaxMlpDepth][kMaxMlpWidth];
    user_context(p, ctx);
    const float r_pos = forward(ctx, qi, a[0]);
    const float r_neg = forward(ctx, qj, a[1]);
    return pair_backward(p, qi, qj, a, pair_loss(loss_kind, r_pos, r_neg), reg, grad);
  }
  // The backward pass of pair_gradient from the towers' activations a[0] (positive), a[1]
  // (negative) and the loss's derivatives.
  SRNS_HD float pair_backward(const float* p, const float* qi, const float* qj,
                              const float (*a)[kMaxMlpDepth][kMaxMlpWidth], const LossGrad& lg,
                              float reg, float* grad) const {
    float* g_head = grad + 3 * static_cast<int64_t>(dim);
    const float d[2] = {lg.d_pos, lg.d_neg};
    float delta[2][kMaxMlpWidth];
    const int last = shape.depth - 1;
    const float* h = out_weights();
    float* g_out = g_head + layer_offset(shape.depth);
    for (int o = 0; o < out_width(); ++o) {
      g_out[o] = d[0] * a[0][last][o] + d[1] * a[1][last][o];
      for (int t = 0; t < 2; ++t) {
        delta[t][o] = d[t] * h[o] * mlp_act_grad(shape.activation, a[t][last][o]);
      }
    }
    g_out[out_width()] = d[0] + d[1];
    for (int k = last; k >= 1; --k) {
      const float* wk = weights(k);
      float* g_w = g_head + layer_offset(k);
      float* g_b = g_w + static_cast<int64_t>(shape.width[k]) * in_width(k);
      const int in = in_width(k);
      for (int o = 0; o < shape.width[k]; ++o) {
        for (int j = 0; j < in; ++j) {
          g_w[static_cast<int64_t>(o) * in + j] =
              delta[0][o] * a[0][k - 1][j] + delta[1][o] * a[1][k - 1][j];
        }
        g_b[o] = delta[0][o] + delta[1][o];
      }
      float below[2][kMaxMlpWidth];
      for (int j = 0; j < in; ++j) {
        for (int t = 0; t < 2; ++t) {
          float acc = 0.0f;
          for (int o = 0; o < shape.width[k]; ++o) {
            const float prod = wk[static_cast<int64_t>(o) * in + j] * delta[t][o];
            acc = acc + prod;
          }
          below[t][j] = acc * mlp_act_grad(shape.activation, a[t][k - 1][j]);
        }
      }
      for (int t = 0; t < 2; ++t) {
        for (int j = 0; j < in; ++j) delta[t][j] = below[t][j];
      }
    }
    const float* w1 = weights(0);
    float* g_w1 = g_head;
    float* g_b1 = g_w1 + static_cast<int64_t>(shape.width[0]) * 2 * dim;
    const int64_t in1 = 2 * static_cast<int64_t>(dim);
    for (int o = 0; o < shape.width[0]; ++o) {
      for (int f = 0; f < dim; ++f) {
        g_w1[o * in1 + f] = delta[0][o] * p[f] + delta[1][o] * p[f];
        g_w1[o * in1 + dim + f] = delta[0][o] * qi[f] + delta[1][o] * qj[f];
      }
      g_b1[o] = delta[0][o] + delta[1][o];
    }
    float sq = 0.0f;
    for (int f = 0; f < dim; ++f) {
      float gu = 0.0f, gi = 0.0f, gj = 0.0f;
      for (int o = 0; o < shape.width[0]; ++o) {
        const float both = delta[0][o] + delta[1][o];
        const float pu = w1[o * in1 + f] * both;
        const float pi = w1[o * in1 + dim + f] * delta[0][o];
        const float pj = w1[o * in1 + dim + f] * delta[1][o];
        gu = gu + pu;
        gi = gi + pi;
        gj = gj + pj;
      }
      grad[f] = gu + reg * p[f];
      grad[dim + f] = gi + reg * qi[f];
      grad[2 * dim + f] = gj + reg * qj[f];
      sq += p[f] * p[f] + qi[f] * qi[f] + qj[f] * qj[f];
    }
    return lg.loss + 0.5f * reg * sq;
  }

  // user += d dr/dp_u, item += d dr/dq_i, head += d dr/dhead (a GAN generator's REINFORCE term,
  // scorer.hpp); null rows are skipped. The same backward pass as pair_gradient, for one tower.
  SRNS_HD void add_score_gradient(const float* p, const float* q, float d, float* user, float* item,
                                  float* head_grad) const {
    float ctx[kMaxMlpWidth];
    float a[kMaxMlpDepth][kMaxMlpWidth];
    user_context(p, ctx);
    forward(ctx, q, a);
    const int last = shape.depth - 1;
    const float* h = out_weights();
    float delta[kMaxMlpWidth];
    for (int o = 0; o < out_width(); ++o) {
      delta[o] = d * h[o] * mlp_act_grad(shape.activation, a[last][o]);
    }
    if (head_grad) {
      float* g_out = head_grad + layer_offset(shape.depth);
      for (int o = 0; o < out_width(); ++o) g_out[o] = g_out[o] + d * a[last][o];
      g_out[out_width()] = g_out[out_width()] + d;
    }
    for (int k = last; k >= 1; --k) {
      const float* wk = weights(k);
      const int in = in_width(k);
      if (head_grad) {
        float* g_w = head_grad + layer_offset(k);
        float* g_b = g_w + static_cast<int64_t>(shape.width[k]) * in;
        for (int o = 0; o < shape.width[k]; ++o) {
          for (int j = 0; j < in; ++j) {
            const int64_t x = static_cast<int64_t>(o) * in + j;
            g_w[x] = g_w[x] + delta[o] * a[k - 1][j];
          }
          g_b[o] = g_b[o] + delta[o];
        }
      }
      float below[kMaxMlpWidth];
      for (int j = 0; j < in; ++j) {
        float acc = 0.0f;
        for (int o = 0; o < shape.width[k]; ++o) {
          const float prod = wk[static_cast<int64_t>(o) * in + j] * delta[o];
          acc = acc + prod;
        }
        below[j] = acc * mlp_act_grad(shape.activation, a[k - 1][j]);
      }
      for (int j = 0; j < in; ++j) delta[j] = below[j];
    }
    const float* w1 = weights(0);
    const int64_t in1 = 2 * static_cast<int64_t>(dim);
    if (head_grad) {
      float* g_b1 = head_grad + static_cast<int64_t>(shape.width[0]) * in1;
      for (int o = 0; o < shape.width[0]; ++o) {
        for (int f = 0; f < dim; ++f) {
          head_grad[o * in1 + f] = head_grad[o * in1 + f] + delta[o] * p[f];
          head_grad[o * in1 + dim + f] = head_grad[o * in1 + dim + f] + delta[o] * q[f];
        }
        g_b1[o] = g_b1[o] + delta[o];
      }
    }
    for (int f = 0; f < dim; ++f) {
      float gu = 0.0f, gi = 0.0f;
      for (int o = 0; o < shape.width[0]; ++o) {
        const float pu = w1[o * in1 + f] * delta[o];
        const float pi = w1[o * in1 + dim + f] * delta[o];
        gu = gu + pu;
        gi = gi + pi;
      }
      if (user) user[f] = user[f] + gu;
      if (item) item[f] = item[f] + gi;
    }
  }
};

}  // namespace srns
