// The MLP scorer (include/srns/mlp_scorer.hpp): its score against a direct double-precision
// evaluation of the documented head layout; its pair gradient (every head element and the
// three embedding rows) against central finite differences of its loss, for each activation
// and loss, and its factored forms (the head as a factor record; self-scoring) against it bit
// for bit; its score gradient (add_score_gradient, the GAN samplers' seam) likewise; Glorot
// initialisation; the model file (MLP round trip, GMF files as before); and
// training with every sampler of the registry.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "sampler_test_util.hpp"
#include "srns/model.hpp"
#include "srns/sampler.hpp"
#include "srns/scorer.hpp"
#include "test_util.hpp"

namespace srns {
namespace {

MlpShape shape_of(std::vector<int> widths, int activation) {
  MlpShape s;
  s.depth = static_cast<int32_t>(widths.size());
  for (size_t k = 0; k < widths.size(); ++k) s.width[k] = widths[k];
  s.activation = activation;
  return s;
}

// A model of 3 users and 4 items with Glorot weights and random biases (so no term is 0).
Model random_mlp(const MlpShape& shape, int dim, uint64_t seed) {
  ModelConfig c;
  c.kind = ModelKind::kMlp;
  c.dim = dim;
  c.init_std = 0.5f;
  c.mlp = shape;
  Model m = init_model(c, 3, 4, seed);
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::uniform_real_distribution<float> u(-0.3f, 0.3f);
  const MlpScorer sc(view_of(m));
  for (int k = 0; k < shape.depth; ++k) {
    float* b = m.head.data() + (sc.bias(k) - m.head.data());
    for (int o = 0; o < shape.width[k]; ++o) b[o] = u(rng);
  }
  m.head.back() = u(rng);  // b_out
  return m;
}

double act_d(int a, double x) {
  if (a == kMlpRelu) return x > 0 ? x : 0;
  if (a == kMlpTanh) return std::tanh(x);
  return 1.0 / (1.0 + std::exp(-x));
}

// r(u, i) in double from the head layout of the file comment.
double direct_score(const Model& m, int32_t u, int32_t i) {
  const MlpShape& s = m.mlp;
  std::vector<double> x;
  for (int f = 0; f < m.dim; ++f) x.push_back(m.user_row(u)[f]);
  for (int f = 0; f < m.dim; ++f) x.push_back(m.item_row(i)[f]);
  size_t off = 0;
  for (int k = 0; k < s.depth; ++k) {
    const size_t in = x.size();
    std::vector<double> y(s.width[k]);
    for (int o = 0; o < s.width[k]; ++o) {
      double acc = m.head[off + s.width[k] * in + o];
      for (size_t j = 0; j < in; ++j) acc += m.head[off + o * in + j] * x[j];
      y[o] = act_d(s.activation, acc);
    }
    off += s.width[k] * (in + 1);
    x = y;
  }
  double r = m.head[off + x.size()];
  for (size_t o = 0; o < x.size(); ++o) r += m.head[off + o] * x[o];
  return r;
}

TEST(MlpScorer, ScoresAsTheDocumentedTower) {
  for (int act : {kMlpSigmoid, kMlpRelu, kMlpTanh}) {
    const Model m = random_mlp(shape_of({6, 5, 3}, act), 4, 3 + act);
    for (int32_t u = 0; u < 3; ++u) {
      for (int32_t i = 0; i < 4; ++i) {
        EXPECT_NEAR(m.score(u, i), direct_score(m, u, i), 1e-5) << "act " << act;
      }
    }
  }
  EXPECT_EQ(head_size(ModelKind::kMlp, 4, shape_of({6, 5, 3}, 0)), 6 * 9 + 5 * 7 + 3 * 6 + 3 + 1);
}

// The pair (user 0, item 1, item 2): its loss (with L2) through the scorer, and its gradient row.
float pair_loss_of(const Model& m, int loss, float reg, std::vector<float>* grad = nullptr) {
  const ModelView v = view_of(m);
  const MlpScorer sc(v);
  float ctx[kMaxMlpWidth];
  sc.user_context(m.user_row(0), ctx);
  const float rp = sc.score(ctx, m.item_row(1)), rn = sc.score(ctx, m.item_row(2));
  std::vector<float> row(v.grad_stride());
  const float l =
      sc.pair_gradient(m.user_row(0), m.item_row(1), m.item_row(2), loss, reg, rp, rn, row.data());
  if (grad) *grad = row;
  return l;
}

TEST(MlpScorer, PairGradientMatchesFiniteDifferences) {
  constexpr float kReg = 0.05f;
  for (int act : {kMlpSigmoid, kMlpRelu, kMlpTanh}) {
    for (int loss : {kLossBpr, kLossHinge, kLossBce}) {
      const Model m = random_mlp(shape_of({7, 5, 3}, act), 4, 11 + 3 * act + loss);
      std::vector<float> grad;
      pair_loss_of(m, loss, kReg, &grad);
      // Perturb each parameter: rows u0, i1, i2 then the head, in the gradient row's order.
      const auto check = [&](std::vector<float> Model::*table, size_t at, float want,
                             const std::string& what) {
        constexpr float kEps = 1e-2f;
        Model plus = m, minus = m;
        (plus.*table)[at] += kEps;
        (minus.*table)[at] -= kEps;
        const double num = (static_cast<double>(pair_loss_of(plus, loss, kReg)) -
                            pair_loss_of(minus, loss, kReg)) /
                           (2.0 * kEps);
        EXPECT_NEAR(want, num, 2e-3 + 2e-2 * std::fabs(num))
            << what << ", act " << act << ", loss " << loss_name(loss);
      };
      for (int f = 0; f < 4; ++f) {
        check(&Model::user, f, grad[f], "dp[" + std::to_string(f) + "]");
        check(&Model::item, 4 + f, grad[4 + f], "dq_i[" + std::to_string(f) + "]");
        check(&Model::item, 8 + f, grad[8 + f], "dq_j[" + std::to_string(f) + "]");
      }
      for (size_t h = 0; h < m.head.size(); ++h) {
        check(&Model::head, h, grad[12 + h], "head[" + std::to_string(h) + "]");
      }
    }
  }
}

// pair_gradient_factored (the head as its factor record) and pair_gradient_scoring_factored
// (the pair scored by the gradient's own tower passes) against pair_gradient given score()'s
// r_pos and r_neg: the same loss and [user | pos | neg] floats, and a record that expands
// (expand_factors) to pair_gradient's head, bit for bit; at the studies' 64,32,16 and odd shapes.
TEST(MlpScorer, FactoredPairGradientsEqualPairGradientOfTheScores) {
  const std::pair<std::vector<int>, int> shapes[] = {
      {{7, 5, 3}, 4}, {{64, 32, 16}, 32}, {{9}, 3}, {{17, 8}, 13}};
  for (const auto& [widths, dim] : shapes) {
    for (int act : {kMlpSigmoid, kMlpRelu, kMlpTanh}) {
      for (int loss : {kLossBpr, kLossHinge, kLossBce}) {
        const Model m = random_mlp(shape_of(widths, act), dim, 31 + 3 * act + loss);
        const ModelView v = view_of(m);
        const MlpScorer sc(v);
        float ctx[kMaxMlpWidth];
        sc.user_context(v.user_row(2), ctx);
        const float rp = sc.score(ctx, v.item_row(0)), rn = sc.score(ctx, v.item_row(3));
        std::vector<float> want(v.grad_stride()), got(v.grad_stride());
        std::vector<float> row(3 * dim + sc.factor_size()), scored(row.size());
        const float lw = sc.pair_gradient(v.user_row(2), v.item_row(0), v.item_row(3), loss, 0.05f,
                                          rp, rn, want.data());
        const float lf =
            sc.pair_gradient_factored(v.user_row(2), v.item_row(0), v.item_row(3), loss, 0.05f, rp,
                                      rn, row.data(), row.data() + 3 * dim);
        const float ls =
            sc.pair_gradient_scoring_factored(v.user_row(2), v.item_row(0), v.item_row(3), loss,
                                              0.05f, scored.data(), scored.data() + 3 * dim);
        const std::string tag = "depth " + std::to_string(widths.size()) + " act " +
                                std::to_string(act) + " loss " + std::to_string(loss);
        EXPECT_EQ(0, std::memcmp(&lw, &lf, sizeof lw)) << "loss, " << tag;
        EXPECT_EQ(0, std::memcmp(&lw, &ls, sizeof lw)) << "self-scoring loss, " << tag;
        EXPECT_EQ(0, std::memcmp(row.data(), scored.data(), sizeof(float) * row.size()))
            << "self-scoring row, " << tag;
        std::copy(row.begin(), row.begin() + 3 * dim, got.begin());
        sc.expand_factors(row.data() + 3 * dim, got.data() + 3 * dim);
        EXPECT_EQ(0, std::memcmp(want.data(), got.data(), sizeof(float) * want.size()))
            << "gradient row, " << tag;
      }
    }
  }
}

// add_score_gradient (a GAN generator's REINFORCE term): d times the gradient of r(0, 1), added
// to what the rows held, against central differences of d r(0, 1).
TEST(MlpScorer, ScoreGradientMatchesFiniteDifferences) {
  constexpr float kD = -0.7f, kStart = 0.25f;
  for (int act : {kMlpSigmoid, kMlpRelu, kMlpTanh}) {
    // Seeds whose ReLU pre-activations stay clear of the kink by more than the step.
    const Model m = random_mlp(shape_of({7, 5, 3}, act), 4, 50 + act);
    const MlpScorer sc(view_of(m));
    std::vector<float> user(4, kStart), item(4, kStart), head(m.head.size(), kStart);
    sc.add_score_gradient(m.user_row(0), m.item_row(1), kD, user.data(), item.data(), head.data());
    const auto check = [&](std::vector<float> Model::*table, size_t at, float got,
                           const std::string& what) {
      constexpr float kEps = 1e-2f;
      Model plus = m, minus = m;
      (plus.*table)[at] += kEps;
      (minus.*table)[at] -= kEps;
      const double num =
          kD * (plus.score(0, 1) - static_cast<double>(minus.score(0, 1))) / (2 * kEps);
      EXPECT_NEAR(got - kStart, num, 2e-3 + 2e-2 * std::fabs(num)) << what << ", act " << act;
    };
    for (int f = 0; f < 4; ++f) {
      check(&Model::user, f, user[f], "user[" + std::to_string(f) + "]");
      check(&Model::item, 4 + f, item[f], "item[" + std::to_string(f) + "]");
    }
    for (size_t h = 0; h < m.head.size(); ++h) {
      check(&Model::head, h, head[h], "head[" + std::to_string(h) + "]");
    }
    std::vector<float> only_item(4, 0.0f);
    sc.add_score_gradient(m.user_row(0), m.item_row(1), kD, nullptr, only_item.data(), nullptr);
    for (int f = 0; f < 4; ++f) EXPECT_NEAR(only_item[f], item[f] - kStart, 1e-6) << "null rows";
  }
}

TEST(MlpScorer, GlorotInitialisation) {
  ModelConfig c;
  c.kind = ModelKind::kMlp;
  c.dim = 32;
  c.mlp = shape_of({32, 16, 8}, kMlpSigmoid);
  const Model m = init_model(c, 5, 5, 1);
  const MlpScorer sc(view_of(m));
  for (int k = 0; k < 3; ++k) {
    const int in = sc.in_width(k), out = c.mlp.width[k];
    const double limit = std::sqrt(6.0 / (in + out));
    double sq = 0;
    for (int x = 0; x < in * out; ++x) {
      ASSERT_LE(std::fabs(sc.weights(k)[x]), limit) << "layer " << k;
      sq += sc.weights(k)[x] * sc.weights(k)[x];
    }
    EXPECT_NEAR(std::sqrt(sq / (in * out)), limit / std::sqrt(3.0), 0.15 * limit) << "layer " << k;
    for (int o = 0; o < out; ++o) EXPECT_EQ(sc.bias(k)[o], 0.0f);
  }
  EXPECT_EQ(m.head.back(), 0.0f) << "b_out";
}

TEST(MlpModelFile, RoundTripAndGmfFilesUnchanged) {
  testing::TempDir dir;
  const Model m = random_mlp(shape_of({6, 3}, kMlpTanh), 4, 5);
  save_model(m, dir.file("mlp.bin"));
  const Model back = load_model(dir.file("mlp.bin"));
  EXPECT_EQ(back.kind, ModelKind::kMlp);
  EXPECT_EQ(back.mlp.depth, 2);
  EXPECT_EQ(back.mlp.width[0], 6);
  EXPECT_EQ(back.mlp.width[1], 3);
  EXPECT_EQ(back.mlp.activation, kMlpTanh);
  EXPECT_EQ(back.head, m.head);
  EXPECT_EQ(back.user, m.user);
  // A GMF file written the old way (magic, kind 0, sizes, P, Q, beta) still loads.
  {
    std::ofstream out(dir.file("old.bin"), std::ios::binary);
    const int32_t header[4] = {0, 2, 3, 2};
    out.write("SRNSMDL1", 8);
    out.write(reinterpret_cast<const char*>(header), sizeof(header));
    for (int x = 0; x < (2 + 3) * 2 + 2; ++x) {
      const float v = 0.5f * x;
      out.write(reinterpret_cast<const char*>(&v), sizeof(v));
    }
  }
  const Model old = load_model(dir.file("old.bin"));
  EXPECT_EQ(old.kind, ModelKind::kGmf);
  EXPECT_EQ(old.head, (std::vector<float>{5.0f, 5.5f}));
  save_model(old, dir.file("again.bin"));
  EXPECT_EQ(testing::read_file(dir.file("again.bin")), testing::read_file(dir.file("old.bin")));
  // A corrupt MLP shape is refused.
  std::string bytes = testing::read_file(dir.file("mlp.bin"));
  const int32_t bad_depth = 9;
  std::memcpy(&bytes[8 + 16 + 4], &bad_depth, 4);
  testing::write_file(dir.file("bad.bin"), bytes);
  EXPECT_THROW(load_model(dir.file("bad.bin")), std::runtime_error);
}

TEST(MlpScorer, TrainsWithEverySampler) {
  const Dataset data = testing::small_generated_data();
  for (const SamplerInfo& info : sampler_registry()) {
    if (info.linear_scorer_only || info.generator) {  // ENMF, the GAN samplers: GMF's and MF's
      TrainConfig c = testing::short_run_config(info.name, {});
      c.model.kind = ModelKind::kMlp;
      EXPECT_THROW(validate(c), std::invalid_argument) << info.name;
      continue;
    }
    TrainConfig c = testing::short_run_config(info.name, {});
    c.model.kind = ModelKind::kMlp;
    c.model.init_std = 0.1f;
    c.srns.pool_size = 150;
    c.epochs = 4;
    const RunSummary s = testing::train_quietly(data, c);
    ASSERT_EQ(s.epochs.size(), 4u) << info.name;
    EXPECT_TRUE(std::isfinite(s.epochs.back().loss)) << info.name;
    EXPECT_GT(s.best_val.at("ndcg@10"), 0.05) << info.name;
  }
}

}  // namespace
}  // namespace srns
