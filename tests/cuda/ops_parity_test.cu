// Op-by-op parity of the CUDA kernels with the CPU ops (src/cpu/) on identical inputs. Integer
// outputs (orders, pools, memory, owners, negatives, ranks) must be identical; scores and
// optimiser steps are identical by construction (same lane order, no contraction, IEEE
// arithmetic) and are compared bit for bit; values through expf/log1pf use named tolerances.
// Every test skips without a usable GPU.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>

#include "apply_staged.cuh"
#include "batch_owners.cuh"
#include "epoch_order.cuh"
#include "init_memory.cuh"
#include "label_errors.cuh"
#include "optimizer_step.cuh"
#include "parity_fixture.cuh"
#include "rank.cuh"
#include "record_history.cuh"
#include "reduce_gradients.cuh"
#include "sample_pools.cuh"
#include "train/srns_layout.hpp"
#include "uniform_step.cuh"

namespace srns {
namespace {

using gpu::DeviceBuffer;
using testing::compare_close;
using testing::DeviceBatch;
using testing::DeviceCsrCopy;
using testing::DeviceModel;
using testing::HostBatch;
using testing::same_values;
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
// 4.2), so each element is checked against that bound, not against its possibly cancelled
// value.
constexpr double kUnitRoundoff = 5.9604644775390625e-8;
double reorder_bound(double n_terms, double sum_abs) {
  return 2.0 * n_terms * kUnitRoundoff * sum_abs;
}

TEST(EpochOrderParity, IdenticalToCpu) {
  SRNS_SKIP_WITHOUT_GPU();
  for (int64_t n : {int64_t{1}, int64_t{5}, int64_t{1000}, int64_t{100003}}) {
    gpu::EpochOrderScratch scratch(n);
    for (int epoch : {0, 1, 7}) {
      const int64_t* order_d = gpu::epoch_order(nullptr, 42, epoch, n, &scratch);
      EXPECT_TRUE(same_values(epoch_order(42, epoch, n), to_host(order_d, n),
                              "order n=" + std::to_string(n) + " epoch=" + std::to_string(epoch)));
    }
  }
}

TEST(SamplePoolsParity, IdenticalToCpu) {
  SRNS_SKIP_WITHOUT_GPU();
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
      EXPECT_TRUE(same_values(want, to_host(pool_d),
                              "pool " + std::to_string(p) + " V=" + std::to_string(pool_size)));
    }
  }
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

TEST(InitMemoryParity, IdenticalToCpuWithAndWithoutFalseNegatives) {
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset d = testing::parity_data();
  for (bool with_fn : {false, true}) {
    TrainConfig c;
    c.srns.pool_size = 150;
    c.srns.fn_num = 2;
    TrainingSet set;
    set.data = &d;
    if (with_fn) set.fn_sets = some_false_negatives(d, 4);
    const SrnsLayout layout = plan_srns_layout(d, set, c);
    SrnsView host = make_srns_view(d, set, c, layout);
    std::vector<int32_t> want(static_cast<size_t>(d.n_users) * c.srns.s1);
    for (int32_t u = 0; u < d.n_users; ++u) {
      init_memory_row(c.seed, u, c.srns.s1, host.fn_count(u), c.srns.pool_size,
                      want.data() + static_cast<int64_t>(u) * c.srns.s1);
    }
    DeviceBuffer<int64_t> fn_off;
    DeviceBuffer<int32_t> fn_cols;
    SrnsView dev = host;
    if (with_fn) {
      fn_off = to_device(set.fn_sets.offsets);
      fn_cols = to_device(set.fn_sets.cols);
      dev.fn_off = fn_off.data();
      dev.fn_cols = fn_cols.data();
    }
    dev.train_off = nullptr;
    dev.train_cols = nullptr;
    DeviceBuffer<int32_t> memory_d(static_cast<int64_t>(want.size()));
    gpu::init_memory(nullptr, dev, memory_d.data());
    EXPECT_TRUE(same_values(want, to_host(memory_d), with_fn ? "memory (fn)" : "memory"));
  }
}

TEST(BatchOwnersParity, IdenticalToCpuScanAcrossBatches) {
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset d = testing::parity_data();
  const int64_t n = d.train.nnz();
  const int32_t batch_size = 700;
  gpu::EpochOrderScratch scratch(n);
  const int64_t* order_d = gpu::epoch_order(nullptr, 3, 2, n, &scratch);
  DeviceCsrCopy train(d.train);
  DeviceBuffer<int32_t> pair_user = to_device(testing::pair_users(d.train));
  DeviceBuffer<unsigned long long> owner_key(d.n_users);
  owner_key.zero(nullptr);
  DeviceBuffer<int64_t> pair(batch_size);
  DeviceBuffer<int32_t> user(batch_size), item(batch_size);
  DeviceBuffer<uint8_t> owner(batch_size);
  uint32_t stamp = 0;
  for (int64_t b = 0; b < 4; ++b) {
    const HostBatch want = testing::host_batch(d, 3, 2, b, batch_size);
    gpu::make_batch(nullptr, order_d, b * batch_size, want.size(), pair_user.data(),
                    train.cols.data(), ++stamp, owner_key.data(),
                    {pair.data(), user.data(), item.data(), owner.data()});
    const std::string tag = " batch " + std::to_string(b);
    EXPECT_TRUE(same_values(want.pair, to_host(pair, want.size()), "pairs" + tag));
    EXPECT_TRUE(same_values(want.user, to_host(user, want.size()), "users" + tag));
    EXPECT_TRUE(same_values(want.item, to_host(item, want.size()), "items" + tag));
    EXPECT_TRUE(same_values(want.owner, to_host(owner, want.size()), "owners" + tag));
  }
}

TEST(ApplyStagedParity, OwnersRowsOnly) {
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset d = testing::parity_data();
  const HostBatch hb = testing::host_batch(d, 1, 0, 0, 500);
  const int s1 = 6;
  std::vector<int32_t> memory(static_cast<size_t>(d.n_users) * s1), staged(hb.size() * s1);
  for (size_t x = 0; x < memory.size(); ++x) memory[x] = static_cast<int32_t>(x % 97);
  for (size_t x = 0; x < staged.size(); ++x) staged[x] = 1000 + static_cast<int32_t>(x);
  std::vector<int32_t> want = memory;
  for (int32_t k = 0; k < hb.size(); ++k) {
    if (!hb.owner[k]) continue;
    std::copy(staged.begin() + k * s1, staged.begin() + (k + 1) * s1,
              want.begin() + static_cast<int64_t>(hb.user[k]) * s1);
  }
  DeviceBatch db(hb);
  DeviceBuffer<int32_t> memory_d = to_device(memory), staged_d = to_device(staged);
  gpu::apply_staged(nullptr, db.size, s1, db.owner.data(), db.user.data(), staged_d.data(),
                    memory_d.data());
  EXPECT_TRUE(same_values(want, to_host(memory_d), "memory"));
}

cpu::StepParams base_params(const Dataset& d, int epoch, int loss) {
  cpu::StepParams p{};
  p.epoch = epoch;
  p.loss = loss;
  p.reg = 0.01f;
  p.seed = 17;
  p.n_items = d.n_items;
  p.train_off = d.train.offsets.data();
  p.train_cols = d.train.cols.data();
  return p;
}

cpu::StepOutput host_output(int32_t size, int dim) {
  cpu::StepOutput out;
  out.negative.assign(size, -1);
  out.loss.assign(size, 0.0f);
  out.grad.assign(static_cast<size_t>(size) * 4 * dim, 0.0f);
  return out;
}

struct DeviceOutput {
  DeviceBuffer<int32_t> negative;
  DeviceBuffer<float> loss, grad;
  DeviceOutput(int32_t size, int dim) : negative(size), loss(size), grad(int64_t{size} * 4 * dim) {}
  gpu::DeviceStepOutput view() { return {negative.data(), loss.data(), grad.data()}; }
};

TEST(UniformStepParity, SameNegativesAndCloseGradients) {
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset d = testing::parity_data();
  for (int dim : {32, 40}) {
    for (int loss : {kLossBpr, kLossHinge, kLossBce}) {
      const Model m = testing::parity_model(d, dim, 3);
      const HostBatch hb = testing::host_batch(d, 17, 1, 2, 1000);
      cpu::StepParams p = base_params(d, 1, loss);
      cpu::StepOutput want = host_output(hb.size(), dim);
      cpu::uniform_step(testing::host_view(m), p, hb.view(), &want, 2);

      DeviceModel dm(m);
      DeviceBatch db(hb);
      DeviceCsrCopy train(d.train);
      p.train_off = train.off.data();
      p.train_cols = train.cols.data();
      DeviceOutput out(hb.size(), dim);
      gpu::uniform_step(nullptr, dm.view(), p, db.view(), out.view());
      const std::string tag = " dim " + std::to_string(dim) + " " + loss_name(loss);
      EXPECT_TRUE(same_values(want.negative, to_host(out.negative), "negatives" + tag));
      const testing::CloseReport g =
          compare_close(want.grad, to_host(out.grad), kGradRelTol, kGradAbsTol);
      EXPECT_EQ(g.out_of_tolerance, 0) << g.text("gradients" + tag);
      const testing::CloseReport l =
          compare_close(want.loss, to_host(out.loss), kGradRelTol, kGradAbsTol);
      EXPECT_EQ(l.out_of_tolerance, 0) << l.text("losses" + tag);
      std::cout << g.text("gradients" + tag) << "\n";
    }
  }
}

TEST(LabelErrorsParity, CountAndLossSum) {
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset d = testing::parity_data();
  ASSERT_FALSE(d.truth.empty());
  const int dim = 16;
  const Model m = testing::parity_model(d, dim, 3);
  const HostBatch hb = testing::host_batch(d, 17, 0, 0, 2000);
  cpu::StepOutput out = host_output(hb.size(), dim);
  cpu::uniform_step(testing::host_view(m), base_params(d, 0, kLossBpr), hb.view(), &out, 2);
  int64_t want_count = 0;
  double want_loss = 0.0;
  for (int32_t k = 0; k < hb.size(); ++k) {
    want_loss += out.loss[k];
    want_count += d.truth.contains(hb.user[k], out.negative[k]);
  }
  DeviceBatch db(hb);
  DeviceCsrCopy truth(d.truth);
  DeviceBuffer<int32_t> negative = to_device(out.negative);
  DeviceBuffer<float> loss = to_device(out.loss);
  DeviceBuffer<int64_t> count(2);
  DeviceBuffer<double> sum(2);
  gpu::label_errors(nullptr, db.size, db.user.data(), negative.data(), loss.data(),
                    truth.off.data(), truth.cols.data(), count.data(), sum.data());
  gpu::label_errors(nullptr, db.size, db.user.data(), negative.data(), loss.data(), nullptr,
                    nullptr, count.data() + 1, sum.data() + 1);
  const std::vector<int64_t> got_count = to_host(count);
  const std::vector<double> got_sum = to_host(sum);
  EXPECT_GT(want_count, 0);
  EXPECT_EQ(got_count[0], want_count);
  EXPECT_EQ(got_count[1], 0);
  EXPECT_NEAR(got_sum[0], want_loss, 1e-12 * want_loss);
  EXPECT_EQ(got_sum[0], got_sum[1]);
}

// A batch with repeated users and items, random gradient contributions of both signs.
struct ReduceCase {
  HostBatch batch;
  cpu::StepOutput out;
  int dim;
};

ReduceCase reduce_case(const Dataset& d, int dim, int32_t batch_size, uint32_t seed) {
  ReduceCase rc;
  rc.dim = dim;
  rc.batch = testing::host_batch(d, seed, 0, 0, batch_size);
  const Model m = testing::parity_model(d, dim, seed);
  rc.out = host_output(rc.batch.size(), dim);
  cpu::uniform_step(testing::host_view(m), base_params(d, 0, kLossBpr), rc.batch.view(), &rc.out,
                    2);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (float& g : rc.out.grad) g = u(rng) * (rng() % 4 == 0 ? 1e-3f : 1.0f);
  return rc;
}

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

TEST(ReduceGradientsParity, DeterministicIsBitIdenticalAtomicIsClose) {
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset d = testing::parity_data(120, 200, 4000, 5, 20);  // many repeated rows
  for (int dim : {32, 45}) {
    const ReduceCase rc = reduce_case(d, dim, 3000, 21 + static_cast<uint32_t>(dim));
    cpu::RowGradients want;
    cpu::reduce_gradients(rc.batch.view(), rc.out, dim, &want, 2);
    const std::vector<float> want_user = dense_rows(want.user_rows, want.user_grad, d.n_users, dim);
    const std::vector<float> want_item = dense_rows(want.item_rows, want.item_grad, d.n_items, dim);
    // Sum of |terms| per element, the scale of the atomic mode's rounding.
    std::vector<double> user_abs(want_user.size(), 0.0), item_abs(want_item.size(), 0.0);
    std::vector<double> user_n(want_user.size(), 0.0), item_n(want_item.size(), 0.0);
    for (int32_t k = 0; k < rc.batch.size(); ++k) {
      const float* g = rc.out.grad.data() + static_cast<int64_t>(k) * 4 * dim;
      for (int f = 0; f < dim; ++f) {
        const int64_t xu = static_cast<int64_t>(rc.batch.user[k]) * dim + f;
        const int64_t xi = static_cast<int64_t>(rc.batch.item[k]) * dim + f;
        const int64_t xj = static_cast<int64_t>(rc.out.negative[k]) * dim + f;
        user_abs[xu] += std::fabs(g[f]);
        item_abs[xi] += std::fabs(g[dim + f]);
        item_abs[xj] += std::fabs(g[2 * dim + f]);
        user_n[xu] += 1;
        item_n[xi] += 1;
        item_n[xj] += 1;
      }
    }
    DeviceBatch db(rc.batch);
    DeviceBuffer<int32_t> negative = to_device(rc.out.negative);
    DeviceBuffer<float> grad = to_device(rc.out.grad);
    for (bool deterministic : {true, false}) {
      gpu::RowGradientBuffers buffers(d.n_users, d.n_items, dim, db.size, nullptr);
      gpu::ReduceScratch scratch(d.n_users, d.n_items, db.size, nullptr);
      const gpu::DeviceRowGradients g = buffers.view();
      gpu::reduce_gradients(nullptr, deterministic, db.view(), negative.data(), grad.data(), g,
                            &scratch);
      const std::vector<float> got_user = to_host(g.user_grad, int64_t{d.n_users} * dim);
      const std::vector<float> got_item = to_host(g.item_grad, int64_t{d.n_items} * dim);
      const std::vector<float> got_beta = to_host(g.beta_grad, dim);
      const std::vector<int32_t> counts = to_host(g.counts, 2);
      const std::string tag = std::string(deterministic ? " (deterministic" : " (atomic") +
                              ", dim " + std::to_string(dim) + ")";
      ASSERT_EQ(counts[0], static_cast<int32_t>(want.user_rows.size())) << tag;
      ASSERT_EQ(counts[1], static_cast<int32_t>(want.item_rows.size())) << tag;
      const std::vector<int32_t> user_rows = to_host(g.user_rows, counts[0]);
      const std::vector<int32_t> item_rows = to_host(g.item_rows, counts[1]);
      EXPECT_EQ(std::set<int32_t>(user_rows.begin(), user_rows.end()),
                std::set<int32_t>(want.user_rows.begin(), want.user_rows.end()))
          << "touched users" << tag;
      EXPECT_EQ(std::set<int32_t>(item_rows.begin(), item_rows.end()),
                std::set<int32_t>(want.item_rows.begin(), want.item_rows.end()))
          << "touched items" << tag;
      if (deterministic) {
        EXPECT_TRUE(same_values(want_user, got_user, "user rows" + tag));
        EXPECT_TRUE(same_values(want_item, got_item, "item rows" + tag));
        EXPECT_TRUE(same_values(want.beta_grad, got_beta, "beta" + tag));
        continue;
      }
      int64_t bad = 0, first = -1;
      double worst = 0;
      auto check = [&](const std::vector<float>& w, const std::vector<float>& gv,
                       const std::vector<double>& scale, const std::vector<double>& n_terms) {
        for (size_t x = 0; x < w.size(); ++x) {
          const double diff = std::fabs(static_cast<double>(w[x]) - gv[x]);
          worst = std::max(worst, diff);
          if (diff > reorder_bound(n_terms[x], scale[x])) {
            if (first < 0) first = static_cast<int64_t>(x);
            ++bad;
          }
        }
      };
      check(want_user, got_user, user_abs, user_n);
      check(want_item, got_item, item_abs, item_n);
      EXPECT_EQ(bad, 0) << "atomic sums out of tolerance: " << bad << ", first at " << first
                        << ", worst |diff| " << worst << tag;
      std::vector<double> beta_abs(dim, 0.0);
      for (int32_t k = 0; k < rc.batch.size(); ++k) {
        for (int f = 0; f < dim; ++f) {
          beta_abs[f] += std::fabs(rc.out.grad[static_cast<int64_t>(k) * 4 * dim + 3 * dim + f]);
        }
      }
      for (int f = 0; f < dim; ++f) {
        EXPECT_NEAR(got_beta[f], want.beta_grad[f], reorder_bound(rc.batch.size(), beta_abs[f]))
            << "beta " << f;
      }
      const std::vector<int32_t> user_flag = to_host(g.user_flag, d.n_users);
      for (int32_t r : want.user_rows) EXPECT_EQ(user_flag[r], 1) << "flag of user " << r;
    }
  }
}

TEST(OptimizerStepParity, AdamDenseLazyAndSgdAreBitIdentical) {
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset d = testing::parity_data(120, 200, 4000, 5, 20);
  const int dim = 24;
  for (OptimizerKind kind : {OptimizerKind::kAdam, OptimizerKind::kLazyAdam, OptimizerKind::kSgd}) {
    for (ModelKind model_kind : {ModelKind::kGmf, ModelKind::kMf}) {
      OptimConfig oc;
      oc.kind = kind;
      oc.lr = 0.01f;
      const bool train_beta = model_kind == ModelKind::kGmf;
      Model host = testing::parity_model(d, dim, 8, 0.1f, model_kind);
      cpu::OptimState state;
      state.user_m.assign(host.user.size(), 0.0f);
      state.user_v.assign(host.user.size(), 0.0f);
      state.item_m.assign(host.item.size(), 0.0f);
      state.item_v.assign(host.item.size(), 0.0f);
      state.beta_m.assign(dim, 0.0f);
      state.beta_v.assign(dim, 0.0f);
      DeviceModel dm(host);
      DeviceBuffer<float> um = to_device(state.user_m), uv = to_device(state.user_v),
                          im = to_device(state.item_m), iv = to_device(state.item_v),
                          bm = to_device(state.beta_m), bv = to_device(state.beta_v);
      const int32_t batch_size = 900;
      gpu::RowGradientBuffers buffers(d.n_users, d.n_items, dim, batch_size, nullptr);
      gpu::ReduceScratch scratch(d.n_users, d.n_items, batch_size, nullptr);
      const bool sgd = kind == OptimizerKind::kSgd;
      const gpu::DeviceParams params{d.n_users,
                                     d.n_items,
                                     dim,
                                     dm.user.data(),
                                     dm.item.data(),
                                     dm.beta.data(),
                                     sgd ? nullptr : um.data(),
                                     sgd ? nullptr : uv.data(),
                                     sgd ? nullptr : im.data(),
                                     sgd ? nullptr : iv.data(),
                                     sgd ? nullptr : bm.data(),
                                     sgd ? nullptr : bv.data()};
      for (int step = 1; step <= 3; ++step) {
        const ReduceCase rc = reduce_case(d, dim, batch_size, 100 + step);
        cpu::RowGradients rg;
        cpu::reduce_gradients(rc.batch.view(), rc.out, dim, &rg, 2);
        cpu::optimizer_step(oc, train_beta, rg, &host, &state, 2);
        DeviceBatch db(rc.batch);
        DeviceBuffer<int32_t> negative = to_device(rc.out.negative);
        DeviceBuffer<float> grad = to_device(rc.out.grad);
        gpu::reduce_gradients(nullptr, true, db.view(), negative.data(), grad.data(),
                              buffers.view(), &scratch);
        gpu::optimizer_step(nullptr, oc, train_beta, step, params, buffers.view());
      }
      const std::string tag = " (" + to_string(kind) + ", " + to_string(model_kind) + ")";
      EXPECT_TRUE(same_values(host.user, to_host(dm.user), "user table" + tag));
      EXPECT_TRUE(same_values(host.item, to_host(dm.item), "item table" + tag));
      EXPECT_TRUE(same_values(host.beta, to_host(dm.beta), "beta" + tag));
      if (!sgd) {
        EXPECT_TRUE(same_values(state.user_m, to_host(um), "user m" + tag));
        EXPECT_TRUE(same_values(state.user_v, to_host(uv), "user v" + tag));
        EXPECT_TRUE(same_values(state.item_m, to_host(im), "item m" + tag));
        EXPECT_TRUE(same_values(state.item_v, to_host(iv), "item v" + tag));
        EXPECT_TRUE(same_values(state.beta_v, to_host(bv), "beta v" + tag));
      }
      // The step consumed its gradients: buffers and flags are clean for the next batch.
      const gpu::DeviceRowGradients g = buffers.view();
      const std::vector<float> left_user = to_host(g.user_grad, int64_t{d.n_users} * dim);
      const std::vector<float> left_item = to_host(g.item_grad, int64_t{d.n_items} * dim);
      EXPECT_TRUE(same_values(std::vector<float>(left_user.size(), 0.0f), left_user,
                              "user gradients left" + tag));
      EXPECT_TRUE(same_values(std::vector<float>(left_item.size(), 0.0f), left_item,
                              "item gradients left" + tag));
      EXPECT_TRUE(same_values(std::vector<float>(dim, 0.0f), to_host(g.beta_grad, dim),
                              "beta gradient left" + tag));
    }
  }
}

TEST(RecordHistoryParity, ScoresAreBitIdentical) {
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset d = testing::parity_data(150, 333, 5000);
  for (int dim : {7, 32, 40, 64, 100}) {
    const Model m = testing::parity_model(d, dim, 4, 0.2f);
    const cpu::ModelView hv = testing::host_view(m);
    DeviceModel dm(m);
    const std::string tag = " dim " + std::to_string(dim);
    std::vector<float> want_all(static_cast<size_t>(d.n_users) * d.n_items);
    cpu::score_all(hv, d.n_users, d.n_items, want_all.data(), 2);
    DeviceBuffer<float> all_d(static_cast<int64_t>(want_all.size()));
    gpu::score_all(nullptr, dm.view(), d.n_users, d.n_items, all_d.data());
    EXPECT_TRUE(same_values(want_all, to_host(all_d), "score_all" + tag));

    const int32_t pool_size = 77;
    std::vector<int32_t> pool(static_cast<size_t>(d.n_users) * pool_size);
    cpu::sample_pools(3, 2, d.n_users, d.n_items, pool_size, d.train.offsets.data(),
                      d.train.cols.data(), pool.data(), 2);
    std::vector<float> want_pool(pool.size());
    cpu::score_pool(hv, d.n_users, pool_size, pool.data(), want_pool.data(), 2);
    DeviceBuffer<int32_t> pool_d = to_device(pool);
    DeviceBuffer<float> pool_scores(static_cast<int64_t>(pool.size()));
    gpu::score_pool(nullptr, dm.view(), d.n_users, pool_size, pool_d.data(), pool_scores.data());
    EXPECT_TRUE(same_values(want_pool, to_host(pool_scores), "score_pool" + tag));

    const std::vector<int32_t> users = testing::pair_users(d.train);
    std::vector<float> want_pairs(users.size());
    cpu::score_pairs(hv, static_cast<int64_t>(users.size()), users.data(), d.train.cols.data(),
                     want_pairs.data(), 2);
    DeviceBuffer<int32_t> users_d = to_device(users), items_d = to_device(d.train.cols);
    DeviceBuffer<float> pair_scores(static_cast<int64_t>(users.size()));
    gpu::score_pairs(nullptr, dm.view(), static_cast<int64_t>(users.size()), users_d.data(),
                     items_d.data(), pair_scores.data());
    EXPECT_TRUE(same_values(want_pairs, to_host(pair_scores), "score_pairs" + tag));
  }
}

std::vector<int32_t> flat(const std::vector<RankCount>& r) {
  std::vector<int32_t> out;
  for (const RankCount& c : r) {
    out.push_back(c.greater);
    out.push_back(c.equal);
  }
  return out;
}

TEST(RankParity, SampledAndFullCountsAreIdentical) {
  SRNS_SKIP_WITHOUT_GPU();
  const Dataset d = testing::parity_data(250, 300, 9000, 6, 60);
  for (int dim : {16, 33}) {
    Model m = testing::parity_model(d, dim, 12, 0.2f);
    // Exact ties: items 0..9 share one row, items 10..19 another.
    for (int32_t i = 1; i < 20; ++i) {
      std::copy(m.item_row(i < 10 ? 0 : 10), m.item_row(i < 10 ? 0 : 10) + dim,
                m.item.begin() + static_cast<int64_t>(i) * dim);
    }
    const cpu::ModelView hv = testing::host_view(m);
    DeviceModel dm(m);
    const std::string tag = " dim " + std::to_string(dim);
    for (const EvalSet* set : {&d.val, &d.test}) {
      const std::vector<RankCount> want = cpu::rank_sampled(hv, *set, 2);
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
      EXPECT_TRUE(same_values(flat(want), flat(to_host(out_d)), "sampled ranks" + tag));
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
    for (const Csr* ex : {&exclude, static_cast<const Csr*>(nullptr)}) {
      const Csr none;
      const Csr& excl = ex ? *ex : none;
      const std::vector<RankCount> want = cpu::rank_full(hv, d.n_items, d.train, targets, excl, 2);
      DeviceCsrCopy train(d.train), tgt(targets);
      std::vector<int64_t> excl_off = excl.offsets;
      excl_off.resize(static_cast<size_t>(d.n_users) + 1, excl_off.back());
      DeviceBuffer<int64_t> excl_off_d = to_device(excl_off);
      DeviceBuffer<int32_t> excl_cols_d = to_device(excl.cols);
      const int32_t chunk = 37;
      DeviceBuffer<float> scores(int64_t{chunk} * d.n_items), target_scores(targets.nnz());
      DeviceBuffer<RankCount> out_d(targets.nnz());
      gpu::rank_full(nullptr, dm.view(), d.n_users, d.n_items,
                     {train.off.data(), train.cols.data()}, {tgt.off.data(), tgt.cols.data()},
                     {ex ? excl_off_d.data() : nullptr, ex ? excl_cols_d.data() : nullptr}, chunk,
                     scores.data(), target_scores.data(), out_d.data());
      EXPECT_TRUE(same_values(flat(want), flat(to_host(out_d)),
                              std::string("full ranks") + (ex ? " with exclude" : "") + tag));
    }
  }
}

}  // namespace
}  // namespace srns
