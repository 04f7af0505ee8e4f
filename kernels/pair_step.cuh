// The batch step of samplers that draw each pair's negative on its own (uniform, popularity,
// and the generic path that reads negatives another kernel chose): one kernel that, per pair
// k of the current batch (BatchRefs::counters), with one warp per pair and lanes over F,
//   forms c_u (warp_user_context), draws j = draw(sc, c_u, b, k, u, i, lane) (every lane gets
//   the same j), scores r_pos and r_neg, and writes the gradient row and loss of (u, i, j)
//   (scorer_warp.cuh); lane 0 writes negative[k] and adds the loss and the label error to the
//   batch's sums (one atomic per warp).
// The scores, gradients and losses equal the CPU's cpu::pair_gradients bit for bit (same lane
// order, no contraction) up to expf/log1pf ulps; the batch sums are double atomics, so their
// last bits vary with the order.
//
// A Draw is a device functor: int32_t operator()(const Scorer* sc, const float* ctx, int64_t b,
// int32_t k, int32_t u, int32_t i, int lane) const, uniform across the warp; sc and ctx are null
// in the draw-only path (launch_pair_draw), for draws that read no scores.
#pragma once
#include <cuda_runtime.h>

#include <type_traits>

#include "batch.cuh"
#include "launch.cuh"
#include "scorer_warp.cuh"

namespace srns::gpu {

constexpr int kPairStepWarps = 8;  // warps per block

#if defined(__CUDACC__)
template <class Scorer, class Draw>
__global__ void __launch_bounds__(kPairStepWarps* kWarpSize)
    pair_step_kernel(BatchRefs batch, ModelView m, PairStepArgs a, Draw draw) {
  extern __shared__ float pair_step_smem[];
  const Scorer sc(m);
  const int lane = static_cast<int>(threadIdx.x) & (kWarpSize - 1);
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  float* ctx = pair_step_smem + static_cast<int64_t>(warp) * sc.context_size();
  const int64_t b = batch.counters->batch;
  const int32_t size = batch.size(b);
  const int64_t base = batch.begin(b);
  const int64_t stride = m.grad_stride();
  double loss_sum = 0.0;
  unsigned long long errors = 0;
  for (int64_t x = thread_index() / kWarpSize; x < size; x += thread_count() / kWarpSize) {
    const int32_t k = static_cast<int32_t>(x);
    const int32_t u = batch.user[base + k], i = batch.item[base + k];
    const float* p = m.user_row(u);
    warp_user_context(sc, p, ctx, lane);
    __syncwarp();
    const int32_t j = draw(&sc, ctx, b, k, u, i, lane);
    const float r_pos = warp_score(sc, ctx, m.item_row(i), lane);
    const float r_neg = warp_score(sc, ctx, m.item_row(j), lane);
    const float loss = warp_pair_gradient(sc, p, m.item_row(i), m.item_row(j), a.loss_kind, a.reg,
                                          r_pos, r_neg, a.grad + k * stride, lane);
    if (lane == 0) {
      a.negative[k] = j;
      a.loss[k] = loss;
      loss_sum += static_cast<double>(loss);
      errors += a.truth.contains(u, j) ? 1 : 0;
    }
    __syncwarp();  // ctx is rewritten by the next pair
  }
  if (lane == 0 && (loss_sum != 0.0 || errors != 0)) {
    atomicAdd(a.batch_loss + b, loss_sum);
    atomicAdd(a.batch_fn + b, errors);
  }
}

// negative[k] = draw(null, null, b, k, u, i, 0) for the current batch, one thread per pair: the
// select path of a per-pair sampler whose draw reads no scores.
template <class Draw>
__global__ void pair_draw_kernel(BatchRefs batch, Draw draw, int32_t* negative) {
  const int64_t b = batch.counters->batch;
  const int32_t size = batch.size(b);
  const int64_t base = batch.begin(b);
  for (int64_t k = thread_index(); k < size; k += thread_count()) {
    negative[k] = draw(static_cast<const GmfScorer*>(nullptr), nullptr, b, static_cast<int32_t>(k),
                       batch.user[base + k], batch.item[base + k], 0);
  }
}

template <class Draw>
void launch_pair_draw(cudaStream_t stream, const char* name, const BatchRefs& batch,
                      const Draw& draw, int32_t* negative) {
  pair_draw_kernel<Draw><<<grid_size(batch.batch_size), kBlock, 0, stream>>>(batch, draw, negative);
  SRNS_CUDA_LAUNCH_CHECK(name);
}

// Launches pair_step_kernel for the model's scorer; `name` names the launch in errors.
template <class Draw>
void launch_pair_step(cudaStream_t stream, const char* name, const BatchRefs& batch,
                      const ModelView& model, const PairStepArgs& args, const Draw& draw) {
  with_scorer(model, [&](const auto& sc) {
    using Scorer = std::decay_t<decltype(sc)>;
    constexpr int kThreads = kPairStepWarps * kWarpSize;
    const size_t smem = sizeof(float) * kPairStepWarps * static_cast<size_t>(sc.context_size());
    pair_step_kernel<Scorer, Draw>
        <<<warp_grid_size(batch.batch_size, kThreads), kThreads, smem, stream>>>(batch, model, args,
                                                                                 draw);
    SRNS_CUDA_LAUNCH_CHECK(name);
  });
}
#endif

}  // namespace srns::gpu
