// The generic pair-gradient kernel (CPU: cpu::pair_gradients, src/cpu/pair_gradients.cpp): the
// loss and gradient row of every pair (u_k, i_k, negative[k]) of the current batch, with the
// batch's loss and label-error sums. The batch loop runs it after a sampler's select when the
// sampler has no fused step.
#pragma once
#include <cuda_runtime.h>

#include "batch.cuh"
#include "srns/scorer.hpp"

namespace srns::gpu {

// args.negative holds the negatives on entry (and is left unchanged).
void pair_gradients(cudaStream_t stream, const BatchRefs& batch, const ModelView& model,
                    const PairStepArgs& args);

}  // namespace srns::gpu
