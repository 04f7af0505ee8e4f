// The fused SRNS batch step on the GPU (CPU: cpu::srns_step, src/cpu/srns_step.cpp).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "cpu/cpu_ops.hpp"
#include "pair_gradient.cuh"
#include "srns/sampler.hpp"

namespace srns::gpu {

// Kernel versions raced by the benchmark and both covered by the parity tests:
//   kSimple  one thread per pair calling select_entry / refresh_memory / pair_gradient, the
//            CPU's own functions (the reference on the device);
//   kWarp    one warp per pair, lanes over the embedding dimension and over candidates.
enum class StepVersion { kSimple, kWarp };

const char* step_version_name(StepVersion v);

// For each pair k of the batch: the negative (eq. 4 over memory[user[k]]), the owner's
// refreshed memory row into staged[k * S1] (when params.refresh), the loss and the gradient
// contributions. Every pointer in view, model, params, batch and out is a device pointer;
// pb_scratch holds batch.size * dim floats (used by kSimple only; may be null for kWarp).
void srns_step(cudaStream_t stream, StepVersion version, const SrnsView& view,
               const cpu::ModelView& model, const cpu::StepParams& params, const cpu::Batch& batch,
               const int32_t* memory, int32_t* staged, DeviceStepOutput out, float* pb_scratch);

}  // namespace srns::gpu
