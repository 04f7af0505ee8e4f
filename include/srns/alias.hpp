// Walker's alias method (Walker 1977; Vose's construction, 1991): O(1) draws from a fixed
// discrete distribution over [0, n). A draw takes column c uniform in [0, n), then c with
// probability prob[c] and alias[c] otherwise. Built on the host in double, stored as float;
// alias_draw is SRNS_HD, so both backends draw the same column from the same stream.
#pragma once
#include <stdint.h>

#include <stdexcept>
#include <vector>

#include "srns/hd.hpp"
#include "srns/rng.hpp"

namespace srns {

struct AliasTable {
  std::vector<float> prob;     // [n] probability of keeping column c
  std::vector<int32_t> alias;  // [n] the column's other value
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

SRNS_HD int32_t alias_draw(const float* prob, const int32_t* alias, int32_t n, PhiloxStream* s) {
  const int32_t c = static_cast<int32_t>(s->below(static_cast<uint32_t>(n)));
  return s->open01() < prob[c] ? c : alias[c];
}

}  // namespace srns
