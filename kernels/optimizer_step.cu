// Optimiser step, one launch per batch over a flat index space
//   dense Adam:    [0, U*F) user elements | [U*F, (U+I)*F) item elements | F beta elements
//   lazy / SGD:    [0, B*F) touched user rows x F | [.., +2B*F) touched item rows x F | beta
// one thread per element. Every element update is the shared adam_update / sgd_update with the
// host-derived AdamStep (lr_t in double on the host, as the CPU), and every element is updated
// by exactly one thread, so the parameters and moments equal the CPU's bit for bit given the
// same gradients (IEEE +, *, /, sqrt, no contraction on either side). Untouched rows read
// g = 0.0f from the zeroed dense gradient, as the CPU passes 0.0f.
//
// The thread that reads a gradient element zeroes it (and element 0 of a row zeroes the row's
// touched flag), leaving the buffers clean for the next batch without another pass.
#include <cmath>

#include "cpu/cpu_ops.hpp"  // adam_scalars: the same host scalars as the CPU backend
#include "launch.cuh"
#include "optimizer_step.cuh"

namespace srns::gpu {
namespace {

enum StepRule : int { kRuleAdam = 0, kRuleSgd = 1 };

struct StepArgs {
  int rule;
  AdamStep adam;
  float lr;
  bool train_beta;
};

__device__ __forceinline__ void step_element(const StepArgs& a, float* w, float* m, float* v,
                                             float g) {
  if (a.rule == kRuleSgd) {
    sgd_update(w, g, a.lr);
  } else {
    adam_update(w, m, v, g, a.adam);
  }
}

// Updates element x of a table row and clears what it consumed.
__device__ __forceinline__ void step_table_element(const StepArgs& a, float* w, float* m, float* v,
                                                   float* grad, int32_t* flag, int64_t row, int f,
                                                   int dim) {
  const int64_t x = row * dim + f;
  const float g = grad[x];
  step_element(a, w + x, m ? m + x : nullptr, v ? v + x : nullptr, g);
  if (g != 0.0f) grad[x] = 0.0f;
  if (f == 0) flag[row] = 0;
}

__device__ __forceinline__ void step_beta(const StepArgs& a, const DeviceParams& p,
                                          const DeviceRowGradients& g, int f) {
  if (a.train_beta) {
    step_element(a, p.beta + f, p.beta_m ? p.beta_m + f : nullptr,
                 p.beta_v ? p.beta_v + f : nullptr, g.beta_grad[f]);
  }
  g.beta_grad[f] = 0.0f;
}

__global__ void dense_step_kernel(StepArgs a, DeviceParams p, DeviceRowGradients g) {
  const int dim = p.dim;
  const int64_t n_user = static_cast<int64_t>(p.n_users) * dim;
  const int64_t n_item = static_cast<int64_t>(p.n_items) * dim;
  const int64_t n = n_user + n_item + dim;
  for (int64_t x = thread_index(); x < n; x += thread_count()) {
    if (x < n_user) {
      step_table_element(a, p.user, p.user_m, p.user_v, g.user_grad, g.user_flag, x / dim,
                         static_cast<int>(x % dim), dim);
    } else if (x < n_user + n_item) {
      const int64_t y = x - n_user;
      step_table_element(a, p.item, p.item_m, p.item_v, g.item_grad, g.item_flag, y / dim,
                         static_cast<int>(y % dim), dim);
    } else {
      step_beta(a, p, g, static_cast<int>(x - n_user - n_item));
    }
  }
}

__global__ void touched_step_kernel(StepArgs a, DeviceParams p, DeviceRowGradients g) {
  const int dim = p.dim;
  const int64_t n_user = static_cast<int64_t>(g.batch_capacity) * dim;
  const int64_t n_item = 2 * n_user;
  const int64_t n = n_user + n_item + dim;
  const int32_t user_rows = g.counts[0], item_rows = g.counts[1];
  for (int64_t x = thread_index(); x < n; x += thread_count()) {
    if (x < n_user) {
      const int64_t r = x / dim;
      if (r >= user_rows) continue;
      step_table_element(a, p.user, p.user_m, p.user_v, g.user_grad, g.user_flag, g.user_rows[r],
                         static_cast<int>(x % dim), dim);
    } else if (x < n_user + n_item) {
      const int64_t y = x - n_user;
      const int64_t r = y / dim;
      if (r >= item_rows) continue;
      step_table_element(a, p.item, p.item_m, p.item_v, g.item_grad, g.item_flag, g.item_rows[r],
                         static_cast<int>(y % dim), dim);
    } else {
      step_beta(a, p, g, static_cast<int>(x - n_user - n_item));
    }
  }
}

}  // namespace


void optimizer_step(cudaStream_t stream, const OptimConfig& config, bool train_beta, int64_t step,
                    DeviceParams params, DeviceRowGradients g) {
  StepArgs a;
  a.rule = config.kind == OptimizerKind::kSgd ? kRuleSgd : kRuleAdam;
  a.adam = cpu::adam_scalars(config, step);
  a.lr = config.lr;
  a.train_beta = train_beta;
  const int64_t dim = params.dim;
  if (config.kind == OptimizerKind::kAdam) {
    const int64_t n = (static_cast<int64_t>(params.n_users) + params.n_items + 1) * dim;
    dense_step_kernel<<<grid_size(n), kBlock, 0, stream>>>(a, params, g);
    SRNS_CUDA_LAUNCH_CHECK("dense_step_kernel");
  } else {
    const int64_t n = (3 * static_cast<int64_t>(g.batch_capacity) + 1) * dim;
    touched_step_kernel<<<grid_size(n), kBlock, 0, stream>>>(a, params, g);
    SRNS_CUDA_LAUNCH_CHECK("touched_step_kernel");
  }
}

}  // namespace srns::gpu
