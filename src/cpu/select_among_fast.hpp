// Eq. 4's choice (samplers/srns.hpp: select_among) with the arithmetic of all memory entries at
// once: entry k in vector lane k, and per lane exactly select_among's operations in its order
//   x_rec = history_value(h_neg,rec , h_pos,rec)   (1 / (1 + expf(-(h_neg - h_pos))), or raw)
//   mean  = (((0 + x_0) + x_1) + ...) / n          var = (0 + (x_0 - mean)^2 + ...) / n
//   value = sigmoid(r_k - r_pos) + alpha_t * sqrtf(var)
// then the first maximum, scalar. IEEE +, -, *, / and sqrt are correctly rounded in a lane as
// in a scalar (the build does not contract to FMA), so the values are bit for bit
// select_among's; the expf arguments are gathered into arrays first, then exponentiated sixteen
// at a time by expf_many, equal to libm's expf bit for bit (or libm's itself).
#pragma once
#include <cmath>

#include "cpu/expf_lanes.hpp"
#include "cpu/simd16.hpp"
#include "srns/samplers/srns.hpp"

namespace srns::cpu {

inline int select_among_fast(const SrnsView& v, int t, float alpha_t, int n, const float* r,
                             const HistoryRun* runs, HistoryRun pos, float r_pos) {
  using simd::F16;
  constexpr int kBlocks = kMaxMemory / 16;
  const int n_rec = history_records(t, v.window);
  int slot[kMaxWindow];
  float h_pos[kMaxWindow];
  for (int rec = 0; rec < n_rec; ++rec) {
    slot[rec] = history_slot(t - n_rec + rec, v.window);
    h_pos[rec] = v.run_slot(pos, slot[rec]);
  }
  // e[rec] lane k: expf(-(h_neg - h_pos)) of entry k's record rec (or the raw record);
  // ep lane k: expf(-(r_k - r_pos)). Lanes past n are never chosen.
  const int blocks = (n + 15) / 16;
  F16 e[kMaxWindow][kBlocks], ep[kBlocks];
  for (int bl = 0; bl < blocks; ++bl) {
    ep[bl] = F16{};
    for (int rec = 0; rec < n_rec; ++rec) e[rec][bl] = F16{};
  }
  for (int k = 0; k < n; ++k) {
    for (int rec = 0; rec < n_rec; ++rec) {
      const float h = v.run_slot(runs[k], slot[rec]);
      e[rec][k >> 4][k & 15] = v.raw_variance ? h : -(h - h_pos[rec]);
    }
    ep[k >> 4][k & 15] = -(r[k] - r_pos);
  }
  // The exponentials of the arguments gathered above, sixteen lanes at a time (expf_lanes.hpp:
  // libm's expf bit for bit; lanes past n take expf(0) and stay unchosen).
  for (int rec = 0; rec < n_rec && !v.raw_variance; ++rec) {
    float* er = reinterpret_cast<float*>(e[rec]);
    expf_many(er, er, blocks * 16);
  }
  float* epf = reinterpret_cast<float*>(ep);
  expf_many(epf, epf, blocks * 16);
  alignas(64) float value[kMaxMemory];
  const float count = static_cast<float>(n_rec);
  for (int b = 0; b < blocks; ++b) {
    F16 x[kMaxWindow];
    F16 mean = {};
    for (int rec = 0; rec < n_rec; ++rec) {
      x[rec] = v.raw_variance ? e[rec][b] : 1.0f / (1.0f + e[rec][b]);
      mean += x[rec];
    }
    mean /= count;
    F16 var = {};
    for (int rec = 0; rec < n_rec; ++rec) var += (x[rec] - mean) * (x[rec] - mean);
    var /= count;
    F16 sd;
    for (int j = 0; j < 16; ++j) sd[j] = sqrtf(var[j]);
    const F16 val = 1.0f / (1.0f + ep[b]) + alpha_t * sd;
    for (int j = 0; j < 16; ++j) value[b * 16 + j] = val[j];
  }
  int best = 0;
  for (int k = 1; k < n; ++k) {
    if (value[k] > value[best]) best = k;
  }
  return best;
}

}  // namespace srns::cpu
