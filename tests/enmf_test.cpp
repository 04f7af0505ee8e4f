// ENMF-U (include/srns/samplers/enmf.hpp): a batch's loss and every row gradient (batch users,
// all items, the head) against the direct sum over every (user, item) pair of the batch's
// users, with and without dropout; each epoch's batches cover every user with training items
// once, in a new order; training through the registry with ENMF's own optimiser (Adagrad); the
// settings it refuses.
#include "srns/samplers/enmf.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include "cpu/cpu_ops.hpp"
#include "cpu/sampler.hpp"
#include "sampler_test_util.hpp"

namespace srns {
namespace {

Dataset tiny_data() {
  Dataset d;
  d.n_users = 12;
  d.n_items = 15;
  std::mt19937 rng(4);
  std::vector<Pair> pairs;
  for (int32_t u = 0; u < d.n_users; ++u) {
    if (u == 7) continue;  // a user without training items is in no batch
    const int n = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < n; ++k) pairs.push_back({u, static_cast<int32_t>(rng() % d.n_items)});
  }
  d.train = Csr::from_pairs(pairs, d.n_users);
  return d;
}

struct Direct {
  double loss = 0;
  std::vector<double> user, item, head;  // [U][F], [I][F], [F]
};

// The batch's weighted squared loss summed over every (user, item) pair, and its gradient.
Direct direct_batch(const Dataset& d, const Model& m, const std::vector<int32_t>& users,
                    uint64_t seed, int t, int64_t b, float c0, float keep, float reg) {
  const int dim = m.dim;
  Direct out;
  out.user.assign(static_cast<size_t>(d.n_users) * dim, 0.0);
  out.item.assign(static_cast<size_t>(d.n_items) * dim, 0.0);
  out.head.assign(dim, 0.0);
  for (int32_t u : users) {
    std::vector<double> mask(dim), a(dim), da(dim, 0.0);
    for (int f = 0; f < dim; ++f) {
      mask[f] = enmf_mask(seed, t, b, u, f, keep);
      a[f] = m.head[f] * mask[f] * m.user_row(u)[f];
    }
    for (int32_t i = 0; i < d.n_items; ++i) {
      const bool positive = d.train.contains(u, i);
      double r = 0;
      for (int f = 0; f < dim; ++f) r += a[f] * m.item_row(i)[f];
      const double w = positive ? 1.0 : c0, y = positive ? 1.0 : 0.0;
      out.loss += w * (y - r) * (y - r);
      const double dr = -2.0 * w * (y - r);
      for (int f = 0; f < dim; ++f) {
        da[f] += dr * m.item_row(i)[f];
        out.item[static_cast<size_t>(i) * dim + f] += dr * a[f];
        if (positive) {
          out.item[static_cast<size_t>(i) * dim + f] += reg * m.item_row(i)[f];
          out.loss += 0.5 * reg * m.item_row(i)[f] * m.item_row(i)[f];
        }
      }
    }
    for (int f = 0; f < dim; ++f) {
      const double p = m.user_row(u)[f];
      out.user[static_cast<size_t>(u) * dim + f] = m.head[f] * mask[f] * da[f] + reg * p;
      out.head[f] += mask[f] * p * da[f];
      out.loss += 0.5 * reg * p * p;
    }
  }
  return out;
}

void expect_close(double got, double want, const std::string& what) {
  EXPECT_NEAR(got, want, 1e-5 + 1e-4 * std::fabs(want)) << what;
}

TEST(Enmf, BatchLossAndGradientsAreTheDirectSumOverEveryPair) {
  const Dataset d = tiny_data();
  for (float keep : {1.0f, 0.6f}) {
    TrainConfig c;
    c.sampler = "enmf";
    c.sampler_options = {{"enmf-c0", 0.25}, {"enmf-keep", keep}};
    c.optim.reg = 0.03f;
    c.batch_size = 5;
    c.seed = 3;
    ModelConfig mc;
    mc.dim = 6;
    mc.init_std = 0.4f;
    const Model m = init_model(mc, d.n_users, d.n_items, 8);
    TrainingSet set;
    set.data = &d;
    std::unique_ptr<cpu::Sampler> s = cpu::make_sampler("enmf");
    s->setup({&set, &c, 2}, view_of(m));
    const int t = 2;
    s->begin_epoch(t, view_of(m));
    ASSERT_EQ(s->batches(0), 3) << "11 users with training items, 5 per batch";
    const std::vector<int32_t> order = enmf_user_order(c.seed, t, d.train.offsets);
    for (int64_t b = 0; b < 3; ++b) {
      std::vector<int32_t> users(order.begin() + b * 5,
                                 order.begin() + std::min<int64_t>(b * 5 + 5, order.size()));
      cpu::RowGradients g;
      const cpu::BatchLoss got = s->batch_row_gradients(b, view_of(m), &g);
      const Direct want = direct_batch(d, m, users, c.seed, t, b, 0.25f, keep, 0.03f);
      const std::string tag = "keep " + std::to_string(keep) + " batch " + std::to_string(b);
      expect_close(got.loss, want.loss, tag + " loss");
      int64_t pairs = 0;
      for (int32_t u : users) pairs += d.train.row_size(u);
      EXPECT_EQ(got.pairs, pairs) << tag;
      std::sort(users.begin(), users.end());
      ASSERT_EQ(g.user_rows, users) << tag;
      ASSERT_EQ(g.item_rows.size(), static_cast<size_t>(d.n_items)) << tag << ": every item";
      for (size_t k = 0; k < users.size(); ++k) {
        for (int f = 0; f < 6; ++f) {
          expect_close(g.user_grad[k * 6 + f], want.user[users[k] * 6 + f],
                       tag + " user " + std::to_string(users[k]));
        }
      }
      for (int32_t i = 0; i < d.n_items; ++i) {
        for (int f = 0; f < 6; ++f) {
          expect_close(g.item_grad[i * 6 + f], want.item[i * 6 + f],
                       tag + " item " + std::to_string(i));
        }
      }
      for (int f = 0; f < 6; ++f) expect_close(g.head_grad[f], want.head[f], tag + " head");
    }
  }
}

TEST(Enmf, EpochsCoverEveryUserOnceInANewOrder) {
  const Dataset d = tiny_data();
  const std::vector<int32_t> a = enmf_user_order(5, 0, d.train.offsets);
  const std::vector<int32_t> b = enmf_user_order(5, 1, d.train.offsets);
  EXPECT_EQ(a.size(), 11u);
  EXPECT_EQ(std::set<int32_t>(a.begin(), a.end()).size(), 11u);
  EXPECT_EQ(std::count(a.begin(), a.end(), 7), 0) << "the user without training items";
  EXPECT_NE(a, b);
  EXPECT_EQ(a, enmf_user_order(5, 0, d.train.offsets));
}

TEST(Enmf, TrainsThroughTheRegistryWithItsOwnOptimiser) {
  TrainConfig c = testing::short_run_config("enmf", {{"enmf-c0", 0.1}});
  c.optim.kind = OptimizerKind::kAdagrad;
  c.optim.lr = 0.05f;
  c.optim.adagrad_init = 1e-8f;
  c.optim.reg = 0;
  c.batch_size = 64;
  c.epochs = 10;
  const RunSummary s = testing::train_quietly(testing::small_generated_data(), c);
  EXPECT_GT(s.best_val.at("ndcg@10"), 0.2);
  EXPECT_LT(s.epochs.back().loss, s.epochs.front().loss);
  c.model.kind = ModelKind::kMlp;
  EXPECT_THROW(validate(c), std::invalid_argument) << "ENMF's Gram identity needs GMF or MF";
  c.model.kind = ModelKind::kGmf;
  c.optim.kind = OptimizerKind::kSgd;
  EXPECT_THROW(validate(c), std::invalid_argument) << "every item row moves each batch";
}

}  // namespace
}  // namespace srns
