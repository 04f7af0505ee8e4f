// The fused SRNS step on the GPU, both versions, against cpu::srns_step on identical state:
// the same pools, memory, random score history (dense and pooled layouts), model and batch.
//   - chosen negatives: identical for at least kMinSameNegativeShare of the pairs;
//   - owners' refreshed memory rows: identical (the extension draws are integer-exact, so the
//     candidates always agree; only a Gumbel-key tie within an ulp could reorder them);
//   - gradients and losses of the pairs with the same negative: within kGradRelTol/kGradAbsTol;
//   - the warp version equals the simple version bit for bit (same device math library).
#include <gtest/gtest.h>

#include <iostream>
#include <random>

#include "parity_fixture.cuh"
#include "srns_step.cuh"
#include "train/srns_layout.hpp"

namespace srns {
namespace {

using gpu::DeviceBuffer;
using testing::compare_close;
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

struct StepResult {
  std::vector<int32_t> negative, staged;
  std::vector<float> loss, grad;
};

// Builds the state of `sc` on the host, runs the CPU step and both GPU versions.
class SrnsStepParity : public ::testing::TestWithParam<StepCase> {
 protected:
  void run_case(const StepCase& sc) {
    const Dataset d = testing::parity_data(300, 400, 12000, 5);
    TrainConfig c;
    c.model.dim = sc.dim;
    c.srns.s1 = sc.s1;
    c.srns.s2 = sc.s2;
    c.srns.pool_size = sc.pool_size;
    c.srns.history = sc.history;
    c.srns.raw_variance = sc.raw_variance;
    c.srns.fn_num = 2;
    c.seed = 17;
    TrainingSet set;
    set.data = &d;
    set.truth = d.truth;
    if (sc.fn) {
      std::mt19937 rng(4);
      std::vector<Pair> pairs;
      for (int32_t u = 0; u < d.n_users; u += 2) {
        for (int k = 0, want = 1 + static_cast<int>(rng() % 5); k < want; ++k) {
          const int32_t i = static_cast<int32_t>(rng() % d.n_items);
          if (!d.train.contains(u, i)) pairs.push_back({u, i});
        }
      }
      set.fn_sets = Csr::from_pairs(pairs, d.n_users);
    }
    const SrnsLayout layout = plan_srns_layout(d, set, c);
    ASSERT_EQ(layout.dense, sc.history == HistoryMode::kDense);

    // State: the current pool, the initial memory, a random history.
    std::vector<int32_t> pool(layout.pool_elems());
    cpu::sample_pools(c.seed, sc.epoch, d.n_users, d.n_items, sc.pool_size, d.train.offsets.data(),
                      d.train.cols.data(), pool.data(), 2);
    SrnsView hv = make_srns_view(d, set, c, layout);
    std::vector<int32_t> memory(static_cast<size_t>(d.n_users) * sc.s1);
    for (int32_t u = 0; u < d.n_users; ++u) {
      init_memory_row(c.seed, u, sc.s1, hv.fn_count(u), sc.pool_size,
                      memory.data() + static_cast<int64_t>(u) * sc.s1);
    }
    std::mt19937 rng(99);
    std::uniform_real_distribution<float> score(-2.0f, 2.0f);
    std::vector<float> hist(layout.hist_elems()), tracked(layout.tracked_elems());
    for (float& h : hist) h = score(rng);
    for (float& h : tracked) h = score(rng);
    hv.pool = pool.data();
    hv.hist = hist.data();
    hv.hist_tracked = tracked.empty() ? nullptr : tracked.data();

    const Model m = testing::parity_model(d, sc.dim, 23);
    const testing::HostBatch hb = testing::host_batch(d, c.seed, sc.epoch, 1, 1000);
    cpu::StepParams p{};
    p.epoch = sc.epoch;
    p.alpha_t = sc.epoch == 0 ? 0.0f : 2.5f;
    p.refresh = sc.refresh;
    p.random_select = sc.random_select;
    p.loss = sc.loss;
    p.reg = 0.01f;
    p.seed = c.seed;
    p.n_items = d.n_items;
    p.train_off = d.train.offsets.data();
    p.train_cols = d.train.cols.data();

    const int32_t n = hb.size();
    cpu_.negative.assign(n, -1);
    cpu_.staged.assign(static_cast<size_t>(n) * sc.s1, -1);
    cpu::StepOutput out;
    out.negative.assign(n, -1);
    out.loss.assign(n, 0.0f);
    out.grad.assign(static_cast<size_t>(n) * 4 * sc.dim, 0.0f);
    cpu::srns_step(hv, testing::host_view(m), p, hb.view(), memory.data(), cpu_.staged.data(), &out,
                   2);
    cpu_.negative = out.negative;
    cpu_.loss = out.loss;
    cpu_.grad = out.grad;
    owner_ = hb.owner;
    s1_ = sc.s1;
    dim_ = sc.dim;

    // The same on the device.
    testing::DeviceModel dm(m);
    testing::DeviceBatch db(hb);
    testing::DeviceCsrCopy train(d.train);
    DeviceBuffer<int32_t> pool_d = to_device(pool), memory_d = to_device(memory);
    DeviceBuffer<float> hist_d = to_device(hist), tracked_d = to_device(tracked);
    DeviceBuffer<int64_t> fn_off;
    DeviceBuffer<int32_t> fn_cols;
    SrnsView dv = hv;
    dv.train_off = train.off.data();
    dv.train_cols = train.cols.data();
    if (sc.fn) {
      fn_off = to_device(set.fn_sets.offsets);
      fn_cols = to_device(set.fn_sets.cols);
      dv.fn_off = fn_off.data();
      dv.fn_cols = fn_cols.data();
    }
    dv.pool = pool_d.data();
    dv.hist = hist_d.data();
    dv.hist_tracked = tracked.empty() ? nullptr : tracked_d.data();
    cpu::StepParams dp = p;
    dp.train_off = train.off.data();
    dp.train_cols = train.cols.data();
    for (gpu::StepVersion v : {gpu::StepVersion::kSimple, gpu::StepVersion::kWarp}) {
      DeviceBuffer<int32_t> negative(n), staged = to_device(std::vector<int32_t>(n * sc.s1, -1));
      DeviceBuffer<float> loss(n), grad(int64_t{n} * 4 * sc.dim), pb(int64_t{n} * sc.dim);
      gpu::srns_step(nullptr, v, dv, dm.view(), dp, db.view(), memory_d.data(), staged.data(),
                     {negative.data(), loss.data(), grad.data()}, pb.data());
      StepResult& r = v == gpu::StepVersion::kSimple ? simple_ : warp_;
      r.negative = to_host(negative);
      r.staged = to_host(staged);
      r.loss = to_host(loss);
      r.grad = to_host(grad);
    }
    // The step reads memory, never writes it.
    EXPECT_TRUE(same_values(memory, to_host(memory_d), "memory after the step"));
  }

  // Owner rows of `staged` only (other rows are not written).
  std::vector<int32_t> owner_rows(const std::vector<int32_t>& staged) const {
    std::vector<int32_t> out;
    for (size_t k = 0; k < owner_.size(); ++k) {
      if (owner_[k])
        out.insert(out.end(), staged.begin() + k * s1_, staged.begin() + (k + 1) * s1_);
    }
    return out;
  }

  void expect_matches_cpu(const StepResult& g, const std::string& version) {
    const size_t n = cpu_.negative.size();
    std::vector<uint8_t> same_neg(n * 4 * dim_, 0), same_pair(n, 0);
    int64_t same = 0, first_diff = -1;
    for (size_t k = 0; k < n; ++k) {
      if (cpu_.negative[k] == g.negative[k]) {
        ++same;
        same_pair[k] = 1;
        std::fill(same_neg.begin() + k * 4 * dim_, same_neg.begin() + (k + 1) * 4 * dim_, 1);
      } else if (first_diff < 0) {
        first_diff = static_cast<int64_t>(k);
      }
    }
    const double share = static_cast<double>(same) / static_cast<double>(n);
    EXPECT_GE(share, kMinSameNegativeShare)
        << version << ": same negative for " << same << " of " << n << " pairs; first "
        << "difference at pair " << first_diff;
    std::cout << version << ": same negative " << same << "/" << n << "\n";
    const std::vector<int32_t> want_rows = owner_rows(cpu_.staged), got_rows = owner_rows(g.staged);
    int64_t rows_differ = 0, first_row = -1;
    for (size_t r = 0; r * s1_ < want_rows.size(); ++r) {
      if (!std::equal(want_rows.begin() + r * s1_, want_rows.begin() + (r + 1) * s1_,
                      got_rows.begin() + r * s1_)) {
        if (first_row < 0) first_row = static_cast<int64_t>(r);
        ++rows_differ;
      }
    }
    EXPECT_EQ(rows_differ, 0) << version << ": " << rows_differ << " of " << want_rows.size() / s1_
                              << " refreshed memory rows differ; first "
                              << "at owner " << first_row;
    const testing::CloseReport gr =
        compare_close(cpu_.grad, g.grad, kGradRelTol, kGradAbsTol, &same_neg);
    EXPECT_EQ(gr.out_of_tolerance, 0) << gr.text(version + " gradients");
    const testing::CloseReport lr =
        compare_close(cpu_.loss, g.loss, kGradRelTol, kGradAbsTol, &same_pair);
    EXPECT_EQ(lr.out_of_tolerance, 0) << lr.text(version + " losses");
    std::cout << gr.text(version + " gradients") << "\n";
  }

  StepResult cpu_, simple_, warp_;
  std::vector<uint8_t> owner_;
  int s1_ = 0, dim_ = 0;
};

TEST_P(SrnsStepParity, BothVersionsMatchCpuAndEachOther) {
  SRNS_SKIP_WITHOUT_GPU();
  run_case(GetParam());
  if (HasFatalFailure()) return;
  expect_matches_cpu(simple_, "simple");
  expect_matches_cpu(warp_, "warp");
  EXPECT_TRUE(same_values(simple_.negative, warp_.negative, "warp vs simple negatives"));
  EXPECT_TRUE(same_values(owner_rows(simple_.staged), owner_rows(warp_.staged),
                          "warp vs simple staged rows"));
  EXPECT_TRUE(same_values(simple_.grad, warp_.grad, "warp vs simple gradients"));
  EXPECT_TRUE(same_values(simple_.loss, warp_.loss, "warp vs simple losses"));
}

INSTANTIATE_TEST_SUITE_P(Cases, SrnsStepParity, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<StepCase>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace srns
