// Tests of the per-sample math shared by both backends (math.hpp): the canonical lane-order dot
// product, sigmoid/softplus, the population sd of a history window, the alpha schedule, the
// pair losses and their derivatives, the per-element GMF gradient and the optimiser steps.
// References are written independently in double precision; derivatives are checked against
// central finite differences of a double-precision loss.
#include "srns/math.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace srns {
namespace {

// Uniform double in [lo, hi) from the fully specified mt19937 (distributions are not portable).
double uniform(std::mt19937* gen, double lo, double hi) {
  return lo + (hi - lo) * (static_cast<double>((*gen)()) + 0.5) / 4294967296.0;
}

std::vector<float> random_floats(std::mt19937* gen, int n) {
  std::vector<float> x(n);
  for (float& v : x) v = static_cast<float>(uniform(gen, -1.0, 1.0));
  return x;
}

uint32_t bits(float x) {
  uint32_t b;
  std::memcpy(&b, &x, sizeof(b));
  return b;
}

// The documented order, written out again: lane l accumulates elements l, l+32, l+64, ... in
// turn, then lanes are folded pairwise with offsets 16, 8, 4, 2, 1.
float replica_dot(const std::vector<float>& a, const std::vector<float>& b) {
  float lane[32] = {};
  for (size_t i = 0; i < a.size(); ++i) {
    const float prod = a[i] * b[i];
    lane[i % 32] = lane[i % 32] + prod;
  }
  for (int width = 32; width > 1; width /= 2) {
    const int half = width / 2;
    for (int l = 0; l < half; ++l) lane[l] = lane[l] + lane[l + half];
  }
  return lane[0];
}

float sequential_dot(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) s = s + a[i] * b[i];
  return s;
}

TEST(DotLanes, MatchesDoublePrecision) {
  std::mt19937 gen(11);
  for (int n : {1, 7, 32, 33, 64, 100}) {
    const std::vector<float> a = random_floats(&gen, n), b = random_floats(&gen, n);
    double exact = 0.0, magnitude = 0.0;
    for (int i = 0; i < n; ++i) {
      exact += static_cast<double>(a[i]) * b[i];
      magnitude += std::fabs(static_cast<double>(a[i]) * b[i]);
    }
    // Relative to sum |a_i b_i|: the sum itself can cancel to near zero. A lane-order sum adds
    // at most ceil(n/32) + 5 rounding errors of 2^-24 each (< 1e-6 for n <= 100).
    EXPECT_NEAR(dot_lanes(a.data(), b.data(), n), exact, 1e-6 * magnitude) << "n " << n;
  }
}

TEST(DotLanes, BitExactWithDocumentedLaneOrder) {
  std::mt19937 gen(12);
  int differs_from_sequential = 0;
  for (int n : {1, 7, 32, 33, 64, 100}) {
    for (int rep = 0; rep < 20; ++rep) {
      const std::vector<float> a = random_floats(&gen, n), b = random_floats(&gen, n);
      const float got = dot_lanes(a.data(), b.data(), n);
      ASSERT_EQ(bits(got), bits(replica_dot(a, b))) << "n " << n << " rep " << rep;
      differs_from_sequential += bits(got) != bits(sequential_dot(a, b));
    }
  }
  // The comparison has teeth: a plain left-to-right sum rounds differently in many cases.
  EXPECT_GT(differs_from_sequential, 10);
}

TEST(DotLanes, EmptyIsZero) {
  const float a[1] = {3.0f};
  EXPECT_EQ(dot_lanes(a, a, 0), 0.0f);
}

TEST(Sigmoid, ValuesAndLargeArguments) {
  for (double x : {-20.0, -3.0, -0.5, 0.0, 0.25, 2.0, 15.0}) {
    const double want = 1.0 / (1.0 + std::exp(-x));
    EXPECT_NEAR(sigmoid(static_cast<float>(x)), want, 1e-6 * want) << "x " << x;
  }
  EXPECT_EQ(sigmoid(0.0f), 0.5f);
  for (float x : {-1000.0f, -100.0f, 100.0f, 1000.0f}) {
    const float y = sigmoid(x);
    EXPECT_TRUE(std::isfinite(y)) << "x " << x;
    EXPECT_GE(y, 0.0f);
    EXPECT_LE(y, 1.0f);
  }
  EXPECT_EQ(sigmoid(100.0f), 1.0f);
  EXPECT_LT(sigmoid(-100.0f), 1e-30f);
}

TEST(Softplus, ValuesAndLargeArguments) {
  for (double x : {-30.0, -5.0, -0.5, 0.0, 0.5, 5.0, 30.0, 80.0}) {
    const double want = x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
    EXPECT_NEAR(softplus(static_cast<float>(x)), want, 1e-6 * want) << "x " << x;
  }
  EXPECT_NEAR(softplus(0.0f), std::log(2.0), 1e-7);
  EXPECT_EQ(softplus(100.0f), 100.0f);
  EXPECT_EQ(softplus(1000.0f), 1000.0f);
  for (float x : {-1000.0f, -100.0f}) {
    const float y = softplus(x);
    EXPECT_TRUE(std::isfinite(y));
    EXPECT_GE(y, 0.0f);
    EXPECT_LT(y, 1e-30f);
  }
}

TEST(PopulationStd, HandComputed) {
  const float a[] = {1, 2, 3, 4};  // mean 2.5, squared deviations 2.25, .25, .25, 2.25
  EXPECT_NEAR(population_std(a, 4), std::sqrt(1.25), 1e-6);
  const float b[] = {1, 1, 1, 5};  // mean 2, squared deviations 1, 1, 1, 9: var 3
  EXPECT_NEAR(population_std(b, 4), std::sqrt(3.0), 1e-6);
  const float c[] = {0, 10};
  EXPECT_NEAR(population_std(c, 2), 5.0, 1e-6);
  const float d[] = {7.5f};
  EXPECT_EQ(population_std(d, 1), 0.0f);
  const float e[] = {0.3f, 0.3f, 0.3f};
  EXPECT_NEAR(population_std(e, 3), 0.0, 1e-7);
}

TEST(AlphaAt, Schedules) {
  const float alpha = 5.0f;
  const int t0 = 50;
  // increase: alpha * min(t/T0, 1)
  EXPECT_FLOAT_EQ(alpha_at(kAlphaIncrease, alpha, 0, t0), 0.0f);
  EXPECT_FLOAT_EQ(alpha_at(kAlphaIncrease, alpha, 25, t0), 2.5f);
  EXPECT_FLOAT_EQ(alpha_at(kAlphaIncrease, alpha, 50, t0), 5.0f);
  EXPECT_FLOAT_EQ(alpha_at(kAlphaIncrease, alpha, 100, t0), 5.0f);
  // flat
  for (int t : {0, 25, 50, 100}) EXPECT_FLOAT_EQ(alpha_at(kAlphaFlat, alpha, t, t0), 5.0f);
  // decrease: alpha * max(1 - t/T0, 0)
  EXPECT_FLOAT_EQ(alpha_at(kAlphaDecrease, alpha, 0, t0), 5.0f);
  EXPECT_FLOAT_EQ(alpha_at(kAlphaDecrease, alpha, 25, t0), 2.5f);
  EXPECT_FLOAT_EQ(alpha_at(kAlphaDecrease, alpha, 50, t0), 0.0f);
  EXPECT_FLOAT_EQ(alpha_at(kAlphaDecrease, alpha, 100, t0), 0.0f);
  // T0 = 0: no warm-up, the schedule is already at its end.
  for (int t : {0, 3}) {
    EXPECT_FLOAT_EQ(alpha_at(kAlphaIncrease, alpha, t, 0), 5.0f);
    EXPECT_FLOAT_EQ(alpha_at(kAlphaFlat, alpha, t, 0), 5.0f);
    EXPECT_FLOAT_EQ(alpha_at(kAlphaDecrease, alpha, t, 0), 0.0f);
  }
}

TEST(SelectionHelpers, PPosHistoryValueSelectionValue) {
  EXPECT_NEAR(p_pos(1.5f, 0.5f), 1.0 / (1.0 + std::exp(-1.0)), 1e-7);
  EXPECT_NEAR(history_value(0.2f, 1.2f, false), 1.0 / (1.0 + std::exp(1.0)), 1e-7);
  EXPECT_EQ(history_value(0.2f, 1.2f, true), 0.2f);
  EXPECT_FLOAT_EQ(selection_value(0.25f, 0.1f, 3.0f), 0.55f);
}

// Independent double-precision losses of (r_pos, r_neg).
double softplus_d(double x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

double loss_d(int kind, double r_pos, double r_neg) {
  if (kind == kLossHinge) return std::max(0.0, 1.0 - r_pos + r_neg);
  if (kind == kLossBce) return softplus_d(-r_pos) + softplus_d(r_neg);
  return softplus_d(r_neg - r_pos);  // BPR = -log sigmoid(r_pos - r_neg)
}

TEST(PairLoss, HandValues) {
  // BPR at (1, 0.5): log(1 + e^-0.5); dL/dr_neg = sigmoid(-0.5).
  LossGrad g = pair_loss(kLossBpr, 1.0f, 0.5f);
  EXPECT_NEAR(g.loss, 0.474076984, 1e-6);
  EXPECT_NEAR(g.d_neg, 0.377540669, 1e-6);
  EXPECT_NEAR(g.d_pos, -0.377540669, 1e-6);
  // hinge: active at margin 0.5, inactive at margin -0.5.
  g = pair_loss(kLossHinge, 1.0f, 0.5f);
  EXPECT_FLOAT_EQ(g.loss, 0.5f);
  EXPECT_EQ(g.d_pos, -1.0f);
  EXPECT_EQ(g.d_neg, 1.0f);
  g = pair_loss(kLossHinge, 2.0f, 0.5f);
  EXPECT_EQ(g.loss, 0.0f);
  EXPECT_EQ(g.d_pos, 0.0f);
  EXPECT_EQ(g.d_neg, 0.0f);
  // BCE at (1, 0.5): softplus(-1) + softplus(0.5).
  g = pair_loss(kLossBce, 1.0f, 0.5f);
  EXPECT_NEAR(g.loss, 0.313261687 + 0.974076984, 1e-6);
  EXPECT_NEAR(g.d_pos, -0.268941421, 1e-6);  // -sigmoid(-1)
  EXPECT_NEAR(g.d_neg, 0.622459331, 1e-6);   // sigmoid(0.5)
}

TEST(PairLoss, ValuesAndDerivativesMatchFiniteDifferences) {
  const double points[][2] = {{1.0, 0.5}, {-2.0, 3.0},  {0.3, 0.3},    {0.75, -0.5},
                              {4.0, 1.0}, {-0.2, -1.7}, {40.0, -40.0}, {-40.0, 40.0}};
  const double h = 1e-5;
  for (int kind : {kLossBpr, kLossHinge, kLossBce}) {
    for (const auto& pt : points) {
      const double rp = pt[0], rn = pt[1];
      ASSERT_GT(std::fabs(1.0 - rp + rn), 10 * h) << "hinge kink too close";
      const LossGrad g = pair_loss(kind, static_cast<float>(rp), static_cast<float>(rn));
      const double loss = loss_d(kind, rp, rn);
      const double fd_pos = (loss_d(kind, rp + h, rn) - loss_d(kind, rp - h, rn)) / (2 * h);
      const double fd_neg = (loss_d(kind, rp, rn + h) - loss_d(kind, rp, rn - h)) / (2 * h);
      ASSERT_TRUE(std::isfinite(g.loss) && std::isfinite(g.d_pos) && std::isfinite(g.d_neg));
      // float evaluation: a few ulps of the value; the FD error is ~1e-10.
      EXPECT_NEAR(g.loss, loss, 1e-6 * std::max(1.0, std::fabs(loss)))
          << "kind " << kind << " at " << rp << "," << rn;
      EXPECT_NEAR(g.d_pos, fd_pos, 1e-6) << "kind " << kind << " at " << rp << "," << rn;
      EXPECT_NEAR(g.d_neg, fd_neg, 1e-6) << "kind " << kind << " at " << rp << "," << rn;
    }
  }
}

constexpr int kDim = 8;
enum Block { kUser = 0, kPos = 1, kNeg = 2, kBeta = 3 };

// One pair's parameters: x[kUser] = p_u, x[kPos] = q_i, x[kNeg] = q_j, x[kBeta] = beta.
struct PairParams {
  double x[4][kDim];
};

// Full per-pair objective: loss(r_pos, r_neg) + reg/2 * (|p|^2 + |qi|^2 + |qj|^2), GMF scores
// r = sum_f p_f beta_f q_f.
double pair_objective(int kind, const PairParams& a, double reg) {
  double r_pos = 0, r_neg = 0, l2 = 0;
  for (int f = 0; f < kDim; ++f) {
    const double p = a.x[kUser][f], qi = a.x[kPos][f], qj = a.x[kNeg][f], b = a.x[kBeta][f];
    r_pos += p * b * qi;
    r_neg += p * b * qj;
    l2 += p * p + qi * qi + qj * qj;
  }
  return loss_d(kind, r_pos, r_neg) + 0.5 * reg * l2;
}

// Checks every component of pair_grad_elem for one parameter set against central differences.
void check_pair_gradient(int kind, const PairParams& a, double reg, int trial) {
  float p[kDim], qi[kDim], qj[kDim], beta[kDim], pb[kDim];
  for (int f = 0; f < kDim; ++f) {
    p[f] = static_cast<float>(a.x[kUser][f]);
    qi[f] = static_cast<float>(a.x[kPos][f]);
    qj[f] = static_cast<float>(a.x[kNeg][f]);
    beta[f] = static_cast<float>(a.x[kBeta][f]);
  }
  // Scores exactly as the backends form them: pb = p ⊙ beta, then the lane-order dot.
  user_factor(p, beta, pb, kDim);
  const float r_pos = dot_lanes(pb, qi, kDim), r_neg = dot_lanes(pb, qj, kDim);
  const LossGrad d = pair_loss(kind, r_pos, r_neg);

  // Central differences of the double objective with h = 1e-6: truncation ~h^2 and rounding
  // ~1e-16/h keep the reference within ~1e-9. Tolerance: the float gradient carries float
  // rounding of the scores (~1e-7 relative, which moves sigmoid by as much) and of each product,
  // and w = d_pos*qi + d_neg*qj can cancel, turning ~1e-7 absolute error into a larger relative
  // one on a small component; 1e-3 relative plus 1e-5 absolute covers that with a wide margin,
  // while a wrong term (a missing reg, swapped d_pos/d_neg, a missing beta) is off by > 1e-2.
  const double h = 1e-6;
  for (int f = 0; f < kDim; ++f) {
    const ElemGrad g =
        pair_grad_elem(p[f], qi[f], qj[f], beta[f], d.d_pos, d.d_neg, static_cast<float>(reg));
    const float got[4] = {g.user, g.pos, g.neg, g.beta};
    for (int blk = 0; blk < 4; ++blk) {
      PairParams plus = a, minus = a;
      plus.x[blk][f] += h;
      minus.x[blk][f] -= h;
      const double want =
          (pair_objective(kind, plus, reg) - pair_objective(kind, minus, reg)) / (2 * h);
      EXPECT_NEAR(got[blk], want, 1e-3 * std::fabs(want) + 1e-5)
          << "loss " << kind << " trial " << trial << " block " << blk << " f " << f;
    }
  }
}

PairParams random_params(std::mt19937* gen) {
  PairParams a;
  for (auto& row : a.x) {
    for (double& v : row) v = uniform(gen, -1.0, 1.0);
  }
  return a;
}

double margin(const PairParams& a) {
  double r_pos = 0, r_neg = 0;
  for (int f = 0; f < kDim; ++f) {
    r_pos += a.x[kUser][f] * a.x[kBeta][f] * a.x[kPos][f];
    r_neg += a.x[kUser][f] * a.x[kBeta][f] * a.x[kNeg][f];
  }
  return 1.0 - r_pos + r_neg;
}

TEST(PairGradElem, MatchesFiniteDifferencesAllLosses) {
  const double reg = 0.05;
  for (int kind : {kLossBpr, kLossHinge, kLossBce}) {
    std::mt19937 gen(100 + kind);
    for (int trial = 0; trial < 10; ++trial) {
      PairParams a = random_params(&gen);
      // Keep the hinge away from its kink (a float score shifts the margin by ~1e-7).
      if (kind == kLossHinge && std::fabs(margin(a)) < 1e-3) continue;
      check_pair_gradient(kind, a, reg, trial);
    }
  }
}

// Hinge with a satisfied margin: only the L2 term is left, which the random trials (margins
// near 1) rarely reach. q_i = 2 sign(p beta) makes r_pos = 2 sum |p beta| large.
TEST(PairGradElem, HingeInactiveLeavesOnlyRegularisation) {
  std::mt19937 gen(7);
  PairParams a = random_params(&gen);
  for (int f = 0; f < kDim; ++f) {
    a.x[kUser][f] = 0.5 + 0.5 * std::fabs(a.x[kUser][f]);
    a.x[kBeta][f] = 0.5 + 0.5 * std::fabs(a.x[kBeta][f]);
    a.x[kPos][f] = 2.0;
  }
  ASSERT_LT(margin(a), -1.0);
  check_pair_gradient(kLossHinge, a, 0.05, 0);
  const ElemGrad g = pair_grad_elem(0.7f, 2.0f, -0.3f, 0.9f, 0.0f, 0.0f, 0.05f);
  EXPECT_FLOAT_EQ(g.user, 0.05f * 0.7f);
  EXPECT_FLOAT_EQ(g.pos, 0.05f * 2.0f);
  EXPECT_FLOAT_EQ(g.neg, 0.05f * -0.3f);
  EXPECT_EQ(g.beta, 0.0f);
}

AdamStep adam_step(double lr, double b1, double b2, double eps, int t) {
  AdamStep s;
  s.lr_t = static_cast<float>(lr * std::sqrt(1.0 - std::pow(b2, t)) / (1.0 - std::pow(b1, t)));
  s.beta1 = static_cast<float>(b1);
  s.beta2 = static_cast<float>(b2);
  s.eps = static_cast<float>(eps);
  return s;
}

// Three steps from w = 1, m = v = 0 with lr 0.1, b1 0.9, b2 0.999, eps 1e-8, gradients
// 0.5, -0.25, 1.0. Values computed in double precision from the hyper-parameters as the float
// AdamStep holds them (0.9f = 0.89999998, 0.999f = 0.99900001: 1 - b2 is 1.3e-5 off 0.001,
// which moves v by that much), lr_t rounded to float:
//   t  lr_t                  m                     v                       w
//   1  0.03162277489900589   0.050000011920928955  0.00024999678134918213  0.8999994010523241
//   2  0.02353167161345482   0.020000003576278402  0.00031224598312373786  0.8733655371232021
//   3  0.0202010590583086    0.11800002658367123   0.0013119208665573858   0.8075539592057339
// (with exact 0.9 / 0.999 the weights would be 0.90000006, 0.87336637, 0.80755523).
TEST(AdamUpdate, ThreeHandComputedSteps) {
  const double lr_t[3] = {0.03162277489900589, 0.02353167161345482, 0.0202010590583086};
  const double want_m[3] = {0.050000011920928955, 0.020000003576278402, 0.11800002658367123};
  const double want_v[3] = {0.00024999678134918213, 0.00031224598312373786, 0.0013119208665573858};
  const double want_w[3] = {0.8999994010523241, 0.8733655371232021, 0.8075539592057339};
  const float grads[3] = {0.5f, -0.25f, 1.0f};
  float w = 1.0f, m = 0.0f, v = 0.0f;
  for (int t = 1; t <= 3; ++t) {
    const AdamStep s = adam_step(0.1, 0.9, 0.999, 1e-8, t);
    EXPECT_NEAR(s.lr_t, lr_t[t - 1], 1e-7 * lr_t[t - 1]);
    adam_update(&w, &m, &v, grads[t - 1], s);
    // float state: a few ulps (6e-8 relative) per operation, compounded over three steps.
    EXPECT_NEAR(m, want_m[t - 1], 1e-6 * want_m[t - 1]) << "step " << t;
    EXPECT_NEAR(v, want_v[t - 1], 1e-6 * want_v[t - 1]) << "step " << t;
    EXPECT_NEAR(w, want_w[t - 1], 5e-7) << "step " << t;
  }
}

// Dense Adam on a row with no gradient: moments decay and the weight still moves.
// From m = 0.5, v = 0.04, w = 1 at step 4 (float hyper-parameters as above): m = 0.45,
// v = 0.03996, lr_t = 0.018376892, w = 1 - lr_t * m / (sqrt(v) + eps) = 0.95863130547.
TEST(AdamUpdate, ZeroGradientDecaysMomentsAndMovesWeight) {
  float w = 1.0f, m = 0.5f, v = 0.04f;
  adam_update(&w, &m, &v, 0.0f, adam_step(0.1, 0.9, 0.999, 1e-8, 4));
  EXPECT_NEAR(m, 0.45, 1e-7);
  EXPECT_NEAR(v, 0.03996, 1e-8);
  EXPECT_NEAR(w, 0.9586313054738983, 2e-7);
  EXPECT_LT(w, 1.0f);
}

TEST(SgdUpdate, Step) {
  float w = 1.0f;
  sgd_update(&w, 0.5f, 0.1f);
  EXPECT_FLOAT_EQ(w, 0.95f);
  sgd_update(&w, -2.0f, 0.25f);
  EXPECT_FLOAT_EQ(w, 1.45f);
  sgd_update(&w, 0.0f, 0.25f);
  EXPECT_FLOAT_EQ(w, 1.45f);
}

}  // namespace
}  // namespace srns
