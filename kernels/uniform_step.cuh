// The uniform-negative batch step on the GPU (CPU: cpu::uniform_step).
#pragma once
#include <cuda_runtime.h>

#include "cpu/cpu_ops.hpp"
#include "pair_gradient.cuh"

namespace srns::gpu {

// For each pair k: j uniform outside the user's training row (stream kRngUniformNeg, epoch,
// batch, k, as the CPU), the loss and the gradient contributions. Device pointers throughout.
void uniform_step(cudaStream_t stream, const cpu::ModelView& model, const cpu::StepParams& params,
                  const cpu::Batch& batch, DeviceStepOutput out);

}  // namespace srns::gpu
