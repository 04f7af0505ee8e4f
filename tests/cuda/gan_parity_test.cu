// The GAN samplers' GPU twins against their CPU units, through the parity harness
// (parity_harness.cuh), for every generator sampler of the registry (ops_parity_test.cu's
// per-pair case cannot hold them: their select moves the generator). Two batches of the same
// epoch through each backend's fused step (and the select path on a fresh pair), so the second
// batch draws from the generator after its first step:
//   negatives      equal for nearly every pair (share): an expf ulp may move a softmax draw
//                  that lies on a CDF step, and IRGAN's CDF is a block scan where the CPU adds
//                  in order
//   D's rows       close, over the pairs whose negatives agree
//   G after both   close for nearly every parameter (share): atomic sums, and the rows of a
//                  pair whose draw differed
// Skips without a usable GPU (fails where SRNS_REQUIRE_GPU=1).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "parity_fixture.cuh"
#include "parity_harness.cuh"
#include "sampler.cuh"
#include "srns/sampler.hpp"
#include "srns/trainer.hpp"
#include "train/state_io.hpp"

namespace srns {
namespace {

using testing::DeviceCsrCopy;
using testing::DeviceModel;
using testing::OpCase;
using testing::Outputs;
using testing::ParityEpoch;
using testing::to_host;

// expf / log1pf ulps in the pair gradients (see ops_parity_test.cu).
constexpr double kGradRelTol = 1e-5;
constexpr double kGradAbsTol = 1e-6;
// Draws that may flip: candidate softmax (30 slots, one expf each) and the catalogue CDF.
constexpr double kCandidateDrawShare = 0.995;
constexpr double kCatalogueDrawShare = 0.98;
// G after two Adam steps (lr 1e-3): atomic-order noise is far below 1e-5; a flipped draw moves
// its rows by about lr.
constexpr double kGeneratorAbsTol = 1e-5;
constexpr double kGeneratorShare = 0.98;

// G's parameters from a sampler's saved state (generator.hpp: users, items, head first).
std::vector<float> generator_params(const std::string& state, const Model& m) {
  std::istringstream in(state);
  std::vector<float> user(m.user.size()), item(m.item.size()), head(m.head.size());
  read_array(in, &user, "generator users");
  read_array(in, &item, "generator items");
  read_array(in, &head, "generator head");
  user.insert(user.end(), item.begin(), item.end());
  user.insert(user.end(), head.begin(), head.end());
  return user;
}

void gan_step_case(const std::string& sampler, Outputs* cpu, Outputs* gpu) {
  const Dataset d = testing::parity_data();
  const bool catalogue = sampler == "irgan";
  for (double mix : catalogue ? std::vector<double>{0.0, 0.2} : std::vector<double>{0.0}) {
    for (int dim : {32, 40}) {
      TrainConfig c;
      c.sampler = sampler;
      c.model.dim = dim;
      c.batch_size = 1000;
      c.seed = 17;
      if (catalogue) c.sampler_options["irgan-mix"] = mix;
      const TrainingSet set = prepare_training_set(d, c);
      const Model m = testing::parity_model(d, dim, 3);
      const int t = 1;
      ParityEpoch epoch(d, c.seed, t, c.batch_size);
      const std::string tag = " dim " + std::to_string(dim) + (mix > 0 ? " mix" : "");
      const double draw_share = catalogue ? kCatalogueDrawShare : kCandidateDrawShare;

      std::unique_ptr<cpu::Sampler> cs = cpu::make_sampler(sampler);
      cs->setup({&set, &c, 2}, cpu::view_of(m));
      cs->begin_epoch(t, cpu::view_of(m));
      DeviceModel dm(m);
      DeviceCsrCopy train(d.train), truth(d.truth);
      gpu::SamplerSetup ss;
      ss.set = &set;
      ss.config = &c;
      ss.train = train.view();
      std::unique_ptr<gpu::Sampler> gs = gpu::make_sampler(sampler);
      gs->setup(ss, dm.view());
      gs->begin_epoch(t, epoch.refs(), nullptr);
      const int64_t stride = dm.view().grad_stride();
      for (int64_t b = 0; b < 2; ++b) {
        const cpu::Batch batch = epoch.host_batch(b);
        std::vector<int32_t> want(batch.size);
        cpu::StepOutput out;
        if (!cs->fused_step(batch, cpu::view_of(m), c.loss, c.optim.reg, want.data(), &out)) {
          cs->select(batch, cpu::view_of(m), want.data());
          cpu::pair_gradients(cpu::view_of(m), batch, want.data(), c.loss, c.optim.reg, &out, 2);
        }
        epoch.set_batch(b, b);
        testing::DevicePairOutputs dev(c.batch_size, stride, epoch.batches());
        ASSERT_TRUE(gs->fused_step(epoch.refs(), dm.view(),
                                   dev.args(c.loss, c.optim.reg, truth.view()), nullptr));
        const std::vector<int32_t> got = to_host(dev.negative, batch.size);
        const std::vector<float> grad = to_host(dev.grad, batch.size * stride);
        const std::string bt = tag + " batch " + std::to_string(b);
        cpu->share("negatives" + bt, want, draw_share);
        gpu->share("negatives" + bt, got, draw_share);
        const std::vector<float> host = out.full_rows(batch.size, cpu::view_of(m));
        std::vector<float> want_rows, got_rows;
        for (int32_t k = 0; k < batch.size; ++k) {
          if (want[k] != got[k]) continue;
          want_rows.insert(want_rows.end(), host.begin() + k * stride,
                           host.begin() + (k + 1) * stride);
          got_rows.insert(got_rows.end(), grad.begin() + k * stride,
                          grad.begin() + (k + 1) * stride);
        }
        cpu->close("D rows where the negatives agree" + bt, want_rows, kGradRelTol, kGradAbsTol);
        gpu->close("D rows where the negatives agree" + bt, got_rows, 0, 0);
      }
      std::ostringstream cpu_state, gpu_state;
      cs->save(cpu_state);
      gs->save(gpu_state, nullptr);
      const std::vector<float> g_cpu = generator_params(cpu_state.str(), m);
      const std::vector<float> g_gpu = generator_params(gpu_state.str(), m);
      ASSERT_EQ(g_cpu.size(), g_gpu.size());
      std::vector<float> start = m.user;
      start.insert(start.end(), m.item.begin(), m.item.end());
      start.insert(start.end(), m.head.begin(), m.head.end());
      std::vector<int32_t> agree(g_cpu.size());
      int64_t moved = 0;
      for (size_t x = 0; x < g_cpu.size(); ++x) {
        agree[x] = std::fabs(g_cpu[x] - g_gpu[x]) <= kGeneratorAbsTol;
        moved += g_cpu[x] != start[x];
      }
      EXPECT_GT(moved, static_cast<int64_t>(g_cpu.size() / 10)) << "the generator did not move";
      cpu->share("generator after two steps" + tag, std::vector<int32_t>(g_cpu.size(), 1),
                 kGeneratorShare);
      gpu->share("generator after two steps" + tag, agree, kGeneratorShare);

      // The select path on a fresh pair of samplers: the same negatives.
      std::unique_ptr<cpu::Sampler> cs2 = cpu::make_sampler(sampler);
      cs2->setup({&set, &c, 2}, cpu::view_of(m));
      cs2->begin_epoch(t, cpu::view_of(m));
      std::unique_ptr<gpu::Sampler> gs2 = gpu::make_sampler(sampler);
      gs2->setup(ss, dm.view());
      gs2->begin_epoch(t, epoch.refs(), nullptr);
      epoch.set_batch(0, 0);
      const cpu::Batch batch = epoch.host_batch(0);
      std::vector<int32_t> want(batch.size);
      cs2->select(batch, cpu::view_of(m), want.data());
      gpu::DeviceBuffer<int32_t> selected(c.batch_size);
      gs2->select(epoch.refs(), dm.view(), selected.data(), nullptr);
      cpu->share("selected" + tag, want, draw_share);
      gpu->share("selected" + tag, to_host(selected, batch.size), draw_share);
    }
  }
}

std::vector<OpCase> gan_cases() {
  std::vector<OpCase> cases;
  for (const SamplerInfo& info : sampler_registry()) {
    if (!info.generator) continue;
    std::string name = info.name + "_step";
    std::replace(name.begin(), name.end(), '-', '_');
    cases.push_back({name, [sampler = info.name](Outputs* cpu, Outputs* gpu) {
                       gan_step_case(sampler, cpu, gpu);
                     }});
  }
  return cases;
}

class GanParity : public ::testing::TestWithParam<OpCase> {};

TEST_P(GanParity, CudaMatchesTheCpuUnit) {
  SRNS_SKIP_WITHOUT_GPU();
  Outputs cpu, gpu;
  GetParam().run(&cpu, &gpu);
  testing::expect_parity(cpu, gpu, GetParam().name);
}

INSTANTIATE_TEST_SUITE_P(Gan, GanParity, ::testing::ValuesIn(gan_cases()),
                         [](const ::testing::TestParamInfo<OpCase>& p) { return p.param.name; });

// Whole trainings through the driver on both backends from the same model: the per-epoch loss
// and validation metrics stay together. A draw that flips (see above) sends the two runs down
// slightly different paths, so the bounds are wider than an ulp story: 2% of the loss and 0.02
// of a metric (over 800 users, a few users' hits), far below what a wrong generator, reward or
// adversarial term moves in two epochs.
TEST(GanE2E, TrainingFollowsTheCpu) {
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset data = testing::parity_data(800, 600, 30000, 13, 100);
  for (const SamplerInfo& info : sampler_registry()) {
    if (!info.generator) continue;
    TrainConfig c;
    c.sampler = info.name;
    c.model.init_std = 0.3f;
    c.batch_size = 512;
    c.epochs = 2;
    c.eval.ks = {1, 5, 10};
    c.eval.metric = "recall@5";
    c.eval.patience = 0;
    c.seed = 29;
    RunOptions o;
    o.quiet = true;
    std::string note;
    std::unique_ptr<Backend> cpu = make_backend("cpu", 2, &note);
    std::unique_ptr<Backend> gpu = make_backend("cuda", 2, &note);
    const RunSummary a = train(data, c, *cpu, o);
    const RunSummary b = train(data, c, *gpu, o);
    ASSERT_EQ(a.epochs.size(), b.epochs.size());
    for (size_t t = 0; t < a.epochs.size(); ++t) {
      EXPECT_NEAR(b.epochs[t].loss, a.epochs[t].loss, 2e-2 * std::fabs(a.epochs[t].loss))
          << info.name << " epoch " << t + 1;
      for (const auto& [name, value] : a.epochs[t].val) {
        EXPECT_NEAR(b.epochs[t].val.at(name), value, 2e-2) << info.name << " " << name;
      }
      std::cout << info.name << " epoch " << t + 1 << ": loss " << a.epochs[t].loss << " / "
                << b.epochs[t].loss << ", recall@5 " << a.epochs[t].val.at("recall@5") << " / "
                << b.epochs[t].val.at("recall@5") << "\n";
    }
  }
}

}  // namespace
}  // namespace srns
