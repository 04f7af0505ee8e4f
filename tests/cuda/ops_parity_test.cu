// Every CUDA op against its production CPU twin (src/cpu/<op>.cpp), through the parity harness
// (parity_harness.cuh): one table of cases, one test. Integer outputs must be identical;
// scores and optimiser steps are identical by construction (same lane order, no contraction,
// IEEE arithmetic) and are compared bit for bit; values through expf / log1pf, and atomic
// sums, within named tolerances. Every case skips without a usable GPU (and fails where
// SRNS_REQUIRE_GPU=1).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <sstream>
#include <type_traits>

#include "batch_groups.cuh"
#include "init_memory.cuh"
#include "optimizer_step.cuh"
#include "pair_gradients.cuh"
#include "parity_fixture.cuh"
#include "parity_harness.cuh"
#include "rank.cuh"
#include "record_history.cuh"
#include "reduce_gradients.cuh"
#include "sample_pools.cuh"
#include "sampler.cuh"
#include "score_matrix.cuh"
#include "srns/trainer.hpp"
#include "train/srns_layout.hpp"

namespace srns {
namespace {

using gpu::DeviceBuffer;
using testing::DeviceCsrCopy;
using testing::DeviceModel;
using testing::OpCase;
using testing::Outputs;
using testing::ParityEpoch;
using testing::to_device;
using testing::to_host;

// Losses and gradients pass through expf / log1pf, where CUDA's library and the host's libm
// may differ by an ulp or two; one ulp in d_pos / d_neg moves a gradient element by about one
// ulp relative (1.2e-7), so 1e-5 relative leaves wide margin; the absolute floor covers
// elements that cancel to near zero (reg * w against the loss term).
constexpr double kGradRelTol = 1e-5;
constexpr double kGradAbsTol = 1e-6;
// Atomic sums add the same n terms in another order. Any two orders of a float sum differ by at
// most 2 (n - 1) u sum|terms| (u = 2^-24, the unit roundoff; Higham, Accuracy and Stability,
// 4.2); a batch sum of losses in double by far less.
constexpr double kUnitRoundoff = 5.9604644775390625e-8;
constexpr double kBatchSumRelTol = 1e-6;

std::vector<int32_t> flat(const std::vector<RankCount>& r) {
  std::vector<int32_t> out;
  for (const RankCount& c : r) {
    out.push_back(c.greater);
    out.push_back(c.equal);
  }
  return out;
}

// A false-negative set for some users (1..5 non-training items each).
Csr some_false_negatives(const Dataset& d, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Pair> pairs;
  for (int32_t u = 0; u < d.n_users; u += 3) {
    const int want = 1 + static_cast<int>(rng() % 5);
    for (int k = 0; k < want; ++k) {
      const int32_t i = static_cast<int32_t>(rng() % d.n_items);
      if (!d.train.contains(u, i)) pairs.push_back({u, i});
    }
  }
  return Csr::from_pairs(pairs, d.n_users);
}

// ---- per-epoch ops ----------------------------------------------------------------------------

void epoch_order_case(Outputs* cpu, Outputs* gpu) {
  for (int64_t n : {int64_t{1}, int64_t{5}, int64_t{1000}, int64_t{100003}}) {
    gpu::EpochOrderScratch scratch(n);
    for (int epoch : {0, 1, 7}) {
      const std::string tag = "order n=" + std::to_string(n) + " epoch=" + std::to_string(epoch);
      cpu->exact(tag, epoch_order(42, epoch, n));
      gpu->exact(tag, to_host(gpu::epoch_order(nullptr, 42, epoch, n, &scratch), n));
    }
  }
}

void epoch_pairs_case(Outputs* cpu, Outputs* gpu) {
  const Dataset d = testing::parity_data();
  const int64_t n = d.train.nnz();
  const std::vector<int64_t> order = epoch_order(3, 2, n);
  const std::vector<int32_t> pu = testing::pair_users(d.train);
  cpu::EpochPairs want;
  cpu::epoch_pairs(order, pu.data(), d.train.cols.data(), &want);
  DeviceBuffer<int64_t> order_d = to_device(order), pair(n);
  DeviceBuffer<int32_t> pu_d = to_device(pu), cols_d = to_device(d.train.cols), user(n), item(n);
  gpu::epoch_pairs(nullptr, order_d.data(), n, pu_d.data(), cols_d.data(), pair.data(), user.data(),
                   item.data());
  cpu->exact("pairs", want.pair).exact("users", want.user).exact("items", want.item);
  gpu->exact("pairs", to_host(pair)).exact("users", to_host(user)).exact("items", to_host(item));
}

// The GPU's per-epoch groups, cut back into the CPU's per-batch form.
void batch_groups_case(Outputs* cpu, Outputs* gpu) {
  const Dataset d = testing::parity_data(120, 200, 4000, 5, 20);  // users repeat within batches
  for (int32_t batch_size : {300, 1000, 37}) {
    ParityEpoch epoch(d, 4, 1, batch_size);
    gpu::BatchGroupsBuffers buffers(epoch.n(), batch_size);
    gpu::batch_groups(nullptr, epoch.user.data(), epoch.n(), batch_size, &buffers);
    const gpu::DeviceBatchGroups g = buffers.view();
    const std::vector<int32_t> pos = to_host(g.pos, epoch.n());
    const std::vector<int32_t> batch_group = to_host(g.batch_group, epoch.batches() + 1);
    const std::vector<int32_t> group_begin =
        to_host(g.group_begin, static_cast<int64_t>(batch_group.back()) + 1);
    for (int64_t b = 0; b < epoch.batches(); ++b) {
      cpu::BatchGroups want;
      cpu::batch_groups(epoch.host_batch(b), &want);
      std::vector<int32_t> slots, begins;
      for (int32_t x = group_begin[batch_group[b]]; x < group_begin[batch_group[b + 1]]; ++x) {
        slots.push_back(static_cast<int32_t>(pos[x] - b * batch_size));
      }
      for (int32_t q = batch_group[b]; q <= batch_group[b + 1]; ++q) {
        begins.push_back(group_begin[q] - group_begin[batch_group[b]]);
      }
      const std::string tag = "B=" + std::to_string(batch_size) + " batch " + std::to_string(b);
      cpu->exact("slots " + tag, want.slot).exact("begins " + tag, want.begin);
      gpu->exact("slots " + tag, slots).exact("begins " + tag, begins);
    }
  }
}

void sample_pools_case(Outputs* cpu, Outputs* gpu) {
  const Dataset d = testing::parity_data();
  DeviceCsrCopy train(d.train);
  for (int32_t pool_size : {16, 100, 203}) {
    for (int64_t p : {int64_t{0}, int64_t{3}, int64_t{37}}) {
      std::vector<int32_t> want(static_cast<size_t>(d.n_users) * pool_size);
      cpu::sample_pools(9, p, d.n_users, d.n_items, pool_size, d.train.offsets.data(),
                        d.train.cols.data(), want.data(), 2);
      DeviceBuffer<int32_t> pool_d(static_cast<int64_t>(want.size()));
      gpu::sample_pools(nullptr, 9, p, d.n_users, d.n_items, pool_size, train.off.data(),
                        train.cols.data(), pool_d.data());
      const std::string tag = "pool " + std::to_string(p) + " V=" + std::to_string(pool_size);
      cpu->exact(tag, want);
      gpu->exact(tag, to_host(pool_d));
    }
  }
}

void init_memory_case(Outputs* cpu, Outputs* gpu) {
  const Dataset d = testing::parity_data();
  for (bool with_fn : {false, true}) {
    TrainConfig c;
    c.srns.pool_size = 150;
    c.srns.fn_num = 2;
    TrainingSet set;
    set.data = &d;
    if (with_fn) set.fn_sets = some_false_negatives(d, 4);
    const SrnsLayout layout = plan_srns_layout(d, set, c, true);
    const SrnsView host = make_srns_view(d, set, c, layout);
    std::vector<int32_t> want(static_cast<size_t>(d.n_users) * c.srns.s1);
    cpu::init_memory(host, want.data(), 2);
    DeviceCsrCopy fn(set.fn_sets);
    SrnsView dev = host;
    dev.fn_off = with_fn ? fn.off.data() : nullptr;
    dev.fn_cols = with_fn ? fn.cols.data() : nullptr;
    dev.train_off = nullptr;
    dev.train_cols = nullptr;
    DeviceBuffer<int32_t> memory_d(static_cast<int64_t>(want.size()));
    gpu::init_memory(nullptr, dev, memory_d.data());
    cpu->exact(with_fn ? "memory (fn)" : "memory", want);
    gpu->exact(with_fn ? "memory (fn)" : "memory", to_host(memory_d));
  }
}

// ---- per-batch ops ----------------------------------------------------------------------------

// The CPU's batch step of a per-pair sampler: negatives and pair gradients.
struct HostStep {
  std::vector<int32_t> negative;
  cpu::StepOutput out;
  std::vector<float> grad;  // out's rows with H-float heads (the MLP's factors expanded)
  double loss_sum = 0;
  int64_t label_errors = 0;
};

HostStep host_step(const std::string& sampler, const Dataset& d, const TrainingSet& set,
                   const TrainConfig& c, const Model& m, const ParityEpoch& epoch, int t,
                   int64_t b) {
  HostStep h;
  const cpu::Batch batch = epoch.host_batch(b);
  std::unique_ptr<cpu::Sampler> s = cpu::make_sampler(sampler);
  s->setup({&set, &c, 2}, cpu::view_of(m));
  s->begin_epoch(t, cpu::view_of(m));
  h.negative.resize(batch.size);
  s->select(batch, cpu::view_of(m), h.negative.data());
  cpu::pair_gradients(cpu::view_of(m), batch, h.negative.data(), c.loss, c.optim.reg, &h.out, 2);
  h.grad = h.out.full_rows(batch.size, cpu::view_of(m));
  for (int32_t k = 0; k < batch.size; ++k) {
    h.loss_sum += h.out.loss[k];
    h.label_errors += d.truth.contains(batch.user[k], h.negative[k]);
  }
  return h;
}

// The GPU twin of sampler `name`, set up on the training rows `train` and the model `model`.
std::unique_ptr<gpu::Sampler> device_sampler(const std::string& name, const TrainingSet& set,
                                             const TrainConfig& c, const DeviceCsrCopy& train,
                                             const ModelView& model) {
  std::unique_ptr<gpu::Sampler> s = gpu::make_sampler(name);
  gpu::SamplerSetup ss;
  ss.set = &set;
  ss.config = &c;
  ss.train = train.view();
  s->setup(ss, model);
  return s;
}

// A sampler's fused step (negatives + gradients in one kernel) and its select path, against its
// CPU twin's select + cpu::pair_gradients; also the generic pair_gradients kernel on the CPU's
// negatives. Every sampler of the registry without SRNS memory, a generator or row gradients
// gets this case (SRNS's step has its own, srns_step_parity_test.cu; the GAN samplers
// gan_parity_test.cu; ENMF enmf_case).
// The MLP scorer (dim 24) runs with ReLU here: its warp and thread forms then score bit for bit
// (no expf), so score-reading samplers (DNS) choose the same negatives on both sides.
void sampler_step_case(const std::string& sampler, Outputs* cpu, Outputs* gpu) {
  const Dataset d = testing::parity_data();
  ASSERT_FALSE(d.truth.empty());
  for (int dim : {32, 40, 24}) {
    const bool mlp = dim == 24;
    for (int loss : {kLossBpr, kLossHinge, kLossBce}) {
      TrainConfig c;
      c.sampler = sampler;
      c.loss = loss;
      c.model.dim = dim;
      if (mlp) {
        c.model.kind = ModelKind::kMlp;
        c.model.init_std = 0.3f;
        c.model.mlp.activation = kMlpRelu;
      }
      c.batch_size = 1000;
      c.seed = 17;
      const TrainingSet set = prepare_training_set(d, c);
      const Model m =
          mlp ? init_model(c.model, d.n_users, d.n_items, 3) : testing::parity_model(d, dim, 3);
      const int t = 1, b = 2;
      ParityEpoch epoch(d, c.seed, t, c.batch_size);
      const HostStep want = host_step(sampler, d, set, c, m, epoch, t, b);
      const std::string tag =
          std::string(mlp ? " mlp" : "") + " dim " + std::to_string(dim) + " " + loss_name(loss);
      cpu->exact("negatives" + tag, want.negative)
          .close("gradients" + tag, want.grad, kGradRelTol, kGradAbsTol)
          .close("losses" + tag, want.out.loss, kGradRelTol, kGradAbsTol)
          .close("batch loss" + tag, {static_cast<float>(want.loss_sum)}, kBatchSumRelTol, 0)
          .exact("label errors" + tag, std::vector<int64_t>{want.label_errors});

      DeviceModel dm(m);
      DeviceCsrCopy train(d.train), truth(d.truth);
      std::unique_ptr<gpu::Sampler> s = device_sampler(sampler, set, c, train, dm.view());
      s->begin_epoch(t, epoch.refs(), nullptr);
      epoch.set_batch(b, 0);
      const int64_t stride = dm.view().grad_stride();
      testing::DevicePairOutputs out(c.batch_size, stride, epoch.batches());
      const gpu::PairStepArgs args = out.args(loss, c.optim.reg, truth.view());
      ASSERT_TRUE(s->fused_step(epoch.refs(), dm.view(), args, nullptr));
      const int32_t size = epoch.host_batch(b).size;
      gpu->exact("negatives" + tag, to_host(out.negative, size))
          .close("gradients" + tag, to_host(out.grad, size * stride), 0, 0)
          .close("losses" + tag, to_host(out.loss, size), 0, 0)
          .close("batch loss" + tag, {static_cast<float>(to_host(out.batch_loss)[b])}, 0, 0)
          .exact("label errors" + tag,
                 std::vector<int64_t>{static_cast<int64_t>(to_host(out.batch_fn)[b])});

      // The generic path: select, then pair_gradients.
      DeviceBuffer<int32_t> selected(c.batch_size);
      s->select(epoch.refs(), dm.view(), selected.data(), nullptr);
      cpu->exact("selected" + tag, want.negative);
      gpu->exact("selected" + tag, to_host(selected, size));
      testing::DevicePairOutputs generic(c.batch_size, stride, epoch.batches());
      generic.negative.upload(want.negative.data(), size, nullptr);
      gpu::pair_gradients(nullptr, epoch.refs(), dm.view(),
                          generic.args(loss, c.optim.reg, truth.view()));
      cpu->close("pair_gradients" + tag, want.grad, kGradRelTol, kGradAbsTol);
      gpu->close("pair_gradients" + tag, to_host(generic.grad, size * stride), 0, 0);
    }
  }
}

// AOBPR batch after batch with the model moved before each batch: the refresh schedule and the
// refreshed orderings (ranked by counting on the GPU, stably sorted on the CPU) give the same
// negatives in every batch and the same saved state at the end.
void aobpr_refresh_case(Outputs* cpu, Outputs* gpu) {
  const Dataset d = testing::parity_data();
  TrainConfig c;
  c.sampler = "aobpr";
  c.model.dim = 24;
  c.batch_size = 300;
  c.seed = 5;
  const TrainingSet set = prepare_training_set(d, c);
  Model m = testing::parity_model(d, c.model.dim, 7);
  std::unique_ptr<cpu::Sampler> hs = cpu::make_sampler("aobpr");
  hs->setup({&set, &c, 2}, cpu::view_of(m));
  DeviceModel dm(m);
  DeviceCsrCopy train(d.train);
  std::unique_ptr<gpu::Sampler> gs = device_sampler("aobpr", set, c, train, dm.view());
  const int t = 2;
  ParityEpoch epoch(d, c.seed, t, c.batch_size);
  hs->begin_epoch(t, cpu::view_of(m));
  gs->begin_epoch(t, epoch.refs(), nullptr);
  DeviceBuffer<int32_t> negative(c.batch_size);
  const int64_t batches = batches_per_epoch(epoch.n(), c.batch_size, false);
  for (int64_t b = 0; b < batches; ++b) {
    for (float& x : m.item) x = std::sin(3.0f * x + 0.5f * static_cast<float>(b));
    dm.item.upload(m.item.data(), static_cast<int64_t>(m.item.size()), nullptr);
    const cpu::Batch batch = epoch.host_batch(b);
    std::vector<int32_t> want(batch.size);
    hs->select(batch, cpu::view_of(m), want.data());
    epoch.set_batch(b, 0);
    gs->select(epoch.refs(), dm.view(), negative.data(), nullptr);
    const std::string tag = "negatives of batch " + std::to_string(b);
    cpu->exact(tag, want);
    gpu->exact(tag, to_host(negative, batch.size));
  }
  std::stringstream host_state, device_state;
  hs->save(host_state);
  gs->save(device_state, nullptr);
  const std::string hb = host_state.str(), db = device_state.str();
  cpu->exact("saved state", std::vector<unsigned char>(hb.begin(), hb.end()));
  gpu->exact("saved state", std::vector<unsigned char>(db.begin(), db.end()));
}

// A batch with repeated users and items and random gradient rows of both signs.
struct ReduceCase {
  ParityEpoch epoch;
  cpu::Batch batch;
  std::vector<int32_t> negative;
  cpu::StepOutput out;
  ReduceCase(const Dataset& d, const Model& m, int32_t batch_size, uint32_t seed, int64_t b)
      : epoch(d, seed, 0, batch_size), batch(epoch.host_batch(b)) {
    std::mt19937 rng(seed);
    negative.resize(batch.size);
    for (int32_t k = 0; k < batch.size; ++k) {
      negative[k] = static_cast<int32_t>(rng() % d.n_items);
    }
    cpu::pair_gradients(cpu::view_of(m), batch, negative.data(), kLossBpr, 0.01f, &out, 2);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (float& g : out.grad) g = u(rng) * (rng() % 4 == 0 ? 1e-3f : 1.0f);
  }
};

// Dense [rows][dim] view of the CPU's compact row sums.
std::vector<float> dense_rows(const std::vector<int32_t>& rows, const std::vector<float>& sums,
                              int64_t n_rows, int dim) {
  std::vector<float> out(static_cast<size_t>(n_rows) * dim, 0.0f);
  for (size_t r = 0; r < rows.size(); ++r) {
    std::copy(sums.begin() + r * dim, sums.begin() + (r + 1) * dim,
              out.begin() + static_cast<int64_t>(rows[r]) * dim);
  }
  return out;
}

std::vector<int32_t> flags_of(const std::vector<int32_t>& rows, int64_t n) {
  std::vector<int32_t> f(n, 0);
  for (int32_t r : rows) f[r] = 1;
  return f;
}

void reduce_gradients_case(Outputs* cpu, Outputs* gpu) {
  const Dataset d = testing::parity_data(120, 200, 4000, 5, 20);  // many repeated rows
  for (int dim : {32, 45}) {
    const Model m = testing::parity_model(d, dim, 2);
    const int64_t b = 1;
    ReduceCase rc(d, m, 1500, 21 + static_cast<uint32_t>(dim), b);
    cpu::RowGradients want;
    cpu::reduce_gradients(rc.batch, rc.negative.data(), rc.out, cpu::view_of(m), &want);
    const std::vector<float> want_user = dense_rows(want.user_rows, want.user_grad, d.n_users, dim);
    const std::vector<float> want_item = dense_rows(want.item_rows, want.item_grad, d.n_items, dim);
    // The largest reorder bound of any element: the tolerance of the atomic mode.
    double bound = 0;
    {
      std::vector<double> abs_sum(want_item.size() + want_user.size(), 0.0), n(abs_sum.size());
      const int64_t stride = cpu::view_of(m).grad_stride();
      for (int32_t k = 0; k < rc.batch.size; ++k) {
        const float* g = rc.out.grad.data() + k * stride;
        for (int f = 0; f < dim; ++f) {
          const int64_t xu = static_cast<int64_t>(rc.batch.user[k]) * dim + f;
          const int64_t xi = want_user.size() + static_cast<int64_t>(rc.batch.item[k]) * dim + f;
          const int64_t xj = want_user.size() + static_cast<int64_t>(rc.negative[k]) * dim + f;
          abs_sum[xu] += std::fabs(g[f]);
          abs_sum[xi] += std::fabs(g[dim + f]);
          abs_sum[xj] += std::fabs(g[2 * dim + f]);
          n[xu] += 1;
          n[xi] += 1;
          n[xj] += 1;
        }
      }
      for (size_t x = 0; x < abs_sum.size(); ++x) {
        bound = std::max(bound, 2.0 * n[x] * kUnitRoundoff * abs_sum[x]);
      }
    }
    DeviceBuffer<int32_t> negative = to_device(rc.negative);
    DeviceBuffer<float> grad = to_device(rc.out.grad);
    for (bool ordered : {true, false}) {
      const std::string tag =
          std::string(ordered ? " (ordered" : " (atomic") + ", dim " + std::to_string(dim) + ")";
      gpu::RowGradientBuffers buffers(d.n_users, d.n_items, dim, dim, true, nullptr);
      gpu::ReduceScratch scratch(d.n_users, d.n_items, rc.epoch.batch_size, nullptr);
      const gpu::DeviceRowGradients g = buffers.view();
      rc.epoch.set_batch(b, 4);
      if (ordered) {
        gpu::reduce_gradients_ordered(nullptr, rc.epoch.refs(), b, negative.data(), grad.data(), g,
                                      rc.epoch.counters.data(), &scratch);
      } else {
        gpu::reduce_gradients_atomic(nullptr, rc.epoch.refs(), negative.data(), grad.data(), g,
                                     rc.epoch.counters.data());
      }
      const std::vector<float> got_user = to_host(g.user_grad, int64_t{d.n_users} * dim);
      const std::vector<float> got_item = to_host(g.item_grad, int64_t{d.n_items} * dim);
      const std::vector<float> got_head = to_host(g.head_grad, dim);
      if (ordered) {
        cpu->bits("user rows" + tag, want_user).bits("item rows" + tag, want_item);
        cpu->bits("head" + tag, want.head_grad);
      } else {
        cpu->close("user rows" + tag, want_user, 0, bound)
            .close("item rows" + tag, want_item, 0, bound);
        cpu->close("head" + tag, want.head_grad, 1e-5, 1e-4);
      }
      gpu->bits("user rows" + tag, got_user).bits("item rows" + tag, got_item);
      gpu->bits("head" + tag, got_head);
      cpu->exact("user flags" + tag, flags_of(want.user_rows, d.n_users))
          .exact("item flags" + tag, flags_of(want.item_rows, d.n_items));
      gpu->exact("user flags" + tag, to_host(g.user_flag, d.n_users))
          .exact("item flags" + tag, to_host(g.item_flag, d.n_items));
      const gpu::BatchCounters counters = rc.epoch.read_counters();
      cpu->exact("counters" + tag, std::vector<int64_t>{b, b, 5});
      gpu->exact("counters" + tag,
                 std::vector<int64_t>{counters.batch, counters.opt_batch, counters.step});
    }
  }
}

void optimizer_step_case(Outputs* cpu, Outputs* gpu) {
  const Dataset d = testing::parity_data(120, 200, 4000, 5, 20);
  const int dim = 24;
  for (OptimizerKind kind : {OptimizerKind::kAdam, OptimizerKind::kLazyAdam, OptimizerKind::kSgd}) {
    for (ModelKind model_kind : {ModelKind::kGmf, ModelKind::kMf}) {
      OptimConfig oc;
      oc.kind = kind;
      oc.lr = 0.01f;
      Model host = testing::parity_model(d, dim, 8, 0.1f, model_kind);
      cpu::OptimState state;
      for (auto* v : {&state.user_m, &state.user_v}) v->assign(host.user.size(), 0.0f);
      for (auto* v : {&state.item_m, &state.item_v}) v->assign(host.item.size(), 0.0f);
      for (auto* v : {&state.head_m, &state.head_v}) v->assign(host.head.size(), 0.0f);
      DeviceModel dm(host);
      DeviceBuffer<float> um = to_device(state.user_m), uv = to_device(state.user_v),
                          im = to_device(state.item_m), iv = to_device(state.item_v),
                          hm = to_device(state.head_m), hv = to_device(state.head_v);
      const bool sgd = kind == OptimizerKind::kSgd;
      const bool flag_rows = kind != OptimizerKind::kAdam;
      const int32_t batch_size = 900;
      gpu::RowGradientBuffers buffers(d.n_users, d.n_items, dim, dim, flag_rows, nullptr);
      gpu::ReduceScratch scratch(d.n_users, d.n_items, batch_size, nullptr);
      const gpu::DeviceParams params{d.n_users,
                                     d.n_items,
                                     dim,
                                     dim,
                                     dm.user.data(),
                                     dm.item.data(),
                                     dm.head.data(),
                                     sgd ? nullptr : um.data(),
                                     sgd ? nullptr : uv.data(),
                                     sgd ? nullptr : im.data(),
                                     sgd ? nullptr : iv.data(),
                                     sgd ? nullptr : hm.data(),
                                     sgd ? nullptr : hv.data()};
      int64_t last_batch = 0;
      for (int step = 1; step <= 3; ++step) {
        const int64_t b = step % 2;
        ReduceCase rc(d, host, batch_size, 100 + step, b);
        cpu::RowGradients rg;
        cpu::reduce_gradients(rc.batch, rc.negative.data(), rc.out, cpu::view_of(host), &rg);
        cpu::optimizer_step(oc, rg, &host, &state, 2);
        DeviceBuffer<int32_t> negative = to_device(rc.negative);
        DeviceBuffer<float> grad = to_device(rc.out.grad);
        rc.epoch.set_batch(b, step - 1);
        gpu::reduce_gradients_ordered(nullptr, rc.epoch.refs(), b, negative.data(), grad.data(),
                                      buffers.view(), rc.epoch.counters.data(), &scratch);
        gpu::optimizer_step(nullptr, oc, head_trained(model_kind), rc.epoch.refs(), negative.data(),
                            params, buffers.view(), rc.epoch.counters.data());
        last_batch = rc.epoch.read_counters().batch;
        EXPECT_EQ(last_batch, b + 1) << "the optimiser advances the batch counter";
      }
      const std::string tag = " (" + to_string(kind) + ", " + to_string(model_kind) + ")";
      cpu->bits("user table" + tag, host.user).bits("item table" + tag, host.item);
      cpu->bits("head" + tag, host.head);
      gpu->bits("user table" + tag, to_host(dm.user)).bits("item table" + tag, to_host(dm.item));
      gpu->bits("head" + tag, to_host(dm.head));
      if (!sgd) {
        cpu->bits("user m" + tag, state.user_m).bits("user v" + tag, state.user_v);
        cpu->bits("item m" + tag, state.item_m).bits("item v" + tag, state.item_v);
        cpu->bits("head v" + tag, state.head_v);
        gpu->bits("user m" + tag, to_host(um)).bits("user v" + tag, to_host(uv));
        gpu->bits("item m" + tag, to_host(im)).bits("item v" + tag, to_host(iv));
        gpu->bits("head v" + tag, to_host(hv));
      }
      // The step consumed its gradients and flags: clean for the next batch.
      const gpu::DeviceRowGradients g = buffers.view();
      cpu->bits("gradients left" + tag,
                std::vector<float>(static_cast<size_t>(d.n_users + d.n_items) * dim + dim, 0.0f));
      std::vector<float> left = to_host(g.user_grad, int64_t{d.n_users} * dim);
      const std::vector<float> left_item = to_host(g.item_grad, int64_t{d.n_items} * dim);
      const std::vector<float> left_head = to_host(g.head_grad, dim);
      left.insert(left.end(), left_item.begin(), left_item.end());
      left.insert(left.end(), left_head.begin(), left_head.end());
      gpu->bits("gradients left" + tag, left);
      if (flag_rows) {
        cpu->exact("flags left" + tag, std::vector<int32_t>(d.n_users + d.n_items, 0));
        std::vector<int32_t> flags = to_host(g.user_flag, d.n_users);
        const std::vector<int32_t> item_flags = to_host(g.item_flag, d.n_items);
        flags.insert(flags.end(), item_flags.begin(), item_flags.end());
        gpu->exact("flags left" + tag, flags);
      }
    }
  }
}

// ---- scoring and ranking ----------------------------------------------------------------------

// score_pairs of every training pair on both backends.
struct PairScores {
  std::vector<float> cpu, gpu;
};
PairScores score_every_training_pair(const Dataset& d, const ModelView& hv, const DeviceModel& dm) {
  const std::vector<int32_t> users = testing::pair_users(d.train);
  const int64_t n = static_cast<int64_t>(users.size());
  PairScores out;
  out.cpu.resize(n);
  cpu::score_pairs(hv, n, users.data(), d.train.cols.data(), float_matrix(out.cpu.data(), 1), 2);
  DeviceBuffer<int32_t> users_d = to_device(users), items_d = to_device(d.train.cols);
  DeviceBuffer<float> scores(n);
  gpu::score_pairs(nullptr, dm.view(), n, users_d.data(), items_d.data(),
                   float_matrix(scores.data(), 1));
  out.gpu = to_host(scores);
  return out;
}

void scores_case(Outputs* cpu, Outputs* gpu) {
  const Dataset d = testing::parity_data(150, 333, 5000);
  for (int dim : {7, 32, 40, 64, 100}) {
    const Model m = testing::parity_model(d, dim, 4, 0.2f);
    const ModelView hv = cpu::view_of(m);
    DeviceModel dm(m);
    const std::string tag = " dim " + std::to_string(dim);
    std::vector<float> want_all(static_cast<size_t>(d.n_users) * d.n_items);
    cpu::score_matrix(hv, 0, d.n_users, d.n_items, float_matrix(want_all.data(), d.n_items), 2);
    DeviceBuffer<float> all_d(static_cast<int64_t>(want_all.size()));
    gpu::score_matrix(nullptr, dm.view(), 0, d.n_users, d.n_items,
                      float_matrix(all_d.data(), d.n_items));
    cpu->bits("score_matrix" + tag, want_all);
    gpu->bits("score_matrix" + tag, to_host(all_d));

    // The SRNS history's form: ring slot 1 of [U][I][W = 3] runs, float and binary16.
    constexpr int64_t kW = 3;
    const int64_t n = static_cast<int64_t>(d.n_users) * d.n_items * kW;
    auto strided = [&](auto zero, bool half, const std::string& name) {
      using T = decltype(zero);
      std::vector<T> want(n, zero);
      ScoreOut o{want.data() + 1, d.n_items * kW, kW, half};
      cpu::score_matrix(hv, 0, d.n_users, d.n_items, o, 2);
      DeviceBuffer<T> got_d(n);
      got_d.zero(nullptr);
      o.data = got_d.data() + 1;
      gpu::score_matrix(nullptr, dm.view(), 0, d.n_users, d.n_items, o);
      if constexpr (std::is_same_v<T, float>) {
        cpu->bits(name + tag, want);
        gpu->bits(name + tag, to_host(got_d));
      } else {
        cpu->exact(name + tag, want);
        gpu->exact(name + tag, to_host(got_d));
      }
    };
    strided(0.0f, false, "score_matrix strided float");
    strided(uint16_t{0}, true, "score_matrix strided half");

    const int32_t pool_size = 77;
    std::vector<int32_t> pool(static_cast<size_t>(d.n_users) * pool_size);
    cpu::sample_pools(3, 2, d.n_users, d.n_items, pool_size, d.train.offsets.data(),
                      d.train.cols.data(), pool.data(), 2);
    std::vector<float> want_pool(pool.size());
    cpu::score_pool(hv, d.n_users, pool_size, pool.data(),
                    float_matrix(want_pool.data(), pool_size), 2);
    DeviceBuffer<int32_t> pool_d = to_device(pool);
    DeviceBuffer<float> pool_scores(static_cast<int64_t>(pool.size()));
    gpu::score_pool(nullptr, dm.view(), d.n_users, pool_size, pool_d.data(),
                    float_matrix(pool_scores.data(), pool_size));
    cpu->bits("score_pool" + tag, want_pool);
    gpu->bits("score_pool" + tag, to_host(pool_scores));

    const PairScores ps = score_every_training_pair(d, hv, dm);
    cpu->bits("score_pairs" + tag, ps.cpu);
    gpu->bits("score_pairs" + tag, ps.gpu);
  }
}

// The MLP scorer's warp forms (mlp_warp.cuh) against its thread form: score matrices, pool and
// pair scores, sampled ranks, and the fused pair step (uniform negatives, so the negatives are
// the same by construction) for each activation. Sums are the same term for term; only CUDA's
// expf / tanhf may differ from libm's by an ulp or two, so scores and gradients are compared
// within kGradRelTol and ranks may differ where two scores tie within that.
constexpr double kMlpRankShare = 0.999;

void mlp_case(Outputs* cpu, Outputs* gpu) {
  const Dataset d = testing::parity_data();
  for (int act : {kMlpSigmoid, kMlpRelu, kMlpTanh}) {
    for (int dim : {7, 32}) {
      ModelConfig mc;
      mc.kind = ModelKind::kMlp;
      mc.dim = dim;
      mc.init_std = 0.3f;
      mc.mlp.activation = act;
      if (dim == 7) mc.mlp = {2, {40, 9, 0, 0}, act};
      const Model m = init_model(mc, d.n_users, d.n_items, 5);
      const ModelView hv = cpu::view_of(m);
      DeviceModel dm(m);
      const std::string tag = " " + mlp_activation_name(act) + " dim " + std::to_string(dim);
      std::vector<float> want_all(static_cast<size_t>(d.n_users) * d.n_items);
      cpu::score_matrix(hv, 0, d.n_users, d.n_items, float_matrix(want_all.data(), d.n_items), 2);
      DeviceBuffer<float> all_d(static_cast<int64_t>(want_all.size()));
      gpu::score_matrix(nullptr, dm.view(), 0, d.n_users, d.n_items,
                        float_matrix(all_d.data(), d.n_items));
      cpu->close("score_matrix" + tag, want_all, kGradRelTol, kGradAbsTol);
      gpu->close("score_matrix" + tag, to_host(all_d), 0, 0);

      const PairScores ps = score_every_training_pair(d, hv, dm);
      cpu->close("score_pairs" + tag, ps.cpu, kGradRelTol, kGradAbsTol);
      gpu->close("score_pairs" + tag, ps.gpu, 0, 0);

      const EvalSet& set = d.test;
      const int64_t rows = static_cast<int64_t>(set.rows.size());
      std::vector<int32_t> ru(rows), ri(rows);
      for (int64_t r = 0; r < rows; ++r) {
        ru[r] = set.rows[r].user;
        ri[r] = set.rows[r].item;
      }
      DeviceBuffer<int32_t> ru_d = to_device(ru), ri_d = to_device(ri),
                            negs_d = to_device(set.negatives);
      DeviceBuffer<RankCount> ranks_d(rows);
      gpu::rank_sampled(nullptr, dm.view(), rows, ru_d.data(), ri_d.data(), set.n_neg,
                        negs_d.data(), ranks_d.data());
      cpu->share("sampled ranks" + tag, flat(cpu::rank_sampled(hv, set, 2)), kMlpRankShare);
      gpu->share("sampled ranks" + tag, flat(to_host(ranks_d)), kMlpRankShare);

      TrainConfig c;
      c.sampler = "uniform";
      c.model = mc;
      c.seed = 17;
      const TrainingSet tset = prepare_training_set(d, c);
      ParityEpoch epoch(d, c.seed, 1, c.batch_size);
      const HostStep want = host_step("uniform", d, tset, c, m, epoch, 1, 2);
      DeviceCsrCopy train(d.train), truth(d.truth);
      std::unique_ptr<gpu::Sampler> s = device_sampler("uniform", tset, c, train, dm.view());
      s->begin_epoch(1, epoch.refs(), nullptr);
      epoch.set_batch(2, 0);
      const int64_t stride = dm.view().grad_stride();
      testing::DevicePairOutputs out(c.batch_size, stride, epoch.batches());
      ASSERT_TRUE(s->fused_step(epoch.refs(), dm.view(),
                                out.args(kLossBpr, c.optim.reg, truth.view()), nullptr));
      const int32_t size = epoch.host_batch(2).size;
      cpu->exact("negatives" + tag, want.negative)
          .close("gradients" + tag, want.grad, kGradRelTol, kGradAbsTol)
          .close("losses" + tag, want.out.loss, kGradRelTol, kGradAbsTol);
      gpu->exact("negatives" + tag, to_host(out.negative, size))
          .close("gradients" + tag, to_host(out.grad, size * stride), 0, 0)
          .close("losses" + tag, to_host(out.loss, size), 0, 0);
    }
  }
}

// ENMF's row gradients (a non-sampling unit: no negatives): each batch of users of an epoch,
// with and without dropout, the GPU's Gram and gradient kernels against the CPU twin's
// batch_row_gradients: every user, item and head element and the batch loss. Both sum in
// double; the GPU adds the items' per-user float terms atomically, hence close.
constexpr double kEnmfRelTol = 1e-4;
constexpr double kEnmfAbsTol = 1e-5;

void enmf_case(Outputs* cpu, Outputs* gpu) {
  const Dataset d = testing::parity_data();
  for (float keep : {1.0f, 0.7f}) {
    for (int dim : {16, 40}) {
      TrainConfig c;
      c.sampler = "enmf";
      c.sampler_options = {{"enmf-c0", 0.2}, {"enmf-keep", keep}};
      c.model.dim = dim;
      c.optim.reg = 0.01f;
      c.batch_size = 97;
      c.seed = 23;
      const TrainingSet set = prepare_training_set(d, c);
      const Model m = testing::parity_model(d, dim, 4);
      std::unique_ptr<cpu::Sampler> hs = cpu::make_sampler("enmf");
      hs->setup({&set, &c, 2}, cpu::view_of(m));
      DeviceModel dm(m);
      DeviceCsrCopy train(d.train);
      std::unique_ptr<gpu::Sampler> gs = device_sampler("enmf", set, c, train, dm.view());
      const int t = 3;
      ParityEpoch epoch(d, c.seed, t, c.batch_size);
      hs->begin_epoch(t, cpu::view_of(m));
      gs->begin_epoch(t, epoch.refs(), nullptr);
      const int64_t batches = hs->batches(0);
      ASSERT_EQ(gs->batches(0), batches);
      const std::string tag0 = " keep " + std::to_string(keep) + " dim " + std::to_string(dim);
      for (int64_t b : {int64_t{0}, batches - 1}) {
        const std::string tag = tag0 + " batch " + std::to_string(b);
        cpu::RowGradients want;
        const cpu::BatchLoss wl = hs->batch_row_gradients(b, cpu::view_of(m), &want);
        gpu::RowGradientBuffers buffers(d.n_users, d.n_items, dim, dim, false, nullptr);
        testing::DevicePairOutputs out(1, dm.view().grad_stride(), batches);
        epoch.set_batch(b, 7);
        ASSERT_TRUE(
            gs->row_gradients(epoch.refs(), dm.view(), buffers.view(),
                              out.args(kLossBpr, c.optim.reg, gpu::DeviceCsr{nullptr, nullptr}),
                              epoch.counters.data(), nullptr));
        const gpu::DeviceRowGradients g = buffers.view();
        cpu->close("user rows" + tag, dense_rows(want.user_rows, want.user_grad, d.n_users, dim),
                   kEnmfRelTol, kEnmfAbsTol)
            .close("item rows" + tag, dense_rows(want.item_rows, want.item_grad, d.n_items, dim),
                   kEnmfRelTol, kEnmfAbsTol)
            .close("head" + tag, want.head_grad, kEnmfRelTol, kEnmfAbsTol)
            .close("batch loss" + tag, {static_cast<float>(wl.loss)}, kBatchSumRelTol, 0)
            .exact("pairs" + tag, std::vector<int64_t>{wl.pairs})
            .exact("counters" + tag, std::vector<int64_t>{b, b, 8});
        const gpu::BatchCounters k = epoch.read_counters();
        gpu->close("user rows" + tag, to_host(g.user_grad, int64_t{d.n_users} * dim), 0, 0)
            .close("item rows" + tag, to_host(g.item_grad, int64_t{d.n_items} * dim), 0, 0)
            .close("head" + tag, to_host(g.head_grad, dim), 0, 0)
            .close("batch loss" + tag, {static_cast<float>(to_host(out.batch_loss)[b])}, 0, 0)
            .exact("pairs" + tag, std::vector<int64_t>{gs->batch_pairs(b, 0)})
            .exact("counters" + tag, std::vector<int64_t>{k.batch, k.opt_batch, k.step});
      }
    }
  }
}

void rank_case(Outputs* cpu, Outputs* gpu) {
  const Dataset d = testing::parity_data(250, 300, 9000, 6, 60);
  for (int dim : {16, 33}) {
    Model m = testing::parity_model(d, dim, 12, 0.2f);
    // Exact ties: items 0..9 share one row, items 10..19 another.
    for (int32_t i = 1; i < 20; ++i) {
      std::copy(m.item_row(i < 10 ? 0 : 10), m.item_row(i < 10 ? 0 : 10) + dim,
                m.item.begin() + static_cast<int64_t>(i) * dim);
    }
    const ModelView hv = cpu::view_of(m);
    DeviceModel dm(m);
    const std::string tag = " dim " + std::to_string(dim);
    for (const EvalSet* set : {&d.val, &d.test}) {
      const int64_t rows = static_cast<int64_t>(set->rows.size());
      std::vector<int32_t> users(rows), items(rows);
      for (int64_t r = 0; r < rows; ++r) {
        users[r] = set->rows[r].user;
        items[r] = set->rows[r].item;
      }
      DeviceBuffer<int32_t> users_d = to_device(users), items_d = to_device(items),
                            negs_d = to_device(set->negatives);
      DeviceBuffer<RankCount> out_d(rows);
      gpu::rank_sampled(nullptr, dm.view(), rows, users_d.data(), items_d.data(), set->n_neg,
                        negs_d.data(), out_d.data());
      const std::string name = (set == &d.val ? "sampled val ranks" : "sampled test ranks") + tag;
      cpu->exact(name, flat(cpu::rank_sampled(hv, *set, 2)));
      gpu->exact(name, flat(to_host(out_d)));
    }
    // Full: test targets plus some training items (excluded targets) and tied items, against
    // train and the validation rows; chunks smaller than the user count.
    std::vector<Pair> target_pairs = d.test.rows;
    for (int32_t u = 0; u < d.n_users; u += 4) {
      target_pairs.push_back({u, d.train.row(u)[0]});
      target_pairs.push_back({u, static_cast<int32_t>(u % 20)});
    }
    const Csr targets = Csr::from_pairs(target_pairs, d.n_users);
    const Csr exclude = Csr::from_pairs(d.val.rows, d.n_users);
    for (bool with_exclude : {true, false}) {
      const Csr& excl = with_exclude ? exclude : Csr();
      DeviceCsrCopy train(d.train), tgt(targets);
      std::vector<int64_t> excl_off = excl.offsets;
      excl_off.resize(static_cast<size_t>(d.n_users) + 1, excl_off.empty() ? 0 : excl_off.back());
      DeviceBuffer<int64_t> excl_off_d = to_device(excl_off);
      DeviceBuffer<int32_t> excl_cols_d = to_device(excl.cols);
      const int32_t chunk = 37;
      DeviceBuffer<float> scores(int64_t{chunk} * d.n_items), target_scores(targets.nnz());
      DeviceBuffer<RankCount> out_d(targets.nnz());
      gpu::rank_full(
          nullptr, dm.view(), d.n_users, d.n_items, train.view(), tgt.view(),
          {with_exclude ? excl_off_d.data() : nullptr, with_exclude ? excl_cols_d.data() : nullptr},
          chunk, scores.data(), target_scores.data(), out_d.data());
      const std::string name =
          std::string("full ranks") + (with_exclude ? " with exclude" : "") + tag;
      cpu->exact(name, flat(cpu::rank_full(hv, d.n_items, d.train, targets, excl, 2)));
      gpu->exact(name, flat(to_host(out_d)));
    }
  }
}

std::vector<OpCase> op_cases() {
  std::vector<OpCase> cases = {{"epoch_order", epoch_order_case},
                               {"epoch_pairs", epoch_pairs_case},
                               {"batch_groups", batch_groups_case},
                               {"sample_pools", sample_pools_case},
                               {"init_memory", init_memory_case},
                               {"reduce_gradients", reduce_gradients_case},
                               {"optimizer_step", optimizer_step_case},
                               {"aobpr_refresh", aobpr_refresh_case},
                               {"scores", scores_case},
                               {"mlp", mlp_case},
                               {"enmf", enmf_case},
                               {"rank", rank_case}};
  for (const SamplerInfo& info : sampler_registry()) {
    // SRNS's step has srns_step_parity_test.cu, the GAN samplers gan_parity_test.cu, ENMF
    // enmf_case.
    if (info.srns_memory || info.generator || info.row_gradients) continue;
    std::string name = info.name + "_step";
    std::replace(name.begin(), name.end(), '-', '_');
    cases.push_back({name, [sampler = info.name](Outputs* cpu, Outputs* gpu) {
                       sampler_step_case(sampler, cpu, gpu);
                     }});
  }
  return cases;
}

class OpParity : public ::testing::TestWithParam<OpCase> {};

TEST_P(OpParity, CudaMatchesTheCpuOp) {
  SRNS_SKIP_WITHOUT_GPU();
  Outputs cpu, gpu;
  GetParam().run(&cpu, &gpu);
  testing::expect_parity(cpu, gpu, GetParam().name);
}

INSTANTIATE_TEST_SUITE_P(Ops, OpParity, ::testing::ValuesIn(op_cases()),
                         [](const ::testing::TestParamInfo<OpCase>& p) { return p.param.name; });

}  // namespace
}  // namespace srns
