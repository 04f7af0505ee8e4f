// The GAN samplers as units on the CPU (rns-as, irgan, advir): their draws against the
// generator's softmax (chi-square, fixed seeds), the generator's step touching exactly the rows
// its pairs used, the reward baseline, independence of the thread count, exact resume through
// save/load, and whole trainings from a pretrained model (--init).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "cpu/cpu_ops.hpp"
#include "cpu/rns_as_sampler.hpp"
#include "srns/model.hpp"
#include "srns/sampler.hpp"
#include "srns/samplers/rns_as.hpp"
#include "srns/synthetic.hpp"
#include "srns/trainer.hpp"
#include "test_util.hpp"

namespace srns {
namespace {

const char* const kGanSamplers[] = {"rns-as", "irgan", "advir"};

Dataset gan_data() {
  GenConfig g;
  g.users = 150;
  g.items = 240;
  g.interactions = 5000;
  g.seed = 4;
  SplitOptions s;
  s.eval_negatives = 50;
  s.seed = 4;
  return generate_dataset(g, s);
}

TrainConfig gan_config(const std::string& sampler) {
  TrainConfig c;
  c.sampler = sampler;
  c.model.dim = 16;
  c.model.init_std = 0.4f;  // spread scores: a softmax far from uniform
  c.batch_size = 300;
  c.epochs = 3;
  c.seed = 13;
  c.eval.ks = {1, 5, 10};
  c.eval.metric = "ndcg@5";
  return c;
}

// The epoch's first `n` pairs in training order, as a batch.
struct HostBatch {
  cpu::EpochPairs pairs;
  cpu::Batch batch(int64_t b, int32_t size) const { return pairs.batch(b, size); }
  HostBatch(const Dataset& d, uint64_t seed, int epoch) {
    std::vector<int32_t> pair_user(d.train.nnz());
    for (int32_t u = 0; u < d.n_users; ++u) {
      for (int64_t e = d.train.offsets[u]; e < d.train.offsets[u + 1]; ++e) pair_user[e] = u;
    }
    cpu::epoch_pairs(epoch_order(seed, epoch, d.train.nnz()), pair_user.data(), d.train.cols.data(),
                     &pairs);
  }
};

// A batch of n pairs of the given users (the positive: their first training item).
struct SyntheticBatch {
  std::vector<int64_t> pair;
  std::vector<int32_t> user, item;
  SyntheticBatch(const Dataset& d, const std::vector<int32_t>& users) : user(users) {
    for (size_t k = 0; k < users.size(); ++k) {
      pair.push_back(d.train.offsets[users[k]]);
      item.push_back(d.train.row(users[k])[0]);
    }
  }
  cpu::Batch batch(int64_t index = 0) const {
    return {index, static_cast<int32_t>(user.size()), pair.data(), user.data(), item.data()};
  }
};

std::unique_ptr<cpu::Sampler> make(const std::string& name, const TrainingSet& set,
                                   const TrainConfig& c, const Model& m, int threads) {
  std::unique_ptr<cpu::Sampler> s = cpu::make_sampler(name);
  s->setup({&set, &c, threads}, cpu::view_of(m));
  s->end_epoch(-1, cpu::view_of(m));
  s->begin_epoch(0, cpu::view_of(m));
  return s;
}

// softmax(r / tau) in double over `items` (repeats are separate slots) for user u of model m.
std::vector<double> softmax_of(const Model& m, int32_t u, const std::vector<int32_t>& items,
                               double tau) {
  std::vector<double> p(items.size());
  double top = -INFINITY, total = 0;
  for (size_t c = 0; c < items.size(); ++c) top = std::max(top, double{m.score(u, items[c])});
  for (size_t c = 0; c < items.size(); ++c) {
    p[c] = std::exp((m.score(u, items[c]) - top) / tau);
    total += p[c];
  }
  for (double& x : p) x /= total;
  return p;
}

double chi2_critical(int dof) {  // p = 0.001, Wilson-Hilferty
  const double a = 2.0 / (9.0 * dof);
  return dof * std::pow(1.0 - a + 3.0902 * std::sqrt(a), 3.0);
}

// Bins with expected counts below 5 are merged into one.
double chi_square(const std::vector<double>& expected, const std::vector<double>& observed,
                  int* dof) {
  double chi2 = 0, e_rest = 0, o_rest = 0;
  *dof = -1;
  for (size_t b = 0; b < expected.size(); ++b) {
    if (expected[b] < 5) {
      e_rest += expected[b];
      o_rest += observed[b];
      continue;
    }
    chi2 += (observed[b] - expected[b]) * (observed[b] - expected[b]) / expected[b];
    ++*dof;
  }
  if (e_rest >= 5) {
    chi2 += (o_rest - e_rest) * (o_rest - e_rest) / e_rest;
    ++*dof;
  }
  return chi2;
}

// RNS-AS and AdvIR: each pair's negative is one of its S1 candidates (the pair's own stream),
// drawn with the generator's softmax over them. Bins: the rank of the drawn item among the
// pair's distinct candidates by probability; expected count of rank r = sum over pairs of the
// probability of their rank-r item.
TEST(GanSamplers, CandidateDrawsFollowTheGeneratorsSoftmax) {
  const Dataset d = gan_data();
  for (const char* name : {"rns-as", "advir"}) {
    TrainConfig c = gan_config(name);
    const int n_cand = 8;
    c.sampler_options["gan-candidates"] = n_cand;
    c.sampler_options["gen-tau"] = 0.5;
    const TrainingSet set = prepare_training_set(d, c);
    const Model m = init_model(c.model, d.n_users, d.n_items, 5);
    std::unique_ptr<cpu::Sampler> s = make(name, set, c, m, 2);
    std::vector<int32_t> users;
    for (int k = 0; k < 30000; ++k) users.push_back(k % d.n_users);
    const SyntheticBatch sb(d, users);
    std::vector<int32_t> negative(users.size());
    s->select(sb.batch(), cpu::view_of(m), negative.data());
    std::vector<double> expected(n_cand, 0.0), observed(n_cand, 0.0);
    const uint32_t purpose = std::string(name) == "advir" ? kRngSamplerBase + 3 : kRngRnsAs;
    for (size_t k = 0; k < users.size(); ++k) {
      const int32_t u = users[k];
      PhiloxStream st = gan_pair_stream(c.seed, purpose, 0, 0, static_cast<int32_t>(k));
      std::vector<int32_t> cand(n_cand);
      draw_candidates(&st, d.train.row(u), d.train.row_size(u), d.n_items, n_cand, cand.data());
      const std::vector<double> p = softmax_of(m, u, cand, 0.5);
      std::map<int32_t, double> item_p;
      for (int x = 0; x < n_cand; ++x) item_p[cand[x]] += p[x];
      std::vector<std::pair<double, int32_t>> ranked;
      for (const auto& [item, prob] : item_p) ranked.push_back({-prob, item});
      std::sort(ranked.begin(), ranked.end());
      ASSERT_TRUE(item_p.count(negative[k])) << name << ": pair " << k << " drew a non-candidate";
      for (size_t r = 0; r < ranked.size(); ++r) {
        expected[r] += -ranked[r].first;
        if (ranked[r].second == negative[k]) observed[r] += 1;
      }
    }
    int dof = 0;
    const double chi2 = chi_square(expected, observed, &dof);
    EXPECT_LT(chi2, chi2_critical(dof)) << name;
  }
}

// IRGAN: every pair of one user draws from the generator's softmax over the items the user
// never trained on; 40k draws of one user against the direct computation.
TEST(GanSamplers, IrganDrawsFollowTheMaskedCatalogueSoftmax) {
  const Dataset d = gan_data();
  TrainConfig c = gan_config("irgan");
  c.sampler_options["gen-tau"] = 0.8;
  const TrainingSet set = prepare_training_set(d, c);
  const Model m = init_model(c.model, d.n_users, d.n_items, 6);
  std::unique_ptr<cpu::Sampler> s = make("irgan", set, c, m, 2);
  const int32_t u = 17;
  const SyntheticBatch sb(d, std::vector<int32_t>(40000, u));
  std::vector<int32_t> negative(sb.user.size());
  s->select(sb.batch(), cpu::view_of(m), negative.data());
  std::vector<int32_t> all(d.n_items);
  for (int32_t i = 0; i < d.n_items; ++i) all[i] = i;
  std::vector<double> p = softmax_of(m, u, all, 0.8);
  double mass = 0;
  for (int32_t i = 0; i < d.n_items; ++i) {
    if (d.train.contains(u, i)) p[i] = 0;
    mass += p[i];
  }
  std::vector<double> expected(d.n_items), observed(d.n_items, 0.0);
  for (int32_t i = 0; i < d.n_items; ++i) expected[i] = p[i] / mass * negative.size();
  for (int32_t j : negative) {
    ASSERT_FALSE(d.train.contains(u, j)) << "a training positive was drawn";
    observed[j] += 1;
  }
  int dof = 0;
  const double chi2 = chi_square(expected, observed, &dof);
  EXPECT_GT(dof, 100);
  EXPECT_LT(chi2, chi2_critical(dof));
}

// One pair: G's first Adam step moves exactly the user's row, the candidates' rows and the head,
// against the sign of the REINFORCE gradient (Adam's first step is about -lr sign(g)); D and
// every other row stay as they were.
TEST(GanSamplers, GeneratorStepMovesOnlyTheRowsThePairUsed) {
  const Dataset d = gan_data();
  TrainConfig c = gan_config("rns-as");
  const int n_cand = 5;
  c.sampler_options["gan-candidates"] = n_cand;
  c.sampler_options["gen-reg"] = 0.0;
  const TrainingSet set = prepare_training_set(d, c);
  const Model m = init_model(c.model, d.n_users, d.n_items, 7);
  cpu::RnsAsSampler s(kRngRnsAs);
  s.setup({&set, &c, 2}, cpu::view_of(m));
  s.begin_epoch(0, cpu::view_of(m));
  const int32_t u = 9;
  const SyntheticBatch sb(d, {u});
  int32_t negative = -1;
  s.select(sb.batch(), cpu::view_of(m), &negative);
  // The expected gradient, recomputed from the pair's stream.
  PhiloxStream st = gan_pair_stream(c.seed, kRngRnsAs, 0, 0, 0);
  std::vector<int32_t> cand(n_cand);
  draw_candidates(&st, d.train.row(u), d.train.row_size(u), d.n_items, n_cand, cand.data());
  std::vector<float> prob(n_cand);
  for (int x = 0; x < n_cand; ++x) prob[x] = m.score(u, cand[x]);
  const int pick = softmax_draw(prob.data(), n_cand, 1.0f, st.open01(), prob.data());
  ASSERT_EQ(negative, cand[pick]);
  const int dim = m.dim;
  std::vector<float> user(dim, 0), slots(static_cast<size_t>(n_cand) * dim, 0), head(dim, 0);
  std::vector<const float*> q(n_cand);
  for (int x = 0; x < n_cand; ++x) q[x] = m.item_row(cand[x]);
  candidate_generator_row(GmfScorer(cpu::view_of(m)), m.user_row(u), q.data(), prob.data(), n_cand,
                          pick, rns_as_reward(m.score(u, negative)), 1.0f, 0.0f, dim, user.data(),
                          slots.data(), head.data());
  std::vector<float> item_grad(m.item.size(), 0.0f);
  for (int x = 0; x < n_cand; ++x) {
    for (int f = 0; f < dim; ++f) item_grad[cand[x] * dim + f] += slots[x * dim + f];
  }
  const Model& g = s.generator().model();
  auto check = [&](const std::vector<float>& before, const std::vector<float>& after,
                   const std::vector<float>& grad, size_t offset, const char* what) {
    for (size_t x = 0; x < grad.size(); ++x) {
      const float moved = after[offset + x] - before[offset + x];
      if (grad[x] == 0.0f) {
        EXPECT_EQ(moved, 0.0f) << what << " element " << x << " has no gradient but moved";
      } else if (std::fabs(grad[x]) > 1e-6f) {
        EXPECT_LT(moved * grad[x], 0.0f) << what << " element " << x;
        EXPECT_NEAR(std::fabs(moved), c.optim.lr, 0.2 * c.optim.lr) << what << " element " << x;
      }
    }
  };
  check(m.user, g.user, user, static_cast<size_t>(u) * dim, "user");
  check(m.item, g.item, item_grad, 0, "item");
  check(m.head, g.head, head, 0, "head");
  for (int32_t v = 0; v < d.n_users; ++v) {
    if (v == u) continue;
    for (int f = 0; f < dim; ++f) ASSERT_EQ(g.user[v * dim + f], m.user[v * dim + f]) << v;
  }
}

// RNS-AS's baseline in epoch 1 is epoch 0's mean reward -sigmoid(-r_D(u, j)) over its pairs.
TEST(GanSamplers, BaselineIsThePreviousEpochsMeanReward) {
  const Dataset d = gan_data();
  const TrainConfig c = gan_config("rns-as");
  const TrainingSet set = prepare_training_set(d, c);
  const Model m = init_model(c.model, d.n_users, d.n_items, 8);
  cpu::RnsAsSampler s(kRngRnsAs);
  s.setup({&set, &c, 2}, cpu::view_of(m));
  s.begin_epoch(0, cpu::view_of(m));
  EXPECT_EQ(s.generator().baseline(), 0.0f) << "no baseline before any reward";
  const HostBatch hb(d, c.seed, 0);
  double sum = 0;
  int64_t n = 0;
  for (int64_t b = 0; b < 3; ++b) {
    const cpu::Batch batch = hb.batch(b, c.batch_size);
    std::vector<int32_t> negative(batch.size);
    s.select(batch, cpu::view_of(m), negative.data());
    for (int32_t k = 0; k < batch.size; ++k) {
      sum += rns_as_reward(m.score(batch.user[k], negative[k]));
      ++n;
    }
  }
  s.begin_epoch(1, cpu::view_of(m));
  EXPECT_NEAR(s.generator().baseline(), sum / n, 1e-6);
  EXPECT_LT(s.generator().baseline(), 0.0f);
}

// A few batches with 1 and 2 threads: the same negatives, recommender rows (the fused step) and
// generator, bit for bit; and a sampler saved after two batches and loaded into a fresh one
// continues exactly as the original.
TEST(GanSamplers, ThreadCountAndResumeChangeNothing) {
  const Dataset d = gan_data();
  for (const char* name : kGanSamplers) {
    TrainConfig c = gan_config(name);
    if (std::string(name) == "irgan") c.sampler_options["irgan-mix"] = 0.2;
    const TrainingSet set = prepare_training_set(d, c);
    const Model m = init_model(c.model, d.n_users, d.n_items, 9);
    const HostBatch hb(d, c.seed, 0);
    std::unique_ptr<cpu::Sampler> one = make(name, set, c, m, 1);
    std::unique_ptr<cpu::Sampler> two = make(name, set, c, m, 2);
    std::unique_ptr<cpu::Sampler> resumed;
    for (int64_t b = 0; b < 4; ++b) {
      const cpu::Batch batch = hb.batch(b, c.batch_size);
      if (b == 2) {
        std::stringstream state;
        two->save(state);
        resumed = make(name, set, c, m, 2);
        resumed->load(state);
      }
      std::vector<int32_t> n1(batch.size), n2(batch.size), n3(batch.size);
      cpu::StepOutput o1, o2, o3;
      auto step = [&](cpu::Sampler* s, int32_t* negative, cpu::StepOutput* out) {
        if (!s->fused_step(batch, cpu::view_of(m), c.loss, c.optim.reg, negative, out)) {
          s->select(batch, cpu::view_of(m), negative);
          cpu::pair_gradients(cpu::view_of(m), batch, negative, c.loss, c.optim.reg, out, 1);
        }
      };
      step(one.get(), n1.data(), &o1);
      step(two.get(), n2.data(), &o2);
      EXPECT_EQ(n1, n2) << name << " batch " << b;
      EXPECT_EQ(o1.grad, o2.grad) << name << " batch " << b;
      if (resumed) {
        step(resumed.get(), n3.data(), &o3);
        EXPECT_EQ(n3, n2) << name << " batch " << b << " after resume";
      }
    }
    std::stringstream a, b, r;
    one->save(a);
    two->save(b);
    resumed->save(r);
    EXPECT_TRUE(a.str() == b.str()) << name << ": the generators differ with the thread count";
    EXPECT_TRUE(r.str() == b.str()) << name << ": the resumed generator differs";
  }
}

// Pretrain with uniform, save, and start each GAN sampler from the saved model through the
// driver (config.init): epoch 0 evaluates the pretrained model, training stays finite and the
// recommender moves.
TEST(GanSamplers, TrainFromAPretrainedModel) {
  const Dataset d = gan_data();
  testing::TempDir dir;
  TrainConfig pre = gan_config("uniform");
  pre.model.init_std = 0.01f;
  pre.optim.lr = 0.01f;
  pre.epochs = 5;
  RunOptions run;
  run.quiet = true;
  run.out_dir = dir.file("pre");
  std::unique_ptr<Backend> b = make_cpu_backend(2);
  const RunSummary p = train(d, pre, *b, run);
  for (const char* name : kGanSamplers) {
    TrainConfig c = gan_config(name);
    c.init = dir.file("pre/model.bin");
    c.optim.lr = 0.01f;
    c.eval.patience = 0;
    run.out_dir = "";
    TrainConfig none = c;
    none.epochs = 0;
    EXPECT_EQ(train(d, none, *b, run).best_val, p.best_val)
        << name << ": epoch 0 is not the pretrained model";
    const RunSummary s = train(d, c, *b, run);
    ASSERT_EQ(s.epochs.size(), 3u) << name;
    for (const EpochRecord& r : s.epochs) EXPECT_TRUE(std::isfinite(r.loss)) << name;
    EXPECT_GT(s.best_val.at("ndcg@5"), 0.05) << name;
    EXPECT_NE(s.epochs.back().val, p.best_val) << name << ": the recommender did not move";
  }
}

}  // namespace
}  // namespace srns
