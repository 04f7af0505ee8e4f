// Tests of the counter-based randomness (rng.hpp) and of what is built on it directly: the
// Philox4x32-10 block against Random123's known-answer vectors, PhiloxStream's block order and
// its below()/open01() maps, make_stream's counter layout
//     key = (seed lo, seed hi), ctr = (c0 = draw, c1 = sample, c2 = batch,
//                                      c3 = (epoch + 1) << 8 | purpose),
// the epoch shuffle (shuffle_key, epoch_order) and batches_per_epoch.
// Statistical checks are chi-square tests at p = 0.001 with fixed seeds, so they are
// deterministic: a pass stays a pass.
#include "srns/rng.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "srns/backend.hpp"
#include "srns/samplers/srns.hpp"

namespace srns {
namespace {

constexpr double kChi2Crit9Dof = 27.88;  // chi-square critical value, 9 dof, p = 0.001

Philox4 ctr4(uint32_t a, uint32_t b, uint32_t c, uint32_t d) { return Philox4{{a, b, c, d}}; }

void expect_block(const Philox4& got, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  EXPECT_EQ(got.v[0], a);
  EXPECT_EQ(got.v[1], b);
  EXPECT_EQ(got.v[2], c);
  EXPECT_EQ(got.v[3], d);
}

double chi_square_uniform(const std::vector<int64_t>& counts, int64_t total) {
  const double expected = static_cast<double>(total) / static_cast<double>(counts.size());
  double chi2 = 0.0;
  for (int64_t c : counts) chi2 += (c - expected) * (c - expected) / expected;
  return chi2;
}

// Random123 kat_vectors, philox4x32 with 10 rounds.
TEST(Philox, KnownAnswerZero) {
  expect_block(philox4x32_10(ctr4(0, 0, 0, 0), 0u, 0u), 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu,
               0x9b00dbd8u);
}

TEST(Philox, KnownAnswerAllOnes) {
  const uint32_t f = 0xffffffffu;
  expect_block(philox4x32_10(ctr4(f, f, f, f), f, f), 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u,
               0x6d5451fdu);
}

TEST(Philox, KnownAnswerPi) {
  expect_block(philox4x32_10(ctr4(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u), 0xa4093822u,
                             0x299f31d0u),
               0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u);
}

TEST(PhiloxStream, MakeStreamCounterLayout) {
  const uint64_t seed = 0x0123456789abcdefull;
  const PhiloxStream s = make_stream(seed, kRngExtend, 3, 11u, 42u);
  EXPECT_EQ(s.key0, 0x89abcdefu);
  EXPECT_EQ(s.key1, 0x01234567u);
  EXPECT_EQ(s.ctr.v[0], 0u);
  EXPECT_EQ(s.ctr.v[1], 42u);
  EXPECT_EQ(s.ctr.v[2], 11u);
  EXPECT_EQ(s.ctr.v[3], (4u << 8) | 7u);
  // epoch -1 ("before training") leaves only the purpose in c3.
  const PhiloxStream pre = make_stream(seed, kRngInitItem, -1, 0u, 5u);
  EXPECT_EQ(pre.ctr.v[3], 3u);
  EXPECT_EQ(pre.ctr.v[1], 5u);
}

TEST(PhiloxStream, WordsComeInBlockOrder) {
  const uint64_t seed = 0xfeedface12345678ull;
  PhiloxStream s = make_stream(seed, kRngGumbel, 7, 9u, 1234u);
  const uint32_t c3 = (8u << 8) | 8u;
  for (uint32_t block = 0; block < 3; ++block) {
    const Philox4 want = philox4x32_10(ctr4(block, 1234u, 9u, c3), 0x12345678u, 0xfeedfaceu);
    for (int w = 0; w < 4; ++w) {
      EXPECT_EQ(s.next_u32(), want.v[w]) << "block " << block << " word " << w;
    }
  }
}

TEST(PhiloxStream, DifferentCoordinatesGiveDifferentStreams) {
  auto first8 = [](PhiloxStream s) {
    std::vector<uint32_t> w(8);
    for (uint32_t& x : w) x = s.next_u32();
    return w;
  };
  const std::vector<uint32_t> base = first8(make_stream(1, kRngPool, 2, 3u, 4u));
  const std::vector<std::vector<uint32_t>> others = {
      first8(make_stream(1, kRngExtend, 2, 3u, 4u)),                  // purpose
      first8(make_stream(1, kRngPool, 2, 3u, 5u)),                    // sample
      first8(make_stream(1, kRngPool, 2, 4u, 4u)),                    // batch
      first8(make_stream(1, kRngPool, 3, 3u, 4u)),                    // epoch
      first8(make_stream(2, kRngPool, 2, 3u, 4u)),                    // seed lo
      first8(make_stream(1ull | (1ull << 32), kRngPool, 2, 3u, 4u)),  // seed hi
  };
  for (size_t k = 0; k < others.size(); ++k) {
    EXPECT_NE(base, others[k]) << "variant " << k;
    // No shared words at all between these streams (a shifted copy would share some).
    for (uint32_t w : base) {
      EXPECT_EQ(std::count(others[k].begin(), others[k].end(), w), 0) << "variant " << k;
    }
  }
}

TEST(PhiloxStream, BelowIsTheMultiplyHighMap) {
  PhiloxStream a = make_stream(77, kRngUniformNeg, 0, 0u, 0u);
  PhiloxStream b = a;
  const uint32_t ns[] = {1u, 2u, 3u, 10u, 1000u, 0x80000001u, 0xffffffffu};
  for (int rep = 0; rep < 200; ++rep) {
    for (uint32_t n : ns) {
      const uint32_t word = b.next_u32();
      const uint32_t want = static_cast<uint32_t>((static_cast<uint64_t>(word) * n) >> 32);
      const uint32_t got = a.below(n);
      ASSERT_EQ(got, want) << "n " << n;
      ASSERT_LT(got, n);
    }
  }
}

TEST(PhiloxStream, BelowIsRoughlyUniform) {
  PhiloxStream s = make_stream(2024, kRngUniformNeg, 5, 1u, 2u);
  const int64_t draws = 100000;
  std::vector<int64_t> counts(10, 0);
  for (int64_t d = 0; d < draws; ++d) {
    const uint32_t x = s.below(10u);
    ASSERT_LT(x, 10u);
    ++counts[x];
  }
  EXPECT_LT(chi_square_uniform(counts, draws), kChi2Crit9Dof);
}

TEST(PhiloxStream, Open01InOpenIntervalAndUniform) {
  PhiloxStream s = make_stream(99, kRngGumbel, 0, 0u, 0u);
  const int64_t draws = 200000;
  std::vector<int64_t> counts(10, 0);
  double sum = 0.0;
  for (int64_t d = 0; d < draws; ++d) {
    const float u = s.open01();
    ASSERT_GT(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
    ++counts[std::min(9, static_cast<int>(u * 10.0f))];
  }
  EXPECT_NEAR(sum / draws, 0.5, 0.005);
  EXPECT_LT(chi_square_uniform(counts, draws), kChi2Crit9Dof);
}

// The extreme words: open01 is documented as the open interval (0, 1), and gumbel_key takes
// log(-log(u)), which is +inf at u = 1.
TEST(PhiloxStream, Open01ExtremeWordsStayInsideInterval) {
  PhiloxStream s = make_stream(0, kRngGumbel, 0, 0u, 0u);
  s.used = 0;
  const uint32_t words[4] = {0x00000000u, 0x000000ffu, 0xffffff00u, 0xffffffffu};
  for (int w = 0; w < 4; ++w) s.buf.v[w] = words[w];
  for (int w = 0; w < 4; ++w) {
    const float u = s.open01();
    EXPECT_GT(u, 0.0f) << "word " << std::hex << words[w];
    EXPECT_LT(u, 1.0f) << "word " << std::hex << words[w];
  }
}

// The same boundary reached by a real stream: the Gumbel stream of seed 1, epoch 0, batch 0,
// user 6093725 starts with the word 0xffffffb3 (found by search), whose open01 must be < 1.
TEST(PhiloxStream, Open01RealStreamTopWordBelowOne) {
  PhiloxStream words = make_stream(1, kRngGumbel, 0, 0u, 6093725u);
  ASSERT_EQ(words.next_u32(), 0xffffffb3u);
  PhiloxStream s = make_stream(1, kRngGumbel, 0, 0u, 6093725u);
  EXPECT_LT(s.open01(), 1.0f);
}

TEST(ShuffleKey, IsWordZeroOfTheShuffleCounter) {
  const uint64_t seed = 0x0000000500000003ull;
  const int64_t indices[] = {0, 1, 12345, (int64_t{7} << 32) | 9};
  for (int64_t epoch : {0, 4}) {
    for (int64_t index : indices) {
      const uint32_t c3 = (static_cast<uint32_t>(epoch + 1) << 8) | 1u;
      const Philox4 want = philox4x32_10(
          ctr4(0u, static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), c3), 3u, 5u);
      EXPECT_EQ(shuffle_key(seed, epoch, index), want.v[0]) << "index " << index;
    }
  }
}

TEST(EpochOrder, IsADeterministicPermutationSortedByKey) {
  const int64_t n = 1000;
  const uint64_t seed = 17;
  const std::vector<int64_t> order = epoch_order(seed, 3, n);
  ASSERT_EQ(static_cast<int64_t>(order.size()), n);
  std::vector<int64_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t e = 0; e < n; ++e) ASSERT_EQ(sorted[e], e);
  // Pairs are trained in increasing (key, index) order.
  for (int64_t e = 1; e < n; ++e) {
    const uint32_t k0 = shuffle_key(seed, 3, order[e - 1]), k1 = shuffle_key(seed, 3, order[e]);
    ASSERT_TRUE(k0 < k1 || (k0 == k1 && order[e - 1] < order[e])) << "position " << e;
  }
  EXPECT_EQ(epoch_order(seed, 3, n), order);
  EXPECT_NE(epoch_order(seed, 4, n), order);
  EXPECT_NE(epoch_order(seed + 1, 3, n), order);
  std::vector<int64_t> identity(n);
  for (int64_t e = 0; e < n; ++e) identity[e] = e;
  EXPECT_NE(order, identity);
}

// The threads share the keys and each radix pass; the order is the same for any team, on a
// size above the one-thread cut-off (and with ties between keys: 2^17 keys of 32 bits).
TEST(EpochOrder, SameForAnyThreadCount) {
  const int64_t n = (int64_t{1} << 17) + 3;
  const std::vector<int64_t> one = epoch_order(5, 2, n, 1);
  for (int threads : {2, 3, 4}) {
    EXPECT_EQ(epoch_order(5, 2, n, threads), one) << threads << " threads";
  }
  for (int64_t e = 1; e < n; ++e) {
    const uint32_t k0 = shuffle_key(5, 2, one[e - 1]), k1 = shuffle_key(5, 2, one[e]);
    ASSERT_TRUE(k0 < k1 || (k0 == k1 && one[e - 1] < one[e])) << "position " << e;
  }
}

TEST(EpochOrder, SmallSizes) {
  EXPECT_TRUE(epoch_order(1, 0, 0).empty());
  EXPECT_EQ(epoch_order(1, 0, 1), std::vector<int64_t>{0});
}

// Where pair 0 lands over many epochs: uniform over the n positions.
TEST(EpochOrder, PositionOfAPairIsUniform) {
  const int n = 10, epochs = 5000;
  std::vector<int64_t> counts(n, 0);
  for (int epoch = 0; epoch < epochs; ++epoch) {
    const std::vector<int64_t> order = epoch_order(8, epoch, n);
    ++counts[std::find(order.begin(), order.end(), 0) - order.begin()];
  }
  EXPECT_LT(chi_square_uniform(counts, epochs), kChi2Crit9Dof);
}

TEST(BatchesPerEpoch, EdgeCases) {
  EXPECT_EQ(batches_per_epoch(5, 10, false), 1);  // n < B: one short batch
  EXPECT_EQ(batches_per_epoch(5, 10, true), 1);
  EXPECT_EQ(batches_per_epoch(1, 1000, false), 1);
  EXPECT_EQ(batches_per_epoch(10, 10, false), 1);
  EXPECT_EQ(batches_per_epoch(10, 10, true), 1);
  EXPECT_EQ(batches_per_epoch(25, 10, false), 2);  // remainder dropped
  EXPECT_EQ(batches_per_epoch(25, 10, true), 3);   // remainder kept
  EXPECT_EQ(batches_per_epoch(30, 10, false), 3);
  EXPECT_EQ(batches_per_epoch(30, 10, true), 3);
  EXPECT_EQ(batches_per_epoch(563000, 1000, false), 563);
  EXPECT_EQ(batches_per_epoch(563001, 1000, true), 564);
}

}  // namespace
}  // namespace srns
