// DNS, dynamic negative sampling (Zhang et al., Optimizing Top-N Collaborative Filtering via
// Dynamic Negative Item Sampling, SIGIR 2013): for a positive (u, i), draw k candidates
// uniformly (with replacement) from the items u has no training interaction with, score them
// with the model as it is at the start of the batch, and train on the highest scored one
// (k = --dns-candidates; the first maximum wins ties). With k = 1 it is the uniform sampler's
// distribution; as k grows the negative concentrates on the user's top-scored non-positives:
// an item whose score ranks m-th among N non-positives is chosen with probability
// ((N - m + 1)^k - (N - m)^k) / N^k.
//
// Candidate c of pair k of batch b in epoch t is the (c+1)-th draw_non_positive of the pair's
// own Philox stream (purpose kRngDns), and scores are the scorer's canonical sums, so the CPU
// (cpu::DnsSampler) and the GPU (gpu::DnsSampler, warp dots) pick the same negative.
#pragma once
#include <stdint.h>

#include "srns/draws.hpp"
#include "srns/hd.hpp"
#include "srns/rng.hpp"
#include "srns/sampler.hpp"

namespace srns {

constexpr uint32_t kRngDns = kRngSamplerBase + 4;  // this sampler's Philox purpose

// The stream of pair k of batch `batch` in epoch t: its draws are the candidates in order.
SRNS_HD PhiloxStream dns_stream(uint64_t seed, int t, int64_t batch, int32_t k) {
  return make_stream(seed, kRngDns, t, static_cast<uint32_t>(batch), static_cast<uint32_t>(k));
}

// Whether candidate c with score r takes the lead from `best`: the first strict maximum (a NaN
// never leads unless it is candidate 0, and then nothing beats it).
SRNS_HD bool dns_leads(float r, int c, float best) { return c == 0 || r > best; }

// The DNS negative of pair k for a user with sorted training row row[0..len), user context
// `ctx` under scorer `sc` (scorer.hpp) and item table `item_table` [I][dim].
template <class Scorer>
SRNS_HD int32_t dns_negative(uint64_t seed, int t, int64_t batch, int32_t k, const int32_t* row,
                             int64_t len, int32_t n_items, int n_candidates, const Scorer& sc,
                             const float* ctx, const float* item_table, int dim) {
  PhiloxStream s = dns_stream(seed, t, batch, k);
  int32_t best = -1;
  float best_score = 0.0f;
  for (int c = 0; c < n_candidates; ++c) {
    const int32_t j = draw_non_positive(&s, row, len, n_items);
    const float r = sc.score(ctx, item_table + static_cast<int64_t>(j) * dim);
    if (dns_leads(r, c, best_score)) {
      best = j;
      best_score = r;
    }
  }
  return best;
}

inline SamplerInfo dns_info() {
  return {"dns",
          "DNS (dynamic negative sampling): k candidates drawn uniformly from the items the user "
          "never interacted with are scored by the current model, and the highest scored is the "
          "negative (k = --dns-candidates)",
          "Zhang et al., Optimizing Top-N Collaborative Filtering via Dynamic Negative Item "
          "Sampling, SIGIR 2013",
          /*srns_memory=*/false,
          {{"dns-candidates", 8, 1, 1024, true,
            "candidates scored per positive; the highest scored is the negative (8: SRNS's "
            "memory size S1)"}}};
}

}  // namespace srns
