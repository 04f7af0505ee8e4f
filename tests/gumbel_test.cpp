// Tests of the Gumbel-top-k draw behind the SRNS memory refresh (paper eq. 3): keys
// gumbel_key(r_k, 1/tau, u_k) with Philox open01() uniforms, the n largest taken by
// top_n_indices, exactly as refresh_memory (sampler.hpp) does. The draw must be sampling
// without replacement from softmax(r / tau):
//   P(first a, then b) = p_a * p_b / (1 - p_a),   p = softmax(r / tau),
// checked by chi-square over ordered pairs (n = 2) and unordered triples (n = 3), with fixed
// seeds so the outcome is deterministic. Also hand cases of top_n_indices.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <vector>

#include "srns/math.hpp"
#include "srns/rng.hpp"
#include "srns/samplers/srns.hpp"

namespace srns {
namespace {

constexpr double kChi2Crit19Dof = 43.82;  // chi-square critical value, 19 dof, p = 0.001
constexpr double kChi2Crit9Dof = 27.88;   // 9 dof, p = 0.001
constexpr int kM = 5;
constexpr int kTrials = 200000;
const double kScores[kM] = {2.0, 1.0, 0.5, 0.0, -1.0};

std::vector<double> softmax(double tau) {
  std::vector<double> p(kM);
  double z = 0.0;
  for (int k = 0; k < kM; ++k) z += p[k] = std::exp(kScores[k] / tau);
  for (double& x : p) x /= z;
  return p;
}

// One Gumbel-top-n draw of trial `trial`, keyed as a refresh keys its candidates.
void gumbel_top_n(float inv_tau, int n, uint64_t seed, uint32_t trial, int32_t* top) {
  PhiloxStream gum = make_stream(seed, kRngGumbel, 0, 0u, trial);
  float key[kM];
  for (int k = 0; k < kM; ++k)
    key[k] = gumbel_key(static_cast<float>(kScores[k]), inv_tau, gum.open01());
  top_n_indices(key, kM, n, top);
}

// Exact probability of drawing the ordered sequence `seq` without replacement from p.
double sequence_probability(const std::vector<double>& p, const std::vector<int>& seq) {
  double prob = 1.0, left = 1.0;
  for (int a : seq) {
    prob *= p[a] / left;
    left -= p[a];
  }
  return prob;
}

double chi_square(const std::vector<int64_t>& counts, const std::vector<double>& probs,
                  int64_t total) {
  double chi2 = 0.0;
  for (size_t c = 0; c < counts.size(); ++c) {
    const double e = probs[c] * static_cast<double>(total);
    chi2 += (counts[c] - e) * (counts[c] - e) / e;
  }
  return chi2;
}

// Counts of the ordered pairs (a, b), a != b, over kTrials draws, in the order a * kM + b.
std::vector<int64_t> ordered_pair_counts(double tau, uint64_t seed) {
  std::vector<int64_t> grid(kM * kM, 0);
  for (int trial = 0; trial < kTrials; ++trial) {
    int32_t top[2];
    gumbel_top_n(static_cast<float>(1.0 / tau), 2, seed, static_cast<uint32_t>(trial), top);
    EXPECT_NE(top[0], top[1]);
    ++grid[top[0] * kM + top[1]];
  }
  std::vector<int64_t> counts;
  for (int a = 0; a < kM; ++a) {
    for (int b = 0; b < kM; ++b) {
      if (a != b) counts.push_back(grid[a * kM + b]);
    }
  }
  return counts;
}

// Their probabilities p_a * p_b / (1 - p_a), in the same order.
std::vector<double> ordered_pair_probs(double tau) {
  const std::vector<double> p = softmax(tau);
  std::vector<double> probs;
  for (int a = 0; a < kM; ++a) {
    for (int b = 0; b < kM; ++b) {
      if (a != b) probs.push_back(p[a] * p[b] / (1.0 - p[a]));
    }
  }
  return probs;
}

TEST(GumbelTopK, GumbelKeyValues) {
  // u = e^-1: -log(-log u) = 0; u = 0.5: -log(log 2) = 0.36651292.
  EXPECT_NEAR(gumbel_key(2.0f, 0.5f, std::exp(-1.0f)), 1.0f, 1e-6);
  EXPECT_NEAR(gumbel_key(-1.0f, 0.1f, 0.5f), -0.1 + 0.36651292, 1e-6);
  // Larger u gives a larger key; the score enters scaled by 1/tau.
  EXPECT_LT(gumbel_key(0.0f, 1.0f, 0.2f), gumbel_key(0.0f, 1.0f, 0.8f));
  EXPECT_NEAR(gumbel_key(3.0f, 0.25f, 0.5f) - gumbel_key(1.0f, 0.25f, 0.5f), 0.5f, 1e-6);
}

// The keys of a refresh stay finite for every Philox word: open01() is documented as the open
// interval (0, 1), and at u = 1 the key -log(-log u) is +inf, which would put that candidate
// into memory whatever its score. Words 0xffffff00..0xffffffff are the top of the range.
TEST(GumbelTopK, KeyFiniteAtExtremeUniforms) {
  PhiloxStream s = make_stream(0, kRngGumbel, 0, 0u, 0u);
  s.used = 0;
  const uint32_t words[4] = {0x00000000u, 0x7fffffffu, 0xffffff00u, 0xffffffffu};
  for (int w = 0; w < 4; ++w) s.buf.v[w] = words[w];
  for (int w = 0; w < 4; ++w) {
    const float key = gumbel_key(-1.0f, 0.1f, s.open01());
    EXPECT_TRUE(std::isfinite(key)) << "word " << std::hex << words[w] << " key " << key;
  }
}

TEST(GumbelTopK, OrderedPairsTau1) {
  const std::vector<int64_t> counts = ordered_pair_counts(1.0, 31);
  ASSERT_EQ(counts.size(), 20u);
  EXPECT_LT(chi_square(counts, ordered_pair_probs(1.0), kTrials), kChi2Crit19Dof);
}

TEST(GumbelTopK, OrderedPairsTau10) {
  const std::vector<int64_t> counts = ordered_pair_counts(10.0, 32);
  EXPECT_LT(chi_square(counts, ordered_pair_probs(10.0), kTrials), kChi2Crit19Dof);
  // The test has power: the tau = 10 counts are far from the tau = 1 distribution, and from a
  // uniform order (every ordered pair 1/20).
  EXPECT_GT(chi_square(counts, ordered_pair_probs(1.0), kTrials), 10 * kChi2Crit19Dof);
  EXPECT_GT(chi_square(counts, std::vector<double>(20, 1.0 / 20.0), kTrials), kChi2Crit19Dof);
}

// n = 3: unordered subsets {a < b < c}; P = sum over the 6 orders of the sequential probability.
void check_triples(double tau, uint64_t seed) {
  std::map<int, int64_t> counts;  // a*25 + b*5 + c, sorted
  for (int trial = 0; trial < kTrials; ++trial) {
    int32_t top[3];
    gumbel_top_n(static_cast<float>(1.0 / tau), 3, seed, static_cast<uint32_t>(trial), top);
    std::sort(top, top + 3);
    ASSERT_TRUE(top[0] < top[1] && top[1] < top[2]);
    ++counts[top[0] * 25 + top[1] * 5 + top[2]];
  }
  const std::vector<double> p = softmax(tau);
  std::vector<int64_t> cells;
  std::vector<double> probs;
  double total_prob = 0.0;
  for (int a = 0; a < kM; ++a) {
    for (int b = a + 1; b < kM; ++b) {
      for (int c = b + 1; c < kM; ++c) {
        std::vector<int> seq = {a, b, c};
        double prob = 0.0;
        do {
          prob += sequence_probability(p, seq);
        } while (std::next_permutation(seq.begin(), seq.end()));
        cells.push_back(counts[a * 25 + b * 5 + c]);
        probs.push_back(prob);
        total_prob += prob;
      }
    }
  }
  ASSERT_EQ(cells.size(), 10u);
  ASSERT_NEAR(total_prob, 1.0, 1e-12);
  EXPECT_LT(chi_square(cells, probs, kTrials), kChi2Crit9Dof) << "tau " << tau;
}

TEST(GumbelTopK, UnorderedTriplesTau1) { check_triples(1.0, 41); }

TEST(GumbelTopK, UnorderedTriplesTau10) { check_triples(10.0, 42); }

TEST(TopNIndices, HandCases) {
  const float keys[] = {0.5f, 3.0f, -1.0f, 2.0f, 3.0f, 0.5f};
  int32_t top[6];
  top_n_indices(keys, 6, 3, top);
  EXPECT_EQ(std::vector<int32_t>(top, top + 3), (std::vector<int32_t>{1, 4, 3}));
  top_n_indices(keys, 6, 1, top);
  EXPECT_EQ(top[0], 1);
  // n = m: a full sort, largest first, equal keys in index order.
  top_n_indices(keys, 6, 6, top);
  EXPECT_EQ(std::vector<int32_t>(top, top + 6), (std::vector<int32_t>{1, 4, 3, 0, 5, 2}));
  // All keys equal: index order.
  const float flat[] = {1.0f, 1.0f, 1.0f, 1.0f};
  top_n_indices(flat, 4, 3, top);
  EXPECT_EQ(std::vector<int32_t>(top, top + 3), (std::vector<int32_t>{0, 1, 2}));
  // Increasing keys: the last ones, reversed.
  const float up[] = {-3.0f, -2.0f, -1.0f, 0.0f, 1.0f};
  top_n_indices(up, 5, 2, top);
  EXPECT_EQ(top[0], 4);
  EXPECT_EQ(top[1], 3);
  // +inf keys win; -inf keys come last.
  const float inf = INFINITY;
  const float extreme[] = {-inf, 0.0f, inf, -inf};
  top_n_indices(extreme, 4, 4, top);
  EXPECT_EQ(std::vector<int32_t>(top, top + 4), (std::vector<int32_t>{2, 1, 0, 3}));
}

TEST(TopNIndices, MatchesStableSortOnRandomKeys) {
  PhiloxStream s = make_stream(5, kRngGumbel, 0, 0u, 0u);
  for (int rep = 0; rep < 200; ++rep) {
    const int m = 1 + static_cast<int>(s.below(kMaxCandidates));
    const int n = 1 + static_cast<int>(s.below(static_cast<uint32_t>(m)));
    std::vector<float> keys(m);
    // Coarse values so that ties occur.
    for (float& k : keys) k = static_cast<float>(s.below(8u));
    std::vector<int32_t> want(m);
    for (int k = 0; k < m; ++k) want[k] = k;
    std::stable_sort(want.begin(), want.end(),
                     [&](int32_t a, int32_t b) { return keys[a] > keys[b]; });
    std::vector<int32_t> got(n);
    top_n_indices(keys.data(), m, n, got.data());
    ASSERT_EQ(got, std::vector<int32_t>(want.begin(), want.begin() + n)) << "m " << m << " n " << n;
  }
}

}  // namespace
}  // namespace srns
