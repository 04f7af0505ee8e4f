// Warp forms of the MLP scorer (include/srns/mlp_scorer.hpp): one warp runs a pair's towers with
// units over lanes and the activations in registers, no shared memory beyond the user context
// and no launch per layer. Unit o of a layer lives on lane o % 32 in register slot o / 32
// (kSlots slots: widths up to kMaxMlpWidth); a layer reads its inputs by shuffling them from
// their lanes one at a time, in input order, so every unit's sum is the thread form's sum, term
// for term (bit for bit, contraction off; the activations' expf / tanhf are CUDA's).
//   warp_user_context   c_u[o] = b_1[o] + sum_f W_1[o][f] p[f], lane-owned units, into ctx
//   warp_score(s)       the tower from c_u (ctx) and q, r = b_out + sum_o h[o] a_D[o]
//   warp_pair_gradient  both towers forward, then backward: deltas lane-owned, every head
//                       gradient element written by the lane owning its output unit
// Loops over slots, layers and lanes' inputs are unrolled over their compile-time bounds with
// guards, so the register arrays are never indexed at run time (no local memory). The tower and
// the pair gradient are __noinline__: unrolled, they are large, and every kernel that scores
// (several candidates per pair in DNS and SRNS) would otherwise hold copies of them.
#pragma once
#include <stdint.h>

#include "lane_math.cuh"
#include "srns/mlp_scorer.hpp"

namespace srns::gpu {

#if defined(__CUDACC__)
constexpr int kMlpSlots = kMaxMlpWidth / kLanes;
static_assert(kMaxMlpWidth % kLanes == 0, "MLP widths are held in whole lane slots");

// Register activations of one tower: unit s * 32 + lane of every hidden layer (0 past a width).
struct MlpTower {
  float a[kMaxMlpDepth][kMlpSlots];
};

// y[s] (unit s * 32 + lane of a layer of `width` units over `in` inputs, starting from start[s])
// += sum_j W[o][j] x_j, x_j on lane j % 32 in slot j / 32 of `x`.
__device__ __forceinline__ void mlp_accumulate(const float* w, int in, int width, const float* x,
                                               int lane, float* y) {
#pragma unroll
  for (int sj = 0; sj < kMlpSlots; ++sj) {
    for (int t = 0; t < kLanes; ++t) {
      const int j = sj * kLanes + t;
      if (j >= in) break;  // uniform across the warp
      const float xj = __shfl_sync(0xFFFFFFFFu, x[sj], t);
#pragma unroll
      for (int s = 0; s < kMlpSlots; ++s) {
        const int o = s * kLanes + lane;
        if (o < width) {
          const float prod = w[static_cast<int64_t>(o) * in + j] * xj;
          y[s] = y[s] + prod;
        }
      }
    }
  }
}

// The tower of item row q from the lane-owned user halves u[s] = c_u[s * 32 + lane].
__device__ __forceinline__ void mlp_tower(const MlpScorer& sc, const float* u, const float* q,
                                          int lane, MlpTower* t) {
  const int w0 = sc.shape.width[0];
  const float* w1 = sc.weights(0);
#pragma unroll
  for (int s = 0; s < kMlpSlots; ++s) {
    const int o = s * kLanes + lane;
    float acc = 0.0f;
    if (o < w0) {
      acc = u[s];
      for (int f = 0; f < sc.dim; ++f) {
        const float prod = w1[static_cast<int64_t>(o) * 2 * sc.dim + sc.dim + f] * q[f];
        acc = acc + prod;
      }
      acc = mlp_act(sc.shape.activation, acc);
    }
    t->a[0][s] = acc;
  }
#pragma unroll
  for (int k = 1; k < kMaxMlpDepth; ++k) {
    if (k >= sc.shape.depth) break;
    const int width = sc.shape.width[k];
    const float* bk = sc.bias(k);
    float y[kMlpSlots];
#pragma unroll
    for (int s = 0; s < kMlpSlots; ++s) {
      const int o = s * kLanes + lane;
      y[s] = o < width ? bk[o] : 0.0f;
    }
    mlp_accumulate(sc.weights(k), sc.in_width(k), width, t->a[k - 1], lane, y);
#pragma unroll
    for (int s = 0; s < kMlpSlots; ++s) {
      const int o = s * kLanes + lane;
      t->a[k][s] = o < width ? mlp_act(sc.shape.activation, y[s]) : 0.0f;
    }
  }
}

// The last hidden layer's lane-owned activations.
__device__ __forceinline__ void mlp_last(const MlpScorer& sc, const MlpTower& t, float* last) {
#pragma unroll
  for (int k = 0; k < kMaxMlpDepth; ++k) {
    if (k == sc.shape.depth - 1) {
#pragma unroll
      for (int s = 0; s < kMlpSlots; ++s) last[s] = t.a[k][s];
    }
  }
}

// r = b_out + sum_o h[o] a_D[o], on every lane.
__device__ __forceinline__ float mlp_output(const MlpScorer& sc, const MlpTower& t) {
  float last[kMlpSlots];
  mlp_last(sc, t, last);
  const float* h = sc.out_weights();
  const int width = sc.out_width();
  float r = h[width];
#pragma unroll
  for (int so = 0; so < kMlpSlots; ++so) {
    for (int l = 0; l < kLanes; ++l) {
      const int o = so * kLanes + l;
      if (o >= width) break;
      const float prod = h[o] * __shfl_sync(0xFFFFFFFFu, last[so], l);
      r = r + prod;
    }
  }
  return r;
}

// The user half of layer 1 for the lane-owned units, in registers.
__device__ __forceinline__ void mlp_user_half(const MlpScorer& sc, const float* p_u, int lane,
                                              float* u) {
  const float* w1 = sc.weights(0);
  const float* b1 = sc.bias(0);
#pragma unroll
  for (int s = 0; s < kMlpSlots; ++s) {
    const int o = s * kLanes + lane;
    float acc = 0.0f;
    if (o < sc.shape.width[0]) {
      acc = b1[o];
      for (int f = 0; f < sc.dim; ++f) {
        const float prod = w1[static_cast<int64_t>(o) * 2 * sc.dim + f] * p_u[f];
        acc = acc + prod;
      }
    }
    u[s] = acc;
  }
}

__device__ __forceinline__ void warp_user_context(const MlpScorer& sc, const float* p_u, float* ctx,
                                                  int lane) {
  float u[kMlpSlots];
  mlp_user_half(sc, p_u, lane, u);
#pragma unroll
  for (int s = 0; s < kMlpSlots; ++s) {
    const int o = s * kLanes + lane;
    if (o < sc.shape.width[0]) ctx[o] = u[s];
  }
}

inline __device__ __noinline__ float warp_score(const MlpScorer& sc, const float* ctx,
                                                const float* q, int lane) {
  float u[kMlpSlots];
#pragma unroll
  for (int s = 0; s < kMlpSlots; ++s) {
    const int o = s * kLanes + lane;
    u[s] = o < sc.shape.width[0] ? ctx[o] : 0.0f;
  }
  MlpTower t;
  mlp_tower(sc, u, q, lane, &t);
  return mlp_output(sc, t);
}

template <int kDots>
__device__ __forceinline__ void warp_scores(const MlpScorer& sc, const float* ctx,
                                            const float* const* rows, int lane, float* out) {
#pragma unroll
  for (int c = 0; c < kDots; ++c) out[c] = warp_score(sc, ctx, rows[c], lane);  // one call each
}

// MlpScorer::pair_gradient by one warp; returns the loss (with its L2 term) on every lane.
inline __device__ __noinline__ float warp_pair_gradient(const MlpScorer& sc, const float* p,
                                                        const float* qi, const float* qj,
                                                        int loss_kind, float reg, float r_pos,
                                                        float r_neg, float* grad, int lane) {
  const LossGrad lg = pair_loss(loss_kind, r_pos, r_neg);
  const int dim = sc.dim, depth = sc.shape.depth, act = sc.shape.activation;
  float u[kMlpSlots];
  mlp_user_half(sc, p, lane, u);
  MlpTower tp, tn;
  mlp_tower(sc, u, qi, lane, &tp);
  mlp_tower(sc, u, qj, lane, &tn);
  float* g_head = grad + 3 * static_cast<int64_t>(dim);
  // Output layer.
  float dp[kMlpSlots], dn[kMlpSlots], last_p[kMlpSlots], last_n[kMlpSlots];
  mlp_last(sc, tp, last_p);
  mlp_last(sc, tn, last_n);
  const float* h = sc.out_weights();
  float* g_out = g_head + sc.layer_offset(depth);
  const int width_out = sc.out_width();
#pragma unroll
  for (int s = 0; s < kMlpSlots; ++s) {
    const int o = s * kLanes + lane;
    dp[s] = dn[s] = 0.0f;
    if (o < width_out) {
      g_out[o] = lg.d_pos * last_p[s] + lg.d_neg * last_n[s];
      dp[s] = lg.d_pos * h[o] * mlp_act_grad(act, last_p[s]);
      dn[s] = lg.d_neg * h[o] * mlp_act_grad(act, last_n[s]);
    }
  }
  if (lane == 0) g_out[width_out] = lg.d_pos + lg.d_neg;
    // Hidden layers, last to first: weight and bias gradients of layer k, then the deltas below.
#pragma unroll
  for (int k = kMaxMlpDepth - 1; k >= 0; --k) {
    if (k >= depth) continue;
    const int in = sc.in_width(k), width = sc.shape.width[k];
    const float* wk = sc.weights(k);
    float* g_w = g_head + sc.layer_offset(k);
    float* g_b = g_w + static_cast<int64_t>(width) * in;
    const int kp = k > 0 ? k - 1 : 0;
    if (k == 0) {  // inputs [p ; q], read from memory
      for (int j = 0; j < in; ++j) {
        const float xp = j < dim ? p[j] : qi[j - dim];
        const float xn = j < dim ? p[j] : qj[j - dim];
#pragma unroll
        for (int s = 0; s < kMlpSlots; ++s) {
          const int o = s * kLanes + lane;
          if (o < width) g_w[static_cast<int64_t>(o) * in + j] = dp[s] * xp + dn[s] * xn;
        }
      }
    } else {  // inputs a_{k-1}, shuffled from their lanes
#pragma unroll
      for (int sj = 0; sj < kMlpSlots; ++sj) {
        for (int t = 0; t < kLanes; ++t) {
          const int j = sj * kLanes + t;
          if (j >= in) break;
          const float xp = __shfl_sync(0xFFFFFFFFu, tp.a[kp][sj], t);
          const float xn = __shfl_sync(0xFFFFFFFFu, tn.a[kp][sj], t);
#pragma unroll
          for (int s = 0; s < kMlpSlots; ++s) {
            const int o = s * kLanes + lane;
            if (o < width) g_w[static_cast<int64_t>(o) * in + j] = dp[s] * xp + dn[s] * xn;
          }
        }
      }
    }
#pragma unroll
    for (int s = 0; s < kMlpSlots; ++s) {
      const int o = s * kLanes + lane;
      if (o < width) g_b[o] = dp[s] + dn[s];
    }
    if (k == 0) break;
    // delta_{k-1}[j] = act'(a_{k-1}[j]) sum_o W_k[o][j] delta_k[o], lane-owned j.
    float bp[kMlpSlots], bn[kMlpSlots];
#pragma unroll
    for (int s = 0; s < kMlpSlots; ++s) bp[s] = bn[s] = 0.0f;
#pragma unroll
    for (int so = 0; so < kMlpSlots; ++so) {
      for (int l = 0; l < kLanes; ++l) {
        const int o = so * kLanes + l;
        if (o >= width) break;
        const float delta_p = __shfl_sync(0xFFFFFFFFu, dp[so], l);
        const float delta_n = __shfl_sync(0xFFFFFFFFu, dn[so], l);
#pragma unroll
        for (int s = 0; s < kMlpSlots; ++s) {
          const int j = s * kLanes + lane;
          if (j < in) {
            const float w = wk[static_cast<int64_t>(o) * in + j];
            const float prod_p = w * delta_p;
            const float prod_n = w * delta_n;
            bp[s] = bp[s] + prod_p;
            bn[s] = bn[s] + prod_n;
          }
        }
      }
    }
#pragma unroll
    for (int s = 0; s < kMlpSlots; ++s) {
      dp[s] = bp[s] * mlp_act_grad(act, tp.a[kp][s]);
      dn[s] = bn[s] * mlp_act_grad(act, tn.a[kp][s]);
    }
  }
  // Embedding rows: lane-owned f, sums over layer 1's units in order; the L2 squares in f order.
  const float* w1 = sc.weights(0);
  const int64_t in1 = 2 * static_cast<int64_t>(dim);
  const int w0 = sc.shape.width[0];
  float sq = 0.0f;
  for (int base = 0; base < dim; base += kLanes) {
    const int f = base + lane;
    float gu = 0.0f, gi = 0.0f, gj = 0.0f;
#pragma unroll
    for (int so = 0; so < kMlpSlots; ++so) {
      for (int l = 0; l < kLanes; ++l) {
        const int o = so * kLanes + l;
        if (o >= w0) break;
        const float delta_p = __shfl_sync(0xFFFFFFFFu, dp[so], l);
        const float delta_n = __shfl_sync(0xFFFFFFFFu, dn[so], l);
        if (f < dim) {
          const float both = delta_p + delta_n;
          const float pu = w1[o * in1 + f] * both;
          const float pi = w1[o * in1 + dim + f] * delta_p;
          const float pj = w1[o * in1 + dim + f] * delta_n;
          gu = gu + pu;
          gi = gi + pi;
          gj = gj + pj;
        }
      }
    }
    float term = 0.0f;
    if (f < dim) {
      grad[f] = gu + reg * p[f];
      grad[dim + f] = gi + reg * qi[f];
      grad[2 * dim + f] = gj + reg * qj[f];
      term = p[f] * p[f] + qi[f] * qi[f] + qj[f] * qj[f];
    }
    const int n = dim - base < kLanes ? dim - base : kLanes;
    for (int s = 0; s < n; ++s) sq += __shfl_sync(0xFFFFFFFFu, term, s);
  }
  return lg.loss + 0.5f * reg * sq;
}
#endif

// Local memory of one thread's MLP thread form (its context and a tower's activations), which
// CUDA reserves for every resident thread while such a kernel runs (the footprint counts it).
constexpr int64_t kMlpThreadFormBytes = 4 * kMaxMlpWidth * (1 + kMaxMlpDepth);

// r(u, i) by one thread: the policy's thread form (context and activations on its stack).
SRNS_HD float thread_score(const MlpScorer& sc, const float* p_u, const float* q) {
  float ctx[kMaxMlpWidth];
  sc.user_context(p_u, ctx);
  return sc.score(ctx, q);
}

}  // namespace srns::gpu
