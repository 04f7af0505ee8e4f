// Popularity negatives (NNCF's sampler; Chen et al., On Sampling Strategies for Neural
// Network-based Collaborative Filtering, KDD 2017): j drawn with probability proportional to
// pop(j)^e among the items the user has no training interaction with, pop(j) the number of
// training pairs of item j, e = --popularity-exponent (0.75, word2vec's choice). Items
// nobody trained on have probability 0.
//
// An alias table (Walker 1977, Vose 1991) over all items gives O(1) draws: column c uniform in
// [0, I), then c with probability prob[c] and alias[c] otherwise. A draw that hits one of the
// user's positives is redrawn (rejection: exactly the distribution restricted to the
// non-positives); after kPopularityMaxTries rejections, which only happens for users holding
// most of the popularity mass, the draw falls back to a uniform non-positive item.
#pragma once
#include <stdint.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "srns/draws.hpp"
#include "srns/hd.hpp"
#include "srns/rng.hpp"
#include "srns/sampler.hpp"

namespace srns {

constexpr int kPopularityMaxTries = 256;
constexpr uint32_t kRngPopularity = kRngSamplerBase + 0;  // this sampler's Philox purpose

struct AliasTable {
  std::vector<float> prob;     // [I] probability of keeping column c
  std::vector<int32_t> alias;  // [I] the column's other item
};

// Vose's alias method over weights w[0..n) (not all zero), in double, stored as float.
inline AliasTable build_alias_table(const std::vector<double>& w) {
  const int32_t n = static_cast<int32_t>(w.size());
  double total = 0;
  for (double x : w) total += x;
  if (n == 0 || !(total > 0)) throw std::invalid_argument("alias table: no positive weight");
  std::vector<double> scaled(n);
  std::vector<int32_t> small, large;
  for (int32_t c = 0; c < n; ++c) {
    scaled[c] = w[c] * n / total;
    (scaled[c] < 1.0 ? small : large).push_back(c);
  }
  AliasTable t;
  t.prob.assign(n, 1.0f);
  t.alias.resize(n);
  for (int32_t c = 0; c < n; ++c) t.alias[c] = c;
  while (!small.empty() && !large.empty()) {
    const int32_t s = small.back(), l = large.back();
    small.pop_back();
    t.prob[s] = static_cast<float>(scaled[s]);
    t.alias[s] = l;
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  return t;  // columns left in either list keep prob 1 (rounding leftovers)
}

// pop(j)^e per item from the training CSR's columns.
inline std::vector<double> popularity_weights(const std::vector<int32_t>& train_cols,
                                              int32_t n_items, double exponent) {
  std::vector<double> count(n_items, 0.0);
  for (int32_t i : train_cols) count[i] += 1.0;
  for (double& c : count) c = c > 0 ? std::pow(c, exponent) : 0.0;
  return count;
}

SRNS_HD int32_t alias_draw(const float* prob, const int32_t* alias, int32_t n, PhiloxStream* s) {
  const int32_t c = static_cast<int32_t>(s->below(static_cast<uint32_t>(n)));
  return s->open01() < prob[c] ? c : alias[c];
}

// Negative of pair k of batch `batch` in epoch t for a user with sorted training row
// row[0..len).
SRNS_HD int32_t popularity_negative(uint64_t seed, int t, int64_t batch, int32_t k,
                                    const float* prob, const int32_t* alias, const int32_t* row,
                                    int64_t len, int32_t n_items) {
  PhiloxStream s =
      make_stream(seed, kRngPopularity, t, static_cast<uint32_t>(batch), static_cast<uint32_t>(k));
  for (int tries = 0; tries < kPopularityMaxTries; ++tries) {
    const int32_t j = alias_draw(prob, alias, n_items, &s);
    if (!sorted_contains(row, len, j)) return j;
  }
  return draw_non_positive(&s, row, len, n_items);
}

inline SamplerInfo popularity_info() {
  return {
      "popularity",
      "Popularity (NNCF): the negative is drawn with probability proportional to "
      "popularity^e (popularity = training pairs of the item) among the items the user "
      "never interacted with",
      "Chen et al., On Sampling Strategies for Neural Network-based Collaborative Filtering, "
      "KDD 2017",
      /*srns_memory=*/false,
      {{"popularity-exponent", 0.75, 0.0, 4.0, false,
        "exponent e of popularity^e in the popularity sampler (0: uniform over trained items)"}}};
}

}  // namespace srns
