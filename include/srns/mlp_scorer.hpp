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

// One element of a pair's head gradient: the positive tower's delta times its input plus the
// negative tower's, each product rounded before the sum (dW_k[o][j] in the file comment; a
// bias's is dP + dN). The pair's row (pair_gradient) and the CPU's batch sums from the pairs'
// factors (cpu/mlp_head_sums.cpp) both take it from here.
SRNS_HD float mlp_head_term(float dP, float xP, float dN, float xN) { return dP * xP + dN * xN; }

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
    float a[2][kMaxMlpDepth][kMaxMlpWidth];
    float r[2];
    towers(p, qi, qj, a, r);
    return backward(p, qi, qj, a, pair_loss(loss_kind, r_pos, r_neg), reg, grad,
                    HeadRow{this, grad + 3 * static_cast<int64_t>(dim)});
  }

  // ---- The head's gradient as factors (the CPU's batch sums, cpu/mlp_head_sums.cpp) -------
  // Every element of a pair's head row is mlp_head_term of a delta and an input of each tower
  // (file comment), so the row is determined by the towers' inputs and deltas: 3F + 4 (L_1 +
  // ... + L_D) + 2 floats (about 550 for 64,32,16 over F = 32) instead of H (about 6,800).
  // Layers k = 0 .. D, k = D the output (weights h, bias b_out, one unit, delta (d_pos,
  // d_neg)). Record layout:
  //   [p_u | q_i | q_j]                        the inputs of layer 0 (positive: [p_u; q_i],
  //                                            negative: [p_u; q_j])
  //   for k = 1 .. D: [a^P_k | a^N_k]          the inputs of layer k (L_k floats each)
  //   for k = 0 .. D: [delta^P_k | delta^N_k]  the deltas of layer k's units
  SRNS_HD int layer_units(int k) const { return k < shape.depth ? shape.width[k] : 1; }
  SRNS_HD int64_t factor_inputs(int k) const {  // offset of layer k's [x^P | x^N], k >= 1
    int64_t off = 3 * static_cast<int64_t>(dim);
    for (int l = 1; l < k; ++l) off += 2 * static_cast<int64_t>(in_width(l));
    return off;
  }
  SRNS_HD int64_t factor_deltas(int k) const {  // offset of layer k's [delta^P | delta^N]
    int64_t off = factor_inputs(shape.depth + 1);
    for (int l = 0; l < k; ++l) off += 2 * static_cast<int64_t>(layer_units(l));
    return off;
  }
  SRNS_HD int64_t factor_size() const { return factor_deltas(shape.depth + 1); }

  // pair_gradient with the head's part of the row as its factors: grad holds [user F | pos F |
  // neg F] (the same floats as pair_gradient's), factors one record (above).
  SRNS_HD float pair_gradient_factored(const float* p, const float* qi, const float* qj,
                                       int loss_kind, float reg, float r_pos, float r_neg,
                                       float* grad, float* factors) const {
    float a[2][kMaxMlpDepth][kMaxMlpWidth];
    float r[2];
    towers(p, qi, qj, a, r);
    return backward(p, qi, qj, a, pair_loss(loss_kind, r_pos, r_neg), reg, grad,
                    HeadFactors{this, factors});
  }
  // pair_gradient_factored with r_pos = score(c_u, q_i) and r_neg = score(c_u, q_j) taken from
  // its own two tower passes (forward's return value is score's, bit for bit): for callers that
  // have not scored the pair, one pass per tower instead of a score() call and the gradient's.
  SRNS_HD float pair_gradient_scoring_factored(const float* p, const float* qi, const float* qj,
                                               int loss_kind, float reg, float* grad,
                                               float* factors) const {
    float a[2][kMaxMlpDepth][kMaxMlpWidth];
    float r[2];
    towers(p, qi, qj, a, r);
    return backward(p, qi, qj, a, pair_loss(loss_kind, r[0], r[1]), reg, grad,
                    HeadFactors{this, factors});
  }
  // The head row (H floats) of a factor record: pair_gradient's head, bit for bit.
  SRNS_HD void expand_factors(const float* factors, float* g_head) const {
    const HeadRow row{this, g_head};
    row.first_layer(factors + factor_deltas(0), factors + factor_deltas(0) + shape.width[0],
                    factors, factors + dim, factors + 2 * dim);
    for (int k = 1; k <= shape.depth; ++k) {
      const float* x = factors + factor_inputs(k);
      const float* d = factors + factor_deltas(k);
      row.layer(k, d, d + layer_units(k), x, x + in_width(k));
    }
  }

 private:
  // The pair's two tower passes from u's context: activations a[0] (positive), a[1]
  // (negative), and their scores r[0], r[1] (score()'s, bit for bit).
  SRNS_HD void towers(const float* p, const float* qi, const float* qj,
                      float (*a)[kMaxMlpDepth][kMaxMlpWidth], float* r) const {
    float ctx[kMaxMlpWidth];
    user_context(p, ctx);
    r[0] = forward(ctx, qi, a[0]);
    r[1] = forward(ctx, qj, a[1]);
  }

  // Where backward puts the head's gradient: as the row (HeadRow) or as factors (HeadFactors).
  // layer(k, ...) for k = 1 .. D, first_layer for k = 0; dP, dN the towers' deltas of layer k's
  // units, xP, xN their inputs.
  struct HeadRow {
    const MlpScorer* sc;
    float* g_head;
    SRNS_HD void layer(int k, const float* dP, const float* dN, const float* xP,
                       const float* xN) const {
      float* g_w = g_head + sc->layer_offset(k);
      const int in = sc->in_width(k);
      float* g_b = g_w + static_cast<int64_t>(sc->layer_units(k)) * in;
      for (int o = 0; o < sc->layer_units(k); ++o) {
        for (int j = 0; j < in; ++j) {
          g_w[static_cast<int64_t>(o) * in + j] = mlp_head_term(dP[o], xP[j], dN[o], xN[j]);
        }
        g_b[o] = dP[o] + dN[o];
      }
    }
    SRNS_HD void first_layer(const float* dP, const float* dN, const float* p, const float* qi,
                             const float* qj) const {
      const int dim = sc->dim;
      const int64_t in1 = 2 * static_cast<int64_t>(dim);
      float* g_b1 = g_head + static_cast<int64_t>(sc->shape.width[0]) * in1;
      for (int o = 0; o < sc->shape.width[0]; ++o) {
        for (int f = 0; f < dim; ++f) {
          g_head[o * in1 + f] = mlp_head_term(dP[o], p[f], dN[o], p[f]);
          g_head[o * in1 + dim + f] = mlp_head_term(dP[o], qi[f], dN[o], qj[f]);
        }
        g_b1[o] = dP[o] + dN[o];
      }
    }
  };
  struct HeadFactors {
    const MlpScorer* sc;
    float* record;
    SRNS_HD static void copy(const float* from, int n, float* to) {
      for (int x = 0; x < n; ++x) to[x] = from[x];
    }
    SRNS_HD void layer(int k, const float* dP, const float* dN, const float* xP,
                       const float* xN) const {
      const int in = sc->in_width(k), units = sc->layer_units(k);
      copy(xP, in, record + sc->factor_inputs(k));
      copy(xN, in, record + sc->factor_inputs(k) + in);
      copy(dP, units, record + sc->factor_deltas(k));
      copy(dN, units, record + sc->factor_deltas(k) + units);
    }
    SRNS_HD void first_layer(const float* dP, const float* dN, const float* p, const float* qi,
                             const float* qj) const {
      const int dim = sc->dim, units = sc->shape.width[0];
      copy(p, dim, record);
      copy(qi, dim, record + dim);
      copy(qj, dim, record + 2 * dim);
      copy(dP, units, record + sc->factor_deltas(0));
      copy(dN, units, record + sc->factor_deltas(0) + units);
    }
  };

  // The backward pass (file comment): the user and item rows into grad[0, 3F), the head's
  // gradient to `head_out`; returns the loss with its L2 term.
  template <class Head>
  SRNS_HD float backward(const float* p, const float* qi, const float* qj,
                         const float (*a)[kMaxMlpDepth][kMaxMlpWidth], const LossGrad& lg,
                         float reg, float* grad, const Head& head_out) const {
    const float d[2] = {lg.d_pos, lg.d_neg};
    float delta[2][kMaxMlpWidth];
    const int last = shape.depth - 1;
    const float* h = out_weights();
    head_out.layer(shape.depth, &d[0], &d[1], a[0][last], a[1][last]);
    for (int o = 0; o < out_width(); ++o) {
      for (int t = 0; t < 2; ++t) {
        delta[t][o] = d[t] * h[o] * mlp_act_grad(shape.activation, a[t][last][o]);
      }
    }
    for (int k = last; k >= 1; --k) {
      const float* wk = weights(k);
      const int in = in_width(k);
      head_out.layer(k, delta[0], delta[1], a[0][k - 1], a[1][k - 1]);
      // below[t][j] = act'(a_{k-1}[j]) (0 + W_k[0][j] delta[t][0] + W_k[1][j] delta[t][1] + ...):
      // the sum over units in order for every j at once (a weight row per step, in lanes).
      float below[2][kMaxMlpWidth];
      for (int t = 0; t < 2; ++t) {
        for (int j = 0; j < in; ++j) below[t][j] = 0.0f;
      }
      for (int o = 0; o < shape.width[k]; ++o) {
        const float* w_row = wk + static_cast<int64_t>(o) * in;
        for (int t = 0; t < 2; ++t) {
          const float dt = delta[t][o];
          for (int j = 0; j < in; ++j) below[t][j] = below[t][j] + w_row[j] * dt;
        }
      }
      for (int t = 0; t < 2; ++t) {
        for (int j = 0; j < in; ++j) {
          delta[t][j] = below[t][j] * mlp_act_grad(shape.activation, a[t][k - 1][j]);
        }
      }
    }
    const float* w1 = weights(0);
    const int64_t in1 = 2 * static_cast<int64_t>(dim);
    head_out.first_layer(delta[0], delta[1], p, qi, qj);
    // The embeddings' rows: each f's sum over layer 1's units in order, every f at once.
    for (int f = 0; f < 3 * dim; ++f) grad[f] = 0.0f;
    for (int o = 0; o < shape.width[0]; ++o) {
      const float both = delta[0][o] + delta[1][o];
      const float* w_user = w1 + o * in1;
      const float* w_item = w_user + dim;
      for (int f = 0; f < dim; ++f) {
        grad[f] = grad[f] + w_user[f] * both;
        grad[dim + f] = grad[dim + f] + w_item[f] * delta[0][o];
        grad[2 * dim + f] = grad[2 * dim + f] + w_item[f] * delta[1][o];
      }
    }
    float sq = 0.0f;
    for (int f = 0; f < dim; ++f) {
      grad[f] = grad[f] + reg * p[f];
      grad[dim + f] = grad[dim + f] + reg * qi[f];
      grad[2 * dim + f] = grad[2 * dim + f] + reg * qj[f];
      sq += p[f] * p[f] + qi[f] * qi[f] + qj[f] * qj[f];
    }
    return lg.loss + 0.5f * reg * sq;
  }

 public:
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
