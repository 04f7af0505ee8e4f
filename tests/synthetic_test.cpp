// Tests of the synthetic generator (src/data/synthetic.cpp): log format, determinism across
// seeds and thread counts, the requested size, the exposure model (min_per_user, truth disjoint
// from the observed pairs, popularity skew, latent structure) and the dataset built from it.
#include "srns/synthetic.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace srns {
namespace {

GenConfig small_config() {
  GenConfig config;
  config.users = 400;
  config.items = 300;
  config.interactions = 8000;
  config.seed = 7;
  return config;
}

std::vector<Pair> observed_pairs(const InteractionLog& log) {
  std::vector<Pair> pairs;
  pairs.reserve(log.rows.size());
  for (const LogRow& row : log.rows) pairs.push_back({std::stoi(row.user), std::stoi(row.item)});
  return pairs;
}

std::set<std::pair<int32_t, int32_t>> pair_set(const std::vector<Pair>& pairs) {
  std::set<std::pair<int32_t, int32_t>> set;
  for (const Pair& p : pairs) set.insert({p.user, p.item});
  return set;
}

// Whether two generator outputs agree row for row, field for field.
void expect_same(const SyntheticData& a, const SyntheticData& b) {
  ASSERT_EQ(a.log.rows.size(), b.log.rows.size());
  for (size_t r = 0; r < a.log.rows.size(); ++r) {
    const LogRow &x = a.log.rows[r], &y = b.log.rows[r];
    ASSERT_TRUE(x.user == y.user && x.item == y.item && x.time == y.time && x.line == y.line &&
                x.rating == y.rating)
        << "first differing row " << r;
  }
  ASSERT_EQ(a.truth.size(), b.truth.size());
  for (size_t k = 0; k < a.truth.size(); ++k) {
    ASSERT_TRUE(a.truth[k].user == b.truth[k].user && a.truth[k].item == b.truth[k].item)
        << "first differing truth pair " << k;
  }
}

std::vector<int64_t> interactions_per_item(const std::vector<Pair>& pairs, int32_t n_items) {
  std::vector<int64_t> count(n_items, 0);
  for (const Pair& p : pairs) ++count[p.item];
  return count;
}

// Share of all interactions held by the 10% most interacted items.
double top_decile_share(const std::vector<Pair>& pairs, int32_t n_items) {
  std::vector<int64_t> count = interactions_per_item(pairs, n_items);
  std::sort(count.rbegin(), count.rend());
  int64_t top = 0;
  for (int32_t i = 0; i < n_items / 10; ++i) top += count[i];
  return static_cast<double>(top) / static_cast<double>(pairs.size());
}

TEST(Synthetic, LogRowsAreOrderedDecimalIdsWithTimes) {
  const GenConfig config = small_config();
  const SyntheticData data = generate(config);
  EXPECT_EQ(data.log.path, "synthetic");
  EXPECT_TRUE(data.log.has_time);
  ASSERT_FALSE(data.log.rows.empty());
  for (size_t r = 0; r < data.log.rows.size(); ++r) {
    const LogRow& row = data.log.rows[r];
    const int32_t user = std::stoi(row.user), item = std::stoi(row.item);
    ASSERT_EQ(row.user, std::to_string(user));
    ASSERT_EQ(row.item, std::to_string(item));
    ASSERT_TRUE(user >= 0 && user < config.users && item >= 0 && item < config.items);
    ASSERT_EQ(row.rating, 1.0);
    ASSERT_EQ(row.line, static_cast<int64_t>(r) + 1);
    ASSERT_TRUE(row.time >= 1000000000 && row.time < 1600000000) << row.time;
    if (r > 0) {
      const LogRow& prev = data.log.rows[r - 1];
      const std::pair<int, int> before{std::stoi(prev.user), std::stoi(prev.item)};
      ASSERT_LT(before, std::make_pair(user, item)) << "rows not ordered by user, item at " << r;
    }
  }
}

TEST(Synthetic, SameSeedSameOutputOtherSeedDiffers) {
  GenConfig config = small_config();
  const SyntheticData first = generate(config);
  expect_same(first, generate(config));
  config.seed += 1;
  const SyntheticData other = generate(config);
  EXPECT_NE(pair_set(observed_pairs(first.log)), pair_set(observed_pairs(other.log)));
  EXPECT_NE(pair_set(first.truth), pair_set(other.truth));
}

TEST(Synthetic, OutputDoesNotDependOnThreadCount) {
  GenConfig config;
  config.users = 17000;  // more than one block of simulated users
  config.items = 400;
  config.interactions = 120000;
  config.seed = 11;
  const int saved_threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const SyntheticData one_thread = generate(config);
  omp_set_num_threads(2);
  const SyntheticData two_threads = generate(config);
  omp_set_num_threads(saved_threads);
  expect_same(one_thread, two_threads);
}

TEST(Synthetic, InteractionCountNearRequest) {
  struct Case {
    int32_t users, items;
    int64_t interactions;
    double exponent, exposure;
    int dim;
  };
  // At least 1000 users: the log-normal liked counts (sigma 0.5) then move the total by ~2%.
  const Case cases[] = {{1000, 300, 20000, 0.8, 0.5, 16}, {1000, 2000, 30000, 1.0, 0.3, 8},
                        {1000, 100, 20000, 0.0, 0.9, 4},  {2000, 500, 20000, 1.5, 0.2, 32},
                        {1000, 5000, 60000, 0.5, 1.0, 3}, {1000, 1000, 160000, 0.8, 0.7, 16}};
  for (const Case& c : cases) {
    GenConfig config;
    config.users = c.users;
    config.items = c.items;
    config.interactions = c.interactions;
    config.popularity_exponent = c.exponent;
    config.exposure = c.exposure;
    config.dim = c.dim;
    config.popularity_bias = 0.0;  // liked items independent of popularity: exact calibration
    const double ratio = static_cast<double>(generate(config).log.rows.size()) / c.interactions;
    EXPECT_NEAR(ratio, 1.0, 0.1) << c.users << " users, " << c.items << " items, " << c.interactions
                                 << " interactions, exponent " << c.exponent << ", exposure "
                                 << c.exposure;
  }
}

TEST(Synthetic, EveryUserGetsMinPerUser) {
  GenConfig config;
  config.users = 500;
  config.items = 400;
  config.interactions = 2500;
  config.min_per_user = 4;
  config.exposure = 0.1;  // most users see too few liked items: the top-up must act
  const SyntheticData data = generate(config);
  std::vector<int> per_user(config.users, 0);
  for (const Pair& p : observed_pairs(data.log)) ++per_user[p.user];
  int at_minimum = 0;
  for (int32_t u = 0; u < config.users; ++u) {
    ASSERT_GE(per_user[u], config.min_per_user) << "user " << u;
    at_minimum += per_user[u] == config.min_per_user;
  }
  EXPECT_GT(at_minimum, 0);
}

TEST(Synthetic, TruthIsSortedNonEmptyAndDisjointFromObserved) {
  const GenConfig config = small_config();
  const SyntheticData data = generate(config);
  ASSERT_FALSE(data.truth.empty());
  const auto observed = pair_set(observed_pairs(data.log));
  for (size_t k = 0; k < data.truth.size(); ++k) {
    const Pair& p = data.truth[k];
    ASSERT_TRUE(p.user >= 0 && p.user < config.users && p.item >= 0 && p.item < config.items);
    ASSERT_EQ(observed.count({p.user, p.item}), 0u)
        << "truth pair observed: " << p.user << "," << p.item;
    if (k > 0) {
      const Pair& q = data.truth[k - 1];
      ASSERT_LT(std::make_pair(q.user, q.item), std::make_pair(p.user, p.item));
    }
  }
}

TEST(Synthetic, InteractionCountNearRequestWithPopularTastes) {
  // Popularity in the affinity makes liked items more exposed than average; the pilot
  // recalibration must bring the count back near the request.
  for (double bias : {0.5, 1.0, 2.0}) {
    GenConfig config;
    config.users = 2000;
    config.popularity_bias = bias;
    const double ratio =
        static_cast<double>(generate(config).log.rows.size()) / config.interactions;
    EXPECT_NEAR(ratio, 1.0, 0.1) << "popularity_bias " << bias;
  }
}

TEST(Synthetic, PopularItemsHoldMostInteractions) {
  GenConfig config;
  config.users = 1000;
  config.items = 1000;
  config.interactions = 30000;
  config.popularity_exponent = 0.8;
  config.popularity_bias = 0.0;  // exposure alone skews the observed data
  const double skewed = top_decile_share(observed_pairs(generate(config).log), config.items);
  EXPECT_GT(skewed, 0.25);
  // Equal exposure: only the latent factors (items with long factor vectors rank high for many
  // users, who like their global top items) lift the top decile, a little above 10%.
  config.popularity_exponent = 0.0;
  const double flat = top_decile_share(observed_pairs(generate(config).log), config.items);
  EXPECT_LT(flat, 0.22);
  EXPECT_GT(skewed, flat + 0.1);
}

// With equal exposure everywhere, observed and truth items are two random halves of the same
// liked sets, so item-item similarity learned from the observed pairs must rank a user's truth
// items above the other unobserved items (AUC > 0.5). Liked sets without latent structure would
// give AUC 0.5.
TEST(Synthetic, TruthItemsResembleObservedItems) {
  GenConfig config;
  config.users = 1500;
  config.items = 300;
  config.interactions = 30000;
  config.dim = 4;
  config.popularity_exponent = 0.0;
  const SyntheticData data = generate(config);
  const int32_t n_items = config.items;
  std::vector<std::vector<int32_t>> items_of(config.users);
  for (const Pair& p : observed_pairs(data.log)) items_of[p.user].push_back(p.item);
  // Cosine similarity of item columns of the observed user x item matrix.
  std::vector<double> cooccur(static_cast<size_t>(n_items) * n_items, 0.0);
  for (const auto& items : items_of) {
    for (int32_t a : items) {
      for (int32_t b : items) cooccur[static_cast<size_t>(a) * n_items + b] += 1.0;
    }
  }
  const auto cosine = [&](int32_t a, int32_t b) {
    const double norm = std::sqrt(cooccur[static_cast<size_t>(a) * n_items + a] *
                                  cooccur[static_cast<size_t>(b) * n_items + b]);
    return norm > 0 ? cooccur[static_cast<size_t>(a) * n_items + b] / norm : 0.0;
  };
  std::vector<std::vector<int32_t>> truth_of(config.users);
  for (const Pair& p : data.truth) truth_of[p.user].push_back(p.item);

  double wins = 0.0, comparisons = 0.0;
  std::vector<double> score(n_items);
  std::vector<char> is_truth(n_items), is_observed(n_items);
  for (int32_t u = 0; u < config.users; u += 5) {
    std::fill(is_truth.begin(), is_truth.end(), 0);
    std::fill(is_observed.begin(), is_observed.end(), 0);
    for (int32_t i : truth_of[u]) is_truth[i] = 1;
    for (int32_t i : items_of[u]) is_observed[i] = 1;
    for (int32_t i = 0; i < n_items; ++i) {
      score[i] = 0.0;
      for (int32_t j : items_of[u]) score[i] += cosine(i, j);
    }
    for (int32_t t : truth_of[u]) {
      for (int32_t other = 0; other < n_items; ++other) {
        if (is_truth[other] || is_observed[other]) continue;
        wins += score[t] > score[other] ? 1.0 : score[t] == score[other] ? 0.5 : 0.0;
        comparisons += 1.0;
      }
    }
  }
  ASSERT_GT(comparisons, 0.0);
  EXPECT_GT(wins / comparisons, 0.65);
}

TEST(Synthetic, InvalidConfigThrowsNamingTheSetting) {
  const auto expect_rejected = [](GenConfig config, const std::string& setting) {
    try {
      generate(config);
      ADD_FAILURE() << "accepted a bad " << setting;
    } catch (const std::invalid_argument& error) {
      EXPECT_NE(std::string(error.what()).find(setting), std::string::npos) << error.what();
    }
  };
  const GenConfig good = small_config();
  GenConfig bad = good;
  bad.users = 0;
  expect_rejected(bad, "users");
  bad = good;
  bad.items = -3;
  expect_rejected(bad, "items");
  bad = good;
  bad.dim = 0;
  expect_rejected(bad, "dim");
  bad = good;
  bad.interactions = good.users * good.min_per_user - 1;
  expect_rejected(bad, "interactions");
  bad = good;
  bad.interactions = static_cast<int64_t>(good.users) * good.items / 2;
  expect_rejected(bad, "interactions");
  bad = good;
  bad.interactions = 50000;  // below users * items / 2, yet beyond what exposure can reach
  expect_rejected(bad, "interactions 50000 cannot be reached");
  bad = good;
  bad.popularity_exponent = -0.1;
  expect_rejected(bad, "popularity_exponent");
  bad = good;
  bad.popularity_exponent = std::nan("");
  expect_rejected(bad, "popularity_exponent");
  bad = good;
  bad.exposure = 0.0;
  expect_rejected(bad, "exposure");
  bad = good;
  bad.exposure = 1.5;
  expect_rejected(bad, "exposure");
  bad = good;
  bad.min_per_user = 0;
  expect_rejected(bad, "min_per_user");
  bad = good;
  bad.min_per_user = good.items / 2;
  expect_rejected(bad, "min_per_user");
}

// The dataset's truth is the generator's truth in the split's dense ids, minus pairs whose item
// never appears in the log (such items are unknown to the dataset).
void check_dataset_truth(const GenConfig& config, const SplitOptions& split,
                         const std::string& protocol, bool expect_dropped) {
  const SyntheticData data = generate(config);
  const Dataset dataset = generate_dataset(config, split);
  EXPECT_NO_THROW(dataset.validate());
  EXPECT_EQ(dataset.source, "synthetic");
  EXPECT_EQ(dataset.protocol, protocol);
  EXPECT_EQ(dataset.n_users, config.users);
  ASSERT_EQ(dataset.truth.rows(), dataset.n_users);

  const auto generated_truth = pair_set(data.truth);
  std::set<std::pair<int32_t, int32_t>> dense_positives;
  for (const Pair& p : dataset.train.to_pairs()) dense_positives.insert({p.user, p.item});
  for (const Pair& p : dataset.val.rows) dense_positives.insert({p.user, p.item});
  for (const Pair& p : dataset.test.rows) dense_positives.insert({p.user, p.item});
  EXPECT_EQ(dense_positives.size(), data.log.rows.size());
  for (const Pair& p : dataset.truth.to_pairs()) {
    const int32_t user = std::stoi(dataset.user_raw[p.user]);
    const int32_t item = std::stoi(dataset.item_raw[p.item]);
    ASSERT_EQ(generated_truth.count({user, item}), 1u) << "not a generated truth pair";
    ASSERT_EQ(dense_positives.count({p.user, p.item}), 0u) << "truth pair is a positive";
  }

  std::vector<char> item_in_log(config.items, 0);
  for (const Pair& p : observed_pairs(data.log)) item_in_log[p.item] = 1;
  int64_t dropped = 0;
  for (const Pair& p : data.truth) dropped += !item_in_log[p.item];
  EXPECT_EQ(dataset.truth.nnz() + dropped, static_cast<int64_t>(data.truth.size()));
  if (expect_dropped) {
    EXPECT_GT(dropped, 0);
  }
}

TEST(SyntheticDataset, LeaveOneOutTruthInDenseIds) {
  SplitOptions split;
  split.eval_negatives = 20;
  check_dataset_truth(small_config(), split, "loo", false);
}

TEST(SyntheticDataset, RatioSplitDropsTruthOfUnseenItems) {
  GenConfig config;
  config.users = 150;
  config.items = 3000;
  config.interactions = 1500;
  config.popularity_exponent = 1.5;  // a long tail of items nobody is shown
  SplitOptions split;
  split.protocol = SplitProtocol::kRatio;
  split.train_share = 0.8;
  split.eval_negatives = 0;
  check_dataset_truth(config, split, "ratio", true);
}

}  // namespace
}  // namespace srns
