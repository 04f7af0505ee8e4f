// The GAN samplers' shared math (samplers/gan.hpp, rns_as.hpp, advir.hpp): softmax draws against
// their softmax (chi-square, fixed seeds), the masked full-catalogue softmax against a direct
// computation, the REINFORCE gradient against a finite-difference estimate of the expected
// reward, and the adversarial pair gradient against finite differences of the perturbed loss.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "srns/model.hpp"
#include "srns/samplers/advir.hpp"
#include "srns/samplers/gan.hpp"
#include "srns/samplers/rns_as.hpp"

namespace srns {
namespace {

// Chi-square critical values at p = 0.001.
double chi2_critical(int dof) {
  // Wilson-Hilferty: dof (1 - 2/(9 dof) + z sqrt(2/(9 dof)))^3 with z = 3.09 (p = 0.001).
  const double a = 2.0 / (9.0 * dof);
  return dof * std::pow(1.0 - a + 3.0902 * std::sqrt(a), 3.0);
}

// softmax(x / tau) in double, masked entries (-inf) 0.
std::vector<double> direct_softmax(const std::vector<float>& x, double tau) {
  double top = -INFINITY;
  for (float v : x) top = std::max(top, static_cast<double>(v));
  std::vector<double> p(x.size(), 0.0);
  double total = 0;
  for (size_t c = 0; c < x.size(); ++c) {
    if (std::isinf(x[c])) continue;
    p[c] = std::exp((x[c] - top) / tau);
    total += p[c];
  }
  for (double& v : p) v /= total;
  return p;
}

double chi_square(const std::vector<int64_t>& count, const std::vector<double>& p, int64_t n,
                  int* dof) {
  double chi2 = 0;
  *dof = -1;
  for (size_t c = 0; c < p.size(); ++c) {
    if (p[c] == 0) {
      EXPECT_EQ(count[c], 0) << "item " << c << " has probability 0 but was drawn";
      continue;
    }
    const double e = p[c] * static_cast<double>(n);
    chi2 += (count[c] - e) * (count[c] - e) / e;
    ++*dof;
  }
  return chi2;
}

std::vector<float> random_logits(int n, uint64_t seed, float spread) {
  PhiloxStream s = make_stream(seed, kRngGenerator, 0, 0, 0);
  std::vector<float> x(n);
  for (float& v : x) v = spread * (2.0f * s.open01() - 1.0f);
  return x;
}

TEST(SoftmaxDraw, ProbabilitiesEqualTheDirectSoftmax) {
  for (float tau : {0.2f, 1.0f, 5.0f}) {
    const std::vector<float> x = random_logits(40, 3, 4.0f);
    std::vector<float> prob(x.size());
    softmax_draw(x.data(), static_cast<int>(x.size()), 1.0f / tau, 0.5f, prob.data());
    const std::vector<double> want = direct_softmax(x, tau);
    for (size_t c = 0; c < x.size(); ++c) EXPECT_NEAR(prob[c], want[c], 1e-6 + 1e-5 * want[c]);
  }
}

// 200k draws of a 30-slot softmax (the RNS-AS candidate draw) at three temperatures.
TEST(SoftmaxDraw, DrawsFollowTheSoftmax) {
  constexpr int kDraws = 200000;
  for (float tau : {0.5f, 1.0f, 3.0f}) {
    const std::vector<float> x = random_logits(30, 7, 3.0f);
    const std::vector<double> p = direct_softmax(x, tau);
    std::vector<int64_t> count(x.size(), 0);
    std::vector<float> prob(x.size());
    for (int d = 0; d < kDraws; ++d) {
      PhiloxStream s = make_stream(11, kRngRnsAs, 0, static_cast<uint32_t>(d / 1000),
                                   static_cast<uint32_t>(d % 1000));
      ++count[softmax_draw(x.data(), 30, 1.0f / tau, s.open01(), prob.data())];
    }
    int dof = 0;
    const double chi2 = chi_square(count, p, kDraws, &dof);
    EXPECT_LT(chi2, chi2_critical(dof)) << "tau " << tau;
  }
}

// The masked full-catalogue softmax (IRGAN): weights of a 500-item catalogue with 60 masked
// positives, normalised, against the direct computation; draws by cdf_pick never hit a masked
// item and follow the softmax.
TEST(MaskedSoftmax, WeightsAndDrawsMatchTheDirectComputation) {
  constexpr int kItems = 500, kDraws = 300000;
  std::vector<float> x = random_logits(kItems, 5, 6.0f);
  for (int c = 0; c < kItems; c += 8) x[c] = -INFINITY;  // the user's positives
  const double tau = 0.7;
  const std::vector<double> p = direct_softmax(x, tau);
  std::vector<float> w(kItems);
  const float total = softmax_weights(x.data(), kItems, static_cast<float>(1.0 / tau), w.data());
  for (int c = 0; c < kItems; ++c) EXPECT_NEAR(w[c] / total, p[c], 1e-7 + 1e-5 * p[c]) << c;
  std::vector<int64_t> count(kItems, 0);
  for (int d = 0; d < kDraws; ++d) {
    PhiloxStream s = make_stream(2, kRngSamplerBase + 2, 1, 0, static_cast<uint32_t>(d));
    ++count[cdf_pick(w.data(), kItems, s.open01() * total)];
  }
  int dof = 0;
  const double chi2 = chi_square(count, p, kDraws, &dof);
  EXPECT_LT(chi2, chi2_critical(dof));
}

TEST(SoftmaxDraw, RoundingAtTheTopFallsOnTheLastWeightedSlot) {
  const std::vector<float> w = {0.25f, 0.5f, 0.0f};
  EXPECT_EQ(cdf_pick(w.data(), 3, 0.75f), 1);  // target == total
  EXPECT_EQ(cdf_pick(w.data(), 3, 0.2f), 0);
  std::vector<float> nan = {NAN, 1.0f};
  std::vector<float> prob(2);
  EXPECT_EQ(softmax_draw(nan.data(), 2, 1.0f, 0.01f, prob.data()), 1);
  EXPECT_EQ(prob[0], 0.0f);
}

// A tiny generator (one user, n candidates) and a fixed reward per candidate: the expectation
// over draws j ~ p of G's REINFORCE gradient row (every j enumerated, weighted by p(j)) equals
// -dE[R]/dtheta, E[R] = sum_c p(c) R(c), by central differences - with and without a baseline
// (which must not bias it).
struct TinyGenerator {
  Model m;
  std::vector<int32_t> cand;
  std::vector<double> reward;
  float tau;
  TinyGenerator() {
    ModelConfig c;
    c.dim = 3;
    c.init_std = 0.8f;
    m = init_model(c, 1, 6, 21);
    cand = {4, 1, 4, 2, 5};  // slots; item 4 twice, as the reference code allows
    reward = {-0.9, -0.2, -0.9, -0.6, -0.4};
    tau = 0.7f;
  }
  std::vector<double> probs() const {
    std::vector<float> x(cand.size());
    for (size_t c = 0; c < cand.size(); ++c) x[c] = m.score(0, cand[c]);
    return direct_softmax(x, tau);
  }
  double expected_reward() const {
    const std::vector<double> p = probs();
    double e = 0;
    for (size_t c = 0; c < p.size(); ++c) e += p[c] * reward[c];
    return e;
  }
};

TEST(Reinforce, ExpectedGradientIsMinusTheGradientOfTheExpectedReward) {
  for (float baseline : {0.0f, -0.5f}) {
    TinyGenerator t;
    const int n = static_cast<int>(t.cand.size()), dim = t.m.dim;
    const std::vector<double> p = t.probs();
    const ModelView v{t.m.kind, dim, t.m.user.data(), t.m.item.data(), t.m.head.data(), dim};
    // E_j[row(j)]: user [F], per-slot item rows folded into item rows, head [F].
    std::vector<double> user(dim, 0), item(t.m.item.size(), 0), head(dim, 0);
    const GmfScorer sc(v);
    std::vector<float> prob(p.begin(), p.end());
    for (int j = 0; j < n; ++j) {
      std::vector<float> u(dim, 0), slots(static_cast<size_t>(n) * dim, 0), h(dim, 0);
      std::vector<const float*> q(n);
      for (int c = 0; c < n; ++c) q[c] = t.m.item_row(t.cand[c]);
      candidate_generator_row(sc, t.m.user_row(0), q.data(), prob.data(), n, j,
                              static_cast<float>(t.reward[j]) - baseline, 1.0f / t.tau, 0.0f, dim,
                              u.data(), slots.data(), h.data());
      for (int f = 0; f < dim; ++f) {
        user[f] += p[j] * u[f];
        head[f] += p[j] * h[f];
        for (int c = 0; c < n; ++c) {
          item[static_cast<size_t>(t.cand[c]) * dim + f] += p[j] * slots[c * dim + f];
        }
      }
    }
    // -dE[R]/dtheta by central differences on each parameter.
    auto fd = [&](float* x) {
      const float keep = *x, h = 1e-3f;
      *x = keep + h;
      const double up = t.expected_reward();
      *x = keep - h;
      const double down = t.expected_reward();
      *x = keep;
      return -(up - down) / (2.0 * h);
    };
    for (int f = 0; f < dim; ++f) {
      EXPECT_NEAR(user[f], fd(&t.m.user[f]), 2e-4) << "user " << f << " baseline " << baseline;
      EXPECT_NEAR(head[f], fd(&t.m.head[f]), 2e-4) << "head " << f;
    }
    for (size_t x = 0; x < t.m.item.size(); ++x) {
      EXPECT_NEAR(item[x], fd(&t.m.item[x]), 2e-4) << "item element " << x;
    }
  }
}

// The same for a full softmax over a masked catalogue (IRGAN): softmax_reinforce_row's
// coefficient of every item, in expectation over the draw, is -dE[R]/dr(c).
TEST(Reinforce, FullSoftmaxCoefficientsInExpectation) {
  constexpr int kItems = 12;
  std::vector<float> x = random_logits(kItems, 9, 2.0f);
  x[3] = x[7] = -INFINITY;
  const float tau = 1.3f;
  std::vector<double> reward(kItems);
  for (int c = 0; c < kItems; ++c) reward[c] = -0.1 * ((c * 5) % 7);
  const std::vector<double> p = direct_softmax(x, tau);
  std::vector<double> expected(kItems, 0.0);
  for (int j = 0; j < kItems; ++j) {
    if (p[j] == 0) continue;
    std::vector<float> coef(p.begin(), p.end());
    const int32_t drawn = j;
    const float a = static_cast<float>(reward[j]);
    softmax_reinforce_row(coef.data(), kItems, 1.0f / tau, &drawn, &a, 1);
    for (int c = 0; c < kItems; ++c) expected[c] += p[j] * coef[c];
  }
  auto expected_reward = [&](const std::vector<float>& logits) {
    const std::vector<double> q = direct_softmax(logits, tau);
    double e = 0;
    for (int c = 0; c < kItems; ++c) e += q[c] * reward[c];
    return e;
  };
  for (int c = 0; c < kItems; ++c) {
    if (std::isinf(x[c])) {
      EXPECT_EQ(expected[c], 0.0) << "a masked item gets no gradient";
      continue;
    }
    std::vector<float> up = x, down = x;
    up[c] += 1e-3f;
    down[c] -= 1e-3f;
    const double fd = -(expected_reward(up) - expected_reward(down)) / 2e-3;
    EXPECT_NEAR(expected[c], fd, 1e-4) << "item " << c;
  }
}

// AdvIR's pair gradient: the perturbation has norm eps per row, points along the row's loss
// gradient, and the row equals the clean gradient (with L2) plus w times the finite-difference
// gradient of L(theta + delta) with delta held fixed.
TEST(AdversarialPairGradient, IsCleanPlusWeightedPerturbedGradient) {
  ModelConfig mc;
  mc.dim = 5;
  mc.init_std = 0.5f;
  Model m = init_model(mc, 2, 4, 8);
  const ModelView v{m.kind, m.dim, m.user.data(), m.item.data(), m.head.data(), m.dim};
  const GmfScorer sc(v);
  const int dim = m.dim;
  const float eps = 0.3f, weight = 0.7f, reg = 0.05f;
  const int32_t u = 1, i = 2, j = 0;
  auto loss_at = [&](const float* p, const float* qi, const float* qj) {
    float ctx[kMaxDim];
    sc.user_context(p, ctx);
    return static_cast<double>(softplus(sc.score(ctx, qj) - sc.score(ctx, qi)));
  };
  std::vector<float> scratch(adversarial_scratch_floats(v)), grad(v.grad_stride());
  const float r_pos = m.score(u, i), r_neg = m.score(u, j);
  const float loss =
      adversarial_pair_gradient(sc, v, m.user_row(u), m.item_row(i), m.item_row(j), kLossBpr, reg,
                                eps, weight, r_pos, r_neg, grad.data(), scratch.data());
  // The perturbed rows, as the function formed them (scratch layout: clean, adv, p', qi', qj').
  const float* p_adv = scratch.data() + 2 * v.grad_stride();
  const float* rows[3] = {m.user_row(u), m.item_row(i), m.item_row(j)};
  std::vector<float> clean(v.grad_stride());
  sc.pair_gradient(rows[0], rows[1], rows[2], kLossBpr, 0.0f, r_pos, r_neg, clean.data());
  for (int r = 0; r < 3; ++r) {
    double norm = 0, dot = 0, gnorm = 0;
    for (int f = 0; f < dim; ++f) {
      const double d = p_adv[r * dim + f] - rows[r][f];
      norm += d * d;
      dot += d * clean[r * dim + f];
      gnorm += clean[r * dim + f] * clean[r * dim + f];
    }
    EXPECT_NEAR(std::sqrt(norm), eps, 1e-5) << "row " << r;
    EXPECT_NEAR(dot / (std::sqrt(norm) * std::sqrt(gnorm)), 1.0, 1e-5) << "row " << r;
  }
  // Finite differences of L(theta + delta), delta fixed, for each element of the three rows and
  // the head.
  std::vector<float> pa(p_adv, p_adv + dim), qia(p_adv + dim, p_adv + 2 * dim),
      qja(p_adv + 2 * dim, p_adv + 3 * dim);
  const double adv_loss = loss_at(pa.data(), qia.data(), qja.data());
  double sq = 0;
  for (int r = 0; r < 3; ++r) {
    for (int f = 0; f < dim; ++f) sq += rows[r][f] * rows[r][f];
  }
  EXPECT_NEAR(loss, loss_at(rows[0], rows[1], rows[2]) + 0.5 * reg * sq + weight * adv_loss, 1e-5);
  std::vector<float>* perturbed[3] = {&pa, &qia, &qja};
  for (int r = 0; r < 3; ++r) {
    for (int f = 0; f < dim; ++f) {
      float& x = (*perturbed[r])[f];
      const float keep = x, h = 1e-3f;
      x = keep + h;
      const double up = loss_at(pa.data(), qia.data(), qja.data());
      x = keep - h;
      const double down = loss_at(pa.data(), qia.data(), qja.data());
      x = keep;
      const double want = clean[r * dim + f] + reg * rows[r][f] + weight * (up - down) / (2 * h);
      EXPECT_NEAR(grad[r * dim + f], want, 2e-4) << "row " << r << " element " << f;
    }
  }
  for (int f = 0; f < dim; ++f) {
    const float keep = m.head[f], h = 1e-3f;
    m.head[f] = keep + h;
    const double up = loss_at(pa.data(), qia.data(), qja.data());
    m.head[f] = keep - h;
    const double down = loss_at(pa.data(), qia.data(), qja.data());
    m.head[f] = keep;
    const double want = clean[3 * dim + f] + weight * (up - down) / (2 * h);
    EXPECT_NEAR(grad[3 * dim + f], want, 2e-4) << "head " << f;
  }
}

}  // namespace
}  // namespace srns
