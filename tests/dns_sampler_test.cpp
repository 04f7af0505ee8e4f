// DNS (include/srns/samplers/dns.hpp): the chosen negative follows the distribution of the
// maximum of k uniform draws (chi-square against ((N - m + 1)^k - (N - m)^k) / N^k for the
// m-th scored of N non-positives, fixed seeds); the CPU unit's negatives equal a direct
// recomputation (draw the pair's candidates, score them with Model::score, take the first
// maximum); and it trains through the registry with its range-checked option.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "cpu/cpu_ops.hpp"
#include "cpu/sampler.hpp"
#include "sampler_test_util.hpp"
#include "srns/samplers/dns.hpp"

namespace srns {
namespace {

// A one-factor GMF model: r(0, j) = q_j (p = beta = 1), distinct scores in a scrambled order.
struct OneFactorModel {
  std::vector<float> user{1.0f}, item, head{1.0f};
  explicit OneFactorModel(int32_t n_items) {
    for (int32_t j = 0; j < n_items; ++j) item.push_back(static_cast<float>((j * 5) % n_items));
  }
  ModelView view() const { return {ModelKind::kGmf, 1, user.data(), item.data(), head.data(), 1}; }
};

// Chi-square of 200k DNS draws for k candidates among the 9 non-positives of 12 items.
double dns_chi_square(int k) {
  constexpr int32_t kItems = 12;
  const std::vector<int32_t> positives = {1, 4, 7};
  const OneFactorModel m(kItems);
  const ModelView v = m.view();
  const GmfScorer sc(v);
  float ctx[1];
  sc.user_context(v.user, ctx);
  // Rank m (1 = highest score) of each non-positive among the N = 9.
  std::vector<int32_t> non_positive;
  for (int32_t j = 0; j < kItems; ++j) {
    if (j != 1 && j != 4 && j != 7) non_positive.push_back(j);
  }
  const double n = static_cast<double>(non_positive.size());
  std::vector<double> expect(kItems, 0.0);
  for (int32_t j : non_positive) {
    int rank = 1;
    for (int32_t o : non_positive) rank += m.item[o] > m.item[j];
    expect[j] = (std::pow(n - rank + 1, k) - std::pow(n - rank, k)) / std::pow(n, k);
  }
  return testing::chi_square_of_draws(expect, 200000, [&](int d) {
    return dns_negative(11, d / 1000, d % 7, d, positives.data(), 3, kItems, k, sc, ctx, v.item, 1);
  });
}

TEST(DnsNegative, IsTheMaximumOfKUniformDraws) {
  for (int k : {1, 2, 3, 8}) EXPECT_LT(dns_chi_square(k), testing::kChi2Crit8Dof) << "k = " << k;
}

TEST(DnsSampler, PicksTheTopScoredOfThePairsCandidates) {
  const Dataset data = testing::small_generated_data(150, 250, 5000);
  TrainConfig c;
  c.sampler = "dns";
  c.sampler_options["dns-candidates"] = 5;
  c.seed = 9;
  ModelConfig mc;
  mc.dim = 12;
  mc.init_std = 0.3f;
  const Model m = init_model(mc, data.n_users, data.n_items, 4);
  const TrainingSet set = prepare_training_set(data, c);
  std::unique_ptr<cpu::Sampler> s = cpu::make_sampler("dns");
  s->setup({&set, &c, 2}, cpu::view_of(m));
  s->begin_epoch(3, cpu::view_of(m));
  cpu::EpochPairs pairs;
  std::vector<int32_t> pair_user;
  for (int32_t u = 0; u < data.n_users; ++u) {
    for (int64_t e = data.train.offsets[u]; e < data.train.offsets[u + 1]; ++e) {
      pair_user.push_back(u);
    }
  }
  cpu::epoch_pairs(epoch_order(c.seed, 3, data.train.nnz()), pair_user.data(),
                   data.train.cols.data(), &pairs);
  const cpu::Batch batch = pairs.batch(1, 700);
  std::vector<int32_t> negative(batch.size);
  s->select(batch, cpu::view_of(m), negative.data());
  for (int32_t k = 0; k < batch.size; ++k) {
    const int32_t u = batch.user[k];
    PhiloxStream st = dns_stream(c.seed, 3, 1, k);
    int32_t best = -1;
    float best_score = -HUGE_VALF;
    for (int cand = 0; cand < 5; ++cand) {
      const int32_t j =
          draw_non_positive(&st, data.train.row(u), data.train.row_size(u), data.n_items);
      ASSERT_FALSE(data.train.contains(u, j));
      if (m.score(u, j) > best_score) {
        best = j;
        best_score = m.score(u, j);
      }
    }
    ASSERT_EQ(negative[k], best) << "pair " << k;
  }
}

TEST(DnsSampler, TrainsThroughTheRegistryWithItsCandidateCount) {
  TrainConfig c = testing::short_run_config("dns", {{"dns-candidates", 4}});
  const RunSummary s = testing::train_quietly(testing::small_generated_data(), c);
  EXPECT_GT(s.best_val.at("ndcg@10"), 0.1);
  c.sampler_options["dns-candidates"] = 0;
  EXPECT_THROW(validate(c), std::invalid_argument);
  c.sampler_options["dns-candidates"] = 2.5;
  EXPECT_THROW(validate(c), std::invalid_argument);
}

}  // namespace
}  // namespace srns
