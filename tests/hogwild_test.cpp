// --hogwild (src/cpu/hogwild_step.cpp): lock-free per-pair SGD. With one thread there is no
// race, so a batch must equal a plain sequential loop over its pairs (each pair's gradient from
// the rows as the previous pairs left them, the head stepped once by the batch's sum); with two
// threads it must still train (the loss falls like deterministic SGD's). It is refused without
// --optimizer sgd.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "cpu/cpu_ops.hpp"
#include "srns/backend.hpp"
#include "srns/synthetic.hpp"
#include "srns/trainer.hpp"

namespace srns {
namespace {

Dataset data() {
  GenConfig g;
  g.users = 150;
  g.items = 300;
  g.interactions = 5000;
  g.seed = 3;
  SplitOptions s;
  s.seed = 3;
  return generate_dataset(g, s);
}

TrainConfig sgd_config(bool hogwild) {
  TrainConfig c;
  c.sampler = "uniform";
  c.model.dim = 16;
  c.model.init_std = 0.1f;
  c.batch_size = 200;
  c.optim.kind = OptimizerKind::kSgd;
  c.optim.lr = 0.05f;
  c.optim.hogwild = hogwild;
  c.seed = 5;
  return c;
}

TEST(Hogwild, OneThreadIsTheSequentialPerPairLoop) {
  const Dataset d = data();
  const TrainConfig c = sgd_config(true);
  Model m = init_model(c.model, d.n_users, d.n_items, c.seed);
  Model want = m;
  std::vector<int32_t> users, items, negs;
  for (int32_t u = 0; u < d.n_users; ++u) {
    for (int64_t e = d.train.offsets[u]; e < d.train.offsets[u + 1] && users.size() < 300; ++e) {
      users.push_back(u);
      items.push_back(d.train.cols[e]);
      negs.push_back((d.train.cols[e] * 7 + 3) % d.n_items);
    }
  }
  cpu::Batch batch;
  batch.size = static_cast<int32_t>(users.size());
  batch.user = users.data();
  batch.item = items.data();
  const double loss = cpu::hogwild_sgd_step(&m, batch, negs.data(), kLossBpr, 0.01f, 0.05f, 1);

  // The sequential loop.
  const int F = want.dim;
  std::vector<float> grad(4 * F), head(F, 0.0f);
  double want_loss = 0.0;
  for (int32_t k = 0; k < batch.size; ++k) {
    const ModelView v = cpu::view_of(want);
    const GmfScorer sc(v);
    float* p = want.user.data() + users[k] * F;
    float* qi = want.item.data() + items[k] * F;
    float* qj = want.item.data() + negs[k] * F;
    float ctx[kMaxDim];
    sc.user_context(p, ctx);
    want_loss += sc.pair_gradient(p, qi, qj, kLossBpr, 0.01f, sc.score(ctx, qi), sc.score(ctx, qj),
                                  grad.data());
    for (int f = 0; f < F; ++f) {
      p[f] -= 0.05f * grad[f];
      qi[f] -= 0.05f * grad[F + f];
      qj[f] -= 0.05f * grad[2 * F + f];
      head[f] += grad[3 * F + f];
    }
  }
  for (int f = 0; f < F; ++f) want.head[f] -= 0.05f * head[f];
  // The same math, not the same bits: Hogwild's GMF loop sums the dot products in vector lane
  // order and takes BPR's loss from one exponential with the logs of a product of 512 factors
  // (hogwild_step.cpp), so parameters agree to float rounding and the loss to 1e-6.
  const auto expect_close = [](const std::vector<float>& got, const std::vector<float>& ref,
                               const char* what) {
    ASSERT_EQ(got.size(), ref.size()) << what;
    for (size_t x = 0; x < got.size(); ++x) {
      ASSERT_NEAR(got[x], ref[x], 1e-6 + 1e-5 * std::fabs(ref[x])) << what << "[" << x << "]";
    }
  };
  expect_close(m.user, want.user, "user");
  expect_close(m.item, want.item, "item");
  expect_close(m.head, want.head, "head");
  EXPECT_NE(m.user, init_model(c.model, d.n_users, d.n_items, c.seed).user);  // it trained
  EXPECT_NEAR(loss, want_loss, 1e-6 * want_loss);
}

double mean_loss_after(const Dataset& d, const TrainConfig& c, int threads, int epochs) {
  std::unique_ptr<Backend> b = make_cpu_backend(threads);
  const TrainingSet set = prepare_training_set(d, c);
  b->setup(set, c, init_model(c.model, d.n_users, d.n_items, c.seed));
  EpochStats s;
  for (int t = 0; t < epochs; ++t) s = b->train_epoch(t, nullptr);
  return s.loss / static_cast<double>(s.pairs);
}

// Uniform trains the epoch as one parallel region (hogwild_sgd_epoch); SRNS, whose batches
// depend on each other through its memory, batch by batch (hogwild_sgd_step).
TEST(Hogwild, TwoThreadsTrainLikeDeterministicSgd) {
  const Dataset d = data();
  for (const char* sampler : {"uniform", "srns"}) {
    TrainConfig hogwild = sgd_config(true), deterministic = sgd_config(false);
    for (TrainConfig* c : {&hogwild, &deterministic}) {
      c->sampler = sampler;
      c->srns.s1 = 4;
      c->srns.s2 = 8;
      c->srns.pool_size = 60;
    }
    const double first = mean_loss_after(d, hogwild, 2, 1);
    const double hog = mean_loss_after(d, hogwild, 2, 15);
    const double det = mean_loss_after(d, deterministic, 2, 15);
    std::cout << sampler << " mean loss: first epoch " << first << ", epoch 15 hogwild " << hog
              << ", deterministic " << det << "\n";
    // About where deterministic SGD gets (the lost updates of a race cost little when rows
    // rarely collide); uniform negatives get easy, so its loss falls well below log 2 (SRNS's
    // hard negatives keep theirs near it).
    EXPECT_GT(first, 0.6) << sampler;
    EXPECT_NEAR(hog, det, 0.05) << sampler;
    if (std::string(sampler) == "uniform") {
      EXPECT_LT(hog, 0.5);
      EXPECT_LT(det, 0.5);
    }
  }
}

TEST(Hogwild, NeedsSgd) {
  TrainConfig c = sgd_config(true);
  c.optim.kind = OptimizerKind::kAdam;
  try {
    validate(c);
    FAIL() << "--hogwild with adam was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--hogwild needs --optimizer sgd"), std::string::npos)
        << e.what();
  }
}

// A GAN sampler steps its generator inside the batch loop's fused step, which --hogwild skips.
TEST(Hogwild, RefusedForSamplersWithAGenerator) {
  TrainConfig c = sgd_config(true);
  c.sampler = "rns-as";
  try {
    validate(c);
    FAIL() << "--hogwild with rns-as was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--sampler rns-as trains a generator"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace srns
