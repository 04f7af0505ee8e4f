// AOBPR (include/srns/samplers/aobpr.hpp): the negative's distribution on small models where it
// can be written out (rank law exp(-r/lambda), factor law |w_f| sd_f, descending or ascending
// order by the weight's sign, positives rejected), chi-square with fixed seeds; the orderings
// and sds against a direct computation; the refresh schedule (every |I| ln |I| draws, at the
// batch that crosses the count, from that batch's model) through the CPU unit's saved state;
// training through the registry.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <sstream>
#include <vector>

#include "cpu/cpu_ops.hpp"
#include "cpu/sampler.hpp"
#include "sampler_test_util.hpp"
#include "srns/samplers/aobpr.hpp"

namespace srns {
namespace {

// A GMF model of one user and `items` x `dim` item factors, with beta = 1.
struct TinyModel {
  int dim;
  std::vector<float> user, item, head;
  TinyModel(std::vector<float> p, std::vector<float> q)
      : dim(static_cast<int>(p.size())), user(std::move(p)), item(std::move(q)), head(dim, 1.0f) {}
  int32_t n_items() const { return static_cast<int32_t>(item.size()) / dim; }
  ModelView view() const {
    return {ModelKind::kGmf, dim, user.data(), item.data(), head.data(), dim};
  }
};

// Orderings [F][I] (q descending, then id) and sds of a model's items, computed directly.
void direct_orderings(const TinyModel& m, std::vector<int32_t>* order, std::vector<float>* sd) {
  const int32_t n = m.n_items();
  order->assign(static_cast<size_t>(m.dim) * n, -1);
  sd->assign(m.dim, 0.0f);
  for (int f = 0; f < m.dim; ++f) {
    for (int32_t i = 0; i < n; ++i) {
      (*order)[static_cast<size_t>(f) * n + factor_rank(m.item.data(), n, m.dim, f, i)] = i;
    }
    (*sd)[f] = factor_sd(m.item.data(), n, m.dim, f);
  }
}

// Chi-square of 200k draws against q(j) = sum_f p(f) p_rank(rank_f(j)), renormalised over the
// non-positives {0..11} \ {1, 4, 7}.
double aobpr_chi_square(const TinyModel& m, double relative_lambda) {
  const int32_t n = m.n_items();
  const std::vector<int32_t> positives = {1, 4, 7};
  std::vector<int32_t> order;
  std::vector<float> sd;
  direct_orderings(m, &order, &sd);
  const std::vector<double> rank_w = aobpr_rank_weights(n, relative_lambda);
  const AliasTable t = build_alias_table(rank_w);
  const AobprView v{n, m.dim, order.data(), sd.data(), t.prob.data(), t.alias.data()};
  const double rank_total = std::accumulate(rank_w.begin(), rank_w.end(), 0.0);
  double factor_total = 0;
  for (int f = 0; f < m.dim; ++f) factor_total += std::fabs(m.user[f]) * sd[f];
  std::vector<double> expect(n, 0.0);
  for (int f = 0; f < m.dim; ++f) {
    const double pf = std::fabs(m.user[f]) * sd[f] / factor_total;
    for (int32_t r = 0; r < n; ++r) {
      const int32_t rank = m.user[f] > 0 ? r : n - 1 - r;
      expect[order[static_cast<size_t>(f) * n + rank]] += pf * rank_w[r] / rank_total;
    }
  }
  double kept = 0;
  for (int32_t j : positives) expect[j] = 0.0;
  for (double e : expect) kept += e;
  for (double& e : expect) e /= kept;
  const GmfScorer sc(m.view());
  return testing::chi_square_of_draws(expect, 200000, [&](int d) {
    return aobpr_negative(13, d / 1000, d % 5, d, v, sc, m.user.data(), positives.data(), 3);
  });
}

using testing::kChi2Crit8Dof;

TEST(AobprNegative, OneFactorFollowsTheRankLawInTheWeightsDirection) {
  std::vector<float> q(12);
  for (int32_t i = 0; i < 12; ++i) q[i] = static_cast<float>((i * 7) % 12) - 5.5f;
  EXPECT_LT(aobpr_chi_square(TinyModel({0.8f}, q), 0.25), kChi2Crit8Dof) << "descending";
  EXPECT_LT(aobpr_chi_square(TinyModel({-0.3f}, q), 0.25), kChi2Crit8Dof) << "ascending";
  EXPECT_LT(aobpr_chi_square(TinyModel({0.8f}, q), 5.0), kChi2Crit8Dof) << "near uniform";
}

TEST(AobprNegative, FactorsAreChosenByWeightTimesSd) {
  // Factor 0 spreads items widely, factor 1 narrowly and in another order; the user leans on
  // factor 1 with a negative weight (ascending).
  std::vector<float> q;
  for (int32_t i = 0; i < 12; ++i) {
    q.push_back(static_cast<float>(i) - 6.0f);
    q.push_back(0.1f * static_cast<float>((i * 5) % 12));
  }
  EXPECT_LT(aobpr_chi_square(TinyModel({0.2f, -1.5f}, q), 0.3), kChi2Crit8Dof);
  EXPECT_LT(aobpr_chi_square(TinyModel({1.0f, 1.0f}, q), 0.1), kChi2Crit8Dof);
}

TEST(AobprSchedule, RefreshesOncePerCrossingBatch) {
  const AobprSchedule s = aobpr_schedule(3706, 563000, 1000);
  EXPECT_EQ(s.period, static_cast<int64_t>(std::ceil(3706 * std::log(3706.0))));
  EXPECT_EQ(aobpr_schedule(50, 10000, 1000).period, 1000) << "never shorter than a batch";
  int64_t refreshes = 0;
  for (int t = 0; t < 3; ++t) {
    for (int64_t b = 0; b < 563; ++b) {
      const bool after = s.refreshes_after(t, b, 1000);
      EXPECT_EQ(s.refreshes_before(t, b) + (after ? 1 : 0),
                b + 1 < 563 ? s.refreshes_before(t, b + 1) : s.refreshes_before(t + 1, 0));
      refreshes += after;
    }
  }
  EXPECT_EQ(refreshes, 3 * 563000 / s.period);
}

// One array of a sampler's saved state (state_io.hpp: a length, then the elements).
template <typename T>
std::vector<T> next_array(std::istream& in) {
  int64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), sizeof(n));
  std::vector<T> v(static_cast<size_t>(n));
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(n * sizeof(T)));
  return v;
}

TEST(AobprSampler, RefreshesFromTheCrossingBatchsModel) {
  const Dataset data = testing::small_generated_data(100, 60, 900, 10);
  TrainConfig c = testing::short_run_config("aobpr", {});
  c.batch_size = 50;  // P = ceil(60 ln 60) = 246 draws: a refresh every ~5 batches
  c.model.dim = 3;
  Model m = init_model(c.model, data.n_users, data.n_items, 2);
  const TrainingSet set = prepare_training_set(data, c);
  std::unique_ptr<cpu::Sampler> s = cpu::make_sampler("aobpr");
  s->setup({&set, &c, 2}, cpu::view_of(m));
  cpu::EpochPairs pairs;
  const std::vector<int32_t> pair_user = [&] {
    std::vector<int32_t> out;
    for (int32_t u = 0; u < data.n_users; ++u) out.resize(data.train.offsets[u + 1], u);
    return out;
  }();
  const AobprSchedule sched = aobpr_schedule(
      data.n_items, batches_per_epoch(data.train.nnz(), 50, false) * 50, c.batch_size);
  TinyModel expected_source({0, 0, 0}, m.item);  // the model of the last refresh
  int refreshes = 0;
  for (int t = 0; t < 4; ++t) {
    s->begin_epoch(t, cpu::view_of(m));
    cpu::epoch_pairs(epoch_order(c.seed, t, data.train.nnz()), pair_user.data(),
                     data.train.cols.data(), &pairs);
    for (int64_t b = 0; b < batches_per_epoch(data.train.nnz(), 50, false); ++b) {
      for (float& x : m.item) x = std::sin(3.0f * x + 0.7f * static_cast<float>(b + t));
      const cpu::Batch batch = pairs.batch(b, 50);
      std::vector<int32_t> negative(batch.size);
      s->select(batch, cpu::view_of(m), negative.data());
      if (sched.refreshes_after(t, b, batch.size)) {
        expected_source.item = m.item;
        ++refreshes;
      }
      std::stringstream state;
      s->save(state);
      std::vector<int32_t> want_order;
      std::vector<float> want_sd;
      direct_orderings(expected_source, &want_order, &want_sd);
      ASSERT_EQ(next_array<int32_t>(state), want_order) << "epoch " << t << " batch " << b;
      ASSERT_EQ(next_array<float>(state), want_sd) << "epoch " << t << " batch " << b;
    }
  }
  EXPECT_GE(refreshes, 8);
}

TEST(AobprSampler, TrainsThroughTheRegistryWithItsLambda) {
  TrainConfig c = testing::short_run_config("aobpr", {{"aobpr-lambda", 0.1}});
  const RunSummary s = testing::train_quietly(testing::small_generated_data(), c);
  EXPECT_GT(s.best_val.at("ndcg@10"), 0.1);
  c.sampler_options["aobpr-lambda"] = 0;
  EXPECT_THROW(validate(c), std::invalid_argument);
}

}  // namespace
}  // namespace srns
