// One whole training batch on the CPU backend's ops (step -> per-row reduction -> optimiser)
// against a naive reference written out here in double precision: the gradient of the summed
// batch loss, row by row, and one Adam / SGD step of every parameter.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

#include "cpu/cpu_ops.hpp"
#include "srns/backend.hpp"
#include "srns/samplers/uniform.hpp"
#include "srns/synthetic.hpp"
#include "srns/trainer.hpp"

namespace srns {
namespace {

struct Reference {
  std::vector<double> user, item, beta;  // dL/dtheta of the summed batch loss
};

// d/dtheta of sum_k [ softplus(r_kj - r_ki) + reg/2 (|p_u|^2 + |q_i|^2 + |q_j|^2) ].
Reference reference_gradient(const Model& m, const std::vector<int32_t>& users,
                             const std::vector<int32_t>& items, const std::vector<int32_t>& negs,
                             double reg) {
  const int F = m.dim;
  Reference g;
  g.user.assign(m.user.size(), 0.0);
  g.item.assign(m.item.size(), 0.0);
  g.beta.assign(F, 0.0);
  for (size_t k = 0; k < users.size(); ++k) {
    const int32_t u = users[k], i = items[k], j = negs[k];
    double r_pos = 0, r_neg = 0;
    for (int f = 0; f < F; ++f) {
      r_pos += double(m.user[u * F + f]) * m.head[f] * m.item[i * F + f];
      r_neg += double(m.user[u * F + f]) * m.head[f] * m.item[j * F + f];
    }
    const double s = 1.0 / (1.0 + std::exp(-(r_neg - r_pos)));  // d softplus(x)/dx
    for (int f = 0; f < F; ++f) {
      const double p = m.user[u * F + f], qi = m.item[i * F + f], qj = m.item[j * F + f];
      const double b = m.head[f];
      g.user[u * F + f] += s * b * (qj - qi) + reg * p;
      g.item[i * F + f] += -s * b * p + reg * qi;
      g.item[j * F + f] += s * b * p + reg * qj;
      g.beta[f] += s * p * (qj - qi);
    }
  }
  return g;
}

class BatchStep : public ::testing::Test {
 protected:
  void SetUp() override {
    GenConfig gc;
    gc.users = 60;
    gc.items = 80;
    gc.interactions = 800;
    SplitOptions so;
    so.eval_negatives = 0;
    data_ = generate_dataset(gc, so);
    ModelConfig mc;
    mc.dim = 8;
    mc.init_std = 0.3f;  // scores far from 0, so every term of the gradient matters
    model_ = init_model(mc, data_.n_users, data_.n_items, 5);
    // A batch with repeated users and items (the reduction must sum them).
    for (int64_t e = 0; e < data_.train.nnz(); e += 3) pairs_.push_back(e);
    for (int32_t u = 0; u < data_.n_users; ++u) {
      for (int64_t e = data_.train.offsets[u]; e < data_.train.offsets[u + 1]; ++e) {
        user_of_[e] = u;
      }
    }
    for (int64_t e : pairs_) {
      users_.push_back(user_of_[e]);
      items_.push_back(data_.train.cols[e]);
    }
  }

  // Uniform negatives, then the pair gradients of the production op.
  cpu::StepOutput run_step(const Model& m) {
    const int32_t n = static_cast<int32_t>(pairs_.size());
    cpu::Batch batch{0, n, pairs_.data(), users_.data(), items_.data()};
    negative_.resize(n);
    for (int32_t k = 0; k < n; ++k) {
      const int32_t u = users_[k];
      negative_[k] =
          uniform_negative(9, 0, 0, k, data_.train.row(u), data_.train.row_size(u), data_.n_items);
    }
    cpu::StepOutput out;
    cpu::pair_gradients(cpu::view_of(m), batch, negative_.data(), kLossBpr, kReg, &out, 2);
    batch_ = batch;
    return out;
  }

  static constexpr float kReg = 0.01f;
  Dataset data_;
  Model model_;
  std::vector<int64_t> pairs_;
  std::map<int64_t, int32_t> user_of_;
  std::vector<int32_t> users_, items_;
  std::vector<int32_t> negative_;
  cpu::Batch batch_{};
};

TEST_F(BatchStep, RowGradientsAreTheGradientOfTheBatchLoss) {
  const cpu::StepOutput out = run_step(model_);
  cpu::RowGradients g;
  cpu::reduce_gradients(batch_, negative_.data(), out, cpu::view_of(model_), &g);
  const Reference ref = reference_gradient(model_, users_, items_, negative_, kReg);
  const int F = model_.dim;
  // float sums of up to ~40 terms of size ~0.3: compare with 1e-5 absolute slack.
  constexpr double kTol = 1e-5;
  ASSERT_GT(g.user_rows.size(), 10u);
  std::vector<bool> seen(model_.n_users, false);
  for (size_t r = 0; r < g.user_rows.size(); ++r) {
    seen[g.user_rows[r]] = true;
    for (int f = 0; f < F; ++f) {
      ASSERT_NEAR(g.user_grad[r * F + f], ref.user[g.user_rows[r] * F + f], kTol) << r;
    }
  }
  for (int32_t u = 0; u < model_.n_users; ++u) {
    if (!seen[u]) {
      for (int f = 0; f < F; ++f) ASSERT_EQ(ref.user[u * F + f], 0.0) << "untouched user " << u;
    }
  }
  for (size_t r = 0; r < g.item_rows.size(); ++r) {
    for (int f = 0; f < F; ++f) {
      ASSERT_NEAR(g.item_grad[r * F + f], ref.item[g.item_rows[r] * F + f], kTol) << r;
    }
  }
  for (int f = 0; f < F; ++f) ASSERT_NEAR(g.head_grad[f], ref.beta[f], 1e-4);
}

TEST_F(BatchStep, RowGradientsDoNotDependOnTheThreadCount) {
  const cpu::StepOutput out = run_step(model_);
  cpu::RowGradients one, two;
  cpu::reduce_gradients(batch_, negative_.data(), out, cpu::view_of(model_), &one, 1);
  cpu::reduce_gradients(batch_, negative_.data(), out, cpu::view_of(model_), &two, 2);
  ASSERT_GT(one.item_rows.size(), 10u);
  EXPECT_EQ(one.user_rows, two.user_rows);
  EXPECT_EQ(one.item_rows, two.item_rows);
  const size_t F = model_.dim;
  for (size_t x = 0; x < one.user_rows.size() * F; ++x) {
    ASSERT_EQ(one.user_grad[x], two.user_grad[x]) << x;
  }
  for (size_t x = 0; x < one.item_rows.size() * F; ++x) {
    ASSERT_EQ(one.item_grad[x], two.item_grad[x]) << x;
  }
  EXPECT_EQ(one.head_grad, two.head_grad);
}

TEST_F(BatchStep, AdamAndSgdStepEveryParameterAsWrittenOut) {
  const cpu::StepOutput out = run_step(model_);
  cpu::RowGradients g;
  cpu::reduce_gradients(batch_, negative_.data(), out, cpu::view_of(model_), &g);
  const Reference ref = reference_gradient(model_, users_, items_, negative_, kReg);
  for (OptimizerKind kind : {OptimizerKind::kAdam, OptimizerKind::kLazyAdam, OptimizerKind::kSgd}) {
    OptimConfig oc;
    oc.kind = kind;
    oc.lr = 0.05f;
    Model m = model_;
    cpu::OptimState st;
    st.user_m.assign(m.user.size(), 0.1f);  // non-zero moments: decay must show
    st.user_v.assign(m.user.size(), 0.2f);
    st.item_m.assign(m.item.size(), 0.1f);
    st.item_v.assign(m.item.size(), 0.2f);
    st.head_m.assign(m.dim, 0.1f);
    st.head_v.assign(m.dim, 0.2f);
    cpu::optimizer_step(oc, g, &m, &st, 2);
    const double lr_t = 0.05 * std::sqrt(1 - 0.999) / (1 - 0.9);  // step 1
    auto expect = [&](double w, double grad, bool touched) {
      if (kind == OptimizerKind::kSgd) return touched ? w - 0.05 * grad : w;
      if (kind == OptimizerKind::kLazyAdam && !touched) return w;
      const double mm = 0.9 * 0.1 + 0.1 * grad, vv = 0.999 * 0.2 + 0.001 * grad * grad;
      return w - lr_t * mm / (std::sqrt(vv) + 1e-8);
    };
    std::vector<bool> user_touched(m.n_users, false), item_touched(m.n_items, false);
    for (int32_t r : g.user_rows) user_touched[r] = true;
    for (int32_t r : g.item_rows) item_touched[r] = true;
    for (size_t x = 0; x < m.user.size(); ++x) {
      ASSERT_NEAR(m.user[x], expect(model_.user[x], ref.user[x], user_touched[x / m.dim]), 2e-6)
          << to_string(kind) << " user element " << x;
    }
    for (size_t x = 0; x < m.item.size(); ++x) {
      ASSERT_NEAR(m.item[x], expect(model_.item[x], ref.item[x], item_touched[x / m.dim]), 2e-6)
          << to_string(kind) << " item element " << x;
    }
    for (int f = 0; f < m.dim; ++f) {
      ASSERT_NEAR(m.head[f], expect(model_.head[f], ref.beta[f], true), 2e-6) << to_string(kind);
    }
  }
}

}  // namespace
}  // namespace srns

namespace srns {
namespace {

// Whole epochs of the uniform sampler through the backend against a naive re-implementation:
// the same order and negatives (recomputed from the documented Philox streams), the batch
// gradient in double precision, and dense Adam with moments kept across steps.
TEST(BackendEpochs, UniformMatchesNaiveTrainingLoop) {
  GenConfig gc;
  gc.users = 50;
  gc.items = 90;
  gc.interactions = 600;
  SplitOptions so;
  so.eval_negatives = 0;
  const Dataset data = generate_dataset(gc, so);
  TrainConfig c;
  c.sampler = "uniform";
  c.model.dim = 8;
  c.model.init_std = 0.1f;
  c.batch_size = 64;
  c.keep_last_batch = true;
  c.seed = 4;
  const Model init = init_model(c.model, data.n_users, data.n_items, c.seed);
  std::unique_ptr<Backend> backend = make_cpu_backend(2);
  backend->setup(prepare_training_set(data, c), c, init);
  const int kEpochs = 3;
  for (int t = 0; t < kEpochs; ++t) backend->train_epoch(t, nullptr);
  const Model got = backend->get_model();

  // The naive loop.
  const int F = c.model.dim;
  std::vector<double> P(init.user.begin(), init.user.end()), Q(init.item.begin(), init.item.end()),
      B(init.head.begin(), init.head.end());
  std::vector<double> mP(P.size()), vP(P.size()), mQ(Q.size()), vQ(Q.size()), mB(F), vB(F);
  std::vector<int32_t> user_of(data.train.nnz());
  for (int32_t u = 0; u < data.n_users; ++u) {
    for (int64_t e = data.train.offsets[u]; e < data.train.offsets[u + 1]; ++e) user_of[e] = u;
  }
  int64_t step = 0;
  for (int t = 0; t < kEpochs; ++t) {
    const std::vector<int64_t> order = epoch_order(c.seed, t, data.train.nnz());
    for (int64_t b = 0; b * c.batch_size < data.train.nnz(); ++b) {
      std::vector<double> gP(P.size(), 0), gQ(Q.size(), 0), gB(F, 0);
      for (int64_t k = 0; k < c.batch_size && b * c.batch_size + k < data.train.nnz(); ++k) {
        const int64_t e = order[b * c.batch_size + k];
        const int32_t u = user_of[e], i = data.train.cols[e];
        PhiloxStream s = make_stream(c.seed, kRngUniformNeg, t, static_cast<uint32_t>(b),
                                     static_cast<uint32_t>(k));
        const int32_t j =
            draw_non_positive(&s, data.train.row(u), data.train.row_size(u), data.n_items);
        double rp = 0, rn = 0;
        for (int f = 0; f < F; ++f) {
          rp += P[u * F + f] * B[f] * Q[i * F + f];
          rn += P[u * F + f] * B[f] * Q[j * F + f];
        }
        const double sg = 1 / (1 + std::exp(-(rn - rp)));
        for (int f = 0; f < F; ++f) {
          const double p = P[u * F + f], qi = Q[i * F + f], qj = Q[j * F + f];
          gP[u * F + f] += sg * B[f] * (qj - qi) + c.optim.reg * p;
          gQ[i * F + f] += -sg * B[f] * p + c.optim.reg * qi;
          gQ[j * F + f] += sg * B[f] * p + c.optim.reg * qj;
          gB[f] += sg * p * (qj - qi);
        }
      }
      ++step;
      const double lr_t =
          c.optim.lr * std::sqrt(1 - std::pow(0.999, step)) / (1 - std::pow(0.9, step));
      auto adam = [&](std::vector<double>& w, std::vector<double>& m, std::vector<double>& v,
                      const std::vector<double>& g) {
        for (size_t x = 0; x < w.size(); ++x) {
          m[x] = 0.9 * m[x] + 0.1 * g[x];
          v[x] = 0.999 * v[x] + 0.001 * g[x] * g[x];
          w[x] -= lr_t * m[x] / (std::sqrt(v[x]) + 1e-8);
        }
      };
      adam(P, mP, vP, gP);
      adam(Q, mQ, vQ, gQ);
      adam(B, mB, vB, gB);
    }
  }
  double worst = 0;
  for (size_t x = 0; x < P.size(); ++x) worst = std::max(worst, std::fabs(P[x] - got.user[x]));
  for (size_t x = 0; x < Q.size(); ++x) worst = std::max(worst, std::fabs(Q[x] - got.item[x]));
  for (int f = 0; f < F; ++f) worst = std::max(worst, std::fabs(B[f] - got.head[f]));
  // ~35 Adam steps of size <= lr = 1e-3 each, float vs double: differences stay far below a step.
  EXPECT_LT(worst, 1e-4) << "largest parameter difference after " << step << " steps";
}

}  // namespace
}  // namespace srns
