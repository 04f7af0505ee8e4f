// The fast Gumbel-top-k of the CPU refresh (src/cpu/gumbel_top.hpp): its approximate
// logarithm is within kGumbelLogError of libm's logf(-logf(u)) for every one of the 2^23
// values u a stream word can give (exhaustive, so the bound its exactness argument rests on
// holds for this libm), and refresh_keep_fast keeps the same entries in the same order as
// refresh_keep on random, tied and non-finite scores.
#include "cpu/gumbel_top.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace srns {
namespace {

TEST(GumbelTop, ApproximateLogIsWithinItsBoundForEveryWord) {
  double worst = 0.0;
  uint32_t worst_word = 0;
  alignas(64) uint32_t words[16];
  alignas(64) float approx[16];
  for (uint32_t j = 0; j < (1u << 23); j += 16) {
    for (uint32_t x = 0; x < 16; ++x) words[x] = (j + x) << 9;
    cpu::gumbel_log_approx16(words, approx);
    for (int x = 0; x < 16; ++x) {
      const float exact = logf(-logf(word_open01(words[x])));
      const double err = std::fabs(static_cast<double>(approx[x]) - exact);
      if (err > worst) {
        worst = err;
        worst_word = words[x];
      }
    }
  }
  std::cout << "largest |approx - logf(-logf(u))| = " << worst << " at word " << worst_word << "\n";
  EXPECT_LE(worst, cpu::kGumbelLogError);
}

SrnsView keep_view(int s1, float tau) {
  SrnsView v{};
  v.s1 = s1;
  v.inv_tau = 1.0f / tau;
  return v;
}

// Both versions on the same scores and stream.
void expect_same_keep(const SrnsView& v, int fn_u, const std::vector<float>& r, uint32_t seed,
                      const char* what) {
  const int m = static_cast<int>(r.size());
  std::vector<int32_t> cand(m);
  for (int k = 0; k < m; ++k) cand[k] = 1000 + 3 * k;
  std::vector<int32_t> want(v.s1, -1), got(v.s1, -1);
  PhiloxStream s = make_stream(seed, kRngGumbel, 3, seed, 7);
  refresh_keep(v, fn_u, cand.data(), r.data(), m, &s, want.data());
  cpu::PrefetchedStream f;
  f.init(make_stream(seed, kRngGumbel, 3, seed, 7), 5);
  cpu::PrefetchedStream* const streams[1] = {&f};
  cpu::fill_streams(streams, 1);
  cpu::refresh_keep_fast(v, fn_u, cand.data(), r.data(), m, &f, got.data());
  ASSERT_EQ(got, want) << what << " seed " << seed;
}

TEST(GumbelTop, KeepsWhatTheReferenceKeeps) {
  std::mt19937 rng(5);
  for (uint32_t seed = 0; seed < 2000; ++seed) {
    const int s1 = 1 + static_cast<int>(rng() % 40);
    const int fn_u = static_cast<int>(rng() % 3) % s1;
    const int m = s1 - fn_u + 1 + static_cast<int>(rng() % 80);
    if (m > kMaxCandidates) continue;
    const float spread = seed % 3 == 0 ? 0.01f : seed % 3 == 1 ? 2.0f : 200.0f;
    std::normal_distribution<float> g(0.0f, spread);
    std::vector<float> r(m);
    for (float& x : r) x = g(rng);
    if (seed % 5 == 0) {
      for (int k = 0; k < m; k += 2) r[k] = r[0];  // ties in the scores
    }
    expect_same_keep(keep_view(s1, seed % 2 ? 10.0f : 0.05f), fn_u, r, seed, "random");
  }
}

TEST(GumbelTop, SmallTopNEqualsTopNIndices) {
  std::mt19937 rng(8);
  for (int trial = 0; trial < 3000; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 32);
    const int n_top = 1 + static_cast<int>(rng() % n);
    std::vector<float> keys(n);
    for (float& k : keys) k = static_cast<float>(static_cast<int>(rng() % 9)) - 4.0f;  // ties
    if (trial % 2) {
      for (float& k : keys) k += static_cast<float>(rng() % 1000) * 1e-3f;
    }
    std::vector<int32_t> want(n_top), got(n_top, -7);
    top_n_indices(keys.data(), n, n_top, want.data());
    cpu::top_n_small(keys.data(), n, n_top, got.data());
    ASSERT_EQ(got, want) << "trial " << trial;
  }
}

// Scores chosen so that many keys land within rounding of each other (and of the cut): the
// approximate ranking cannot separate them and the exact keys must decide, ties by index.
TEST(GumbelTop, NearTiesAreDecidedByExactKeys) {
  for (uint32_t seed = 0; seed < 300; ++seed) {
    const float tau = 10.0f;
    const int m = 72;
    PhiloxStream s = make_stream(seed, kRngGumbel, 3, seed, 7);
    std::vector<float> r(m);
    for (int k = 0; k < m; ++k) {
      const float l = logf(-logf(s.open01()));
      // Every third candidate's key is 1 up to rounding; the rest spread below and above.
      r[k] = k % 3 == 0 ? tau * (1.0f + l) : tau * (l + 0.5f + 0.02f * static_cast<float>(k % 7));
    }
    expect_same_keep(keep_view(8, tau), static_cast<int>(seed % 2), r, seed, "near ties");
  }
}

TEST(GumbelTop, NonFiniteScoresFallBackToExactKeys) {
  std::vector<float> r(40, 0.5f);
  r[3] = std::numeric_limits<float>::infinity();
  r[9] = -std::numeric_limits<float>::infinity();
  expect_same_keep(keep_view(8, 10.0f), 0, r, 1, "inf");
  r[5] = std::numeric_limits<float>::quiet_NaN();
  expect_same_keep(keep_view(8, 10.0f), 1, r, 2, "nan");
}

}  // namespace
}  // namespace srns
