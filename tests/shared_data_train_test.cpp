// Training on the public datasets in ../shared/data (skipped cleanly without them): the SRNS
// synthetic-noise setting with false negatives injected into memory, and a short ML-100K run.
#include <gtest/gtest.h>

#include "srns/trainer.hpp"
#include "test_util.hpp"

namespace srns {
namespace {

TEST(SharedData, InjectedFalseNegativesRaiseTheLabelErrorRatio) {
  SRNS_REQUIRE_SHARED("srns-syn/ml-100k/train.tsv", train_path);
  SRNS_REQUIRE_SHARED("srns-syn/ml-100k/fn_sigma_10.tsv", fn_path);
  const std::string dir = train_path.substr(0, train_path.rfind('/'));
  const Dataset data = read_presplit(train_path, dir + "/test.tsv", "", "");
  TrainConfig c;
  c.srns.s1 = 20;
  c.srns.s2 = 20;
  c.srns.fn_file = fn_path;
  c.srns.fn_num = 1;
  c.epochs = 2;
  c.eval.ks = {1, 3};
  c.eval.metric = "recall@3";
  RunOptions run;
  run.quiet = true;
  double ler[2];
  for (int k = 0; k < 2; ++k) {
    c.srns.sigma = k == 0 ? 0.0f : 1.0f;  // sigma 0: nothing injected, F only counted
    std::unique_ptr<Backend> backend = make_cpu_backend(2);
    const RunSummary s = train(data, c, *backend, run);
    ler[k] = s.epochs.back().label_error_ratio;
    ASSERT_GE(ler[k], 0.0) << "the fn file makes the truth known";
  }
  // Every user's memory holds one of its held-out positives; SRNS picks some of them.
  EXPECT_GT(ler[1], ler[0] + 0.02) << "sigma 0: " << ler[0] << ", sigma 1: " << ler[1];
}

TEST(SharedData, Ml100kTrainsAboveChance) {
  SRNS_REQUIRE_SHARED("ml-100k/u.data", path);
  LogOptions lo;
  lo.min_rating = 4;
  SplitOptions so;
  const Dataset data = split_log(read_log(path, lo), so);
  TrainConfig c;
  c.epochs = 3;
  c.eval.ks = {1, 10};
  c.eval.metric = "ndcg@10";
  RunOptions run;
  run.quiet = true;
  std::unique_ptr<Backend> backend = make_cpu_backend(2);
  const RunSummary s = train(data, c, *backend, run);
  // Chance level with 100 negatives: NDCG@10 ~ 0.04; three epochs of SRNS pass 0.2.
  EXPECT_GT(s.test.at("ndcg@10"), 0.2);
}

}  // namespace
}  // namespace srns
