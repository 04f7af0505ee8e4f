// AOBPR, adaptive oversampling (Rendle and Freudenthaler, Improving Pairwise Learning for Item
// Recommendation from Implicit Feedback, WSDM 2014): a negative of user u is drawn near the top
// of u's current ranking without scoring the catalogue, through per-factor item orderings.
//   1. rank r in [0, I) with p(r) ∝ exp(-r / lambda)            (geometric over ranks)
//   2. factor f with p(f | u) ∝ |w_uf| sd_f, w_u the weights of the item factors in u's
//      scores (scorer.hpp factor_weight; GMF: p_u ⊙ beta) and sd_f the population sd of
//      factor f over the items
//   3. j = the item at rank r of the items ordered by q_j[f], descending when w_uf > 0, else
//      ascending (the r-th from the bottom)
//   4. j a training positive of u: redraw r, f and j (the paper's and LibRec's rejection); after
//      kAobprMaxTries rejections a uniform non-positive.
// lambda = --aobpr-lambda x |I|: the mean drawn rank is about lambda, so 0.05 keeps the draws in
// the top ~5% of a factor's ordering (the paper leaves lambda a tuning parameter; relative to
// |I| as LibRec's AoBPR parameterises it).
//
// Orderings and sd_f are refreshed every |I| ln |I| draws (the paper's period, which keeps the
// O(F |I| log |I|) sort at constant amortised cost per draw). A draw is one training pair; the
// period P = max(ceil(|I| ln |I|), B) counts pairs over the whole run, epoch t's batch b
// starting at draw D = t n_epoch + b B (n_epoch the pairs trained per epoch). A batch whose
// draws cross a multiple of P draws with the orderings it started with, then refreshes them from
// the model as it is at the start of that batch (the model the sequential sampler would use at
// the crossing draw: there is no update inside a batch); the batches after it use the new ones.
// This is the paper's schedule up to the rest of the crossing batch (at most B - 1 draws on the
// older orderings). P >= B keeps it to one refresh per batch.
//
// Orderings break ties by the smaller item id (a stable sort by q descending; the GPU places
// item i at rank #{j : q_j > q_i or (q_j == q_i and j < i)}, the same permutation). sd_f is a
// sequential two-pass sum in double, so both backends hold the same orderings and sd bit for
// bit and draw the same negatives.
#pragma once
#include <stdint.h>

#include <cmath>
#include <vector>

#include "srns/alias.hpp"
#include "srns/draws.hpp"
#include "srns/hd.hpp"
#include "srns/rng.hpp"
#include "srns/sampler.hpp"

namespace srns {

constexpr uint32_t kRngAobpr = kRngSamplerBase + 5;  // this sampler's Philox purpose
constexpr int kAobprMaxTries = 256;

// When the orderings are refreshed (file comment).
struct AobprSchedule {
  int64_t period = 1;           // P, in draws
  int64_t pairs_per_epoch = 0;  // n_epoch
  int32_t batch_size = 1;       // B

  SRNS_HD int64_t draws_before(int t, int64_t b) const {
    return static_cast<int64_t>(t) * pairs_per_epoch + b * batch_size;
  }
  // Refreshes done before batch b of epoch t (the orderings it draws with are number this).
  SRNS_HD int64_t refreshes_before(int t, int64_t b) const { return draws_before(t, b) / period; }
  // Whether batch b of epoch t, of `size` pairs, refreshes after its draws.
  SRNS_HD bool refreshes_after(int t, int64_t b, int32_t size) const {
    const int64_t d = draws_before(t, b);
    return (d + size) / period > d / period;
  }
};

inline AobprSchedule aobpr_schedule(int32_t n_items, int64_t pairs_per_epoch, int32_t batch_size) {
  AobprSchedule s;
  const double n = static_cast<double>(n_items);
  const int64_t period = n > 1 ? static_cast<int64_t>(std::ceil(n * std::log(n))) : 1;
  s.period = period > batch_size ? period : batch_size;
  s.pairs_per_epoch = pairs_per_epoch;
  s.batch_size = batch_size;
  return s;
}

// exp(-r / lambda) for r in [0, I), lambda = relative_lambda x I: the rank distribution.
inline std::vector<double> aobpr_rank_weights(int32_t n_items, double relative_lambda) {
  const double lambda = relative_lambda * n_items;
  std::vector<double> w(n_items);
  for (int32_t r = 0; r < n_items; ++r) w[r] = std::exp(-r / lambda);
  return w;
}

// Population sd of column f of the item table [I][dim]: mean, then mean squared deviation, in
// double, items in order.
SRNS_HD float factor_sd(const float* item, int32_t n_items, int dim, int f) {
  double mean = 0.0;
  for (int32_t i = 0; i < n_items; ++i) mean += item[static_cast<int64_t>(i) * dim + f];
  mean /= n_items;
  double var = 0.0;
  for (int32_t i = 0; i < n_items; ++i) {
    const double d = item[static_cast<int64_t>(i) * dim + f] - mean;
    var += d * d;
  }
  return static_cast<float>(sqrt(var / n_items));
}

// Place of item i in factor f's ordering (q descending, then item id ascending).
SRNS_HD int32_t factor_rank(const float* item, int32_t n_items, int dim, int f, int32_t i) {
  const float x = item[static_cast<int64_t>(i) * dim + f];
  int32_t rank = 0;
  for (int32_t j = 0; j < n_items; ++j) {
    const float y = item[static_cast<int64_t>(j) * dim + f];
    rank += (y > x) || (y == x && j < i);
  }
  return rank;
}

// The AOBPR state a draw reads (host or device pointers).
struct AobprView {
  int32_t n_items;
  int dim;
  const int32_t* order;       // [F][I] item at each rank of each factor
  const float* sd;            // [F]
  const float* rank_prob;     // [I] alias table of the rank distribution
  const int32_t* rank_alias;  // [I]
};

// The negative of pair k of batch `batch` in epoch t for user u (embedding p_u, sorted training
// row row[0..len)) under scorer `sc` (its factor_weight).
template <class Scorer>
SRNS_HD int32_t aobpr_negative(uint64_t seed, int t, int64_t batch, int32_t k, const AobprView& v,
                               const Scorer& sc, const float* p_u, const int32_t* row,
                               int64_t len) {
  PhiloxStream s =
      make_stream(seed, kRngAobpr, t, static_cast<uint32_t>(batch), static_cast<uint32_t>(k));
  float total = 0.0f;
  for (int f = 0; f < v.dim; ++f) total += fabsf(sc.factor_weight(p_u, f)) * v.sd[f];
  for (int tries = 0; tries < kAobprMaxTries; ++tries) {
    const int32_t r = alias_draw(v.rank_prob, v.rank_alias, v.n_items, &s);
    int f = v.dim - 1;
    if (total > 0.0f && total < HUGE_VALF) {
      const float x = s.open01() * total;
      float cum = 0.0f;
      for (int g = 0; g < v.dim; ++g) {
        cum += fabsf(sc.factor_weight(p_u, g)) * v.sd[g];
        if (x < cum) {
          f = g;
          break;
        }
      }
    } else {
      f = static_cast<int>(s.below(static_cast<uint32_t>(v.dim)));  // no factor carries weight
    }
    const int32_t rank = sc.factor_weight(p_u, f) > 0.0f ? r : v.n_items - 1 - r;
    const int32_t j = v.order[static_cast<int64_t>(f) * v.n_items + rank];
    if (!sorted_contains(row, len, j)) return j;
  }
  return draw_non_positive(&s, row, len, v.n_items);
}

inline SamplerInfo aobpr_info() {
  return {"aobpr",
          "AOBPR (adaptive oversampling): a rank r drawn with probability proportional to "
          "exp(-r/lambda), a factor f with probability proportional to |p_uf| sd_f (GMF: p_u "
          "times beta), and the negative is the item at rank r of factor f's item ordering "
          "(descending when the user's factor weight is positive, else ascending); positives "
          "are redrawn; the orderings are refreshed every |I| ln |I| draws, at the batch "
          "boundary where the count is crossed",
          "Rendle and Freudenthaler, Improving Pairwise Learning for Item Recommendation from "
          "Implicit Feedback, WSDM 2014",
          /*srns_memory=*/false,
          {{"aobpr-lambda", 0.05, 1e-4, 100, false,
            "lambda of p(r) ~ exp(-r/lambda) as a share of the item count: the mean drawn rank "
            "is about lambda x |I| (small: the very top of each factor's ordering; large: "
            "towards uniform)"}}};
}

}  // namespace srns
