// The synthetic-data SRNS of the official code (samplers/srns_syn.hpp, cpu::SrnsSynSampler):
// its memory only ever holds injected false negatives and items outside the user's train and
// test sets; selection reads the recorded scores and the sd; the refresh keeps S1 of S1 + S2
// by softmax(S / tau) (chi-square); a pair-mode refresh is seen by the user's next pair in the
// same batch; --protocol syn-official trains end to end.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "cpu/cpu_ops.hpp"
#include "cpu/sampler.hpp"
#include "srns/samplers/srns_syn.hpp"
#include "srns/synthetic.hpp"
#include "srns/trainer.hpp"

namespace srns {
namespace {

// 2 users x 12 items; user 0 trains on {0, 1}, tests on {2}; false negatives {3, 4}.
struct TinyState {
  std::vector<int64_t> train_off = {0, 2, 3}, test_off = {0, 1, 1}, fn_off = {0, 2, 2};
  std::vector<int32_t> train_cols = {0, 1, 5}, test_cols = {2}, fn_cols = {3, 4};
  std::vector<float> scores = std::vector<float>(2 * 12, 0.0f);
  SrnsSynView view(int s1, int s2) {
    SrnsSynView v{};
    v.n_users = 2;
    v.n_items = 12;
    v.s1 = s1;
    v.s2 = s2;
    v.fn_num = 1;
    v.seed = 3;
    v.inv_tau = 1.0f;
    v.per_pair_refresh = true;
    v.exclude_test = true;
    v.train_off = train_off.data();
    v.train_cols = train_cols.data();
    v.test_off = test_off.data();
    v.test_cols = test_cols.data();
    v.fn_off = fn_off.data();
    v.fn_cols = fn_cols.data();
    v.scores = scores.data();
    return v;
  }
};

GmfScorer no_model() {
  return GmfScorer(ModelView{ModelKind::kGmf, 1, nullptr, nullptr, nullptr, 1});
}

TEST(SrnsSyn, MemoryHoldsInjectedThenItemsOutsideTrainAndTest) {
  TinyState st;
  const SrnsSynView v = st.view(6, 6);
  std::vector<int32_t> row(6);
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SrnsSynView vs = v;
    vs.seed = seed;
    syn_init_memory(vs, 0, row.data());
    EXPECT_TRUE(row[0] == 3 || row[0] == 4) << "one injected false negative first";
    for (int k = 1; k < 6; ++k) {
      EXPECT_FALSE(row[k] == 0 || row[k] == 1 || row[k] == 2) << "train or test item " << row[k];
    }
    PhiloxStream s = syn_refresh_stream(vs, 4, 2, 7, 0);
    syn_refresh(vs, no_model(), nullptr, nullptr, 0, &s, row.data());
    EXPECT_TRUE(row[0] == 3 || row[0] == 4);
    for (int k = 1; k < 6; ++k) EXPECT_FALSE(row[k] == 0 || row[k] == 1 || row[k] == 2);
  }
}

TEST(SrnsSyn, SelectsByRecordedScorePlusAlphaTimesSd) {
  TinyState st;
  SrnsSynView v = st.view(3, 3);
  const int32_t mem[3] = {6, 7, 8};
  st.scores[6] = 0.5f;  // user 0's row
  st.scores[7] = 0.9f;
  st.scores[8] = 0.1f;
  EXPECT_EQ(syn_select(v, no_model(), nullptr, nullptr, 5.0f, 0, 0, mem), 1) << "no sd: the score";
  std::vector<float> sd(2 * 12, 0.0f);
  sd[8] = 0.2f;  // item 8: 0.1 + 5 * 0.2 = 1.1 beats 0.9
  v.sd = sd.data();
  EXPECT_EQ(syn_select(v, no_model(), nullptr, nullptr, 5.0f, 0, 0, mem), 2);
  EXPECT_EQ(syn_select(v, no_model(), nullptr, nullptr, 0.0f, 0, 0, mem), 1) << "alpha_t 0";
  v.p_pos_criterion = true;  // sigmoid(s_k - s_i): the same order for a fixed positive
  EXPECT_EQ(syn_select(v, no_model(), nullptr, nullptr, 0.0f, 0, 0, mem), 1);
}

// With S1 = 2 and one injected slot, a refresh keeps 1 of 1 + S2 candidates drawn
// proportionally to exp(S / tau): chi-square of the kept item over 60k refreshes.
TEST(SrnsSyn, RefreshKeepsBySoftmaxOfRecordedScores) {
  TinyState st;
  SrnsSynView v = st.view(2, 9);
  v.exclude_test = true;
  for (int32_t i = 0; i < 12; ++i) st.scores[i] = 0.3f * static_cast<float>(i % 4);
  // Candidates of user 0: items 3..11 (train 0, 1; test 2). A refresh keeps one of the memory
  // item and 9 fresh draws (with replacement); the kept item's law is the softmax over the
  // 10 entries. Checked through a statistic that needs no enumeration: the mean kept score
  // equals E[sum_k s_k e^{s_k} / sum_k e^{s_k}] over the draws, estimated on the same draws.
  double kept_mean = 0, expected_mean = 0;
  constexpr int kTrials = 60000;
  for (int trial = 0; trial < kTrials; ++trial) {
    std::vector<int32_t> row = {3, 7};
    PhiloxStream s = syn_refresh_stream(v, 1, trial, 0, 0);
    PhiloxStream copy = s;
    syn_refresh(v, no_model(), nullptr, nullptr, 0, &s, row.data());
    kept_mean += st.scores[row[1]];
    // The same candidates, drawn again from the copy of the stream.
    std::vector<int32_t> cand = {7};
    for (int k = 0; k < 9; ++k) cand.push_back(v.draw_candidate(&copy, 0));
    double z = 0, zs = 0;
    for (int32_t c : cand) {
      z += std::exp(st.scores[c]);
      zs += st.scores[c] * std::exp(st.scores[c]);
    }
    expected_mean += zs / z;
  }
  kept_mean /= kTrials;
  expected_mean /= kTrials;
  // sd of one kept score is at most 0.45; over 60k trials its mean's sd is under 0.002.
  EXPECT_NEAR(kept_mean, expected_mean, 0.01);
}

// In pair mode a user's next pair in a batch selects from the memory the previous pair's
// refresh left; in user mode all read the memory as it was at the batch's start.
TEST(SrnsSyn, PairModeRefreshIsSeenByTheUsersNextPair) {
  GenConfig g;
  g.users = 40;
  g.items = 120;
  g.interactions = 800;
  SplitOptions so;
  so.eval_negatives = 0;
  const Dataset d = generate_dataset(g, so);
  for (const char* mode : {"pair", "user"}) {
    TrainConfig c;
    c.sampler = "srns-syn";
    c.srns.s1 = 2;  // a refresh keeps 2 of 32: the memory, and its best item, move at once
    c.srns.s2 = 30;
    c.srns.tau = 1.0f;
    c.sampler_options["syn-refresh"] =
        std::string(mode) == "pair" ? kSynRefreshPair : kSynRefreshUser;
    const TrainingSet set = prepare_training_set(d, c);
    const Model m = init_model(c.model, d.n_users, d.n_items, 2);
    std::unique_ptr<cpu::Sampler> s = cpu::make_sampler("srns-syn");
    s->setup({&set, &c, 1}, cpu::view_of(m));
    s->end_epoch(-1, cpu::view_of(m));
    s->begin_epoch(0, cpu::view_of(m));
    // A batch of user 0's first two pairs, twice over (slots 0, 1 and 2, 3).
    const int64_t pair[4] = {0, 1, 0, 1};
    const int32_t users[4] = {0, 0, 0, 0};
    const int32_t items[4] = {d.train.cols[0], d.train.cols[1], d.train.cols[0], d.train.cols[1]};
    std::vector<int32_t> neg(4);
    s->select({0, 4, pair, users, items}, cpu::view_of(m), neg.data());
    // The raw criterion does not depend on the positive: with one memory for the whole batch
    // (user mode) every pair picks the same item; after each pair's refresh (pair mode) the
    // memory, and so the pick, moves.
    const std::set<int32_t> distinct(neg.begin(), neg.end());
    if (std::string(mode) == "user") {
      EXPECT_EQ(distinct.size(), 1u);
    } else {
      EXPECT_GT(distinct.size(), 1u);
    }
    for (int32_t j : neg) EXPECT_FALSE(d.train.contains(0, j));
  }
}

TEST(SrnsSyn, ProtocolTrainsEndToEnd) {
  GenConfig g;
  g.users = 150;
  g.items = 200;
  g.interactions = 5000;
  SplitOptions so;
  so.eval_negatives = 0;  // full ranking, as the synthetic protocol
  const Dataset d = generate_dataset(g, so);
  TrainConfig c;
  c.sampler = "srns-syn";
  c.srns.s1 = 20;
  c.srns.s2 = 20;
  c.srns.tau = 1.0f;
  c.srns.alpha = 10.0f;
  c.optim.reg = 0.0f;
  c.optim.lr = 0.01f;
  c.epochs = 8;
  c.eval.ties = Ties::kOptimistic;
  c.eval.ks = {1, 5};
  c.eval.metric = "recall@5";
  c.eval.patience = 0;
  std::unique_ptr<Backend> b = make_cpu_backend(2);
  RunOptions run;
  run.quiet = true;
  const RunSummary s = train(d, c, *b, run);
  EXPECT_EQ(s.epochs_run, 8);
  EXPECT_GT(s.epochs.back().val.at("recall@5"), s.epochs.front().val.at("recall@5"));
  EXPECT_NE(s.device.find("per-pair refresh"), std::string::npos) << s.device;
}

}  // namespace
}  // namespace srns
