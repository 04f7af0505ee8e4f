// ENMF, efficient neural matrix factorization without sampling (Chen et al., TOIS 2020), user
// based (ENMF-U): no negatives are drawn; every unobserved (user, item) pair is a negative of
// weight c0 and the loss of a batch of users is the whole-data weighted squared error of GMF,
// r_ui = a_u · q_i with a_u = h ⊙ p~_u (h = beta, ones for MF; p~_u = p_u with dropout):
//   L = sum_{u in B} [ sum_{i in R_u} (1 - r_ui)^2  +  c0 sum_{i not in R_u} r_ui^2 ]
//     = sum_{u in B} sum_{i in R_u} (1 - 2 r_ui + (1 - c0) r_ui^2)  +  c0 sum_{u in B} sum_{all i}
//     r_ui^2
// and the all-item term is c0 sum_{f,g} S^A_fg S^Q_fg with the F x F Gram matrices
// S^A = sum_{u in B} a_u a_u^T and S^Q = sum_{all i} q_i q_i^T: O((|B| + |I|) F^2) instead of
// O(|B| |I| F). With e_ui = 2 (1 - c0) r_ui - 2:
//   dL/da_u = sum_{i in R_u} e_ui q_i + 2 c0 S^Q a_u
//   dL/dq_i = sum_{u in B, i in R_u} e_ui a_u + 2 c0 S^A q_i        (every item, every batch)
//   dL/dp_u = h ⊙ m_u ⊙ dL/da_u,  dL/dh = sum_{u in B} p~_u ⊙ dL/da_u
// plus the engine's L2, reg/2 (|p_u|^2 per batch user + |q_i|^2 per positive (u, i)), which
// ENMF leaves at 0. Dropout (ENMF's on the batch users' embeddings): m_uf = 1/keep with
// probability keep, else 0 (word f of the user's Philox stream for epoch t, batch b).
// Batches are users: each epoch the users with training items, in a fresh random order
// (Philox keys), --batch-size of them per batch, the last batch kept.
//
// Hyper-parameters: c0 = --enmf-c0 and keep = --enmf-keep default to the ENMF authors' setting
// for the SRNS ML-1M data (0.3, 0.9; their code's defaults are 0.5 and 0.7), and ENMF's own
// optimiser is the default with this unit: Adagrad, lr 0.05, initial accumulator 1e-8, 256
// users per batch, no L2 (SamplerInfo::flag_defaults; each flag still wins when given).
#pragma once
#include <stdint.h>

#include <algorithm>
#include <vector>

#include "srns/hd.hpp"
#include "srns/rng.hpp"
#include "srns/sampler.hpp"

namespace srns {

constexpr uint32_t kRngEnmf = kRngSamplerBase + 6;  // this unit's Philox purpose

// Dropout factor of element f of batch user u (0 or 1 / keep).
SRNS_HD float enmf_mask(uint64_t seed, int t, int64_t batch, int32_t u, int f, float keep) {
  if (keep >= 1.0f) return 1.0f;
  const PhiloxStream s =
      make_stream(seed, kRngEnmf, t, static_cast<uint32_t>(batch), static_cast<uint32_t>(u));
  Philox4 c = s.ctr;
  c.v[0] = static_cast<uint32_t>(f) / 4u;
  const uint32_t word = philox4x32_10(c, s.key0, s.key1).v[f % 4];
  const float u01 = (static_cast<float>(word >> 9) + 0.5f) * (1.0f / 8388608.0f);
  return u01 < keep ? 1.0f / keep : 0.0f;
}

// A positive's part of the loss, 1 - 2r + (1 - c0) r^2, and e = its derivative in r.
struct EnmfPositive {
  float loss, e;
};
SRNS_HD EnmfPositive enmf_positive(float r, float c0) {
  EnmfPositive p;
  p.loss = 1.0f - 2.0f * r + (1.0f - c0) * r * r;
  p.e = 2.0f * (1.0f - c0) * r - 2.0f;
  return p;
}

// The users of epoch t that have training items, in the epoch's random order (sorted by a
// Philox key, ties by id): batch b is order[b B .. (b + 1) B).
inline std::vector<int32_t> enmf_user_order(uint64_t seed, int t,
                                            const std::vector<int64_t>& offsets) {
  std::vector<std::pair<uint32_t, int32_t>> keyed;
  for (int32_t u = 0; u + 1 < static_cast<int32_t>(offsets.size()); ++u) {
    if (offsets[u + 1] == offsets[u]) continue;
    PhiloxStream s = make_stream(seed, kRngEnmf, t, 0xFFFFFFFFu, static_cast<uint32_t>(u));
    keyed.push_back({s.next_u32(), u});
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<int32_t> order;
  for (const auto& k : keyed) order.push_back(k.second);
  return order;
}

inline SamplerInfo enmf_info() {
  SamplerInfo info{
      "enmf",
      "ENMF-U (non-sampling): no negatives; each batch of users is trained on the whole-data "
      "weighted squared loss of GMF, every unobserved pair a negative of weight c0, computed "
      "through F x F Gram matrices in O((|B| + |I|) F^2); its own optimiser defaults (Adagrad, "
      "lr 0.05, 256 users per batch, reg 0) apply unless those flags are given; --loss is not "
      "used",
      "Chen et al., Efficient Neural Matrix Factorization without Sampling for Recommendation, "
      "ACM TOIS 38(2), 2020",
      /*srns_memory=*/false,
      {{"enmf-c0", 0.3, 0.0, 1.0, false,
        "weight c0 of every unobserved pair (the authors' value for the SRNS ML-1M data)"},
       {"enmf-keep", 0.9, 0.01, 1.0, false,
        "dropout keep probability on the batch users' embeddings (1: no dropout)"}}};
  info.row_gradients = true;
  info.linear_scorer_only = true;
  info.flag_defaults = {{"optimizer", "adagrad"},
                        {"lr", "0.05"},
                        {"adagrad-init", "1e-8"},
                        {"batch-size", "256"},
                        {"reg", "0"}};
  return info;
}

}  // namespace srns
