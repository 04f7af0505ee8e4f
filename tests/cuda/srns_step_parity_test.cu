// The SRNS step on the GPU (kernels/srns_step.cu), both versions, fused and select-only,
// against cpu::srns_step on identical state: the same pools, memory, random score history
// (dense and pooled layouts, float and binary16 values), model and batch, through the parity
// harness:
//   - chosen negatives: identical for at least kMinSameNegativeShare of the pairs;
//   - memory after the batch's refreshes: identical (the extension draws are integer-exact, so
//     the candidates always agree; only a Gumbel-key tie within an ulp could reorder them);
//   - the fused gradients and losses: cpu::pair_gradients of the GPU's own negatives, within
//     kGradRelTol / kGradAbsTol;
//   - the warp version equals the thread version bit for bit (same device math library).
#include <gtest/gtest.h>

#include <iostream>
#include <random>

#include "../srns_state_util.hpp"
#include "parity_fixture.cuh"
#include "parity_harness.cuh"
#include "srns_step.cuh"
#include "train/srns_layout.hpp"

namespace srns {
namespace {

using gpu::DeviceBuffer;
using testing::Outputs;
using testing::same_values;
using testing::to_device;
using testing::to_host;

// Eq. 4 compares P_pos + alpha_t * sd across memory entries through expf; where two entries'
// values lie within an ulp, CUDA's expf and the host's may order them differently. With the
// spread of scores used here such ties are far rarer than 1 in 1000 pairs.
constexpr double kMinSameNegativeShare = 0.999;
// As in ops_parity_test.cu: one ulp of expf in d_pos / d_neg is ~1e-7 relative per element.
constexpr double kGradRelTol = 1e-5;
constexpr double kGradAbsTol = 1e-6;

struct StepCase {
  const char* name;
  HistoryMode history = HistoryMode::kDense;
  bool half = false;  // --history-precision half
  int epoch = 3;
  int loss = kLossBpr;
  int dim = 32;
  int s1 = 8, s2 = 64, pool_size = 200;
  bool fn = false;
  bool raw_variance = false;
  bool random_select = false;
  bool refresh = true;
};

// gtest prints parameters in test names and failures: by name, not as bytes.
void PrintTo(const StepCase& c, std::ostream* os) { *os << c.name; }

std::vector<StepCase> cases() {
  std::vector<StepCase> c;
  auto add = [&](const char* name) -> StepCase& {
    c.push_back(StepCase());
    c.back().name = name;
    return c.back();
  };
  add("dense_epoch0").epoch = 0;
  add("dense_epoch3");
  {
    StepCase& s = add("dense_epoch7_hinge");
    s.epoch = 7;
    s.loss = kLossHinge;
  }
  {
    StepCase& s = add("pooled_epoch0");
    s.history = HistoryMode::kPooled;
    s.epoch = 0;
  }
  {
    StepCase& s = add("pooled_epoch3");
    s.history = HistoryMode::kPooled;
  }
  {
    StepCase& s = add("pooled_epoch7_bce");
    s.history = HistoryMode::kPooled;
    s.epoch = 7;
    s.loss = kLossBce;
  }
  {
    StepCase& s = add("dense_half");
    s.half = true;
  }
  {
    StepCase& s = add("pooled_half_epoch6");
    s.history = HistoryMode::kPooled;
    s.half = true;
    s.epoch = 6;
  }
  {
    StepCase& s = add("dense_false_negatives");
    s.fn = true;
  }
  {
    StepCase& s = add("pooled_false_negatives");
    s.history = HistoryMode::kPooled;
    s.fn = true;
    s.epoch = 6;
  }
  {
    StepCase& s = add("raw_variance");
    s.raw_variance = true;
    s.epoch = 4;
  }
  {
    StepCase& s = add("random_select");
    s.random_select = true;
    s.epoch = 2;
  }
  {
    StepCase& s = add("no_refresh");
    s.refresh = false;
    s.epoch = 1;
  }
  {
    StepCase& s = add("wide_memory_dim40");
    s.dim = 40;
    s.s1 = 40;
    s.s2 = 80;
    s.pool_size = 300;
  }
  {
    StepCase& s = add("dim100_pool1000");
    s.dim = 100;
    s.pool_size = 1000;
    s.epoch = 5;
  }
  {
    StepCase& s = add("tight_pool");
    s.pool_size = 72;
    s.epoch = 2;
  }
  return c;
}

// One run of a version: negatives, memory after the batch, and (fused) gradients and losses.
struct StepResult {
  std::vector<int32_t> negative, memory, selected, memory_select;
  std::vector<float> loss, grad;
};

class SrnsStepParity : public ::testing::TestWithParam<StepCase> {};

TEST_P(SrnsStepParity, BothVersionsMatchTheCpuAndEachOther) {
  SRNS_SKIP_WITHOUT_GPU();
  const StepCase& sc = GetParam();
  const Dataset d = testing::parity_data(300, 400, 12000, 5);
  TrainConfig c;
  c.model.dim = sc.dim;
  c.srns.s1 = sc.s1;
  c.srns.s2 = sc.s2;
  c.srns.pool_size = sc.pool_size;
  c.srns.history = sc.history;
  c.srns.raw_variance = sc.raw_variance;
  c.srns.history_precision = sc.half ? HistoryPrecision::kHalf : HistoryPrecision::kFloat;
  c.srns.fn_num = 2;
  c.seed = 17;
  c.batch_size = 1000;
  TrainingSet set;
  set.data = &d;
  set.truth = d.truth;
  if (sc.fn) set.fn_sets = testing::random_fn_sets(d);
  const SrnsLayout layout = plan_srns_layout(d, set, c, true);
  ASSERT_EQ(layout.dense, sc.history == HistoryMode::kDense);

  // State: the current pool, the initial memory, a random history.
  std::vector<int32_t> pool(layout.pool_elems());
  cpu::sample_pools(c.seed, sc.epoch, d.n_users, d.n_items, sc.pool_size, d.train.offsets.data(),
                    d.train.cols.data(), pool.data(), 2);
  SrnsView hv = make_srns_view(d, set, c, layout);
  std::vector<int32_t> memory(static_cast<size_t>(d.n_users) * sc.s1);
  cpu::init_memory(hv, memory.data(), 2);
  // The history's values: float, or binary16 bits (srns.hpp).
  const testing::RandomHistory history(layout);
  const bool has_tracked = layout.tracked_elems() > 0;
  hv.pool = pool.data();
  hv.hist = history.hist_data();
  hv.hist_tracked = history.tracked_data();
  const SrnsStepParams params{c.seed, sc.epoch, sc.epoch == 0 ? 0.0f : 2.5f, sc.refresh,
                              sc.random_select};

  const Model m = testing::parity_model(d, sc.dim, 23);
  const int64_t b = 1;
  testing::ParityEpoch epoch(d, c.seed, sc.epoch, c.batch_size);
  const cpu::Batch batch = epoch.host_batch(b);
  cpu::ExtensionDraws draws;
  cpu::draw_extensions(hv, sc.epoch, &batch, 1, sc.refresh, 2, &draws);
  std::vector<int32_t> want_negative(batch.size), want_memory = memory;
  std::vector<int32_t> items(memory.size());
  cpu::memory_items(hv, want_memory.data(), items.data(), 2);
  cpu::srns_step(hv, params, batch, draws, 0, cpu::view_of(m), want_memory.data(), items.data(),
                 want_negative.data(), 2);

  // The same on the device.
  testing::DeviceModel dm(m);
  testing::DeviceCsrCopy train(d.train), truth(d.truth), fn(set.fn_sets);
  DeviceBuffer<int32_t> pool_d = to_device(pool);
  DeviceBuffer<float> hist_d = to_device(history.hist), tracked_d = to_device(history.tracked);
  DeviceBuffer<uint16_t> hist16_d = to_device(history.hist16);
  DeviceBuffer<uint16_t> tracked16_d = to_device(history.tracked16);
  SrnsView dv = hv;
  dv.train_off = train.off.data();
  dv.train_cols = train.cols.data();
  dv.fn_off = sc.fn ? fn.off.data() : nullptr;
  dv.fn_cols = sc.fn ? fn.cols.data() : nullptr;
  dv.pool = pool_d.data();
  dv.hist = testing::RandomHistory::pick(hist16_d.data(), hist_d.data(), layout.half);
  dv.hist_tracked = !has_tracked ? nullptr
                                 : testing::RandomHistory::pick(tracked16_d.data(),
                                                                tracked_d.data(), layout.half);
  gpu::BatchGroupsBuffers groups_d(epoch.n(), c.batch_size);
  gpu::batch_groups(nullptr, epoch.user.data(), epoch.n(), c.batch_size, &groups_d);
  const int64_t stride = dm.view().grad_stride();
  StepResult result[2];
  for (gpu::SrnsStepVersion v : {gpu::SrnsStepVersion::kThread, gpu::SrnsStepVersion::kWarp}) {
    StepResult& r = result[v == gpu::SrnsStepVersion::kWarp];
    DeviceBuffer<float> ctx(int64_t{c.batch_size} * sc.dim);
    for (bool fused : {true, false}) {
      DeviceBuffer<int32_t> memory_d = to_device(memory);
      testing::DevicePairOutputs out(c.batch_size, stride, epoch.batches());
      gpu::SrnsStepArgs a;
      a.view = dv;
      a.params = params;
      a.batch = epoch.refs();
      a.groups = groups_d.view();
      a.model = dm.view();
      a.memory = memory_d.data();
      a.negative = out.negative.data();
      a.ctx_scratch = ctx.data();
      epoch.set_batch(b, 0);
      const gpu::PairStepArgs pa = out.args(sc.loss, 0.01f, truth.view());
      gpu::srns_step(nullptr, v, a, fused ? &pa : nullptr);
      (fused ? r.negative : r.selected) = to_host(out.negative, batch.size);
      (fused ? r.memory : r.memory_select) = to_host(memory_d);
      if (fused) {
        r.loss = to_host(out.loss, batch.size);
        r.grad = to_host(out.grad, batch.size * stride);
      }
    }
  }

  for (int w = 0; w < 2; ++w) {
    const StepResult& r = result[w];
    const std::string version = w ? "warp" : "thread";
    // The fused gradients are the CPU's pair gradients of the GPU's own negatives.
    cpu::StepOutput want_grad;
    cpu::pair_gradients(cpu::view_of(m), batch, r.negative.data(), sc.loss, 0.01f, &want_grad, 2);
    Outputs cpu, gpu;
    cpu.share(version + " negatives", want_negative, kMinSameNegativeShare)
        .exact(version + " memory", want_memory)
        .share(version + " negatives (select only)", want_negative, kMinSameNegativeShare)
        .exact(version + " memory (select only)", want_memory)
        .close(version + " gradients", want_grad.full_rows(batch.size, cpu::view_of(m)),
               kGradRelTol, kGradAbsTol)
        .close(version + " losses", want_grad.loss, kGradRelTol, kGradAbsTol);
    gpu.share(version + " negatives", r.negative, 0)
        .exact(version + " memory", r.memory)
        .share(version + " negatives (select only)", r.selected, 0)
        .exact(version + " memory (select only)", r.memory_select)
        .close(version + " gradients", r.grad, 0, 0)
        .close(version + " losses", r.loss, 0, 0);
    testing::expect_parity(cpu, gpu, sc.name);
  }
  EXPECT_TRUE(same_values(result[0].negative, result[1].negative, "warp vs thread negatives"));
  EXPECT_TRUE(same_values(result[0].memory, result[1].memory, "warp vs thread memory"));
  EXPECT_TRUE(same_values(result[0].grad, result[1].grad, "warp vs thread gradients"));
  EXPECT_TRUE(same_values(result[0].loss, result[1].loss, "warp vs thread losses"));
}

INSTANTIATE_TEST_SUITE_P(Cases, SrnsStepParity, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<StepCase>& p) {
                           return std::string(p.param.name);
                         });

}  // namespace
}  // namespace srns
