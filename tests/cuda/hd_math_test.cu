// The shared SRNS_HD math compiled by nvcc and run inside kernels: every function is checked on
// the device against the same expectations as on the host (cuCollections style). Skips where
// no GPU is usable (fails where SRNS_REQUIRE_GPU=1), so it builds and passes on machines with
// nvcc but no device.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <vector>

#include "cuda_test_util.cuh"
#include "srns/math.hpp"
#include "srns/rng.hpp"
#include "srns/samplers/srns.hpp"

namespace srns {
namespace {

constexpr int kOut = 18;

// Evaluates a fixed set of HD functions on fixed inputs; out[] is compared with the host.
__host__ __device__ void evaluate_all(float* out, uint32_t* words) {
  float a[40], b[40];
  for (int f = 0; f < 40; ++f) {
    a[f] = 0.01f * static_cast<float>(f) - 0.2f;
    b[f] = 0.5f - 0.013f * static_cast<float>(f);
  }
  out[0] = dot_lanes(a, b, 32);
  out[1] = dot_lanes(a, b, 40);
  out[2] = population_std(a, 5);
  out[3] = alpha_at(kAlphaIncrease, 5.0f, 10, 50);
  out[4] = alpha_at(kAlphaDecrease, 5.0f, 10, 50);
  const LossGrad g = pair_loss(kLossBpr, 0.3f, -0.2f);
  out[5] = g.loss;
  out[6] = g.d_pos;
  const ElemGrad e = pair_grad_elem(0.1f, -0.2f, 0.3f, 0.7f, g.d_pos, g.d_neg, 0.01f);
  out[7] = e.user;
  out[8] = e.pos;
  out[9] = e.neg;
  out[10] = e.beta;
  float w = 0.5f, m = 0.0f, v = 0.0f;
  AdamStep s{0.001f, 0.9f, 0.999f, 1e-8f};
  adam_update(&w, &m, &v, 0.25f, s);
  out[11] = w;
  PhiloxStream st = make_stream(42, kRngGumbel, 3, 7, 11);
  for (int k = 0; k < 6; ++k) words[k] = st.next_u32();
  out[12] = st.open01();
  int32_t mem[4];
  init_memory_row(9, 5, 4, 0, 100, mem);
  out[13] = static_cast<float>(mem[0] + 100 * mem[1] + 10000 * mem[2]);
  out[14] = sigmoid(-1.5f);
  out[15] = softplus(2.0f);
  const AdamStep t = adam_step_scalars(0.001f, 0.9f, 0.999f, 1e-8f, 37);
  out[16] = t.lr_t;
  const GmfScorer sc(ModelView{ModelKind::kGmf, 40, nullptr, nullptr, b, 40});
  float ctx[40];
  sc.user_context(a, ctx);
  out[17] = sc.score(ctx, b);
}

__global__ void evaluate_kernel(float* out, uint32_t* words) { evaluate_all(out, words); }

TEST(HdMathOnDevice, MatchesHost) {
  SRNS_SKIP_WITHOUT_GPU();
  float host[kOut];
  uint32_t host_words[6];
  evaluate_all(host, host_words);
  float* out_d = nullptr;
  uint32_t* words_d = nullptr;
  ASSERT_EQ(cudaMalloc(&out_d, sizeof(host)), cudaSuccess);
  ASSERT_EQ(cudaMalloc(&words_d, sizeof(host_words)), cudaSuccess);
  evaluate_kernel<<<1, 1>>>(out_d, words_d);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  float dev[kOut];
  uint32_t dev_words[6];
  ASSERT_EQ(cudaMemcpy(dev, out_d, sizeof(dev), cudaMemcpyDeviceToHost), cudaSuccess);
  ASSERT_EQ(cudaMemcpy(dev_words, words_d, sizeof(dev_words), cudaMemcpyDeviceToHost), cudaSuccess);
  cudaFree(out_d);
  cudaFree(words_d);
  for (int k = 0; k < 6; ++k) EXPECT_EQ(dev_words[k], host_words[k]) << "Philox word " << k;
  // Integer-valued and add/multiply-only results are bit-identical (no FMA contraction on
  // either side); results through expf/logf may differ by an ulp or two between libm and
  // CUDA's math library.
  for (int k : {0, 1, 2, 3, 4, 7, 8, 10, 11, 12, 13}) EXPECT_EQ(dev[k], host[k]) << "output " << k;
  for (int k : {5, 6, 9, 14, 15}) EXPECT_NEAR(dev[k], host[k], 4e-7f) << "output " << k;
}

}  // namespace
}  // namespace srns
