// The building blocks of the CUDA kernels (kernels/lane_math.cuh, pair_gradient.cuh,
// footprint.hpp) against the sequential CPU functions they replace. The host tests run
// everywhere (they emulate the warp algorithms lane by lane); the device tests skip without a
// GPU.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "cpu/cpu_ops.hpp"
#include "cuda_test_util.cuh"
#include "footprint.hpp"
#include "lane_math.cuh"
#include "launch.cuh"
#include "rank.cuh"
#include "scorer_warp.cuh"
#include "srns/synthetic.hpp"
#include "srns/trainer.hpp"

namespace srns {
namespace {

using gpu::DeviceBuffer;
using testing::same_values;

std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

const int kLengths[] = {1, 5, 16, 31, 32, 33, 40, 63, 64, 65, 100, 128, 1000, 1024};

TEST(LaneMathHost, RegisterDotsEqualDotLanesBitForBit) {
  for (int n : kLengths) {
    const std::vector<float> p = random_floats(n, 1 + n), beta = random_floats(n, 2 + n),
                             q = random_floats(n, 3 + n);
    std::vector<float> pb(n);
    user_factor(p.data(), beta.data(), pb.data(), n);
    const float want = dot_lanes(pb.data(), q.data(), n);
    EXPECT_EQ(testing::float_bits(gpu::dot_lanes_reg(pb.data(), q.data(), n)),
              testing::float_bits(want))
        << "n = " << n;
    EXPECT_EQ(testing::float_bits(gpu::score_lanes(p.data(), beta.data(), q.data(), n)),
              testing::float_bits(want))
        << "n = " << n;
  }
}

TEST(LaneMathHost, StreamAtMatchesSequentialWords) {
  PhiloxStream seq = make_stream(77, kRngExtend, 4, 9, 123);
  const PhiloxStream fresh = seq;
  for (uint32_t w = 0; w < 203; ++w) {
    const uint32_t want = seq.next_u32();
    PhiloxStream at = gpu::stream_at(fresh, w);
    ASSERT_EQ(at.next_u32(), want) << "word " << w;
    PhiloxStream at2 = gpu::stream_at(fresh, w);
    PhiloxStream seq2 = fresh;
    for (uint32_t k = 0; k < w; ++k) seq2.next_u32();
    ASSERT_EQ(at2.open01(), seq2.open01()) << "word " << w;
  }
}

// The warp extension of refresh_memory_warp, one lane after another.
std::vector<int32_t> extend_in_rounds(const PhiloxStream& ext, std::vector<int32_t> list, int count,
                                      int32_t range) {
  const int m = static_cast<int>(list.size()) + count;
  int have = static_cast<int>(list.size());
  list.resize(m);
  for (uint32_t word = 0; have < m; word += 32) {
    int32_t round[32];
    for (int l = 0; l < 32; ++l) {
      PhiloxStream w = gpu::stream_at(ext, word + l);
      round[l] = static_cast<int32_t>(w.below(static_cast<uint32_t>(range)));
    }
    uint32_t mask = 0;
    for (int l = 0; l < 32; ++l) {
      if (gpu::round_accepts(list.data(), have, round, l)) mask |= 1u << l;
    }
    for (int l = 0; l < 32; ++l) {
      const int pos = have + __builtin_popcount(mask & ((1u << l) - 1u));
      if ((mask >> l & 1u) && pos < m) list[pos] = round[l];
    }
    have = std::min(m, have + __builtin_popcount(mask));
  }
  return list;
}

TEST(LaneMathHost, RoundDrawsEqualDrawDistinct) {
  int cases = 0;
  for (int32_t range : {72, 73, 80, 100, 3000}) {
    for (int keep : {0, 1, 7, 8}) {
      for (uint32_t u = 0; u < 40; ++u) {
        const int count = std::min<int>(64, range - keep);
        std::vector<int32_t> list(keep);
        PhiloxStream init = make_stream(5, kRngMemoryInit, -1, 0, u);
        draw_distinct(&init, list.data(), 0, keep, range);
        const PhiloxStream ext = make_stream(9, kRngExtend, 3, 17, u);
        std::vector<int32_t> want(keep + count);
        std::copy(list.begin(), list.end(), want.begin());
        PhiloxStream seq = ext;
        draw_distinct(&seq, want.data(), keep, count, range);
        ASSERT_TRUE(same_values(want, extend_in_rounds(ext, list, count, range), "extension"))
            << "range " << range << " keep " << keep << " user " << u;
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 5 * 4 * 40);
}

TEST(LaneMathHost, KeyRanksReproduceTopNIndices) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 500; ++trial) {
    const int m = 1 + static_cast<int>(rng() % kMaxCandidates);
    const int n = 1 + static_cast<int>(rng() % m);
    std::vector<float> keys(m);
    const int levels = trial % 3 == 0 ? 4 : 1000;  // many exact ties in a third of the trials
    for (float& k : keys) k = static_cast<float>(rng() % levels) * 0.25f - 3.0f;
    if (trial % 7 == 0) keys[rng() % m] = HUGE_VALF;
    if (trial % 11 == 0) keys[rng() % m] = -HUGE_VALF;
    std::vector<int32_t> want(n), got(n, -1);
    top_n_indices(keys.data(), m, n, want.data());
    for (int k = 0; k < m; ++k) {
      const int rank = gpu::key_rank(keys.data(), m, k);
      if (rank < n) got[rank] = k;
    }
    ASSERT_TRUE(same_values(want, got, "top indices")) << "trial " << trial;
  }
}

// select_entry's rule, sequentially.
int first_strict_max(const std::vector<float>& value) {
  int best = 0;
  float best_value = 0.0f;
  for (int k = 0; k < static_cast<int>(value.size()); ++k) {
    if (k == 0 || value[k] > best_value) {
      best = k;
      best_value = value[k];
    }
  }
  return best;
}

// The warp reduction of select_entry_warp: lane-local scans, then the xor butterfly.
int warp_argmax(const std::vector<float>& value) {
  const int n = static_cast<int>(value.size());
  float v[32];
  int idx[32];
  for (int l = 0; l < 32; ++l) {
    v[l] = -HUGE_VALF;
    idx[l] = INT32_MAX;
    for (int k = l; k < n; k += 32) {
      const float key = gpu::argmax_key(value[k], k);
      if (gpu::argmax_better(key, k, v[l], idx[l])) {
        v[l] = key;
        idx[l] = k;
      }
    }
  }
  for (int off = 16; off > 0; off /= 2) {
    float nv[32];
    int ni[32];
    for (int l = 0; l < 32; ++l) {
      nv[l] = v[l];
      ni[l] = idx[l];
      if (gpu::argmax_better(v[l ^ off], idx[l ^ off], v[l], idx[l])) {
        nv[l] = v[l ^ off];
        ni[l] = idx[l ^ off];
      }
    }
    std::copy(nv, nv + 32, v);
    std::copy(ni, ni + 32, idx);
  }
  for (int l = 1; l < 32; ++l) EXPECT_EQ(idx[l], idx[0]) << "lanes disagree";
  return idx[0];
}

TEST(LaneMathHost, WarpArgmaxIsFirstStrictMaximum) {
  std::mt19937 rng(8);
  const float nan = std::nanf("");
  for (int trial = 0; trial < 2000; ++trial) {
    const int n = 1 + static_cast<int>(rng() % kMaxMemory);
    std::vector<float> value(n);
    const int levels = trial % 2 == 0 ? 3 : 100000;
    for (float& x : value) x = static_cast<float>(rng() % levels) * 0.1f;
    if (trial % 5 == 0) value[rng() % n] = nan;
    if (trial % 13 == 0) value[0] = nan;
    if (trial % 17 == 0) value[rng() % n] = -HUGE_VALF;
    if (trial % 19 == 0) std::fill(value.begin(), value.end(), -HUGE_VALF);
    ASSERT_EQ(warp_argmax(value), first_strict_max(value)) << "trial " << trial;
  }
}

// The scorer's warp pair gradient on one warp equals its thread form (GmfScorer::pair_gradient)
// bit for bit: the same element arithmetic, the L2 squares added in f order.
__global__ void pair_gradient_kernel(ModelView m, int loss, float* grad, float* out_loss) {
  const GmfScorer sc(m);
  const int lane = static_cast<int>(threadIdx.x);
  const float l = gpu::warp_pair_gradient(sc, m.user_row(2), m.item_row(1), m.item_row(5), loss,
                                          0.01f, 0.3f, -0.4f, grad, lane);
  if (lane == 0) *out_loss = l;
}

TEST(LaneMathDevice, WarpPairGradientIsTheScorersPairGradient) {
  SRNS_SKIP_WITHOUT_GPU();
  for (int dim : {7, 32, 37, 70}) {
    const std::vector<float> user = random_floats(4 * dim, 11), item = random_floats(6 * dim, 12),
                             head = random_floats(dim, 13);
    const ModelView hm{ModelKind::kGmf, dim, user.data(), item.data(), head.data(), dim};
    DeviceBuffer<float> user_d = testing::to_device(user), item_d = testing::to_device(item),
                        head_d = testing::to_device(head), grad_d(4 * dim), loss_d(1);
    const ModelView dm{ModelKind::kGmf, dim, user_d.data(), item_d.data(), head_d.data(), dim};
    for (int loss : {kLossBpr, kLossHinge, kLossBce}) {
      std::vector<float> want(4 * dim);
      const float want_loss = GmfScorer(hm).pair_gradient(
          hm.user_row(2), hm.item_row(1), hm.item_row(5), loss, 0.01f, 0.3f, -0.4f, want.data());
      pair_gradient_kernel<<<1, 32>>>(dm, loss, grad_d.data(), loss_d.data());
      SRNS_CUDA_LAUNCH_CHECK("pair_gradient_kernel");
      const std::string tag = loss_name(loss) + " dim " + std::to_string(dim);
      // expf / log1pf of the device may differ from the host's by an ulp: compare closely
      const testing::CloseReport r =
          testing::compare_close(want, testing::to_host(grad_d), 1e-5, 1e-6);
      EXPECT_EQ(r.out_of_tolerance, 0) << r.text("gradient " + tag);
      EXPECT_NEAR(testing::to_host(loss_d)[0], want_loss, 1e-5 * std::fabs(want_loss)) << tag;
    }
  }
}

TEST(Footprint, CountsEachPartAndRefusesWithTheFlagToChange) {
  GenConfig g;
  g.users = 200;
  g.items = 300;
  g.interactions = 5000;
  SplitOptions split;
  const Dataset data = generate_dataset(g, split);
  TrainConfig c;
  c.srns.pool_size = 500;
  c.srns.history = HistoryMode::kPooled;
  const TrainingSet set = prepare_training_set(data, c);
  // The pooled SRNS state, as the sampler unit would estimate it (pools W + 1, memory,
  // history W*W pools + W tracked).
  const int64_t n = data.train.nnz();
  const int64_t pool = static_cast<int64_t>(data.n_users) * 500;
  const int64_t sampler = 4 * (6 * pool + data.n_users * 8 + 25 * pool + 5 * n);
  const int64_t local = 1 << 20;
  const gpu::DeviceFootprint f = gpu::estimate_device_footprint(set, c, 0, 0, sampler, local);
  const int64_t params = 32 * static_cast<int64_t>(data.n_users + data.n_items) + 32;
  EXPECT_EQ(f.model, 4 * params);
  EXPECT_EQ(f.optimizer, 8 * params);
  EXPECT_EQ(f.gradients, 4 * (params + data.n_users + data.n_items));
  EXPECT_EQ(f.sampler, sampler);
  EXPECT_EQ(f.local, local);
  EXPECT_EQ(f.epoch, 16 * n);
  EXPECT_EQ(gpu::footprint_refusal(f, f.total() + gpu::kFootprintReserve, "GPU", c), "");
  const std::string msg = gpu::footprint_refusal(f, f.total() / 2, "Test GPU", c);
  EXPECT_NE(msg.find("needs"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Test GPU has"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--pool-size"), std::string::npos) << msg;
  c.optim.kind = OptimizerKind::kSgd;
  EXPECT_EQ(gpu::estimate_device_footprint(set, c, 0, 0, 0, 0).optimizer, 0);
  // Full-ranking evaluation counts its chunk of scores: a split without sampled negatives.
  SplitOptions full;
  full.eval_negatives = 0;
  const Dataset no_negatives = generate_dataset(g, full);
  const TrainingSet set2 = prepare_training_set(no_negatives, c);
  const int64_t chunk = gpu::full_rank_chunk_users(no_negatives.n_users, no_negatives.n_items);
  EXPECT_GE(gpu::estimate_device_footprint(set2, c, 0, 0, 0, 0).eval,
            4 * chunk * no_negatives.n_items);
}

// ---- on the device ---------------------------------------------------------------------------

__global__ void dots_kernel(const float* p, const float* beta, const float* q, int n, float* out) {
  const int lane = static_cast<int>(threadIdx.x);
  __shared__ float pb[1024];
  for (int f = lane; f < n; f += 32) pb[f] = p[f] * beta[f];
  __syncwarp();
  const float a = gpu::warp_dot(pb, q, n, lane);
  const GmfScorer sc(ModelView{ModelKind::kGmf, n, nullptr, nullptr, beta, n});
  const float b = gpu::warp_score(sc, pb, q, lane);
  out[2 + lane] = a;  // every lane holds the total
  out[34 + lane] = b;
  const float* rows[4] = {q, p, beta, q};
  float four[4];
  gpu::warp_dots<4>(pb, rows, n, lane, four);
  if (lane == 0) {
    for (int c = 0; c < 4; ++c) out[66 + c] = four[c];
  }
  if (lane == 0) {
    out[0] = gpu::score_lanes(p, beta, q, n);
    out[1] = gpu::dot_lanes_reg(pb, q, n);
  }
}

TEST(LaneMathDevice, WarpAndRegisterDotsEqualDotLanes) {
  SRNS_SKIP_WITHOUT_GPU();
  for (int n : kLengths) {
    const std::vector<float> p = random_floats(n, 21 + n), beta = random_floats(n, 22 + n),
                             q = random_floats(n, 23 + n);
    std::vector<float> pb(n);
    user_factor(p.data(), beta.data(), pb.data(), n);
    const float want = dot_lanes(pb.data(), q.data(), n);
    DeviceBuffer<float> p_d = testing::to_device(p), beta_d = testing::to_device(beta),
                        q_d = testing::to_device(q), out_d(70);
    dots_kernel<<<1, 32>>>(p_d.data(), beta_d.data(), q_d.data(), n, out_d.data());
    SRNS_CUDA_LAUNCH_CHECK("dots_kernel");
    std::vector<float> expect(66, want);
    for (const std::vector<float>* row : {&q, &p, &beta, &q}) {
      expect.push_back(dot_lanes(pb.data(), row->data(), n));
    }
    EXPECT_TRUE(same_values(expect, testing::to_host(out_d), "dots, n = " + std::to_string(n)));
  }
}

__global__ void stream_words_kernel(PhiloxStream s, int n, uint32_t* out) {
  for (int w = static_cast<int>(threadIdx.x); w < n; w += blockDim.x) {
    PhiloxStream at = gpu::stream_at(s, static_cast<uint32_t>(w));
    out[w] = at.next_u32();
  }
}

TEST(LaneMathDevice, StreamAtMatchesHostStream) {
  SRNS_SKIP_WITHOUT_GPU();
  const PhiloxStream s = make_stream(1234567, kRngGumbel, 12, 345, 6789);
  const int n = 515;
  PhiloxStream seq = s;
  std::vector<uint32_t> want(n);
  for (uint32_t& w : want) w = seq.next_u32();
  DeviceBuffer<uint32_t> out_d(n);
  stream_words_kernel<<<1, 128>>>(s, n, out_d.data());
  SRNS_CUDA_LAUNCH_CHECK("stream_words_kernel");
  EXPECT_TRUE(same_values(want, testing::to_host(out_d), "stream words"));
}

}  // namespace
}  // namespace srns
