// Optimiser step on the GPU (CPU: cpu::optimizer_step, src/cpu/optimizer_step.cpp).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "reduce_gradients.cuh"
#include "srns/config.hpp"
#include "srns/math.hpp"

namespace srns::gpu {

// Device parameters and optimiser moments (moments may be null for SGD).
struct DeviceParams {
  int32_t n_users, n_items, dim;
  float* user;
  float* item;
  float* beta;
  float* user_m;
  float* user_v;
  float* item_m;
  float* item_v;
  float* beta_m;
  float* beta_v;
};

// One step from the batch's summed gradients `g` (reduce_gradients), which it consumes: the
// gradient rows, flags and beta gradient it read are zero afterwards. `step` is this step's
// 1-based number. Adam: every row of P and Q (g = 0 where untouched); lazy Adam and SGD: the
// touched rows only; beta (GMF, train_beta) by the same rule.
void optimizer_step(cudaStream_t stream, const OptimConfig& config, bool train_beta, int64_t step,
                    DeviceParams params, DeviceRowGradients g);

}  // namespace srns::gpu
