// Csr, Dataset::validate, split_log (leave-one-out and ratio) and evaluation negatives.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "data_test_util.hpp"
#include "srns/data.hpp"
#include "test_util.hpp"

namespace srns {
namespace {

InteractionLog make_log(const std::vector<LogRow>& rows, bool has_time = true) {
  InteractionLog log;
  log.path = "test.log";
  log.has_time = has_time;
  log.rows = rows;
  return log;
}

SplitOptions loo(int32_t negatives = 0) {
  SplitOptions options;
  options.eval_negatives = negatives;
  return options;
}

SplitOptions ratio(double train, double val, uint64_t seed, int32_t negatives = 0) {
  SplitOptions options;
  options.protocol = SplitProtocol::kRatio;
  options.train_share = train;
  options.val_share = val;
  options.seed = seed;
  options.eval_negatives = negatives;
  return options;
}

// The same options, accepting a split with no validation and no test rows.
SplitOptions train_only(SplitOptions options) {
  options.allow_no_eval = true;
  return options;
}

// `users` users with `per_user` items each out of `items`, item k of user u = (u + 3k) % items.
InteractionLog dense_log(int users, int per_user, int items) {
  std::vector<LogRow> rows;
  for (int u = 0; u < users; ++u) {
    for (int k = 0; k < per_user; ++k) {
      rows.push_back(
          {"u" + std::to_string(u), std::to_string((u + 3 * k) % items), 1.0, 100 + k, 0});
    }
  }
  return make_log(rows);
}

std::string raw_item(const Dataset& data, const Pair& p) { return data.item_raw[p.item]; }

TEST(Csr, FromPairsSortsAndCollapses) {
  const Csr csr = Csr::from_pairs({{2, 5}, {0, 3}, {2, 1}, {0, 3}, {2, 5}}, 4);
  EXPECT_EQ(csr.rows(), 4);
  EXPECT_EQ(csr.nnz(), 3);
  EXPECT_EQ(csr.offsets, (std::vector<int64_t>{0, 1, 1, 3, 3}));
  EXPECT_EQ(csr.cols, (std::vector<int32_t>{3, 1, 5}));
  EXPECT_TRUE(csr.contains(2, 5));
  EXPECT_FALSE(csr.contains(2, 3));
  EXPECT_FALSE(csr.contains(7, 3));
  const std::vector<Pair> pairs = csr.to_pairs();
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(pairs[1].user, 2);
  EXPECT_EQ(pairs[1].item, 1);
}

TEST(Csr, FromPairsRejectsBadIds) {
  EXPECT_THROW(Csr::from_pairs({{3, 0}}, 3), DataError);
  EXPECT_THROW(Csr::from_pairs({{-1, 0}}, 3), DataError);
  EXPECT_THROW(Csr::from_pairs({{0, -2}}, 3), DataError);
}

TEST(Validate, UserWithEveryItemInTrain) {
  Dataset data;
  data.n_users = 2;
  data.n_items = 2;
  data.train = Csr::from_pairs({{0, 0}, {1, 0}, {1, 1}}, 2);
  data.user_raw = {"ann", "bob"};
  data.item_raw = {"x", "y"};
  EXPECT_DATA_ERROR(data.validate(), "user 1 (raw id 'bob')");
  data.n_items = 3;
  data.item_raw.push_back("z");
  EXPECT_NO_THROW(data.validate());
  data.test.rows = {{0, 2}};
  data.test.n_neg = 2;
  data.test.negatives = {1};
  EXPECT_DATA_ERROR(data.validate(), "test: 1 negatives for 1 rows x 2");
  data.test.negatives = {1, 3};
  EXPECT_DATA_ERROR(data.validate(), "negative item 3");
}

TEST(SplitLog, DenseIdsFollowFirstAppearance) {
  const Dataset data = split_log(
      make_log(
          {{"b", "z", 1, 1, 0}, {"a", "y", 1, 2, 0}, {"b", "y", 1, 3, 0}, {"c", "x", 1, 4, 0}}),
      train_only(ratio(1.0, 0.0, 1)));
  EXPECT_EQ(data.user_raw, (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(data.item_raw, (std::vector<std::string>{"z", "y", "x"}));
  EXPECT_EQ(data.protocol, "ratio");
  EXPECT_EQ(data.source, "test.log");
  EXPECT_EQ(data.train.nnz(), 4);
  EXPECT_TRUE(data.test.empty());
}

TEST(SplitLog, LeaveOneOutByTime) {
  const Dataset data = split_log(make_log({{"u", "a", 1, 40, 0},
                                           {"u", "b", 1, 10, 0},
                                           {"u", "c", 1, 30, 0},
                                           {"u", "d", 1, 20, 0},
                                           {"v", "a", 1, 5, 0},
                                           {"v", "e", 1, 1, 0}}),
                                 loo());
  EXPECT_EQ(data.protocol, "loo");
  ASSERT_EQ(data.test.rows.size(), 1u);
  ASSERT_EQ(data.val.rows.size(), 1u);
  EXPECT_EQ(raw_item(data, data.test.rows[0]), "a");
  EXPECT_EQ(raw_item(data, data.val.rows[0]), "c");
  EXPECT_EQ(data.train.row_size(0), 2);
  // v has only 2 interactions: all stay in train, no evaluation rows.
  EXPECT_EQ(data.train.row_size(1), 2);
  EXPECT_FALSE(data.val.has_negatives());
}

TEST(SplitLog, EqualTimesOrderNumericIdsNumerically) {
  const Dataset data = split_log(
      make_log(
          {{"u", "10", 1, 7, 0}, {"u", "9", 1, 7, 0}, {"u", "100", 1, 7, 0}, {"u", "2", 1, 1, 0}}),
      loo());
  EXPECT_EQ(raw_item(data, data.test.rows[0]), "100");
  EXPECT_EQ(raw_item(data, data.val.rows[0]), "10");
}

TEST(SplitLog, EqualTimesOrderOtherIdsLexicographically) {
  const Dataset data = split_log(
      make_log(
          {{"u", "b", 1, 7, 0}, {"u", "ab", 1, 7, 0}, {"u", "B", 1, 7, 0}, {"u", "z", 1, 1, 0}}),
      loo());
  EXPECT_EQ(raw_item(data, data.test.rows[0]), "b");
  EXPECT_EQ(raw_item(data, data.val.rows[0]), "ab");
}

TEST(SplitLog, LeaveOneOutNeedsTime) {
  EXPECT_DATA_ERROR(split_log(make_log({{"u", "a", 1, 0, 0}}, false), loo()), "timestamps");
}

TEST(SplitLog, EvaluationRowsSortedByUserThenItem) {
  const Dataset data = split_log(dense_log(6, 5, 40), loo());
  for (const EvalSet* set : {&data.val, &data.test}) {
    ASSERT_EQ(set->rows.size(), 6u);
    for (size_t k = 0; k < set->rows.size(); ++k) EXPECT_EQ(set->rows[k].user, int32_t(k));
  }
}

TEST(SplitLog, RatioShares) {
  const Dataset a = split_log(dense_log(5, 10, 40), ratio(0.6, 0.2, 3));
  for (int32_t u = 0; u < a.n_users; ++u) EXPECT_EQ(a.train.row_size(u), 6);
  EXPECT_EQ(a.val.rows.size(), 10u);
  EXPECT_EQ(a.test.rows.size(), 10u);
  const Dataset b = split_log(dense_log(5, 10, 40), ratio(0.8, 0.0, 3));
  EXPECT_TRUE(b.val.empty());
  EXPECT_EQ(b.test.rows.size(), 10u);
  // Every user keeps at least one training row.
  const Dataset c = split_log(dense_log(3, 1, 40), train_only(ratio(0.2, 0.0, 3)));
  EXPECT_EQ(c.train.nnz(), 3);
  EXPECT_TRUE(c.test.empty());
}

// A split that leaves nothing to evaluate is refused, saying why, unless asked for.
TEST(SplitLog, RefusesASplitWithNoEvaluationRows) {
  const InteractionLog few = dense_log(4, 2, 40);  // every user has 2 interactions
  EXPECT_DATA_ERROR(split_log(few, loo()),
                    "test.log: the split would have no validation and no test rows: all 4 users "
                    "have fewer than 3 interactions");
  EXPECT_DATA_ERROR(split_log(few, loo()), "use --train-only");
  EXPECT_DATA_ERROR(split_log(dense_log(3, 1, 40), ratio(0.8, 0.0, 3)),
                    "the --ratio shares round every user's held-out part to 0 rows");
  const Dataset data = split_log(few, train_only(loo()));
  EXPECT_EQ(data.train.nnz(), 8);
  EXPECT_TRUE(data.val.empty() && data.test.empty());
}

TEST(SplitLog, RatioIsSeeded) {
  const InteractionLog log = dense_log(20, 10, 60);
  const Dataset a = split_log(log, ratio(0.5, 0.2, 11));
  const Dataset b = split_log(log, ratio(0.5, 0.2, 11));
  const Dataset c = split_log(log, ratio(0.5, 0.2, 12));
  EXPECT_EQ(a.train.cols, b.train.cols);
  EXPECT_NE(a.train.cols, c.train.cols);
  // The split partitions each user's interactions.
  std::set<std::pair<int, int>> all;
  for (const Pair& p : c.train.to_pairs()) all.insert({p.user, p.item});
  for (const Pair& p : c.val.rows) all.insert({p.user, p.item});
  for (const Pair& p : c.test.rows) all.insert({p.user, p.item});
  EXPECT_EQ(all.size(), log.rows.size());
}

TEST(SplitLog, RejectsBadShares) {
  const InteractionLog log = dense_log(2, 4, 10);
  EXPECT_THROW(split_log(log, ratio(0.9, 0.2, 1)), std::invalid_argument);
  EXPECT_THROW(split_log(log, ratio(-0.1, 0.5, 1)), std::invalid_argument);
  EXPECT_THROW(split_log(log, ratio(1.2, 0.0, 1)), std::invalid_argument);
}

TEST(SplitLog, EvaluationNegatives) {
  const int kNeg = 7;
  const Dataset data = split_log(dense_log(30, 8, 50), loo(kNeg));
  std::map<int32_t, std::set<int32_t>> positives;
  for (const Pair& p : data.train.to_pairs()) positives[p.user].insert(p.item);
  for (const Pair& p : data.val.rows) positives[p.user].insert(p.item);
  for (const Pair& p : data.test.rows) positives[p.user].insert(p.item);
  int differing_rows = 0;
  for (const EvalSet* set : {&data.val, &data.test}) {
    ASSERT_EQ(set->n_neg, kNeg);
    ASSERT_EQ(set->negatives.size(), set->rows.size() * kNeg);
    for (size_t r = 0; r < set->rows.size(); ++r) {
      const int32_t* row = set->negatives.data() + r * kNeg;
      const std::set<int32_t> distinct(row, row + kNeg);
      EXPECT_EQ(distinct.size(), size_t(kNeg)) << "row " << r;
      for (const int32_t item : distinct) {
        EXPECT_EQ(positives[set->rows[r].user].count(item), 0u) << "positive drawn, row " << r;
      }
    }
  }
  for (size_t r = 0; r < data.test.rows.size(); ++r) {
    differing_rows += !std::equal(data.val.negatives.begin() + r * kNeg,
                                  data.val.negatives.begin() + (r + 1) * kNeg,
                                  data.test.negatives.begin() + r * kNeg);
  }
  EXPECT_GT(differing_rows, 25) << "validation and test negatives must be drawn separately";
  EXPECT_EQ(split_log(dense_log(30, 8, 50), loo(kNeg)).test.negatives, data.test.negatives);
}

TEST(SplitLog, TooFewNegativeCandidates) {
  // 10 items; carol touches 6 of them (4 left), dave 3 (7 left).
  std::vector<LogRow> rows;
  for (int k = 0; k < 10; ++k)
    rows.push_back({k < 6 ? "carol" : "dave", "i" + std::to_string(k), 1, k, 0});
  rows.push_back({"dave", "i0", 1, 20, 0});
  const InteractionLog log = make_log(rows);
  EXPECT_DATA_ERROR(split_log(log, loo(5)), "user 'carol' has only 4 of 10 items");
  EXPECT_DATA_ERROR(split_log(log, loo(5)), "smaller --eval-negatives");
  EXPECT_NO_THROW(split_log(log, loo(4)));
}

TEST(SampleEvalNegatives, ExcludesGivenItemsAndIsKeyedByStream) {
  EvalSet set;
  set.rows = {{0, 1}, {1, 2}, {0, 1}};
  const Csr exclude = Csr::from_pairs({{0, 1}, {0, 3}, {1, 2}}, 2);
  sample_eval_negatives(set, exclude, 6, 4, 9, 1);
  ASSERT_EQ(set.negatives.size(), 12u);
  for (size_t r = 0; r < 3; ++r) {
    for (int k = 0; k < 4; ++k) {
      EXPECT_FALSE(exclude.contains(set.rows[r].user, set.negatives[r * 4 + k]));
    }
  }
  EvalSet again = set;
  sample_eval_negatives(again, exclude, 6, 4, 9, 1);
  EXPECT_EQ(again.negatives, set.negatives);
  EvalSet other = set;
  sample_eval_negatives(other, exclude, 6, 4, 9, 2);
  EXPECT_NE(other.negatives, set.negatives);
  EXPECT_THROW(sample_eval_negatives(set, exclude, 6, 5, 9, 1), DataError);
}

TEST(SplitLogShared, MovieLens100KLeaveOneOut) {
  SRNS_REQUIRE_SHARED("ml-100k/u.data", path);
  LogOptions options;
  options.min_rating = 4;
  const InteractionLog log = read_log(path, options);
  const Dataset data = split_log(log, loo(100));
  EXPECT_EQ(data.n_users, 942);
  EXPECT_EQ(data.n_items, 1447);
  // Every user of ML-100K has at least 3 ratings >= 4, so each gets a test and a val row.
  EXPECT_EQ(data.test.rows.size(), 942u);
  EXPECT_EQ(data.val.rows.size(), 942u);
  EXPECT_EQ(data.train.nnz(), 55375 - 2 * 942);
  EXPECT_EQ(data.test.n_neg, 100);
  // The test row is a latest interaction of its user, the validation row the next latest.
  std::map<std::pair<std::string, std::string>, int64_t> time_of;
  for (const LogRow& row : log.rows) time_of[{row.user, row.item}] = row.time;
  const auto time = [&](int32_t user, int32_t item) {
    return time_of.at({data.user_raw[user], data.item_raw[item]});
  };
  for (size_t r = 0; r < data.test.rows.size(); ++r) {
    const Pair test = data.test.rows[r], val = data.val.rows[r];
    ASSERT_EQ(test.user, val.user);
    EXPECT_LE(time(val.user, val.item), time(test.user, test.item));
    for (int64_t k = 0; k < data.train.row_size(test.user); ++k) {
      EXPECT_LE(time(test.user, data.train.row(test.user)[k]), time(val.user, val.item));
    }
  }
}

}  // namespace
}  // namespace srns
