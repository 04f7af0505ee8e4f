// IRGAN's catalogue-wide CPU paths against the forms they replace, bit for bit:
// softmax_weights_prefix / cdf_pick_prefix (cpu/catalogue_softmax.hpp) against gan.hpp's
// softmax_weights / cdf_pick, and GMF's blocked gradient sums (cpu/score_gradient_sums.hpp)
// against the generic add_score_gradient loops, at the widths the blocked forms serve and one
// they leave to the generic form.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "cpu/catalogue_softmax.hpp"
#include "cpu/score_gradient_sums.hpp"
#include "srns/model.hpp"
#include "srns/samplers/gan.hpp"

namespace srns {
namespace {

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), 4 * a.size()) == 0;
}

TEST(CatalogueSoftmax, PrefixWeightsAndPicksEqualSoftmaxWeightsAndCdfPick) {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (int n : {1, 15, 16, 17, 100, 1447, 3706}) {
    std::vector<float> x(n);
    for (float& v : x) v = normal(rng);
    for (int c = 0; c < n; c += 7) x[c] = -INFINITY;  // masked positives
    if (n > 20) x[11] = NAN;                          // a diverged score
    for (float inv_tau : {1.0f, 1.0f / 0.2f}) {
      std::vector<float> w_ref(n), w(n), prefix(n);
      const float total_ref = softmax_weights(x.data(), n, inv_tau, w_ref.data());
      const float total =
          cpu::softmax_weights_prefix(x.data(), n, inv_tau, w.data(), prefix.data());
      ASSERT_EQ(std::memcmp(&total, &total_ref, 4), 0) << n;
      ASSERT_TRUE(same_bits(w, w_ref)) << n;
      std::vector<float> targets = {0.0f, total, total * 2.0f, std::nextafter(total, 0.0f)};
      for (int c = 0; c < n; ++c) targets.push_back(prefix[c]);  // exactly on a running sum
      std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
      for (int k = 0; k < 500; ++k) targets.push_back(uniform(rng) * total);
      for (float t : targets) {
        ASSERT_EQ(cpu::cdf_pick_prefix(w.data(), prefix.data(), n, t), cdf_pick(w.data(), n, t))
            << "n " << n << " target " << t;
      }
    }
  }
  // Nothing weighted: both pick 0.
  std::vector<float> none = {-INFINITY, -INFINITY, NAN}, w(3), prefix(3);
  const float total = cpu::softmax_weights_prefix(none.data(), 3, 1.0f, w.data(), prefix.data());
  EXPECT_EQ(total, 0.0f);
  EXPECT_EQ(cpu::cdf_pick_prefix(w.data(), prefix.data(), 3, 0.0f), cdf_pick(w.data(), 3, 0.0f));
}

struct Fixture {
  Model m;
  std::vector<int32_t> users;
  std::vector<float> coef, ctx;
};

Fixture make_fixture(int dim, int n_items, int n_groups, uint32_t seed) {
  Fixture f;
  f.m.kind = ModelKind::kGmf;
  f.m.n_users = 50;
  f.m.n_items = n_items;
  f.m.dim = dim;
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  auto fill = [&](std::vector<float>* v, size_t n) {
    v->resize(n);
    for (float& x : *v) x = normal(rng);
  };
  fill(&f.m.user, size_t{50} * dim);
  fill(&f.m.item, size_t(n_items) * dim);
  fill(&f.m.head, dim);
  fill(&f.coef, size_t(n_groups) * n_items);
  for (size_t k = 0; k < f.coef.size(); k += 13) f.coef[k] = 0.0f;  // masked positives
  for (int x = 0; x < n_groups; ++x) f.users.push_back(static_cast<int32_t>(rng() % 50));
  const ModelView view = view_of(f.m);
  const GmfScorer sc(view);
  f.ctx.resize(size_t(n_groups) * dim);
  for (int x = 0; x < n_groups; ++x) sc.user_context(view.user_row(f.users[x]), &f.ctx[x * dim]);
  return f;
}

TEST(ScoreGradientSums, GmfBlockedSumsEqualTheGenericLoopsBitForBit) {
  for (int dim : {16, 32, 64, 24}) {
    constexpr int kItems = 203, kGroups = 37;  // item blocks with a tail
    Fixture f = make_fixture(dim, kItems, kGroups, 11 + dim);
    const ModelView view = view_of(f.m);
    const GmfScorer sc(view);
    // Items, in two ranges as the threads split them.
    std::vector<float> ref(size_t(kItems) * dim, 0.0f), got(ref);
    for (auto [i0, i1] : {std::pair{0, 64}, std::pair{64, kItems}}) {
      cpu::item_gradient_sums<GmfScorer>(sc, view, f.users.data(), f.ctx.data(), f.coef.data(),
                                         kItems, kGroups, i0, i1, ref.data());
      cpu::item_gradient_sums(sc, view, f.users.data(), f.ctx.data(), f.coef.data(), kItems,
                              kGroups, i0, i1, got.data());
    }
    EXPECT_TRUE(same_bits(got, ref)) << "items, F = " << dim;
    // Users and heads, from a nonzero start (the sums add to the rows given), over group
    // ranges of odd and even length as the threads split them.
    std::vector<float> user_ref(size_t(kGroups) * dim, 0.25f),
        head_ref(size_t(kGroups) * dim, -0.5f);
    std::vector<float> user(user_ref), head(head_ref);
    for (auto [x0, x1] :
         {std::pair{0, 2}, std::pair{2, 3}, std::pair{3, 20}, std::pair{20, kGroups}}) {
      cpu::user_gradient_sums<GmfScorer>(sc, view, kItems, f.users.data(), f.coef.data(), kItems,
                                         x0, x1, user_ref.data(), head_ref.data());
      cpu::user_gradient_sums(sc, view, kItems, f.users.data(), f.coef.data(), kItems, x0, x1,
                              user.data(), head.data());
    }
    EXPECT_TRUE(same_bits(user, user_ref)) << "users, F = " << dim;
    EXPECT_TRUE(same_bits(head, head_ref)) << "heads, F = " << dim;
  }
}

}  // namespace
}  // namespace srns
