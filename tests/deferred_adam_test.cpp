// Dense Adam with deferred rows (cpu_ops.hpp: DeferredAdam) against the dense pass: over many
// steps with random touched rows, a table whose rows are caught up only before they are
// stepped (and at the end) holds bit for bit the weights and moments of one stepped every step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>

#include "cpu/cpu_ops.hpp"
#include "srns/backend.hpp"
#include "srns/model.hpp"
#include "srns/synthetic.hpp"
#include "srns/trainer.hpp"

namespace srns {
namespace {

struct Training {
  Model model;
  cpu::OptimState state;
};

Training start(int32_t n_users, int32_t n_items, int32_t dim) {
  ModelConfig mc;
  mc.dim = dim;
  mc.init_std = 0.1f;
  Training r{init_model(mc, n_users, n_items, 7), {}};
  r.state.user_m.assign(r.model.user.size(), 0.0f);
  r.state.user_v.assign(r.model.user.size(), 0.0f);
  r.state.item_m.assign(r.model.item.size(), 0.0f);
  r.state.item_v.assign(r.model.item.size(), 0.0f);
  r.state.head_m.assign(r.model.head.size(), 0.0f);
  r.state.head_v.assign(r.model.head.size(), 0.0f);
  return r;
}

// A batch's summed gradients on random distinct rows (a few of each table), random values.
cpu::RowGradients random_gradients(const Model& m, std::mt19937* rng) {
  cpu::RowGradients g;
  std::normal_distribution<float> value(0.0f, 0.3f);
  auto pick = [&](int32_t n, std::vector<int32_t>* rows, std::vector<float>* grad) {
    std::vector<int32_t> all(n);
    for (int32_t r = 0; r < n; ++r) all[r] = r;
    std::shuffle(all.begin(), all.end(), *rng);
    rows->assign(all.begin(), all.begin() + 1 + (*rng)() % (n / 3));
    grad->resize(rows->size() * m.dim);
    for (float& x : *grad) x = value(*rng);
  };
  pick(m.n_users, &g.user_rows, &g.user_grad);
  pick(m.n_items, &g.item_rows, &g.item_grad);
  g.head_grad.resize(m.head.size());
  for (float& x : g.head_grad) x = value(*rng);
  cpu::map_row_slots(&g, m.n_users, m.n_items);
  return g;
}

void expect_same_bits(const std::vector<float>& a, const std::vector<float>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t x = 0; x < a.size(); ++x) {
    uint32_t ba, bb;
    std::memcpy(&ba, &a[x], 4);
    std::memcpy(&bb, &b[x], 4);
    ASSERT_EQ(ba, bb) << what << " element " << x << ": " << a[x] << " vs " << b[x];
  }
}

class DeferredAdamTest : public ::testing::TestWithParam<int32_t> {};

TEST_P(DeferredAdamTest, CaughtUpRowsMatchTheDensePassBitForBit) {
  const int32_t dim = GetParam();  // 32: sixteen lanes at a time; 40 and 8: element by element
  OptimConfig oc;
  oc.kind = OptimizerKind::kAdam;
  oc.lr = 0.01f;
  for (const bool defer_items : {false, true}) {
    Training dense = start(29, 23, dim), deferred = start(29, 23, dim);
    cpu::defer_adam_rows(deferred.model, /*users=*/true, defer_items, &deferred.state);
    std::mt19937 rng(11);
    for (int step = 0; step < 60; ++step) {
      const cpu::RowGradients g = random_gradients(dense.model, &rng);
      // What the batch loop does before a batch reads its rows; a row listed twice is stepped
      // once. Some steps also catch up rows nobody steps (a reader of other rows).
      std::vector<int32_t> users = g.user_rows, items = g.item_rows;
      users.push_back(users.front());
      if (step % 7 == 3) users.push_back(static_cast<int32_t>(rng() % 29));
      cpu::adam_catch_up({{users.data(), static_cast<int64_t>(users.size()), true},
                          {items.data(), static_cast<int64_t>(items.size()), false}},
                         &deferred.model, &deferred.state, 2);
      cpu::optimizer_step(oc, g, &dense.model, &dense.state, 2);
      cpu::optimizer_step(oc, g, &deferred.model, &deferred.state, 2);
      if (step == 30) cpu::adam_catch_up_all(&deferred.model, &deferred.state, 1);
    }
    cpu::adam_catch_up_all(&deferred.model, &deferred.state, 2);
    expect_same_bits(deferred.model.user, dense.model.user, "user weights");
    expect_same_bits(deferred.state.user_m, dense.state.user_m, "user m");
    expect_same_bits(deferred.state.user_v, dense.state.user_v, "user v");
    expect_same_bits(deferred.model.item, dense.model.item, "item weights");
    expect_same_bits(deferred.state.item_m, dense.state.item_m, "item m");
    expect_same_bits(deferred.state.item_v, dense.state.item_v, "item v");
    expect_same_bits(deferred.model.head, dense.model.head, "head");
    EXPECT_EQ(deferred.state.deferred.scalars.size(), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Dims, DeferredAdamTest, ::testing::Values(32, 40, 8));

// adam_row (sixteen lanes at a time, the tail element by element) against adam_update one
// element at a time: the same floats, for rows that are whole vectors, vectors and a tail, and
// shorter than a vector; gradients of zero (an untouched row) and of both signs, subnormal moments.
TEST(DenseAdamRow, SixteenLanesEqualAdamUpdateBitForBit) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const AdamStep s = adam_step_scalars(1e-3f, 0.9f, 0.999f, 1e-8f, 17);
  for (int32_t dim : {8, 16, 32, 40, 100}) {
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<float> w(dim), m(dim), v(dim), g(dim);
      for (int32_t f = 0; f < dim; ++f) {
        w[f] = u(rng);
        m[f] = u(rng) * (trial % 3 == 0 ? 1e-38f : 1e-2f);  // subnormal or not
        v[f] = std::abs(u(rng)) * 1e-4f;
        g[f] = trial % 4 == 0 ? 0.0f : u(rng) * 1e-2f;
      }
      std::vector<float> w1 = w, m1 = m, v1 = v;
      cpu::adam_row(w.data(), m.data(), v.data(), g.data(), dim, s);
      for (int32_t f = 0; f < dim; ++f) adam_update(&w1[f], &m1[f], &v1[f], g[f], s);
      expect_same_bits(w, w1, "w");
      expect_same_bits(m, m1, "m");
      expect_same_bits(v, v1, "v");
    }
  }
}

TEST(DeferredAdam, SteppingARowThatWasNotCaughtUpIsRefused) {
  Training r = start(10, 12, 16);
  OptimConfig oc;
  cpu::defer_adam_rows(r.model, true, false, &r.state);
  std::mt19937 rng(3);
  cpu::RowGradients g = random_gradients(r.model, &rng);
  cpu::optimizer_step(oc, g, &r.model, &r.state, 1);  // every row current at step 0
  int32_t behind = 0;  // a row the step did not touch: now one step behind
  while (std::count(g.user_rows.begin(), g.user_rows.end(), behind) > 0) ++behind;
  g.user_rows = {behind};
  g.user_grad.assign(16, 0.5f);
  cpu::map_row_slots(&g, r.model.n_users, r.model.n_items);
  EXPECT_THROW(cpu::optimizer_step(oc, g, &r.model, &r.state, 1), std::logic_error);
}

// Through the backend: samplers whose selection reads no rows (uniform: both tables deferred)
// or the batch's users (DNS, SRNS: the user table) train bit for bit the model of the dense
// pass, checkpoints included (a resumed run re-defers from the loaded step).
TEST(DeferredAdam, TrainsTheDensePassModelBitForBit) {
  GenConfig gc;
  gc.users = 60;
  gc.items = 80;
  gc.interactions = 900;
  SplitOptions so;
  so.eval_negatives = 0;
  const Dataset data = generate_dataset(gc, so);
  for (const char* sampler : {"uniform", "dns", "srns"}) {
    TrainConfig c;
    c.sampler = sampler;
    c.model.dim = 32;
    c.model.init_std = 0.1f;
    c.batch_size = 64;
    c.srns.pool_size = 120;  // at least S1 + S2 distinct slots
    c.seed = 5;
    const Model init = init_model(c.model, data.n_users, data.n_items, c.seed);
    Model got[2];
    for (int k = 0; k < 2; ++k) {
      c.optim.defer_rows =
          k == 0 ? OptimConfig::DeferRows::kNever : OptimConfig::DeferRows::kAlways;
      const TrainingSet set = prepare_training_set(data, c);
      std::unique_ptr<Backend> backend = make_cpu_backend(2);
      backend->setup(set, c, init);
      backend->end_epoch(-1, nullptr);
      for (int t = 0; t < 3; ++t) {
        backend->train_epoch(t, nullptr);
        backend->end_epoch(t, nullptr);
      }
      got[k] = backend->get_model();
    }
    SCOPED_TRACE(sampler);
    expect_same_bits(got[1].user, got[0].user, "user weights");
    expect_same_bits(got[1].item, got[0].item, "item weights");
    expect_same_bits(got[1].head, got[0].head, "head");
  }
}

}  // namespace
}  // namespace srns
