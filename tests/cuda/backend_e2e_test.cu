// The CUDA backend as a whole against the CPU backend: whole training runs through the driver
// (per-epoch validation metrics), backends stepped in lockstep (epoch stats and final models),
// the footprint refusal, and describe(). Skips without a usable GPU.
//
// A run is deterministic on each backend (--deterministic on the GPU), but the two backends
// differ where CUDA's expf/logf and the host's round differently: gradients by an ulp (a
// drift that stays tiny), and, rarely, an eq. 4 choice between two memory entries whose values
// lie within an ulp (a discrete difference that training then carries on). The runs use
// init_std 0.3 so scores spread from the start and such ties stay rare; the tolerances say
// how much a handful of them may move the results.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <sstream>

#include "parity_fixture.cuh"
#include "srns/sampler.hpp"
#include "srns/trainer.hpp"

namespace srns {
namespace {

// Validation metrics are means over 800 users: one user's hit moving across a cut-off changes
// a recall by 1/800 (1.25e-3); the brief's bound of 1e-3 therefore allows scoring differences
// that move no rank, and fails on any real divergence.
constexpr double kMetricTol = 1e-3;
// Per-epoch mean loss: ulp-level drift only (relative).
constexpr double kLossRelTol = 1e-4;
// Final models (lockstep SRNS): a flipped eq. 4 choice moves the rows of the two negatives by
// up to a few Adam steps (~3 lr = 3e-3 at lr 1e-3); anything beyond 1e-2, or drift in more
// than 1% of the parameters, is a real difference.
constexpr double kSrnsModelMaxAbs = 1e-2;
constexpr double kSrnsModelDriftAbs = 1e-4;
constexpr double kSrnsModelMaxDriftShare = 0.01;
// Uniform sampler: the same negatives by construction; only the ulp drift of gradients.
constexpr double kUniformModelMaxAbs = 1e-4;

Dataset e2e_data() { return testing::parity_data(800, 600, 30000, 13, 100); }

TrainConfig e2e_config(const std::string& sampler) {
  TrainConfig c;
  c.sampler = sampler;
  c.model.dim = 32;
  c.model.init_std = 0.3f;
  c.batch_size = 512;
  c.epochs = 5;
  c.srns.s1 = 8;
  c.srns.s2 = 32;
  c.srns.pool_size = 150;
  c.srns.t0 = 2;
  c.eval.patience = 0;
  c.eval.ks = {1, 5, 10};
  c.eval.metric = "recall@5";
  c.deterministic = true;
  c.seed = 29;
  return c;
}

struct ModelDiff {
  double max_abs = 0;
  int64_t drifted = 0, n = 0;
};

ModelDiff model_diff(const Model& a, const Model& b, double drift_abs) {
  ModelDiff d;
  auto add = [&](const std::vector<float>& x, const std::vector<float>& y) {
    EXPECT_EQ(x.size(), y.size());
    for (size_t k = 0; k < std::min(x.size(), y.size()); ++k) {
      const double diff = std::fabs(static_cast<double>(x[k]) - y[k]);
      d.max_abs = std::max(d.max_abs, std::isnan(diff) ? INFINITY : diff);
      d.drifted += diff > drift_abs;
      ++d.n;
    }
  };
  add(a.user, b.user);
  add(a.item, b.item);
  add(a.head, b.head);
  return d;
}

RunSummary run_driver(const Dataset& data, const TrainConfig& c, const std::string& device) {
  std::string note;
  std::unique_ptr<Backend> b = make_backend(device, 2, &note);
  RunOptions o;
  o.quiet = true;
  return train(data, c, *b, o);
}

TEST(CudaBackendE2E, SrnsPerEpochMetricsMatchCpu) {
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset data = e2e_data();
  for (HistoryMode history : {HistoryMode::kDense, HistoryMode::kPooled}) {
    TrainConfig c = e2e_config("srns");
    c.srns.history = history;
    const RunSummary cpu = run_driver(data, c, "cpu");
    const RunSummary gpu = run_driver(data, c, "cuda");
    ASSERT_EQ(cpu.epochs.size(), gpu.epochs.size());
    EXPECT_NE(gpu.device.find("cuda"), std::string::npos) << gpu.device;
    for (size_t t = 0; t < cpu.epochs.size(); ++t) {
      const EpochRecord& a = cpu.epochs[t];
      const EpochRecord& b = gpu.epochs[t];
      std::ostringstream line;
      line << to_string(history) << " epoch " << a.epoch << ": loss " << a.loss << " / " << b.loss;
      EXPECT_NEAR(b.loss, a.loss, kLossRelTol * std::fabs(a.loss)) << line.str();
      EXPECT_NEAR(b.label_error_ratio, a.label_error_ratio, kMetricTol) << line.str();
      for (const auto& [name, value] : a.val) {
        ASSERT_TRUE(b.val.count(name)) << name;
        line << ", " << name << " " << value << " / " << b.val.at(name);
        EXPECT_NEAR(b.val.at(name), value, kMetricTol) << line.str();
      }
      std::cout << line.str() << "\n";
    }
    for (const auto& [name, value] : cpu.test) {
      EXPECT_NEAR(gpu.test.at(name), value, kMetricTol) << "test " << name;
    }
  }
}

// Steps both backends through the same epochs without the driver; compares every epoch's
// stats and the final models.
void lockstep(const TrainConfig& c, double model_max_abs, double drift_share) {
  const Dataset data = e2e_data();
  const TrainingSet set = prepare_training_set(data, c);
  const Model init = init_model(c.model, data.n_users, data.n_items, c.seed);
  std::unique_ptr<Backend> cpu = make_cpu_backend(2);
  std::unique_ptr<Backend> gpu = make_cuda_backend(0);
  cpu->setup(set, c, init);
  gpu->setup(set, c, init);
  cpu->end_epoch(-1, nullptr);
  gpu->end_epoch(-1, nullptr);
  for (int t = 0; t < c.epochs; ++t) {
    const EpochStats a = cpu->train_epoch(t, nullptr);
    int64_t progress_calls = 0;
    const EpochStats b = gpu->train_epoch(t, [&](int64_t, int64_t) { ++progress_calls; });
    cpu->end_epoch(t, nullptr);
    gpu->end_epoch(t, nullptr);
    EXPECT_EQ(progress_calls, b.batches);
    EXPECT_EQ(a.pairs, b.pairs) << "epoch " << t;
    EXPECT_EQ(a.batches, b.batches) << "epoch " << t;
    EXPECT_EQ(b.first_nonfinite_batch, -1);
    EXPECT_NEAR(b.loss, a.loss, kLossRelTol * std::fabs(a.loss)) << "epoch " << t;
    EXPECT_NEAR(static_cast<double>(b.false_negatives), static_cast<double>(a.false_negatives),
                kMetricTol * static_cast<double>(a.pairs))
        << "epoch " << t;
    EXPECT_GT(b.seconds.select_grad, 0.0);
    EXPECT_GT(b.seconds.optimizer, 0.0);
    const ModelDiff d = model_diff(cpu->get_model(), gpu->get_model(), kSrnsModelDriftAbs);
    std::cout << c.sampler << " epoch " << t << ": loss " << a.loss << " / " << b.loss
              << ", label errors " << a.false_negatives << " / " << b.false_negatives
              << ", model max |diff| " << d.max_abs << ", " << d.drifted << " of " << d.n
              << " parameters differ by more than " << kSrnsModelDriftAbs << "\n";
  }
  const ModelDiff d = model_diff(cpu->get_model(), gpu->get_model(), kSrnsModelDriftAbs);
  EXPECT_LE(d.max_abs, model_max_abs);
  EXPECT_LE(static_cast<double>(d.drifted), drift_share * static_cast<double>(d.n));
  // Evaluation of the same model through both backends: identical counts.
  const Model m = cpu->get_model();
  gpu->set_model(m);
  const std::vector<RankCount> rc = cpu->rank_sampled(data.val);
  const std::vector<RankCount> rg = gpu->rank_sampled(data.val);
  ASSERT_EQ(rc.size(), rg.size());
  for (size_t r = 0; r < rc.size(); ++r) {
    ASSERT_EQ(rc[r].greater, rg[r].greater) << "row " << r;
    ASSERT_EQ(rc[r].equal, rg[r].equal) << "row " << r;
  }
  const Csr targets = Csr::from_pairs(data.test.rows, data.n_users);
  const Csr exclude = Csr::from_pairs(data.val.rows, data.n_users);
  const std::vector<RankCount> fc = cpu->rank_full(targets, exclude);
  const std::vector<RankCount> fg = gpu->rank_full(targets, exclude);
  ASSERT_EQ(fc.size(), fg.size());
  for (size_t r = 0; r < fc.size(); ++r) {
    ASSERT_EQ(fc[r].greater, fg[r].greater) << "target " << r;
    ASSERT_EQ(fc[r].equal, fg[r].equal) << "target " << r;
  }
}

TEST(CudaBackendE2E, SrnsLockstepModelsStayClose) {
  SRNS_SKIP_WITHOUT_GPU();
  lockstep(e2e_config("srns"), kSrnsModelMaxAbs, kSrnsModelMaxDriftShare);
}

TEST(CudaBackendE2E, UniformLockstepModelsStayClose) {
  SRNS_SKIP_WITHOUT_GPU();
  lockstep(e2e_config("uniform"), kUniformModelMaxAbs, 0.0);
}

// Samplers whose choice reads the model (DNS's argmax, AOBPR's orderings): the same draws and
// scores on both backends, so only ulp drift of the gradients can flip a choice, as for SRNS.
TEST(CudaBackendE2E, ScoreReadingSamplersLockstepModelsStayClose) {
  SRNS_SKIP_WITHOUT_GPU();
  for (const char* sampler : {"dns", "aobpr"}) {
    SCOPED_TRACE(sampler);
    lockstep(e2e_config(sampler), kSrnsModelMaxAbs, kSrnsModelMaxDriftShare);
  }
}

// ENMF's own batches (users) and row gradients through both batch loops, with its own
// optimiser (Adagrad, lr 0.05, accumulator 1e-8, no L2): the GPU adds item terms atomically,
// so the models drift by ulps, as the other samplers' do.
TEST(CudaBackendE2E, EnmfLockstepModelsStayClose) {
  SRNS_SKIP_WITHOUT_GPU();
  TrainConfig c = e2e_config("enmf");
  c.optim.kind = OptimizerKind::kAdagrad;
  c.optim.lr = 0.05f;
  c.optim.adagrad_init = 1e-8f;
  c.optim.reg = 0;
  c.batch_size = 64;
  lockstep(c, kSrnsModelMaxAbs, kSrnsModelMaxDriftShare);
}

// The MLP scorer through both batch loops with every sampler of the registry that takes it
// (ENMF and the GAN samplers are GMF's and MF's only: validate refuses them): its warp forms run
// the towers; expf / tanhf ulps between libm and CUDA drift the gradients as for SRNS's choices.
TEST(CudaBackendE2E, MlpLockstepModelsStayClose) {
  SRNS_SKIP_WITHOUT_GPU();
  for (const SamplerInfo& info : sampler_registry()) {
    if (info.linear_scorer_only || info.generator) continue;  // GMF-only samplers
    SCOPED_TRACE(info.name);
    TrainConfig c = e2e_config(info.name);
    c.model.kind = ModelKind::kMlp;
    c.model.init_std = 0.1f;
    lockstep(c, kSrnsModelMaxAbs, kSrnsModelMaxDriftShare);
  }
}

TEST(CudaBackendE2E, AtomicGradientsAndEveryOptimizerFollowTheCpu) {
  // Atomic (non-deterministic) gradient sums and each optimiser: the runs stay within a small
  // distance of the CPU's (atomics add ulp-level noise; the dynamics are the same).
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset data = e2e_data();
  for (OptimizerKind kind : {OptimizerKind::kAdam, OptimizerKind::kLazyAdam, OptimizerKind::kSgd}) {
    TrainConfig c = e2e_config("srns");
    c.deterministic = false;
    c.optim.kind = kind;
    c.optim.lr = kind == OptimizerKind::kSgd ? 0.01f : 0.001f;
    c.epochs = 3;
    const RunSummary cpu = run_driver(data, c, "cpu");
    const RunSummary gpu = run_driver(data, c, "cuda");
    EXPECT_NE(gpu.device.find("atomic gradients"), std::string::npos) << gpu.device;
    ASSERT_EQ(cpu.epochs.size(), gpu.epochs.size());
    for (size_t t = 0; t < cpu.epochs.size(); ++t) {
      EXPECT_TRUE(std::isfinite(gpu.epochs[t].loss));
      EXPECT_NEAR(gpu.epochs[t].loss, cpu.epochs[t].loss, 1e-2 * std::fabs(cpu.epochs[t].loss))
          << to_string(kind) << " epoch " << t + 1;
    }
  }
}

TEST(CudaBackend, RefusesAnAbsurdFootprintWithTheFlagToChange) {
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset data = testing::parity_data(300, 400, 12000, 5);
  TrainConfig c = e2e_config("srns");
  c.srns.history = HistoryMode::kPooled;
  c.srns.pool_size = 2000000000;
  const TrainingSet set = prepare_training_set(data, c);
  const Model init = init_model(c.model, data.n_users, data.n_items, c.seed);
  std::unique_ptr<Backend> gpu = make_cuda_backend(0);
  try {
    gpu->setup(set, c, init);
    FAIL() << "setup accepted a pool of 2e9 items per user";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    std::cout << msg << "\n";
    EXPECT_NE(msg.find("needs"), std::string::npos) << msg;
    EXPECT_NE(msg.find("free"), std::string::npos) << msg;
    EXPECT_NE(msg.find("--pool-size"), std::string::npos) << msg;
  }
  // The backend is still usable after the refusal.
  c.srns.pool_size = 150;
  gpu->setup(set, c, init);
  EXPECT_EQ(gpu->train_epoch(0, nullptr).first_nonfinite_batch, -1);
}

TEST(CudaBackend, DescribesDeviceLayoutAndGradientMode) {
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset data = testing::parity_data(300, 400, 12000, 5);
  TrainConfig c = e2e_config("srns");
  c.srns.history = HistoryMode::kPooled;
  const TrainingSet set = prepare_training_set(data, c);
  std::unique_ptr<Backend> gpu = make_cuda_backend(0);
  gpu->setup(set, c, init_model(c.model, data.n_users, data.n_items, c.seed));
  const std::string s = gpu->describe();
  EXPECT_EQ(s.rfind("cuda: ", 0), 0u) << s;
  EXPECT_NE(s.find("pooled score history"), std::string::npos) << s;
  EXPECT_NE(s.find("deterministic gradients"), std::string::npos) << s;
}

// score_users on the GPU: the score-matrix kernel, bit for bit the CPU's score.
TEST(CudaBackend, ScoreUsersMatchesTheCpuBitForBit) {
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset data = testing::parity_data(300, 400, 12000, 5);
  TrainConfig c = e2e_config("uniform");
  const Model model = init_model(c.model, data.n_users, data.n_items, 9);
  std::unique_ptr<Backend> gpu = make_cuda_backend(0);
  std::unique_ptr<Backend> cpu = make_cpu_backend(2);
  gpu->setup(prepare_training_set(data, c), c, model);
  cpu->setup(prepare_training_set(data, c), c, model);
  const std::vector<int32_t> users = {0, 299, 41, 41, 7};
  const std::vector<float> want = cpu->score_users(users);
  const std::vector<float> got = gpu->score_users(users);
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < got.size(); ++k) {
    ASSERT_EQ(got[k], want[k]) << "user " << users[k / data.n_items] << " item "
                               << k % data.n_items;
  }
  EXPECT_THROW(gpu->score_users({data.n_users}), std::out_of_range);
}

// The default mode replays one CUDA Graph per batch of at most three kernels (the sampler's
// fused step, the reduction, the optimiser), for every sampler of the registry with every
// optimiser; the graph's kernel nodes are what the backend counts.
// The one exception, by design: a GAN sampler (SamplerInfo::generator) steps its generator once
// per batch with the engine's dense Adam, a pass over all of G that may only start when every
// pair's atomic contribution to G's gradient is in: a grid-wide barrier, which only a kernel
// boundary gives inside a graph. Its batch is four kernels: its fused step (draws, D's rows,
// G's gradient), G's optimiser step, and the backend's reduction and optimiser.
TEST(CudaBackend, ABatchIsAGraphOfAtMostThreeKernels) {
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset data = testing::parity_data(300, 400, 12000, 5);
  for (const SamplerInfo& info : sampler_registry()) {
    const std::string& sampler = info.name;
    for (OptimizerKind kind : {OptimizerKind::kAdam, OptimizerKind::kLazyAdam, OptimizerKind::kSgd,
                               OptimizerKind::kAdagrad}) {
      TrainConfig c = e2e_config(sampler);
      if (info.row_gradients && (kind == OptimizerKind::kLazyAdam || kind == OptimizerKind::kSgd)) {
        continue;  // refused by validate: every item row moves each batch
      }
      c.deterministic = false;
      c.optim.kind = kind;
      const TrainingSet set = prepare_training_set(data, c);
      std::unique_ptr<Backend> gpu = make_cuda_backend(0);
      gpu->setup(set, c, init_model(c.model, data.n_users, data.n_items, c.seed));
      gpu->end_epoch(-1, nullptr);
      const EpochStats s = gpu->train_epoch(0, nullptr);
      EXPECT_GT(s.seconds.batches, 0.0);
      EXPECT_NE(gpu->describe().find("CUDA Graph"), std::string::npos) << gpu->describe();
      EXPECT_GE(gpu->kernels_per_batch(), 1);
      EXPECT_LE(gpu->kernels_per_batch(), info.generator ? 4 : 3)
          << sampler << " " << to_string(kind);
      std::cout << sampler << " " << to_string(kind) << ": " << gpu->kernels_per_batch()
                << " kernels per batch\n";
    }
  }
}

// The graph replay and direct launches (--phase-timing) run the same kernels: with atomic sums
// their runs agree to rounding.
TEST(CudaBackend, GraphReplayTrainsLikeDirectLaunches) {
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset data = e2e_data();
  TrainConfig c = e2e_config("srns");
  c.deterministic = false;
  c.epochs = 3;
  const RunSummary graph = run_driver(data, c, "cuda");
  c.phase_timing = true;
  const RunSummary direct = run_driver(data, c, "cuda");
  ASSERT_EQ(graph.epochs.size(), direct.epochs.size());
  for (size_t t = 0; t < graph.epochs.size(); ++t) {
    EXPECT_NEAR(graph.epochs[t].loss, direct.epochs[t].loss,
                1e-3 * std::fabs(direct.epochs[t].loss))
        << "epoch " << t + 1;
  }
  EXPECT_GT(direct.phases.select_grad, 0.0);
  EXPECT_GT(direct.phases.optimizer, 0.0);
  EXPECT_GT(graph.phases.batches, 0.0);
}

}  // namespace
}  // namespace srns
