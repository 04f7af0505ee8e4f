// Optimiser step, one launch per batch.
//   dense Adam   one thread per element of [0, U*F) user | [U*F, (U+I)*F) item | H head
//   lazy / SGD   head elements first, then one warp per (pair slot, role) of the batch: the
//                role's row (user, positive item, negative item); lane 0 claims the row by
//                clearing its flag (atomicExch), so each touched row is stepped exactly once,
//                lanes over F.
// Every element update is the shared adam_update / sgd_update with adam_step_scalars of the
// device step counter (the CPU's arithmetic), and every element is updated by exactly one
// thread, so parameters and moments equal the CPU's bit for bit given the same gradients
// (IEEE +, *, /, sqrt, no contraction on either side). Untouched rows read g = 0.0f from the
// zeroed dense gradient, as the CPU passes 0.0f. The thread that reads a gradient element
// zeroes it, leaving the buffers clean for the next batch without another pass.
#include <cmath>

#include "launch.cuh"
#include "optimizer_step.cuh"

namespace srns::gpu {
namespace {

enum StepRule : int { kRuleAdam = 0, kRuleSgd = 1 };

struct StepArgs {
  int rule;
  float lr, beta1, beta2, eps;
  bool train_head;
};

__device__ __forceinline__ void step_element(const StepArgs& a, const AdamStep& s, float* w,
                                             float* m, float* v, float* grad) {
  const float g = *grad;
  if (a.rule == kRuleSgd) {
    sgd_update(w, g, a.lr);
  } else {
    adam_update(w, m, v, g, s);
  }
  if (g != 0.0f) *grad = 0.0f;
}

__device__ __forceinline__ void step_head(const StepArgs& a, const AdamStep& s,
                                          const DeviceParams& p, const DeviceRowGradients& g,
                                          int64_t f) {
  if (a.train_head) {
    step_element(a, s, p.head + f, p.head_m ? p.head_m + f : nullptr,
                 p.head_v ? p.head_v + f : nullptr, g.head_grad + f);
  } else {
    g.head_grad[f] = 0.0f;
  }
}

__device__ __forceinline__ float* at(float* base, int64_t x) { return base ? base + x : nullptr; }

__global__ void dense_step_kernel(StepArgs a, DeviceParams p, DeviceRowGradients g,
                                  BatchCounters* counters) {
  const AdamStep s = adam_step_scalars(a.lr, a.beta1, a.beta2, a.eps, counters->step);
  const int64_t n_user = static_cast<int64_t>(p.n_users) * p.dim;
  const int64_t n_item = static_cast<int64_t>(p.n_items) * p.dim;
  const int64_t n = n_user + n_item + p.head_size;
  for (int64_t x = thread_index(); x < n; x += thread_count()) {
    if (x < n_user) {
      step_element(a, s, p.user + x, at(p.user_m, x), at(p.user_v, x), g.user_grad + x);
    } else if (x < n_user + n_item) {
      const int64_t y = x - n_user;
      step_element(a, s, p.item + y, at(p.item_m, y), at(p.item_v, y), g.item_grad + y);
    } else {
      step_head(a, s, p, g, x - n_user - n_item);
    }
  }
  if (thread_index() == 0) counters->batch += 1;
}

__global__ void touched_step_kernel(StepArgs a, DeviceParams p, DeviceRowGradients g,
                                    BatchRefs batch, const int32_t* negative,
                                    BatchCounters* counters) {
  const AdamStep s = adam_step_scalars(a.lr, a.beta1, a.beta2, a.eps, counters->step);
  const int lane = static_cast<int>(threadIdx.x) & (kWarpSize - 1);
  for (int64_t f = thread_index(); f < p.head_size; f += thread_count()) step_head(a, s, p, g, f);
  const int64_t b = counters->opt_batch;
  const int32_t size = batch.size(b);
  const int64_t base = batch.begin(b);
  const int dim = p.dim;
  for (int64_t x = thread_index() / kWarpSize; x < 3 * static_cast<int64_t>(size);
       x += thread_count() / kWarpSize) {
    const int64_t k = x / 3;
    const int role = static_cast<int>(x % 3);
    const bool user_row = role == 0;
    const int32_t row = user_row    ? batch.user[base + k]
                        : role == 1 ? batch.item[base + k]
                                    : negative[k];
    int32_t* flag = (user_row ? g.user_flag : g.item_flag) + row;
    int claimed = 0;
    if (lane == 0) claimed = atomicExch(flag, 0);
    claimed = __shfl_sync(kFullMask, claimed, 0);
    if (!claimed) continue;  // uniform per warp
    float* w = user_row ? p.user : p.item;
    float* m = user_row ? p.user_m : p.item_m;
    float* v = user_row ? p.user_v : p.item_v;
    float* grad = user_row ? g.user_grad : g.item_grad;
    for (int f = lane; f < dim; f += kWarpSize) {
      const int64_t e = static_cast<int64_t>(row) * dim + f;
      step_element(a, s, w + e, at(m, e), at(v, e), grad + e);
    }
  }
  if (thread_index() == 0) counters->batch += 1;
}

}  // namespace

void optimizer_step(cudaStream_t stream, const OptimConfig& config, bool train_head,
                    const BatchRefs& batch, const int32_t* negative, DeviceParams params,
                    DeviceRowGradients g, BatchCounters* counters) {
  StepArgs a;
  a.rule = config.kind == OptimizerKind::kSgd ? kRuleSgd : kRuleAdam;
  a.lr = config.lr;
  a.beta1 = config.beta1;
  a.beta2 = config.beta2;
  a.eps = config.eps;
  a.train_head = train_head;
  if (config.kind == OptimizerKind::kAdam) {
    const int64_t n =
        (static_cast<int64_t>(params.n_users) + params.n_items) * params.dim + params.head_size;
    dense_step_kernel<<<grid_size(n), kBlock, 0, stream>>>(a, params, g, counters);
    SRNS_CUDA_LAUNCH_CHECK("dense_step_kernel");
  } else {
    const int64_t warps = 3 * static_cast<int64_t>(batch.batch_size);
    touched_step_kernel<<<warp_grid_size(warps), kBlock, 0, stream>>>(a, params, g, batch, negative,
                                                                      counters);
    SRNS_CUDA_LAUNCH_CHECK("touched_step_kernel");
  }
}

}  // namespace srns::gpu
