// The CPU's vectorised forms against the scalar functions they must equal bit for bit:
// sixteen-wide Philox blocks and prefetched streams (philox_simd.hpp) against rng.hpp's
// PhiloxStream, batched scores (score_many.hpp) against the scorer's score(), and the binary16
// conversions of the half-precision history (half.hpp) against their definition, F16C where
// the build has it, and the strided ScoreOut writes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "cpu/philox_simd.hpp"
#include "cpu/score_many.hpp"
#include "srns/half.hpp"
#include "srns/model.hpp"
#include "srns/score_out.hpp"

#if defined(__F16C__)
#include <immintrin.h>
#endif

namespace srns {
namespace {

uint32_t bits_of(float x) {
  uint32_t b;
  std::memcpy(&b, &x, sizeof(b));
  return b;
}

TEST(PhiloxSimd, BlocksEqualTheScalarBlockForAnyCounterAndCount) {
  std::mt19937 rng(3);
  for (int n : {1, 5, 15, 16, 17, 40}) {
    std::vector<Philox4> ctr(n), got(n);
    for (Philox4& c : ctr) {
      for (uint32_t& w : c.v) w = rng();
    }
    const uint32_t k0 = rng(), k1 = rng();
    cpu::philox_blocks(ctr.data(), n, k0, k1, got.data());
    for (int b = 0; b < n; ++b) {
      const Philox4 want = philox4x32_10(ctr[b], k0, k1);
      for (int w = 0; w < 4; ++w) ASSERT_EQ(got[b].v[w], want.v[w]) << "n " << n << " block " << b;
    }
  }
}

TEST(PhiloxSimd, PrefetchedStreamsGiveTheStreamsWords) {
  // Several streams of one run filled together, then read past their prefetched blocks.
  const uint64_t seed = 0x123456789abcdefull;
  std::vector<PhiloxStream> plain;
  std::vector<cpu::PrefetchedStream> fast(6);
  std::vector<cpu::PrefetchedStream*> ptr;
  for (int s = 0; s < 6; ++s) {
    plain.push_back(make_stream(seed, kRngGumbel + s % 2, s, 7u * s, 100u + s));
    fast[s].init(plain.back(), s == 5 ? cpu::kMaxPrefetchBlocks : 3 * s + 1);
    ptr.push_back(&fast[s]);
  }
  cpu::fill_streams(ptr.data(), static_cast<int>(ptr.size()));
  for (int s = 0; s < 6; ++s) {
    for (int w = 0; w < 4 * cpu::kMaxPrefetchBlocks + 9; ++w) {
      ASSERT_EQ(fast[s].next_u32(), plain[s].next_u32()) << "stream " << s << " word " << w;
    }
  }
}

// Model with the given dimension; `zeros` makes every product of the first row -0 or +0.
Model random_model(int dim, int n_items, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  Model m;
  m.kind = ModelKind::kGmf;
  m.n_users = 2;
  m.n_items = n_items;
  m.dim = dim;
  m.user.resize(2 * dim);
  m.item.resize(static_cast<size_t>(n_items) * dim);
  m.head.resize(dim);
  for (float& x : m.user) x = g(rng);
  for (float& x : m.item) x = g(rng);
  for (float& x : m.head) x = g(rng);
  for (int f = 0; f < dim; ++f) {
    m.user[f] = 0.0f;                          // user 0: c = +0
    m.item[f] = -std::fabs(m.item[f]) - 1.0f;  // item 0: negative, so c*q = -0
  }
  return m;
}

TEST(ScoreMany, EqualsTheScorerBitForBit) {
  for (int dim : {1, 5, 31, 32, 33, 64, 100, 130}) {
    const int n_items = 90;
    const Model m = random_model(dim, n_items, 11 + dim);
    const ModelView view{m.kind, m.dim, m.user.data(), m.item.data(), m.head.data(), dim};
    const GmfScorer sc(view);
    std::mt19937 rng(dim);
    for (int32_t u : {0, 1}) {
      float ctx[kMaxDim];
      sc.user_context(view.user_row(u), ctx);
      for (int n : {1, 8, 15, 16, 17, 72, 90}) {
        std::vector<int32_t> items(n);
        for (int32_t& i : items) i = static_cast<int32_t>(rng() % n_items);
        items[0] = 0;
        std::vector<float> got(n, -1.0f), range(n, -1.0f);
        cpu::score_items(sc, ctx, view, items.data(), n, got.data());
        cpu::score_range(sc, ctx, view, 0, n, range.data());
        for (int k = 0; k < n; ++k) {
          ASSERT_EQ(bits_of(got[k]), bits_of(sc.score(ctx, view.item_row(items[k]))))
              << "dim " << dim << " user " << u << " n " << n << " k " << k;
          ASSERT_EQ(bits_of(range[k]), bits_of(sc.score(ctx, view.item_row(k))))
              << "dim " << dim << " user " << u << " n " << n << " item " << k;
          ASSERT_EQ(bits_of(cpu::score_one(sc, ctx, view.item_row(items[k]))), bits_of(got[k]))
              << "score_one dim " << dim << " user " << u << " k " << k;
        }
      }
    }
  }
}

// The MLP's sixteen-lane towers (mlp_lanes.hpp) against MlpScorer::score, every activation,
// widths that are and are not multiples of the eight units summed side by side, batches with
// a partial last sixteen.
TEST(ScoreMany, MlpLanesEqualTheScorerBitForBit) {
  struct Shape {
    int dim;
    MlpShape mlp;
  };
  const Shape shapes[] = {{32, {3, {64, 32, 16, 0}, kMlpSigmoid}},
                          {8, {1, {5, 0, 0, 0}, kMlpSigmoid}},
                          {13, {2, {12, 7, 0, 0}, kMlpTanh}},
                          {16, {4, {40, 24, 9, 3}, kMlpRelu}}};
  for (const Shape& shape : shapes) {
    ModelConfig c;
    c.kind = ModelKind::kMlp;
    c.dim = shape.dim;
    c.init_std = 1.0f;  // pre-activations far enough from 0 that every act's range is used
    c.mlp = shape.mlp;
    const int n_items = 70;
    const Model m = init_model(c, 2, n_items, 5 + shape.dim);
    const ModelView view = view_of(m);
    const MlpScorer sc(view);
    float ctx[kMaxMlpWidth];
    sc.user_context(view.user_row(1), ctx);
    std::mt19937 rng(shape.dim);
    for (int n : {1, 15, 16, 17, 70}) {
      std::vector<int32_t> items(n);
      for (int32_t& i : items) i = static_cast<int32_t>(rng() % n_items);
      std::vector<float> got(n, -1.0f);
      cpu::score_items(sc, ctx, view, items.data(), n, got.data());
      for (int k = 0; k < n; ++k) {
        ASSERT_EQ(bits_of(got[k]), bits_of(sc.score(ctx, view.item_row(items[k]))))
            << "dim " << shape.dim << " activation " << shape.mlp.activation << " n " << n
            << " k " << k;
      }
    }
  }
}

TEST(Half, EveryHalfConvertsToItsValueAndBack) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float x = half_value(static_cast<uint16_t>(h));
    const uint32_t e = (h >> 10) & 0x1F, m = h & 0x3FF;
    if (e == 31 && m != 0) {
      ASSERT_TRUE(std::isnan(x)) << h;
      continue;
    }
    const double mag = e == 0    ? std::ldexp(static_cast<double>(m), -24)
                       : e == 31 ? HUGE_VAL
                                 : std::ldexp(1.0 + m / 1024.0, static_cast<int>(e) - 15);
    ASSERT_EQ(static_cast<double>(x), (h & 0x8000) ? -mag : mag) << h;
    ASSERT_EQ(half_bits(x), h) << h;
  }
}

TEST(Half, RoundsToNearestEven) {
  // 1 + 2^-11 lies halfway between 1 and the next half (1 + 2^-10): ties to the even 1.
  EXPECT_EQ(half_bits(1.0f + std::ldexp(1.0f, -11)), 0x3C00);
  EXPECT_EQ(half_bits(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);  // 1 + 1.5 ulp -> 1 + 2 ulp
  EXPECT_EQ(half_bits(std::nextafter(1.0f + std::ldexp(1.0f, -11), 2.0f)), 0x3C01);
  EXPECT_EQ(half_bits(65504.0f), 0x7BFF);
  EXPECT_EQ(half_bits(65519.0f), 0x7BFF);
  EXPECT_EQ(half_bits(65520.0f), 0x7C00);  // halfway to 2^16: rounds to inf
  EXPECT_EQ(half_bits(-1e9f), 0xFC00);
  EXPECT_EQ(half_bits(std::ldexp(1.0f, -25)), 0x0000);  // halfway to the least subnormal
  EXPECT_EQ(half_bits(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(half_bits(-std::ldexp(3.0f, -25)), 0x8002);  // 1.5 units: ties to even 2
  EXPECT_TRUE(std::isnan(half_value(half_bits(std::nanf("")))));
}

#if defined(__F16C__)
TEST(Half, AgreesWithF16cOnASweepOfFloats) {
  for (uint64_t b = 0; b < (uint64_t{1} << 32); b += 997) {
    float x;
    const uint32_t w = static_cast<uint32_t>(b);
    std::memcpy(&x, &w, sizeof(x));
    if (std::isnan(x)) continue;
    ASSERT_EQ(half_bits(x), _cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT)) << std::hex << w;
  }
}
#endif

TEST(ScoreOut, RowsLandStridedAsFloatOrHalf) {
  const int64_t n = 37, w = 5;
  std::vector<float> scores(n);
  for (int64_t c = 0; c < n; ++c) scores[c] = 0.37f * static_cast<float>(c) - 3.1f;
  std::vector<float> f(3 * n * w, 9.0f);
  std::vector<uint16_t> h(3 * n * w, 7);
  const ScoreOut fo{f.data() + 2, n * w, w, false}, ho{h.data() + 2, n * w, w, true};
  cpu::put_row(fo, 1, scores.data(), n);
  cpu::put_row(ho, 1, scores.data(), n);
  for (int64_t x = 0; x < 3 * n * w; ++x) {
    const bool written = x / (n * w) == 1 && x % w == 2;
    const int64_t c = (x % (n * w)) / w;
    EXPECT_EQ(f[x], written ? scores[c] : 9.0f) << x;
    EXPECT_EQ(h[x], written ? half_bits(scores[c]) : 7) << x;
  }
}

}  // namespace
}  // namespace srns
