// Tests of the ranking metrics (metrics.hpp): Recall@k = hits / min(k, |G|) and NDCG@k = DCG /
// ideal DCG over min(k, |G|) positions, with the 0-based rank of a target = greater + equal
// (pessimistic ties, default) or greater (optimistic, the official evaluator); queries without
// targets are skipped in the average. Expectations are computed by hand here, and
// parse_metric_name's accepted and rejected spellings.
#include "srns/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace srns {
namespace {

double gain(int rank) { return 1.0 / std::log2(rank + 2.0); }

RankCount rc(int32_t greater, int32_t equal = 0) {
  RankCount r;
  r.greater = greater;
  r.equal = equal;
  return r;
}

Metrics single(int32_t greater, int32_t equal, Ties ties) {
  return compute_metrics({rc(greater, equal)}, {0, 1}, {1, 3}, ties);
}

TEST(ComputeMetrics, SingleTargetRanks) {
  // rank 0: hit everywhere, NDCG 1.
  Metrics m = single(0, 0, Ties::kPessimistic);
  EXPECT_DOUBLE_EQ(m.at("recall@1"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("recall@3"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("ndcg@1"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("ndcg@3"), 1.0);
  // rank 1: outside @1; NDCG@3 = 1/log2(3) = 0.63092975.
  m = single(1, 0, Ties::kPessimistic);
  EXPECT_DOUBLE_EQ(m.at("recall@1"), 0.0);
  EXPECT_DOUBLE_EQ(m.at("recall@3"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("ndcg@1"), 0.0);
  EXPECT_NEAR(m.at("ndcg@3"), 0.6309297535714575, 1e-12);
  // rank 2: the last position inside @3; NDCG@3 = 1/log2(4) = 0.5.
  m = single(2, 0, Ties::kPessimistic);
  EXPECT_DOUBLE_EQ(m.at("recall@3"), 1.0);
  EXPECT_NEAR(m.at("ndcg@3"), 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(m.at("ndcg@1"), 0.0);
  // rank 5: outside both.
  m = single(5, 0, Ties::kPessimistic);
  for (const char* key : {"recall@1", "recall@3", "ndcg@1", "ndcg@3"}) {
    EXPECT_DOUBLE_EQ(m.at(key), 0.0) << key;
  }
  EXPECT_EQ(m.size(), 4u);
}

TEST(ComputeMetrics, TiesPessimisticVersusOptimistic) {
  // One higher, two tied: pessimistic rank 3, optimistic rank 1.
  const Metrics pess = compute_metrics({rc(1, 2)}, {0, 1}, {1, 2, 4}, Ties::kPessimistic);
  EXPECT_DOUBLE_EQ(pess.at("recall@2"), 0.0);
  EXPECT_DOUBLE_EQ(pess.at("recall@4"), 1.0);
  EXPECT_NEAR(pess.at("ndcg@4"), gain(3), 1e-12);  // 1/log2(5) = 0.43067656
  const Metrics opt = compute_metrics({rc(1, 2)}, {0, 1}, {1, 2, 4}, Ties::kOptimistic);
  EXPECT_DOUBLE_EQ(opt.at("recall@1"), 0.0);
  EXPECT_DOUBLE_EQ(opt.at("recall@2"), 1.0);
  EXPECT_NEAR(opt.at("ndcg@2"), 0.6309297535714575, 1e-12);
  EXPECT_NEAR(opt.at("ndcg@4"), 0.6309297535714575, 1e-12);
  // Ties alone: optimistic puts the target on top.
  const Metrics top = compute_metrics({rc(0, 5)}, {0, 1}, {1}, Ties::kOptimistic);
  EXPECT_DOUBLE_EQ(top.at("recall@1"), 1.0);
  EXPECT_DOUBLE_EQ(top.at("ndcg@1"), 1.0);
}

// A constant model ties the target with all N = 100 negatives: zero for every k <= N under
// pessimistic ties, a perfect score under optimistic ties.
TEST(ComputeMetrics, ConstantModelScoresZeroPessimistic) {
  const int n_neg = 100;
  std::vector<RankCount> ranks;
  std::vector<int64_t> offsets = {0};
  for (int q = 0; q < 50; ++q) {
    ranks.push_back(rc(0, n_neg));
    offsets.push_back(offsets.back() + 1);
  }
  const std::vector<int> ks = {1, 3, 5, 10, 20, 100};
  const Metrics pess = compute_metrics(ranks, offsets, ks, Ties::kPessimistic);
  for (const auto& [key, value] : pess) EXPECT_EQ(value, 0.0) << key;
  EXPECT_EQ(pess.size(), 12u);
  const Metrics opt = compute_metrics(ranks, offsets, ks, Ties::kOptimistic);
  for (const auto& [key, value] : opt) EXPECT_DOUBLE_EQ(value, 1.0) << key;
  // k = N + 1 reaches the bottom of the list.
  const Metrics all = compute_metrics(ranks, offsets, {n_neg + 1}, Ties::kPessimistic);
  EXPECT_DOUBLE_EQ(all.at("recall@101"), 1.0);
  EXPECT_NEAR(all.at("ndcg@101"), gain(n_neg), 1e-12);
}

// One query with |G| = 3 targets at ranks 0, 2, 7 (full ranking: each target ranked against
// the non-targets only).
TEST(ComputeMetrics, MultiTargetQuery) {
  const std::vector<RankCount> ranks = {rc(0), rc(2), rc(7)};
  const Metrics m = compute_metrics(ranks, {0, 3}, {1, 2, 3, 5, 10}, Ties::kPessimistic);
  // k = 1: hits 1 / min(1,3) = 1; DCG 1, IDCG 1.
  EXPECT_DOUBLE_EQ(m.at("recall@1"), 1.0);
  EXPECT_DOUBLE_EQ(m.at("ndcg@1"), 1.0);
  // k = 2: hits 1 / 2; DCG 1, IDCG 1 + 1/log2(3).
  EXPECT_DOUBLE_EQ(m.at("recall@2"), 0.5);
  EXPECT_NEAR(m.at("ndcg@2"), 1.0 / (1.0 + 0.6309297535714575), 1e-12);
  // k = 3: hits 2 / 3; DCG 1 + 1/2, IDCG 1 + 1/log2(3) + 1/2.
  EXPECT_NEAR(m.at("recall@3"), 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.at("ndcg@3"), 1.5 / 2.1309297535714575, 1e-12);
  // k = 5: hits 2 / min(5,3); IDCG still over 3 positions.
  EXPECT_NEAR(m.at("recall@5"), 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.at("ndcg@5"), 1.5 / 2.1309297535714575, 1e-12);
  // k = 10: all three hit; DCG 1 + 1/2 + 1/log2(9).
  EXPECT_DOUBLE_EQ(m.at("recall@10"), 1.0);
  EXPECT_NEAR(m.at("ndcg@10"), (1.5 + 0.31546487678572877) / 2.1309297535714575, 1e-12);
}

TEST(ComputeMetrics, AveragesOverQueriesAndSkipsEmptyOnes) {
  // Queries: [rank 0], [], [rank 1], [] (trailing), [ranks 0 and 4].
  const std::vector<RankCount> ranks = {rc(0), rc(1), rc(0), rc(4)};
  const std::vector<int64_t> offsets = {0, 1, 1, 2, 2, 4};
  const Metrics m = compute_metrics(ranks, offsets, {1, 2}, Ties::kPessimistic);
  // recall@1: (1 + 0 + 1) / 3; recall@2: (1 + 1 + 1/2) / 3.
  EXPECT_NEAR(m.at("recall@1"), 2.0 / 3.0, 1e-12);
  EXPECT_NEAR(m.at("recall@2"), 2.5 / 3.0, 1e-12);
  // ndcg@2: (1 + 1/log2(3) + 1/(1 + 1/log2(3))) / 3.
  const double g1 = 0.6309297535714575;
  EXPECT_NEAR(m.at("ndcg@2"), (1.0 + g1 + 1.0 / (1.0 + g1)) / 3.0, 1e-12);
  // No queries with targets at all: zeros, not NaN.
  const Metrics none = compute_metrics({}, {0, 0, 0}, {1}, Ties::kPessimistic);
  EXPECT_EQ(none.at("recall@1"), 0.0);
  EXPECT_EQ(none.at("ndcg@1"), 0.0);
}

TEST(ParseMetricName, AcceptsValidNames) {
  std::string kind;
  int k = 0;
  parse_metric_name("recall@1", &kind, &k);
  EXPECT_EQ(kind, "recall");
  EXPECT_EQ(k, 1);
  parse_metric_name("ndcg@10", &kind, &k);
  EXPECT_EQ(kind, "ndcg");
  EXPECT_EQ(k, 10);
  parse_metric_name("ndcg@200", &kind, &k);
  EXPECT_EQ(k, 200);
}

TEST(ParseMetricName, RejectsInvalidNames) {
  for (const char* bad : {"ndcg", "recall", "map@1", "recall@0", "recall@x", "recall@-3", "recall@",
                          "recall@10x", "NDCG@1", "@5", "", "recall@99999999999"}) {
    std::string kind;
    int k = 0;
    EXPECT_THROW(parse_metric_name(bad, &kind, &k), std::invalid_argument) << "'" << bad << "'";
  }
}

}  // namespace
}  // namespace srns
