// The popularity sampler (NNCF; include/srns/samplers/popularity.hpp): the alias table holds
// the intended distribution exactly (up to float rounding), and popularity_negative draws
// from pop^e restricted to the user's non-positives, checked by chi-square with fixed seeds;
// the CPU unit trains through the registry.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "cpu/sampler.hpp"
#include "srns/samplers/popularity.hpp"
#include "srns/synthetic.hpp"
#include "srns/trainer.hpp"

namespace srns {
namespace {

// The probability of column c under Walker's scheme: kept with prob[c], and reached as the
// alias of every column c' with alias[c'] = c with 1 - prob[c'], each column 1/n.
std::vector<double> implied_distribution(const AliasTable& t) {
  const size_t n = t.prob.size();
  std::vector<double> p(n, 0.0);
  for (size_t c = 0; c < n; ++c) {
    p[c] += t.prob[c] / n;
    p[t.alias[c]] += (1.0 - t.prob[c]) / n;
  }
  return p;
}

TEST(AliasTable, HoldsTheWeightsDistribution) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    PhiloxStream s = make_stream(seed, kRngGenerator, 0, 0, 0);
    std::vector<double> w(257);
    for (size_t c = 0; c < w.size(); ++c) w[c] = c % 7 == 0 ? 0.0 : std::pow(s.open01(), 3.0);
    const AliasTable t = build_alias_table(w);
    double total = 0;
    for (double x : w) total += x;
    const std::vector<double> p = implied_distribution(t);
    for (size_t c = 0; c < w.size(); ++c) {
      EXPECT_NEAR(p[c], w[c] / total, 1e-6) << "column " << c;  // float storage of prob
      if (w[c] == 0.0) {
        EXPECT_EQ(p[c], 0.0) << "a zero weight is never drawn";
      }
    }
  }
  EXPECT_THROW(build_alias_table({0.0, 0.0}), std::invalid_argument);
}

TEST(PopularityWeights, CountToThePowerE) {
  const std::vector<double> w = popularity_weights({0, 2, 2, 2, 3, 3, 3, 3}, 5, 0.75);
  EXPECT_DOUBLE_EQ(w[0], 1.0);
  EXPECT_DOUBLE_EQ(w[1], 0.0);
  EXPECT_DOUBLE_EQ(w[2], std::pow(3.0, 0.75));
  EXPECT_DOUBLE_EQ(w[3], std::pow(4.0, 0.75));
  EXPECT_DOUBLE_EQ(w[4], 0.0);
}

// Chi-square of 200k draws for a user with positives {1, 4, 7}: the expected counts are
// pop^e over the other items, renormalised.
TEST(PopularityNegative, DrawsPopToTheEOverNonPositives) {
  constexpr int32_t kItems = 12;
  std::vector<double> w(kItems);
  for (int32_t i = 0; i < kItems; ++i) w[i] = std::pow(1.0 + (i * 7) % kItems, 0.75);
  const AliasTable t = build_alias_table(w);
  const std::vector<int32_t> positives = {1, 4, 7};
  std::vector<double> expect(kItems, 0.0);
  double mass = 0;
  for (int32_t i = 0; i < kItems; ++i) {
    const bool positive = i == 1 || i == 4 || i == 7;
    if (!positive) mass += w[i];
  }
  for (int32_t i = 0; i < kItems; ++i) {
    if (i != 1 && i != 4 && i != 7) expect[i] = w[i] / mass;
  }
  constexpr int kDraws = 200000;
  std::vector<int64_t> count(kItems, 0);
  for (int d = 0; d < kDraws; ++d) {
    const int32_t j = popularity_negative(5, d / 1000, d % 7, d, t.prob.data(), t.alias.data(),
                                          positives.data(), 3, kItems);
    ASSERT_TRUE(j >= 0 && j < kItems);
    ++count[j];
  }
  double chi2 = 0;
  for (int32_t i = 0; i < kItems; ++i) {
    if (expect[i] == 0.0) {
      EXPECT_EQ(count[i], 0) << "positive " << i << " drawn";
      continue;
    }
    const double e = expect[i] * kDraws;
    chi2 += (count[i] - e) * (count[i] - e) / e;
  }
  constexpr double kChi2Crit8Dof = 26.12;  // chi-square critical value, 8 dof, p = 0.001
  EXPECT_LT(chi2, kChi2Crit8Dof);
}

// A user holding almost all the popularity mass still gets a non-positive (the uniform
// fallback after kPopularityMaxTries rejections).
TEST(PopularityNegative, FallsBackForAUserWithTheMass) {
  const AliasTable t = build_alias_table({1e9, 1.0, 0.0, 0.0});
  const std::vector<int32_t> positives = {0, 1};
  for (int d = 0; d < 100; ++d) {
    const int32_t j =
        popularity_negative(3, 0, 0, d, t.prob.data(), t.alias.data(), positives.data(), 2, 4);
    EXPECT_TRUE(j == 2 || j == 3) << j;
  }
}

TEST(PopularitySampler, TrainsThroughTheRegistryWithItsExponent) {
  GenConfig g;
  g.users = 200;
  g.items = 300;
  g.interactions = 6000;
  const Dataset data = generate_dataset(g, SplitOptions());
  TrainConfig c;
  c.sampler = "popularity";
  c.sampler_options["popularity-exponent"] = 0.5;
  c.model.dim = 16;
  c.optim.lr = 0.01f;
  c.epochs = 3;
  c.eval.ks = {1, 10};
  c.eval.metric = "ndcg@10";
  std::unique_ptr<Backend> b = make_cpu_backend(2);
  RunOptions run;
  run.quiet = true;
  const RunSummary s = train(data, c, *b, run);
  EXPECT_GT(s.best_val.at("ndcg@10"), 0.1);
  c.sampler_options["popularity-exponent"] = 9.0;  // outside [0, 4]
  EXPECT_THROW(validate(c), std::invalid_argument);
}

}  // namespace
}  // namespace srns
