// Uniform negatives (Rendle et al., BPR, UAI 2009): j uniform over the items the user has no
// training interaction with. cpu::UniformSampler, gpu::UniformSampler.
#pragma once
#include <stdint.h>

#include "srns/draws.hpp"
#include "srns/hd.hpp"
#include "srns/rng.hpp"
#include "srns/sampler.hpp"

namespace srns {

// Negative of pair k of batch `batch` in epoch t, for a user whose sorted training row is
// row[0..len): rejection from the whole catalogue (sampler-independent stream).
SRNS_HD int32_t uniform_negative(uint64_t seed, int t, int64_t batch, int32_t k, const int32_t* row,
                                 int64_t len, int32_t n_items) {
  PhiloxStream s =
      make_stream(seed, kRngUniformNeg, t, static_cast<uint32_t>(batch), static_cast<uint32_t>(k));
  return draw_non_positive(&s, row, len, n_items);
}

inline SamplerInfo uniform_info() {
  return {"uniform",
          "Uniform: the negative is drawn uniformly from the items the user never interacted "
          "with in training",
          "Rendle et al., BPR: Bayesian Personalized Ranking from Implicit Feedback, UAI 2009",
          /*srns_memory=*/false,
          {}};
}

}  // namespace srns
