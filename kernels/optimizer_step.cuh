// Optimiser step on the GPU (CPU: cpu::optimizer_step, src/cpu/optimizer_step.cpp).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "batch.cuh"
#include "reduce_gradients.cuh"
#include "srns/config.hpp"
#include "srns/math.hpp"

namespace srns::gpu {

// Device parameters and optimiser moments (moments null for SGD).
struct DeviceParams {
  int32_t n_users, n_items, dim, head_size;
  float* user;
  float* item;
  float* head;
  float* user_m;
  float* user_v;
  float* item_m;
  float* item_v;
  float* head_m;
  float* head_v;
};

// One step from the batch's summed gradients `g` (reduce_gradients), which it consumes: the
// gradient rows, flags and head gradient it read are zero afterwards. Adam's t is the device's
// counters.step (advanced by the reduction) and its scalars are computed on the device
// (adam_step_scalars). Adam: every row of P and Q (g = 0 where untouched); lazy Adam and SGD:
// the rows the reduction flagged, found through the batch's pairs (counters.opt_batch); the
// head by the same rule where `train_head`. Then it advances counters.batch.
void optimizer_step(cudaStream_t stream, const OptimConfig& config, bool train_head,
                    const BatchRefs& batch, const int32_t* negative, DeviceParams params,
                    DeviceRowGradients g, BatchCounters* counters);

}  // namespace srns::gpu
