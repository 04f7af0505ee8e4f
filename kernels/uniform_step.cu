// Uniform-negative batch step, with the SRNS warp kernel's structure (one warp per pair, lanes
// over F) so the two samplers are timed on equal terms:
//   j = draw_non_positive(stream(seed, kRngUniformNeg, epoch, batch, k), train row of u)
//   r_pos, r_neg by warp dots (the canonical lane order), then the shared gradient tail.
// Every lane runs the rejection loop on the same stream (no divergence, broadcast reads), so
// the negative is the CPU's exactly; scores equal the CPU's bit for bit; loss and gradients
// differ only where CUDA's expf/log1pf and the host's differ by an ulp.
//
// Shapes: grad float[B][4F], loss float[B], negative int32[B].
#include "lane_math.cuh"
#include "launch.cuh"
#include "srns/sampler.hpp"
#include "uniform_step.cuh"

namespace srns::gpu {
namespace {

__global__ void uniform_step_kernel(cpu::ModelView m, cpu::StepParams p, cpu::Batch b,
                                    DeviceStepOutput out) {
  const int lane = static_cast<int>(threadIdx.x) & (kWarpSize - 1);
  const int dim = m.dim;
  const int64_t first = thread_index() / kWarpSize;
  const int64_t stride = thread_count() / kWarpSize;
  for (int64_t x = first; x < b.size; x += stride) {  // uniform per warp
    const int32_t k = static_cast<int32_t>(x);
    const int32_t u = b.user[k], i = b.item[k];
    PhiloxStream s = make_stream(p.seed, kRngUniformNeg, p.epoch, static_cast<uint32_t>(b.index),
                                 static_cast<uint32_t>(k));
    const int64_t begin = p.train_off[u];
    const int32_t j =
        draw_non_positive(&s, p.train_cols + begin, p.train_off[u + 1] - begin, p.n_items);
    const float* p_u = m.user + static_cast<int64_t>(u) * dim;
    const float r_pos = warp_score(p_u, m.beta, m.item + static_cast<int64_t>(i) * dim, dim, lane);
    const float r_neg = warp_score(p_u, m.beta, m.item + static_cast<int64_t>(j) * dim, dim, lane);
    const float loss = warp_pair_gradient(m, p.loss, p.reg, u, i, j, r_pos, r_neg,
                                          out.grad + static_cast<int64_t>(k) * 4 * dim, lane);
    if (lane == 0) {
      out.negative[k] = j;
      out.loss[k] = loss;
    }
  }
}

}  // namespace

void uniform_step(cudaStream_t stream, const cpu::ModelView& model, const cpu::StepParams& params,
                  const cpu::Batch& batch, DeviceStepOutput out) {
  if (batch.size <= 0) return;
  uniform_step_kernel<<<warp_grid_size(batch.size), kBlock, 0, stream>>>(model, params, batch, out);
  SRNS_CUDA_LAUNCH_CHECK("uniform_step_kernel");
}

}  // namespace srns::gpu
