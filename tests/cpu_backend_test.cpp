// The CPU backend as a whole: repeatability (seed, thread count), equivalence of the dense and
// pooled score-history layouts, the samplers' invariants, the history it records, and ranking
// against brute force.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "cpu/cpu_ops.hpp"
#include "srns/backend.hpp"
#include "srns/sampler.hpp"
#include "srns/synthetic.hpp"
#include "srns/trainer.hpp"

namespace srns {
namespace {

Dataset small_data(uint64_t seed = 7) {
  GenConfig g;
  g.users = 120;
  g.items = 260;
  g.interactions = 4000;
  g.seed = seed;
  SplitOptions s;
  s.eval_negatives = 50;
  s.seed = seed;
  return generate_dataset(g, s);
}

TrainConfig small_config() {
  TrainConfig c;
  c.model.dim = 16;
  c.batch_size = 256;
  c.epochs = 3;
  c.srns.s1 = 4;
  c.srns.s2 = 8;
  c.srns.pool_size = 60;
  c.srns.t0 = 2;
  c.optim.lr = 0.01f;
  c.seed = 11;
  return c;
}

// Trains `epochs` epochs directly on a backend (no evaluation) and returns the model.
Model run_epochs(const Dataset& data, const TrainConfig& config, int threads, int epochs,
                 std::vector<EpochStats>* stats = nullptr) {
  std::unique_ptr<Backend> b = make_cpu_backend(threads);
  const TrainingSet set = prepare_training_set(data, config);
  b->setup(set, config, init_model(config.model, data.n_users, data.n_items, config.seed));
  b->end_epoch(-1, nullptr);
  for (int t = 0; t < epochs; ++t) {
    EpochStats s = b->train_epoch(t, nullptr);
    if (stats) stats->push_back(s);
    b->end_epoch(t, nullptr);
  }
  return b->get_model();
}

void expect_same_model(const Model& a, const Model& b) {
  ASSERT_EQ(a.user.size(), b.user.size());
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.item, b.item);
  EXPECT_EQ(a.head, b.head);
}

TEST(CpuBackend, SameSeedSameModelAnyThreadCount) {
  const Dataset data = small_data();
  const TrainConfig c = small_config();
  const Model one = run_epochs(data, c, 1, 3);
  const Model again = run_epochs(data, c, 1, 3);
  const Model two = run_epochs(data, c, 2, 3);
  expect_same_model(one, again);
  expect_same_model(one, two);
  TrainConfig other = c;
  other.seed = 12;
  EXPECT_NE(run_epochs(data, other, 2, 3).item, one.item);
}

TEST(CpuBackend, DenseAndPooledHistoryTrainIdentically) {
  // 8 epochs: the W = 5 ring wraps and the pool pipeline shifts several times.
  const Dataset data = small_data();
  for (int schedule : {kAlphaIncrease, kAlphaFlat}) {
    TrainConfig c = small_config();
    c.srns.schedule = schedule;
    c.srns.alpha = 50.0f;  // make the history term decide most selections
    c.srns.history = HistoryMode::kDense;
    const Model dense = run_epochs(data, c, 2, 8);
    c.srns.history = HistoryMode::kPooled;
    const Model pooled = run_epochs(data, c, 2, 8);
    expect_same_model(dense, pooled);
  }
}

TEST(CpuBackend, HistoryAndRawVarianceOptionsChangeTraining) {
  // Guards the test above against a history that is never read: alpha and the variance
  // source must matter.
  const Dataset data = small_data();
  TrainConfig c = small_config();
  c.srns.alpha = 50.0f;
  c.srns.schedule = kAlphaFlat;
  const Model with_sd = run_epochs(data, c, 2, 6);
  c.srns.alpha = 0.0f;
  EXPECT_NE(run_epochs(data, c, 2, 6).item, with_sd.item);
  c.srns.alpha = 50.0f;
  c.srns.raw_variance = true;
  EXPECT_NE(run_epochs(data, c, 2, 6).item, with_sd.item);
}

TEST(CpuBackend, LossFallsAndUniformIsRepeatable) {
  const Dataset data = small_data();
  for (const char* kind : {"uniform", "srns"}) {
    TrainConfig c = small_config();
    c.sampler = kind;
    std::vector<EpochStats> stats;
    run_epochs(data, c, 2, 6, &stats);
    ASSERT_EQ(stats.size(), 6u);
    EXPECT_LT(stats.back().loss / stats.back().pairs, stats.front().loss / stats.front().pairs);
    EXPECT_EQ(stats.front().pairs, (data.train.nnz() / c.batch_size) * c.batch_size);
    std::vector<EpochStats> again;
    run_epochs(data, c, 1, 6, &again);
    EXPECT_EQ(again.back().loss, stats.back().loss);
  }
}

TEST(CpuBackend, KeepLastBatchTrainsEveryPair) {
  const Dataset data = small_data();
  TrainConfig c = small_config();
  c.keep_last_batch = true;
  std::vector<EpochStats> stats;
  run_epochs(data, c, 2, 1, &stats);
  EXPECT_EQ(stats[0].pairs, data.train.nnz());
}

TEST(CpuBackend, LabelErrorRatioCountsTruthHits) {
  // With every non-training item declared a false negative, every sampled negative is one;
  // with only half of them, about half; with no truth, none.
  const Dataset data = small_data();
  Dataset all = data, half = data, none = data;
  std::vector<Pair> every, even;
  for (int32_t u = 0; u < data.n_users; ++u) {
    for (int32_t i = 0; i < data.n_items; ++i) {
      if (data.train.contains(u, i)) continue;
      every.push_back({u, i});
      if (i % 2 == 0) even.push_back({u, i});
    }
  }
  all.truth = Csr::from_pairs(every, data.n_users);
  half.truth = Csr::from_pairs(even, data.n_users);
  none.truth = Csr();
  for (const char* kind : {"uniform", "srns"}) {
    TrainConfig c = small_config();
    c.sampler = kind;
    std::vector<EpochStats> s_all, s_half, s_none;
    run_epochs(all, c, 2, 2, &s_all);
    run_epochs(half, c, 2, 2, &s_half);
    run_epochs(none, c, 2, 2, &s_none);
    EXPECT_EQ(s_all[1].false_negatives, s_all[1].pairs);
    EXPECT_NEAR(static_cast<double>(s_half[1].false_negatives) / s_half[1].pairs, 0.5, 0.1);
    EXPECT_EQ(s_none[1].false_negatives, 0);
  }
}

// Every sampler's negatives, over a whole epoch in one batch: never a training positive of the
// pair's user, inside the catalogue, and spread over it.
TEST(CpuSamplers, NegativesAreNeverTrainingPositives) {
  const Dataset data = small_data();
  TrainConfig c = small_config();
  c.batch_size = static_cast<int>(data.train.nnz());
  const Model m = init_model(c.model, data.n_users, data.n_items, 3);
  const int32_t n = static_cast<int32_t>(data.train.nnz());
  std::vector<int64_t> pair(n);
  std::vector<int32_t> users(n), items(n);
  for (int32_t u = 0; u < data.n_users; ++u) {
    for (int64_t e = data.train.offsets[u]; e < data.train.offsets[u + 1]; ++e) {
      pair[e] = e;
      users[e] = u;
      items[e] = data.train.cols[e];
    }
  }
  const cpu::Batch batch{0, n, pair.data(), users.data(), items.data()};
  for (const SamplerInfo& info : sampler_registry()) {
    if (info.row_gradients) continue;  // a non-sampling objective draws no negatives
    c.sampler = info.name;
    const TrainingSet set = prepare_training_set(data, c);
    std::unique_ptr<cpu::Sampler> sampler = cpu::make_sampler(info.name);
    sampler->setup({&set, &c, 2}, cpu::view_of(m));
    sampler->end_epoch(-1, cpu::view_of(m));
    sampler->begin_epoch(0, cpu::view_of(m));
    std::vector<int32_t> negative(n, -1);
    sampler->select(batch, cpu::view_of(m), negative.data());
    std::set<int32_t> seen;
    for (int32_t k = 0; k < n; ++k) {
      ASSERT_GE(negative[k], 0) << info.name << " pair " << k;
      ASSERT_LT(negative[k], data.n_items) << info.name << " pair " << k;
      ASSERT_FALSE(data.train.contains(users[k], negative[k])) << info.name << " pair " << k;
      seen.insert(negative[k]);
    }
    // A memory sampler draws from S1 = 4 entries per user; the others from the whole catalogue.
    const int32_t spread = info.srns_memory ? data.n_items / 4 : data.n_items / 2;
    EXPECT_GT(seen.size(), static_cast<size_t>(spread)) << info.name;
  }
}

TEST(CpuOps, DenseHistoryRecordsEveryScore) {
  const Dataset data = small_data();
  const Model m = init_model(small_config().model, data.n_users, data.n_items, 4);
  std::vector<float> record(static_cast<size_t>(data.n_users) * data.n_items);
  cpu::score_matrix(cpu::view_of(m), 0, data.n_users, data.n_items,
                    float_matrix(record.data(), data.n_items), 2);
  for (int32_t u = 0; u < data.n_users; u += 7) {
    for (int32_t i = 0; i < data.n_items; i += 5) {
      ASSERT_EQ(record[static_cast<size_t>(u) * data.n_items + i], m.score(u, i));
    }
  }
}

// Brute-force rank counts of one target among candidates.
RankCount brute(const std::vector<float>& scores, const std::vector<int32_t>& cands,
                int32_t target) {
  RankCount c;
  for (int32_t x : cands) {
    if (x == target) continue;
    c.greater += scores[x] > scores[target];
    c.equal += scores[x] == scores[target];
  }
  return c;
}

TEST(CpuOps, FullRankingMatchesBruteForce) {
  const Dataset data = small_data();
  Model m = init_model(small_config().model, data.n_users, data.n_items, 9);
  // Force ties: items 0..19 share one embedding.
  for (int32_t i = 1; i < 20; ++i) {
    std::copy(m.item.begin(), m.item.begin() + m.dim, m.item.begin() + i * m.dim);
  }
  const ModelView view = cpu::view_of(m);
  std::vector<Pair> targets, excluded;
  for (int32_t u = 0; u < data.n_users; ++u) {
    for (int32_t i = 0; i < 40; i += 3) {
      if (!data.train.contains(u, i)) targets.push_back({u, i});
    }
    if (!data.train.contains(u, 1)) excluded.push_back({u, 1});
  }
  const Csr t = Csr::from_pairs(targets, data.n_users);
  const Csr x = Csr::from_pairs(excluded, data.n_users);
  const std::vector<RankCount> got = cpu::rank_full(view, data.n_items, data.train, t, x, 2);
  for (int32_t u = 0; u < data.n_users; ++u) {
    std::vector<float> scores(data.n_items);
    std::vector<int32_t> cands;
    for (int32_t i = 0; i < data.n_items; ++i) {
      scores[i] = m.score(u, i);
      if (!data.train.contains(u, i) && !x.contains(u, i)) cands.push_back(i);
    }
    for (int64_t e = t.offsets[u]; e < t.offsets[u + 1]; ++e) {
      const RankCount want = brute(scores, cands, t.cols[e]);
      ASSERT_EQ(got[e].greater, want.greater) << "user " << u << " item " << t.cols[e];
      ASSERT_EQ(got[e].equal, want.equal) << "user " << u << " item " << t.cols[e];
    }
  }
}

TEST(CpuOps, SampledRankingMatchesBruteForce) {
  const Dataset data = small_data();
  const Model m = init_model(small_config().model, data.n_users, data.n_items, 10);
  const ModelView view = cpu::view_of(m);
  EvalSet set = data.test;
  set.negatives[0] = set.rows[0].item;  // a negative equal to the target counts as a tie
  const std::vector<RankCount> got = cpu::rank_sampled(view, set, 2);
  ASSERT_EQ(got.size(), set.rows.size());
  for (size_t r = 0; r < set.rows.size(); ++r) {
    RankCount want;
    const float target = m.score(set.rows[r].user, set.rows[r].item);
    for (int32_t n = 0; n < set.n_neg; ++n) {
      const float s = m.score(set.rows[r].user, set.negatives[r * set.n_neg + n]);
      want.greater += s > target;
      want.equal += s == target;
    }
    ASSERT_EQ(got[r].greater, want.greater) << r;
    ASSERT_EQ(got[r].equal, want.equal) << r;
  }
  EXPECT_GE(got[0].equal, 1);
}

// score_users (recommend) gives every item's canonical score for the users asked, in their
// order, repeats included; an unknown user is an error.
TEST(CpuBackend, ScoreUsersIsTheCanonicalScore) {
  const Dataset data = small_data();
  TrainConfig c = small_config();
  c.sampler = "uniform";
  const Model model = init_model(c.model, data.n_users, data.n_items, 3);
  std::unique_ptr<Backend> b = make_cpu_backend(2);
  b->setup(prepare_training_set(data, c), c, model);
  const std::vector<int32_t> users = {17, 0, data.n_users - 1, 17};
  const std::vector<float> scores = b->score_users(users);
  ASSERT_EQ(scores.size(), users.size() * data.n_items);
  for (size_t k = 0; k < users.size(); ++k) {
    for (int32_t i = 0; i < data.n_items; ++i) {
      ASSERT_EQ(scores[k * data.n_items + i], model.score(users[k], i)) << k << " " << i;
    }
  }
  EXPECT_TRUE(b->score_users({}).empty());
  EXPECT_THROW(b->score_users({data.n_users}), std::out_of_range);
}

}  // namespace
}  // namespace srns
