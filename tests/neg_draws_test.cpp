// Sampled metrics over several negative draws (evaluate_over_draws, src/eval/neg_draws.cpp):
// draw 0 is the split's own negatives; the fresh draws give every row as many distinct
// negatives outside the user's train, validation and test items, the same for every model
// (they depend on the seed only) and different across draws and seeds; mean and sample sd are
// those of the per-draw metrics; K = 1 is exactly `evaluate`; the driver records the draws in
// the summary.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "sampler_test_util.hpp"
#include "srns/trainer.hpp"

namespace srns {
namespace {

// A backend that records the sets it is asked to rank and ranks through the CPU backend.
class RecordingBackend : public Backend {
 public:
  explicit RecordingBackend(std::unique_ptr<Backend> inner) : inner_(std::move(inner)) {}
  std::string describe() const override { return inner_->describe(); }
  void setup(const TrainingSet& s, const TrainConfig& c, const Model& m) override {
    inner_->setup(s, c, m);
  }
  void end_epoch(int e, PhaseSeconds* p) override { inner_->end_epoch(e, p); }
  EpochStats train_epoch(int e, const ProgressFn& f) override { return inner_->train_epoch(e, f); }
  std::vector<RankCount> rank_sampled(const EvalSet& set) override {
    seen.push_back(set);
    return inner_->rank_sampled(set);
  }
  std::vector<RankCount> rank_full(const Csr& t, const Csr& x) override {
    return inner_->rank_full(t, x);
  }
  Model get_model() const override { return inner_->get_model(); }
  void set_model(const Model& m) override { inner_->set_model(m); }
  std::vector<float> score_users(const std::vector<int32_t>& u) override {
    return inner_->score_users(u);
  }
  void save_state(std::ostream& out) const override { inner_->save_state(out); }
  void load_state(std::istream& in) override { inner_->load_state(in); }
  std::vector<EvalSet> seen;

 private:
  std::unique_ptr<Backend> inner_;
};

struct Fixture {
  Dataset data = testing::small_generated_data(200, 300, 6000, 50);
  TrainConfig config;
  RecordingBackend backend{make_cpu_backend(2)};
  Fixture(uint64_t model_seed = 3) {
    config.model.dim = 8;
    config.model.init_std = 0.5f;
    config.sampler = "uniform";
    backend.setup(prepare_training_set(data, config), config,
                  init_model(config.model, data.n_users, data.n_items, model_seed));
  }
};

TEST(NegDraws, OneDrawIsTheSplitsEvaluation) {
  Fixture f;
  const Metrics plain = evaluate(f.backend, f.data, f.config.eval, true, nullptr);
  const MetricsOverDraws d = evaluate_over_draws(f.backend, f.data, f.config.eval, true);
  EXPECT_EQ(d.draws, 1);
  ASSERT_EQ(d.per_draw.size(), 1u);
  EXPECT_EQ(d.per_draw[0], plain);
  EXPECT_EQ(d.mean, plain);
  for (const auto& [name, sd] : d.sd) EXPECT_EQ(sd, 0.0) << name;
}

TEST(NegDraws, FreshDrawsAvoidTheUsersItemsAndDependOnTheSeedOnly) {
  Fixture f;
  f.config.eval.neg_draws = 6;
  const MetricsOverDraws d = evaluate_over_draws(f.backend, f.data, f.config.eval, true);
  ASSERT_EQ(f.backend.seen.size(), 6u);
  EXPECT_EQ(f.backend.seen[0].negatives, f.data.test.negatives) << "draw 0 is the split's";
  for (size_t k = 1; k < f.backend.seen.size(); ++k) {
    const EvalSet& set = f.backend.seen[k];
    ASSERT_EQ(set.n_neg, f.data.test.n_neg);
    EXPECT_NE(set.negatives, f.backend.seen[k - 1].negatives) << "draw " << k;
    for (size_t r = 0; r < set.rows.size(); ++r) {
      const Pair p = set.rows[r];
      const std::set<int32_t> negs(set.negatives.begin() + r * set.n_neg,
                                   set.negatives.begin() + (r + 1) * set.n_neg);
      ASSERT_EQ(negs.size(), static_cast<size_t>(set.n_neg)) << "distinct, row " << r;
      for (int32_t j : negs) {
        ASSERT_FALSE(f.data.train.contains(p.user, j)) << "a training item, row " << r;
        ASSERT_NE(j, f.data.test.rows[r].item) << "the test item, row " << r;
        for (const Pair& v : f.data.val.rows) ASSERT_FALSE(v.user == p.user && v.item == j);
      }
    }
  }
  // Mean and sample sd of the per-draw values.
  for (const auto& [name, mean] : d.mean) {
    double sum = 0, sq = 0;
    for (const Metrics& m : d.per_draw) sum += m.at(name);
    for (const Metrics& m : d.per_draw) sq += (m.at(name) - sum / 6) * (m.at(name) - sum / 6);
    EXPECT_NEAR(mean, sum / 6, 1e-12) << name;
    EXPECT_NEAR(d.sd.at(name), std::sqrt(sq / 5), 1e-12) << name;
  }
  EXPECT_GT(d.sd.at("ndcg@10"), 0.0) << "the draws move the metric";
  // Another model meets the same draws; another seed other draws.
  Fixture g(4);
  g.config.eval.neg_draws = 6;
  evaluate_over_draws(g.backend, g.data, g.config.eval, true);
  for (size_t k = 0; k < 6; ++k)
    EXPECT_EQ(g.backend.seen[k].negatives, f.backend.seen[k].negatives);
  g.config.eval.neg_seed = 2;
  evaluate_over_draws(g.backend, g.data, g.config.eval, true);
  EXPECT_EQ(g.backend.seen[6].negatives, f.data.test.negatives);
  EXPECT_NE(g.backend.seen[7].negatives, f.backend.seen[1].negatives);
}

TEST(NegDraws, TheDriverTestsTheBestModelOverTheDraws) {
  TrainConfig c = testing::short_run_config("uniform", {});
  c.eval.neg_draws = 4;
  const RunSummary s = testing::train_quietly(testing::small_generated_data(), c);
  ASSERT_EQ(s.test_draws.draws, 4);
  EXPECT_EQ(s.test_draws.per_draw[0], s.test) << "draw 0 is the reported test";
  c.eval.neg_draws = 0;
  EXPECT_THROW(validate(c), std::invalid_argument);
}

}  // namespace
}  // namespace srns
