// cpu::srns_step (laid out for the cache and the vector units) against the one-call reference
// functions of samplers/srns.hpp it must equal exactly: for every user group in order,
// select_entry for each pair and refresh_memory once, on the same state (pool, memory, a random
// score history in each layout and precision, false-negative injection, random-from-memory).
// Negatives and memory rows must be identical, with one thread and with two.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "cpu/cpu_ops.hpp"
#include "cpu/train_bitmap.hpp"
#include "srns/samplers/uniform.hpp"
#include "srns/synthetic.hpp"
#include "srns_state_util.hpp"
#include "train/srns_layout.hpp"

namespace srns {
namespace {

Dataset generated(int32_t users, int32_t items, int64_t interactions, uint64_t seed) {
  GenConfig g;
  g.users = users;
  g.items = items;
  g.interactions = interactions;
  g.seed = seed;
  SplitOptions split;
  split.seed = seed;
  return generate_dataset(g, split);
}

struct Case {
  const char* name;
  HistoryMode history = HistoryMode::kDense;
  bool half = false;
  int epoch = 3;
  int dim = 32;
  int s1 = 8, s2 = 64, pool_size = 200;
  bool fn = false;
  bool random_select = false;
  bool refresh = true;
  bool raw_variance = false;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

std::vector<Case> cases() {
  std::vector<Case> c(12);
  c[0].name = "dense";
  c[1].name = "dense_half";
  c[1].half = true;
  c[2].name = "pooled";
  c[2].history = HistoryMode::kPooled;
  c[3].name = "pooled_half_fn";
  c[3].history = HistoryMode::kPooled;
  c[3].half = true;
  c[3].fn = true;
  c[4].name = "dense_fn_epoch0";
  c[4].fn = true;
  c[4].epoch = 0;
  c[5].name = "random_select";
  c[5].random_select = true;
  c[6].name = "no_refresh";
  c[6].refresh = false;
  c[7].name = "dim40_wide_memory";
  c[7].dim = 40;
  c[7].s1 = 40;
  c[7].s2 = 80;
  c[7].pool_size = 300;
  c[8].name = "dim100";
  c[8].dim = 100;
  c[9].name = "tight_pool";
  c[9].pool_size = 72;
  c[10].name = "window_wrapped";
  c[10].epoch = 12;
  c[11].name = "raw_variance_s1_13";
  c[11].raw_variance = true;
  c[11].s1 = 13;
  return c;
}

class SrnsStepCpu : public ::testing::TestWithParam<Case> {};

TEST_P(SrnsStepCpu, EqualsTheReferenceFunctions) {
  const Case& sc = GetParam();
  const Dataset d = generated(300, 400, 12000, 5);
  TrainConfig c;
  c.model.dim = sc.dim;
  c.srns.s1 = sc.s1;
  c.srns.s2 = sc.s2;
  c.srns.pool_size = sc.pool_size;
  c.srns.history = sc.history;
  c.srns.history_precision = sc.half ? HistoryPrecision::kHalf : HistoryPrecision::kFloat;
  c.srns.fn_num = 2;
  c.srns.raw_variance = sc.raw_variance;
  c.seed = 17;
  TrainingSet set;
  set.data = &d;
  if (sc.fn) set.fn_sets = testing::random_fn_sets(d);
  const SrnsLayout layout = plan_srns_layout(d, set, c, !sc.random_select);
  ASSERT_EQ(layout.half, sc.half && !sc.random_select);

  std::vector<int32_t> pool(layout.pool_elems());
  cpu::sample_pools(c.seed, sc.epoch, d.n_users, d.n_items, sc.pool_size, d.train.offsets.data(),
                    d.train.cols.data(), pool.data(), 2);
  SrnsView v = make_srns_view(d, set, c, layout);
  std::vector<int32_t> memory(static_cast<size_t>(d.n_users) * sc.s1);
  cpu::init_memory(v, memory.data(), 2);
  const testing::RandomHistory history(layout);
  v.pool = pool.data();
  v.hist = history.hist_data();
  v.hist_tracked = history.tracked_data();
  const SrnsStepParams params{c.seed, sc.epoch, sc.epoch == 0 ? 0.0f : 2.5f, sc.refresh,
                              sc.random_select};

  ModelConfig mc;
  mc.dim = sc.dim;
  mc.init_std = 0.3f;
  const Model m = init_model(mc, d.n_users, d.n_items, 23);
  const ModelView mv = cpu::view_of(m);
  const std::vector<int64_t> order = epoch_order(c.seed, sc.epoch, d.train.nnz());
  std::vector<int32_t> pair_user(d.train.nnz());
  for (int32_t u = 0; u < d.n_users; ++u) {
    for (int64_t e = d.train.offsets[u]; e < d.train.offsets[u + 1]; ++e) pair_user[e] = u;
  }
  cpu::EpochPairs pairs;
  cpu::epoch_pairs(order, pair_user.data(), d.train.cols.data(), &pairs);

  // Two batches in a row: the second reads the memory the first refreshed.
  std::vector<int32_t> want_memory = memory;
  std::vector<std::vector<int32_t>> want_negative;
  for (int64_t b = 0; b < 2; ++b) {
    const cpu::Batch batch = pairs.batch(b, 1000);
    cpu::BatchGroups groups;
    cpu::batch_groups(batch, &groups);
    std::vector<int32_t> negative(batch.size, -1);
    with_scorer(mv, [&](const auto& s) {
      for (int32_t gi = 0; gi < groups.groups(); ++gi) {
        const int32_t u = batch.user[groups.slot[groups.begin[gi]]];
        float ctx[kMaxDim];
        s.user_context(mv.user_row(u), ctx);
        int32_t* mem = want_memory.data() + static_cast<int64_t>(u) * sc.s1;
        for (int32_t x = groups.begin[gi]; x < groups.begin[gi + 1]; ++x) {
          const int32_t k = groups.slot[x];
          const int32_t i = batch.item[k];
          const int entry = sc.random_select ? random_entry(c.seed, sc.epoch, b, k, sc.s1)
                                             : select_entry(v, sc.epoch, params.alpha_t, u, i,
                                                            batch.pair[k], s, ctx, m.item.data(),
                                                            s.score(ctx, mv.item_row(i)), mem);
          negative[k] = v.entry_item(u, entry, mem[entry]);
        }
        if (sc.refresh) refresh_memory(v, sc.epoch, b, u, s, ctx, m.item.data(), mem, mem);
      }
    });
    want_negative.push_back(negative);
  }

  // One and two threads, then two with a pair loss asked for (the SRNS sampler's fused step):
  // the same negatives and memory, and with the loss every pair's loss and gradient row bit for
  // bit what pair_gradients computes for them.
  for (int run = 0; run < 3; ++run) {
    const int threads = run == 0 ? 1 : 2;
    const bool with_loss = run == 2;
    if (with_loss && sc.random_select) continue;  // eq. 4 only
    // Both batches' draws at once, as the sampler draws a window; the memory's items beside it.
    std::vector<int32_t> got_memory = memory;
    std::vector<int32_t> got_items(memory.size());
    cpu::memory_items(v, got_memory.data(), got_items.data(), threads);
    const cpu::Batch window[2] = {pairs.batch(0, 1000), pairs.batch(1, 1000)};
    // The second run reads its draws as int32_t, the others as uint16_t (these sets fit).
    cpu::ExtensionDraws draws;
    draws.allow_narrow = run != 1;
    cpu::draw_extensions(v, sc.epoch, window, 2, sc.refresh, threads, &draws);
    ASSERT_EQ(draws.narrow, sc.refresh && run != 1);
    for (int64_t b = 0; b < 2; ++b) {
      const cpu::Batch batch = pairs.batch(b, 1000);
      ASSERT_EQ(draws.find(sc.epoch, batch), b);
      std::vector<int32_t> negative(batch.size, -1);
      cpu::StepOutput fused, want;
      fused.size_for_pair_rows(batch.size, mv);
      std::fill(fused.loss.begin(), fused.loss.end(), -1.0f);
      std::fill(fused.grad.begin(), fused.grad.end(), -1.0f);
      const cpu::PairLossOut loss{kLossBpr, 0.01f, &fused};
      cpu::srns_step(v, params, batch, draws, b, mv, got_memory.data(), got_items.data(),
                     negative.data(), threads, with_loss ? &loss : nullptr);
      ASSERT_EQ(negative, want_negative[b]) << sc.name << " batch " << b << " run " << run;
      if (with_loss) {
        cpu::pair_gradients(mv, batch, negative.data(), kLossBpr, 0.01f, &want, 2);
        ASSERT_EQ(fused.loss, want.loss) << sc.name << " batch " << b;
        ASSERT_EQ(fused.grad, want.grad) << sc.name << " batch " << b;
      }
    }
    ASSERT_EQ(got_memory, want_memory) << sc.name << " run " << run;
    std::vector<int32_t> want_items(memory.size());
    cpu::memory_items(v, got_memory.data(), want_items.data(), 1);
    ASSERT_EQ(got_items, want_items) << sc.name << " run " << run << ": items out of step";
  }
  if (sc.refresh) {
    EXPECT_NE(want_memory, memory) << "the refreshes must change memory";
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, SrnsStepCpu, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& p) {
                           return std::string(p.param.name);
                         });

}  // namespace
}  // namespace srns

namespace srns {
namespace {

TEST(SamplePoolsCpu, EqualsPoolChunkDrawForDraw) {
  const Dataset d = generated(200, 150, 5000, 8);  // dense rows: many rejections
  for (int32_t pool_size : {1, 16, 77, 300}) {
    std::vector<int32_t> got(static_cast<size_t>(d.n_users) * pool_size, -1);
    cpu::sample_pools(21, 4, d.n_users, d.n_items, pool_size, d.train.offsets.data(),
                      d.train.cols.data(), got.data(), 2);
    std::vector<int32_t> want(got.size(), -1);
    for (int32_t u = 0; u < d.n_users; ++u) {
      for (int32_t c = 0; c * kPoolChunk < pool_size; ++c) {
        pool_chunk(21, 4, u, c, pool_size, d.train.row(u), d.train.row_size(u), d.n_items,
                   want.data() + static_cast<int64_t>(u) * pool_size + c * kPoolChunk);
      }
    }
    ASSERT_EQ(got, want) << "pool size " << pool_size;
  }
}

}  // namespace
}  // namespace srns

namespace srns {
namespace {

TEST(BatchGroupsCpu, OrdersSlotsByUserThenSlot) {
  std::mt19937 rng(12);
  for (int32_t max_user : {1, 7, 300, 70000, 1 << 30}) {
    const int32_t n = 1000;
    std::vector<int32_t> users(n);
    for (int32_t& u : users) u = static_cast<int32_t>(rng() % static_cast<uint32_t>(max_user));
    cpu::Batch batch;
    batch.size = n;
    batch.user = users.data();
    cpu::BatchGroups g;
    cpu::batch_groups(batch, &g);
    std::vector<int32_t> want(n);
    for (int32_t k = 0; k < n; ++k) want[k] = k;
    std::stable_sort(want.begin(), want.end(),
                     [&](int32_t a, int32_t b) { return users[a] < users[b]; });
    ASSERT_EQ(g.slot, want) << "max user " << max_user;
    ASSERT_EQ(g.begin.front(), 0);
    ASSERT_EQ(g.begin.back(), n);
    for (int32_t x = 0; x + 1 < static_cast<int32_t>(g.begin.size()) - 1; ++x) {
      ASSERT_NE(users[g.slot[g.begin[x]]], users[g.slot[g.begin[x + 1]]]);
    }
  }
}

}  // namespace
}  // namespace srns

namespace srns {
namespace {

TEST(UniformSamplerCpu, EqualsUniformNegativeDrawForDraw) {
  const Dataset d = generated(200, 150, 5000, 9);  // dense rows: many rejections
  TrainConfig c;
  c.sampler = "uniform";
  c.seed = 31;
  TrainingSet set;
  set.data = &d;
  std::unique_ptr<cpu::Sampler> s = cpu::make_sampler("uniform");
  const Model m = init_model(c.model, d.n_users, d.n_items, 1);
  s->setup({&set, &c, 2}, cpu::view_of(m));
  s->begin_epoch(6, cpu::view_of(m));
  std::vector<int32_t> users, items;
  for (int32_t u = 0; u < d.n_users; ++u) {
    for (int64_t e = d.train.offsets[u]; e < d.train.offsets[u + 1]; e += 3) {
      users.push_back(u);
      items.push_back(d.train.cols[e]);
    }
  }
  cpu::Batch batch;
  batch.index = 4;
  batch.size = static_cast<int32_t>(users.size());
  batch.user = users.data();
  batch.item = items.data();
  std::vector<int32_t> got(batch.size, -1);
  s->select(batch, cpu::view_of(m), got.data());
  for (int32_t k = 0; k < batch.size; ++k) {
    const int32_t u = users[k];
    ASSERT_EQ(got[k], uniform_negative(31, 6, 4, k, d.train.row(u), d.train.row_size(u), d.n_items))
        << "pair " << k;
  }
  // The bitmap and the sorted row answer alike.
  cpu::TrainBitmap bits;
  bits.build(d.train, d.n_items);
  for (int32_t u = 0; u < d.n_users; ++u) {
    const cpu::UserItems a = bits.user(d.train, u);
    ASSERT_NE(a.bits, nullptr);
    const cpu::UserItems b{nullptr, a.row, a.len};
    for (int32_t i = 0; i < d.n_items; ++i)
      ASSERT_EQ(a.contains(i), b.contains(i)) << u << " " << i;
  }
}

}  // namespace
}  // namespace srns
