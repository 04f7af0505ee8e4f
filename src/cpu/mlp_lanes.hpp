// The MLP tower (mlp_scorer.hpp) for sixteen items at once on the CPU: item j in vector lane j,
// and every lane performs MlpScorer::forward's operations in forward's order,
//   unit o of layer 1   ctx[o] + w[o][F] q[0] + w[o][F+1] q[1] + ...   then act
//   unit o of layer k   b_k[o] + w_k[o][0] a[0] + w_k[o][1] a[1] + ...  then act
//   r                   b_out + h[0] a_D[0] + h[1] a_D[1] + ...
// with each product rounded before its sum (the build does not contract to FMA), so a lane's
// score is sc.score(ctx, q_j) bit for bit. Eight units are summed side by side so that their
// additions overlap; the order within each unit is unchanged. The sigmoid's expf runs sixteen
// lanes at a time (expf_lanes.hpp: libm's expf bit for bit, or libm itself); tanh stays libm's
// tanhf per value.
#pragma once
#include <cmath>
#include <cstdint>

#include "cpu/expf_lanes.hpp"
#include "cpu/simd16.hpp"
#include "srns/mlp_scorer.hpp"

namespace srns::cpu {
namespace mlp_lanes {

using simd::F16;

// out[o] = start[o] + w[o * ld] x[0] + w[o * ld + 1] x[1] + ... + w[o * ld + n - 1] x[n - 1],
// o < units, each sum in that order (eight units' sums interleaved).
inline void layer(const float* w, int64_t ld, const F16* x, int n, const float* start, int units,
                  F16* out) {
  constexpr int kSide = 8;
  int o = 0;
  for (; o + kSide <= units; o += kSide) {
    F16 acc[kSide];
    const float* wo[kSide];
    for (int u = 0; u < kSide; ++u) {
      acc[u] = start[o + u] - F16{};  // a broadcast (x - +0 = x, -0 included)
      wo[u] = w + (o + u) * ld;
    }
    for (int j = 0; j < n; ++j) {
      for (int u = 0; u < kSide; ++u) acc[u] = acc[u] + wo[u][j] * x[j];
    }
    for (int u = 0; u < kSide; ++u) out[o + u] = acc[u];
  }
  for (; o < units; ++o) {
    F16 acc = start[o] - F16{};
    for (int j = 0; j < n; ++j) acc = acc + w[o * ld + j] * x[j];
    out[o] = acc;
  }
}

// a[o] = act(a[o]) for o < units: mlp_act's operations per lane.
inline void activate(int activation, F16* a, int units) {
  if (activation == kMlpRelu) {
    for (int o = 0; o < units; ++o) a[o] = a[o] > 0.0f ? a[o] : F16{};
    return;
  }
  if (activation == kMlpTanh) {
    for (int o = 0; o < units; ++o) {
      for (int j = 0; j < 16; ++j) a[o][j] = tanhf(a[o][j]);
    }
    return;
  }
  // sigmoid(x) = 1 / (1 + expf(-x))
  for (int o = 0; o < units; ++o) a[o] = -a[o];
  float* e = reinterpret_cast<float*>(a);
  expf_many(e, e, units * 16);
  for (int o = 0; o < units; ++o) a[o] = 1.0f / (1.0f + a[o]);
}

}  // namespace mlp_lanes

// out[j] = sc.score(ctx, q[j]) for j < m <= 16.
inline void mlp_score16(const MlpScorer& sc, const float* ctx, const float* const* q, int m,
                        float* out) {
  using mlp_lanes::F16;
  const int dim = sc.dim;
  F16 qt[kMaxDim];  // qt[f] lane j: q[j][f] (lanes past m repeat item 0)
  for (int f = 0; f < dim; ++f) {
    for (int j = 0; j < 16; ++j) qt[f][j] = q[j < m ? j : 0][f];
  }
  F16 a[2][kMaxMlpWidth];
  mlp_lanes::layer(sc.weights(0) + dim, 2 * static_cast<int64_t>(dim), qt, dim, ctx,
                   sc.shape.width[0], a[0]);
  mlp_lanes::activate(sc.shape.activation, a[0], sc.shape.width[0]);
  for (int k = 1; k < sc.shape.depth; ++k) {
    const int in = sc.in_width(k);
    mlp_lanes::layer(sc.weights(k), in, a[(k - 1) & 1], in, sc.bias(k), sc.shape.width[k],
                     a[k & 1]);
    mlp_lanes::activate(sc.shape.activation, a[k & 1], sc.shape.width[k]);
  }
  const float* h = sc.out_weights();
  const F16* last = a[(sc.shape.depth - 1) & 1];
  F16 r = h[sc.out_width()] - F16{};
  for (int o = 0; o < sc.out_width(); ++o) r = r + h[o] * last[o];
  for (int j = 0; j < m; ++j) out[j] = r[j];
}

}  // namespace srns::cpu
