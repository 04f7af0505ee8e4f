// Tests of the SRNS sampling state helpers (sampler.hpp): the history ring (history_records,
// history_slot), sorted_contains, the distinct and non-positive draws, the initial memory, the
// eq. 4 selection select_entry on a hand-built dense-history view whose argmax is worked out
// by hand, and the eq. 3 memory refresh (distinct pool slots, determinism per
// (seed, epoch, batch, user), a low-temperature case that must keep the top-scoring slots, and
// false-negative injection).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include "srns/math.hpp"
#include "srns/rng.hpp"
#include "srns/samplers/srns.hpp"

namespace srns {
namespace {

double sigmoid_d(double x) { return 1.0 / (1.0 + std::exp(-x)); }

double pop_sd_d(const std::vector<double>& x) {
  double mean = 0.0, var = 0.0;
  for (double v : x) mean += v;
  mean /= x.size();
  for (double v : x) var += (v - mean) * (v - mean);
  return std::sqrt(var / x.size());
}

TEST(HistoryRecords, WindowFillsThenSaturates) {
  const int want5[] = {1, 1, 2, 3, 4, 5, 5, 5};  // t = 0..7, W = 5
  for (int t = 0; t < 8; ++t) EXPECT_EQ(history_records(t, 5), want5[t]) << "t " << t;
  EXPECT_EQ(history_records(400, 5), 5);
  EXPECT_EQ(history_records(0, 1), 1);
  EXPECT_EQ(history_records(3, 1), 1);
}

TEST(HistorySlot, RingSlotsFromMinusOne) {
  const int want[] = {4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2};  // s = -1..12, W = 5
  for (int s = -1; s <= 12; ++s) EXPECT_EQ(history_slot(s, 5), want[s + 1]) << "s " << s;
  EXPECT_EQ(history_slot(-1, 1), 0);
  EXPECT_EQ(history_slot(int64_t{1} << 40, 3), static_cast<int>((int64_t{1} << 40) % 3));
}

TEST(SortedContains, SmallAndLargeRows) {
  const int32_t row[] = {1, 3, 4, 7, 10};
  for (int32_t x : {1, 3, 4, 7, 10}) EXPECT_TRUE(sorted_contains(row, 5, x)) << x;
  for (int32_t x : {-1, 0, 2, 5, 6, 8, 9, 11, 100}) EXPECT_FALSE(sorted_contains(row, 5, x)) << x;
  EXPECT_FALSE(sorted_contains(row, 0, 1));
  EXPECT_TRUE(sorted_contains(row, 1, 1));
  EXPECT_FALSE(sorted_contains(row, 1, 3));
  std::vector<int32_t> evens;
  for (int32_t x = 0; x < 200; x += 2) evens.push_back(x);
  for (int32_t x = -1; x <= 200; ++x) {
    EXPECT_EQ(sorted_contains(evens.data(), static_cast<int64_t>(evens.size()), x),
              x >= 0 && x < 200 && x % 2 == 0)
        << x;
  }
}

TEST(DrawDistinct, DistinctInRangeAvoidingPrefilled) {
  for (uint32_t sample = 0; sample < 50; ++sample) {
    PhiloxStream s = make_stream(3, kRngExtend, 0, 0u, sample);
    int32_t out[7] = {3, 7};
    draw_distinct(&s, out, 2, 5, 10);
    EXPECT_EQ(out[0], 3);
    EXPECT_EQ(out[1], 7);
    const std::set<int32_t> seen(out, out + 7);
    EXPECT_EQ(seen.size(), 7u) << "sample " << sample;
    for (int32_t x : out) {
      EXPECT_GE(x, 0);
      EXPECT_LT(x, 10);
    }
  }
  // Filling the range completely gives the complement of the prefilled values.
  PhiloxStream s = make_stream(4, kRngExtend, 0, 0u, 0u);
  int32_t full[6] = {5, 0};
  draw_distinct(&s, full, 2, 4, 6);
  std::vector<int32_t> rest(full + 2, full + 6);
  std::sort(rest.begin(), rest.end());
  EXPECT_EQ(rest, (std::vector<int32_t>{1, 2, 3, 4}));
}

TEST(InitMemoryRow, DistinctPoolSlotsAfterFalseNegativeEntries) {
  std::vector<int32_t> row(8);
  for (int32_t u = 0; u < 20; ++u) {
    init_memory_row(9, u, 8, 0, 3000, row.data());
    EXPECT_EQ(std::set<int32_t>(row.begin(), row.end()).size(), 8u);
    for (int32_t x : row) {
      EXPECT_GE(x, 0);
      EXPECT_LT(x, 3000);
    }
  }
  // fn_u = 2: entries 0 and 1 are false-negative indices 0 and 1, then 6 distinct pool slots.
  init_memory_row(9, 4, 8, 2, 3000, row.data());
  EXPECT_EQ(row[0], 0);
  EXPECT_EQ(row[1], 1);
  EXPECT_EQ(std::set<int32_t>(row.begin() + 2, row.end()).size(), 6u);
  // S1 = V: every slot once.
  init_memory_row(9, 4, 8, 0, 8, row.data());
  std::vector<int32_t> sorted = row;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  // Deterministic per (seed, user), different across users and seeds.
  std::vector<int32_t> a(8), b(8), c(8), d(8);
  init_memory_row(9, 5, 8, 0, 3000, a.data());
  init_memory_row(9, 5, 8, 0, 3000, b.data());
  init_memory_row(9, 6, 8, 0, 3000, c.data());
  init_memory_row(10, 5, 8, 0, 3000, d.data());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, d);
}

// Pool of user 2 with training positives {1, 3, 4, 7} out of 10 items, V = 6000 slots filled
// chunk by chunk: pool items avoid the positives and are uniform over the 6 others
// (chi-square, 5 dof, critical value 20.52 at p = 0.001).
std::vector<int32_t> whole_pool(uint64_t seed, int64_t p, int32_t u, int32_t pool_size) {
  const int32_t row[] = {1, 3, 4, 7};
  std::vector<int32_t> pool(pool_size, -1);
  const int32_t chunks = (pool_size + kPoolChunk - 1) / kPoolChunk;
  for (int32_t c = 0; c < chunks; ++c) {
    pool_chunk(seed, p, u, c, pool_size, row, 4, 10, pool.data() + c * kPoolChunk);
  }
  return pool;
}

TEST(PoolChunk, NeverAPositiveAndUniformOverTheRest) {
  const std::vector<int32_t> pool = whole_pool(21, 0, 2, 6000);
  std::vector<int64_t> counts(10, 0);
  for (size_t v = 0; v < pool.size(); ++v) {
    const int32_t item = pool[v];
    ASSERT_GE(item, 0) << "slot " << v;
    ASSERT_LT(item, 10);
    ASSERT_FALSE(item == 1 || item == 3 || item == 4 || item == 7) << "slot " << v;
    ++counts[item];
  }
  const double expected = pool.size() / 6.0;
  double chi2 = 0.0;
  for (int32_t i : {0, 2, 5, 6, 8, 9}) {
    EXPECT_GT(counts[i], 0) << "item " << i;
    chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
  }
  EXPECT_LT(chi2, 20.52);
}

TEST(PoolChunk, DeterministicAndDistinctAcrossChunksPoolsUsers) {
  const std::vector<int32_t> a = whole_pool(21, 0, 2, 320);
  EXPECT_EQ(whole_pool(21, 0, 2, 320), a);
  // About 1/6 of the slots agree by chance between independent pools.
  auto agreement = [&](const std::vector<int32_t>& b, size_t off) {
    int same = 0;
    for (size_t v = 0; v + off < a.size(); ++v) same += a[v] == b[v + off];
    return same;
  };
  EXPECT_LT(agreement(whole_pool(21, 1, 2, 320), 0), 100);  // next pool
  EXPECT_LT(agreement(whole_pool(21, 0, 3, 320), 0), 100);  // other user
  EXPECT_LT(agreement(whole_pool(22, 0, 2, 320), 0), 100);  // other seed
  // Chunks are not copies of one another (a chunk keyed without its index would repeat).
  int same_as_chunk0 = 0;
  for (int v = kPoolChunk; v < 320; ++v) same_as_chunk0 += a[v] == a[v % kPoolChunk];
  EXPECT_LT(same_as_chunk0, 100);
}

// V = 40: the last chunk (c = 2) holds slots 32..39 and writes 8 items, nothing beyond.
TEST(PoolChunk, LastChunkIsPartial) {
  const int32_t row[] = {1, 3, 4, 7};
  std::vector<int32_t> out(kPoolChunk, -7);
  pool_chunk(5, 0, 0, 2, 40, row, 4, 10, out.data());
  for (int k = 0; k < 8; ++k) {
    EXPECT_GE(out[k], 0) << k;
    EXPECT_FALSE(sorted_contains(row, 4, out[k])) << k;
  }
  for (int k = 8; k < kPoolChunk; ++k) EXPECT_EQ(out[k], -7) << k;
}

// Dense-layout SRNS state small enough to fill by hand: U = 2 users, I = 6 items, F = 2,
// S1 = 3, W = 5, V = 4. The user factor pb = (1, 0) and item rows (score_i, 7) make the fresh
// score of item i exactly score_i.
struct DenseState {
  static constexpr int32_t kUsers = 2, kItems = 6, kDim = 2, kS1 = 3, kWindow = 5, kPool = 4;
  std::vector<int64_t> train_off = {0, 1, 2};
  std::vector<int32_t> train_cols = {0, 1};  // user 0 likes item 0, user 1 item 1
  std::vector<int32_t> pool = {2, 3, 4, 5,   // user 0
                               5, 4, 3, 2};  // user 1
  std::vector<float> hist = std::vector<float>(kWindow * kUsers * kItems, 0.0f);
  std::vector<float> items = std::vector<float>(kItems * kDim, 7.0f);
  const float pb[2] = {1.0f, 0.0f};
  // GMF scores c_u · q with the context pb given directly (the policy never reads beta here).
  GmfScorer scorer() const {
    return GmfScorer(ModelView{ModelKind::kGmf, kDim, nullptr, nullptr, nullptr, kDim});
  }

  DenseState() {
    const float fresh[kItems] = {0.0f, 0.0f, 0.5f, 1.0f, 0.2f, -1.0f};
    for (int i = 0; i < kItems; ++i) items[i * kDim] = fresh[i];
  }
  void set_hist(int slot, int32_t u, int32_t item, float value) {
    hist[(u * kItems + item) * kWindow + slot] = value;  // [U][I][W] runs (srns.hpp)
  }
  SrnsView view(bool raw = false) const {
    SrnsView v{};
    v.n_users = kUsers;
    v.n_items = kItems;
    v.dim = kDim;
    v.s1 = kS1;
    v.s2 = 0;
    v.window = kWindow;
    v.pool_size = kPool;
    v.fn_num = 0;
    v.seed = 1;
    v.inv_tau = 1.0f;
    v.dense = true;
    v.raw_variance = raw;
    v.train_off = train_off.data();
    v.train_cols = train_cols.data();
    v.fn_off = nullptr;
    v.fn_cols = nullptr;
    v.n_train = 2;
    v.pool = pool.data();
    v.hist = hist.data();
    v.hist_tracked = nullptr;
    v.n_tracked = 0;
    return v;
  }
  // select_entry for the positive (u, i) with fresh r_pos = 0.
  int select(const SrnsView& v, int t, float alpha_t, int32_t u, int32_t i,
             const int32_t* mem) const {
    return select_entry(v, t, alpha_t, u, i, u, scorer(), pb, items.data(), 0.0f, mem);
  }
};

// User 0's memory {0, 1, 2} holds pool items 2, 3, 4 with fresh scores 0.5, 1.0, 0.2, so
// P_pos = sigmoid(r_k - 0) ranks entry 1 first.
const int32_t kMem0[3] = {0, 1, 2};

TEST(SelectEntry, AlphaZeroPicksHighestPPos) {
  DenseState st;
  // High variance on entry 2 that alpha_t = 0 must ignore.
  for (int s = 0; s < 5; ++s) st.set_hist(s, 0, 4, s % 2 ? 3.0f : -3.0f);
  EXPECT_EQ(st.select(st.view(), 5, 0.0f, 0, 0, kMem0), 1);
}

TEST(SelectEntry, LargeAlphaPicksHighVarianceEntry) {
  DenseState st;
  // Entry 2 (item 4): recorded -3, 3, -3, 3, -3 against h_pos = 0 in the 5 records of t = 5.
  for (int s = 0; s < 5; ++s) st.set_hist(s, 0, 4, s % 2 ? 3.0f : -3.0f);
  // By hand: sd of {s(-3), s(3), s(-3), s(3), s(-3)} = 0.4434 (s = sigmoid); values
  // 0.6225, 0.7311, 0.5498 + 5 * 0.4434 = 2.767.
  const double sd =
      pop_sd_d({sigmoid_d(-3), sigmoid_d(3), sigmoid_d(-3), sigmoid_d(3), sigmoid_d(-3)});
  ASSERT_NEAR(sd, 0.4434, 1e-4);
  ASSERT_GT(sigmoid_d(0.2) + 5.0 * sd, sigmoid_d(1.0));
  EXPECT_EQ(st.select(st.view(), 5, 5.0f, 0, 0, kMem0), 2);
  // A small alpha does not overcome the P_pos gap 0.7311 - 0.5498 = 0.1813 (0.3 * 0.4434).
  EXPECT_EQ(st.select(st.view(), 5, 0.3f, 0, 0, kMem0), 1);
  // 0.5 * 0.4434 = 0.2217 > 0.1813: entry 2 again.
  EXPECT_EQ(st.select(st.view(), 5, 0.5f, 0, 0, kMem0), 2);
}

// At t = 0 only the pre-training record (s = -1, slot 4) exists, so sd = 0 for every entry even
// where the other slots vary, and the highest P_pos wins for any alpha.
TEST(SelectEntry, FirstEpochHasOneRecordAndNoSpread) {
  DenseState st;
  for (int s = 0; s < 4; ++s) st.set_hist(s, 0, 4, s % 2 ? 3.0f : -3.0f);
  st.set_hist(4, 0, 4, 1.5f);
  EXPECT_EQ(st.select(st.view(), 0, 100.0f, 0, 0, kMem0), 1);
}

// At t = 2 the records are epochs 0 and 1 (slots 0, 1); slots 2..4 are stale and ignored.
TEST(SelectEntry, ReadsOnlyTheRecordsOfTheWindow) {
  DenseState st;
  st.set_hist(0, 0, 2, -2.0f);  // entry 0 varies in the live records
  st.set_hist(1, 0, 2, 2.0f);
  for (int s = 2; s < 5; ++s) st.set_hist(s, 0, 4, s % 2 ? 4.0f : -4.0f);  // entry 2: stale
  // By hand: entry 0 sd = (s(2) - s(-2)) / 2 = 0.3808; 0.6225 + 5 * 0.3808 = 2.53 wins.
  EXPECT_EQ(st.select(st.view(), 2, 5.0f, 0, 0, kMem0), 0);
  // At t = 7 the window covers all five slots (records 2..6): entry 2's spread
  // {0, 0, -4, 4, -4} beats entry 0's {-2, 2, 0, 0, 0} (P_pos sd 0.3607 vs 0.2408).
  const double sd0 = pop_sd_d({sigmoid_d(-2), sigmoid_d(2), 0.5, 0.5, 0.5});
  const double sd2 = pop_sd_d({0.5, 0.5, sigmoid_d(-4), sigmoid_d(4), sigmoid_d(-4)});
  ASSERT_GT(sigmoid_d(0.2) + 5.0 * sd2, sigmoid_d(0.5) + 5.0 * sd0);
  EXPECT_EQ(st.select(st.view(), 7, 5.0f, 0, 0, kMem0), 2);
}

// The spread is of sigmoid(h_k - h_pos) per record: a candidate that moves with the positive
// has none, candidates that stay put while the positive moves have some. raw_variance uses the
// candidate's raw recorded score instead, which reverses the choice.
TEST(SelectEntry, SpreadIsOfPPosAgainstThePositivesRecords) {
  DenseState st;
  const float h_pos[5] = {-4.0f, 4.0f, -4.0f, 4.0f, -4.0f};
  for (int s = 0; s < 5; ++s) {
    st.set_hist(s, 0, 0, h_pos[s]);         // positive item 0
    st.set_hist(s, 0, 2, h_pos[s] + 1.0f);  // entry 0 tracks it: P = sigmoid(1) constant
  }
  // Entries 1 and 2 (items 3, 4) stay at 0: equal sd, so the fresh P_pos decides: entry 1.
  EXPECT_EQ(st.select(st.view(), 5, 5.0f, 0, 0, kMem0), 1);
  // Raw scores: entry 0 varies (-3, 5, ...), entries 1 and 2 do not.
  EXPECT_EQ(st.select(st.view(true), 5, 5.0f, 0, 0, kMem0), 0);
}

// Each record pairs the candidate's and the positive's scores of the same epoch. At t = 2
// (records 0 and 1): the positive scored 0, 0 (and 6 in the stale slot 2); entry 2 (item 4)
// scored 0, 6, so its P_pos record is s(0), s(6) with sd 0.4988 and it wins (0.5498 + 2.494),
// while entries 0 and 1 have no spread. Shifting the positive's records by one epoch would
// pair (0, 0), (6, 6) instead and move the spread to entries 0 and 1.
TEST(SelectEntry, PairsRecordsOfTheSameEpoch) {
  DenseState st;
  st.set_hist(2, 0, 0, 6.0f);
  st.set_hist(1, 0, 4, 6.0f);
  EXPECT_EQ(st.select(st.view(), 2, 5.0f, 0, 0, kMem0), 2);
}

TEST(SelectEntry, FirstMaximumWinsAndUsersAreSeparate) {
  DenseState st;
  // Equal fresh scores and no spread: entry 0.
  st.items[3 * DenseState::kDim] = 0.5f;
  EXPECT_EQ(st.select(st.view(), 5, 5.0f, 0, 0, kMem0), 0);
  // User 1 (pool 5, 4, 3, 2): memory {3, 2, 1} holds items 2, 3, 4 again. Only user 1's
  // record of item 2 varies, only user 0's record of item 4 does.
  for (int s = 0; s < 5; ++s) {
    st.set_hist(s, 1, 2, s % 2 ? 3.0f : -3.0f);
    st.set_hist(s, 0, 4, s % 2 ? 3.0f : -3.0f);
    // User 0's record of item 1 (user 1's positive) moves the same way: read for user 1 by
    // mistake, it would cancel entry 0's spread and hand it to entries 1 and 2.
    st.set_hist(s, 0, 1, s % 2 ? 3.0f : -3.0f);
  }
  const int32_t mem1[3] = {3, 2, 1};
  EXPECT_EQ(st.select(st.view(), 5, 5.0f, 1, 1, mem1), 0);
  EXPECT_EQ(st.select(st.view(), 5, 5.0f, 0, 0, kMem0), 2);
}

// Refresh fixture: 3 users, 40 items, F = 4, V = 20, S1 = 4, S2 = 10. pb = (1, 0, 0, 0) and item
// i's first coordinate 0.05 * i make item i's score 0.05 * i.
struct RefreshState {
  static constexpr int32_t kUsers = 3, kItems = 40, kDim = 4, kPool = 20;
  std::vector<int32_t> pool;
  std::vector<float> items = std::vector<float>(kItems * kDim, 0.25f);
  std::vector<int64_t> fn_off = {0, 3, 3, 4};
  std::vector<int32_t> fn_cols = {30, 31, 32, 33};
  const float pb[4] = {1.0f, 0.0f, 0.0f, 0.0f};
  GmfScorer scorer() const {
    return GmfScorer(ModelView{ModelKind::kGmf, kDim, nullptr, nullptr, nullptr, kDim});
  }

  RefreshState() {
    for (int i = 0; i < kItems; ++i) items[i * kDim] = 0.05f * i;
    for (int32_t u = 0; u < kUsers; ++u) {
      for (int32_t v = 0; v < kPool; ++v) pool.push_back((7 * v + 3 * u) % kItems);
    }
  }
  SrnsView view(int s1, int s2, float inv_tau, int fn_num) const {
    SrnsView v{};
    v.n_users = kUsers;
    v.n_items = kItems;
    v.dim = kDim;
    v.s1 = s1;
    v.s2 = s2;
    v.window = 5;
    v.pool_size = kPool;
    v.fn_num = fn_num;
    v.seed = 12345;
    v.inv_tau = inv_tau;
    v.dense = true;
    v.fn_off = fn_num > 0 ? fn_off.data() : nullptr;
    v.fn_cols = fn_num > 0 ? fn_cols.data() : nullptr;
    v.pool = pool.data();
    return v;
  }
  std::vector<int32_t> refresh(const SrnsView& v, int t, int64_t batch, int32_t u,
                               const std::vector<int32_t>& mem) const {
    std::vector<int32_t> out(v.s1, -1);
    refresh_memory(v, t, batch, u, scorer(), pb, items.data(), mem.data(), out.data());
    return out;
  }
};

void expect_distinct_slots(const std::vector<int32_t>& out, size_t from, int32_t pool) {
  EXPECT_EQ(std::set<int32_t>(out.begin() + from, out.end()).size(), out.size() - from);
  for (size_t k = from; k < out.size(); ++k) {
    EXPECT_GE(out[k], 0);
    EXPECT_LT(out[k], pool);
  }
}

TEST(RefreshMemory, DistinctSlotsDeterministicPerBatch) {
  RefreshState st;
  const SrnsView v = st.view(4, 10, 0.1f, 0);
  for (int32_t u = 0; u < RefreshState::kUsers; ++u) {
    std::vector<int32_t> mem(4);
    init_memory_row(v.seed, u, 4, 0, RefreshState::kPool, mem.data());
    const std::vector<int32_t> a = st.refresh(v, 3, 7, u, mem);
    expect_distinct_slots(a, 0, RefreshState::kPool);
    EXPECT_EQ(st.refresh(v, 3, 7, u, mem), a) << "user " << u;
    EXPECT_NE(st.refresh(v, 3, 8, u, mem), a) << "user " << u;
    EXPECT_NE(st.refresh(v, 4, 7, u, mem), a) << "user " << u;
    // Writing in place over the memory row gives the same result.
    std::vector<int32_t> in_place = mem;
    refresh_memory(v, 3, 7, u, st.scorer(), st.pb, st.items.data(), in_place.data(),
                   in_place.data());
    EXPECT_EQ(in_place, a);
  }
}

// Low temperature (1/tau = 1e4: score gaps of 0.05 become key gaps of 500, far beyond the
// Gumbel noise of a float uniform, within (-2.9, 17.4)) with S2 = V - S1 makes every pool slot
// a candidate: the refresh must return the S1 top-scoring slots, best first.
TEST(RefreshMemory, LowTemperatureKeepsTopScoringSlots) {
  RefreshState st;
  const SrnsView v = st.view(4, RefreshState::kPool - 4, 1e4f, 0);
  for (int32_t u = 0; u < RefreshState::kUsers; ++u) {
    std::vector<int32_t> slots(RefreshState::kPool);
    for (int32_t k = 0; k < RefreshState::kPool; ++k) slots[k] = k;
    std::sort(slots.begin(), slots.end(), [&](int32_t a, int32_t b) {
      return st.pool[u * RefreshState::kPool + a] > st.pool[u * RefreshState::kPool + b];
    });
    const std::vector<int32_t> want(slots.begin(), slots.begin() + 4);
    for (int64_t batch = 0; batch < 5; ++batch) {
      std::vector<int32_t> mem(4);
      init_memory_row(v.seed + batch, u, 4, 0, RefreshState::kPool, mem.data());
      EXPECT_EQ(st.refresh(v, 0, batch, u, mem), want) << "user " << u << " batch " << batch;
    }
  }
}

// With fewer extra candidates, a memory slot that holds the best item of the pool must stay
// (it is always a candidate) and come first.
TEST(RefreshMemory, LowTemperatureKeepsBestMemorySlot) {
  RefreshState st;
  const SrnsView v = st.view(4, 6, 1e4f, 0);
  // User 0's pool item of slot v is 7v mod 40: slot 17 holds item 39, the best.
  ASSERT_EQ(st.pool[17], 39);
  for (int64_t batch = 0; batch < 20; ++batch) {
    const std::vector<int32_t> mem = {2, 17, 5, 9};
    const std::vector<int32_t> out = st.refresh(v, 1, batch, 0, mem);
    EXPECT_EQ(out[0], 17) << "batch " << batch;
    expect_distinct_slots(out, 0, RefreshState::kPool);
  }
}

// fn_num = 1: user 0 (3 false negatives) gets entry 0 redrawn uniformly from {0, 1, 2} at every
// refresh (chi-square, 2 dof, critical value 13.82 at p = 0.001); user 1 (none) gets 4 pool
// slots; user 2 (exactly 1) always index 0.
TEST(RefreshMemory, FalseNegativeEntryIndexesTheUsersSet) {
  RefreshState st;
  const SrnsView v = st.view(4, 10, 0.1f, 1);
  ASSERT_EQ(v.fn_count(0), 1);
  ASSERT_EQ(v.fn_count(1), 0);
  ASSERT_EQ(v.fn_count(2), 1);
  std::vector<int64_t> counts(3, 0);
  const int batches = 3000;
  for (int64_t batch = 0; batch < batches; ++batch) {
    std::vector<int32_t> mem(4);
    init_memory_row(v.seed, 0, 4, 1, RefreshState::kPool, mem.data());
    ASSERT_EQ(mem[0], 0);
    const std::vector<int32_t> out = st.refresh(v, 2, batch, 0, mem);
    ASSERT_GE(out[0], 0);
    ASSERT_LT(out[0], 3);
    ++counts[out[0]];
    expect_distinct_slots(out, 1, RefreshState::kPool);
    // The entry maps to the user's own false negatives.
    EXPECT_EQ(v.entry_item(0, 0, out[0]), st.fn_cols[out[0]]);
  }
  double chi2 = 0.0;
  for (int64_t c : counts) chi2 += (c - batches / 3.0) * (c - batches / 3.0) / (batches / 3.0);
  EXPECT_LT(chi2, 13.82);

  std::vector<int32_t> mem1(4);
  init_memory_row(v.seed, 1, 4, 0, RefreshState::kPool, mem1.data());
  expect_distinct_slots(st.refresh(v, 2, 0, 1, mem1), 0, RefreshState::kPool);

  std::vector<int32_t> mem2(4);
  init_memory_row(v.seed, 2, 4, 1, RefreshState::kPool, mem2.data());
  for (int64_t batch = 0; batch < 10; ++batch) {
    const std::vector<int32_t> out = st.refresh(v, 2, batch, 2, mem2);
    EXPECT_EQ(out[0], 0);
    EXPECT_EQ(v.entry_item(2, 0, out[0]), 33);
    expect_distinct_slots(out, 1, RefreshState::kPool);
  }
}

}  // namespace
}  // namespace srns
