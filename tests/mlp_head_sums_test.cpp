// The MLP head's batch gradient from the pairs' factor records (src/cpu/mlp_head_sums.cpp):
// reduce_gradients over factored rows gives the same sums, bit for bit, as over the expanded
// rows (which are pair_gradient's; mlp_scorer_test.cpp holds a single pair's record to it), at
// the study's shape (64,32,16 over F = 32: every lane width), odd widths, one and two layers,
// with one and two threads.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cpu/cpu_ops.hpp"
#include "srns/model.hpp"

namespace srns {
namespace {

struct Shape {
  std::vector<int> widths;
  int dim, activation;
};

Model random_mlp(const Shape& s, int32_t users, int32_t items, uint64_t seed) {
  ModelConfig c;
  c.kind = ModelKind::kMlp;
  c.dim = s.dim;
  c.init_std = 0.5f;
  c.mlp.depth = static_cast<int32_t>(s.widths.size());
  for (size_t k = 0; k < s.widths.size(); ++k) c.mlp.width[k] = s.widths[k];
  c.mlp.activation = s.activation;
  Model m = init_model(c, users, items, seed);
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::uniform_real_distribution<float> u(-0.3f, 0.3f);
  for (float& h : m.head) h = h + 0.1f * u(rng);  // biases off 0
  return m;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
}

const Shape kShapes[] = {{{64, 32, 16}, 32, kMlpSigmoid},
                         {{7, 5, 3}, 4, kMlpTanh},
                         {{9}, 3, kMlpRelu},
                         {{17, 8}, 13, kMlpSigmoid}};

// A batch of 300 pairs over 40 users and 30 items (rows repeat), factored by pair_gradients,
// reduced as it is and as its expanded rows.
TEST(MlpHeadFactors, BatchSumsEqualTheSumsOfTheExpandedRows) {
  for (const Shape& s : kShapes) {
    const Model m = random_mlp(s, 40, 30, 11);
    const ModelView v = view_of(m);
    std::mt19937 rng(5);
    const int32_t n = 300;
    std::vector<int64_t> pair(n);
    std::vector<int32_t> user(n), item(n), negative(n);
    for (int32_t k = 0; k < n; ++k) {
      pair[k] = k;
      user[k] = static_cast<int32_t>(rng() % 40);
      item[k] = static_cast<int32_t>(rng() % 30);
      negative[k] = static_cast<int32_t>(rng() % 30);
    }
    const cpu::Batch batch{0, n, pair.data(), user.data(), item.data()};
    for (int threads : {1, 2}) {
      cpu::StepOutput factored;
      cpu::pair_gradients(v, batch, negative.data(), kLossBpr, 0.01f, &factored, threads);
      ASSERT_TRUE(factored.head_factored);
      cpu::StepOutput rows;
      rows.size_for(n, v);
      rows.grad = factored.full_rows(n, v);
      rows.loss = factored.loss;
      // The expanded rows are pair_gradient's.
      const MlpScorer sc(v);
      for (int32_t k = 0; k < n; k += 37) {
        std::vector<float> want(v.grad_stride());
        float ctx[kMaxMlpWidth];
        sc.user_context(v.user_row(user[k]), ctx);
        sc.pair_gradient(v.user_row(user[k]), v.item_row(item[k]), v.item_row(negative[k]),
                         kLossBpr, 0.01f, sc.score(ctx, v.item_row(item[k])),
                         sc.score(ctx, v.item_row(negative[k])), want.data());
        const std::vector<float> got(rows.row(k), rows.row(k) + v.grad_stride());
        EXPECT_TRUE(same_bits(want, got)) << "pair " << k;
      }
      cpu::RowGradients from_factors, from_rows;
      cpu::reduce_gradients(batch, negative.data(), factored, v, &from_factors, threads);
      cpu::reduce_gradients(batch, negative.data(), rows, v, &from_rows, threads);
      const std::string tag =
          "depth " + std::to_string(s.widths.size()) + " threads " + std::to_string(threads);
      EXPECT_TRUE(same_bits(from_factors.head_grad, from_rows.head_grad)) << tag;
      EXPECT_TRUE(same_bits(from_factors.user_grad, from_rows.user_grad)) << tag;
      EXPECT_TRUE(same_bits(from_factors.item_grad, from_rows.item_grad)) << tag;
      EXPECT_EQ(from_factors.user_rows, from_rows.user_rows) << tag;
      EXPECT_EQ(from_factors.item_rows, from_rows.item_rows) << tag;
    }
  }
}

}  // namespace
}  // namespace srns
