// The SRNS batch step on the GPU (CPU: cpu::srns_step, src/cpu/srns_step.cpp): for the current
// batch (BatchRefs::counters), user group by user group (batch_groups.cuh), every pair's
// negative (eq. 4 over the user's memory, or uniform from memory), then the user's memory row
// refreshed in place (eq. 3) when p.refresh; fused (`pair` non-null): also every pair's
// gradient row, loss and label error, as pair_step.cuh writes them.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "batch.cuh"
#include "batch_groups.cuh"
#include "srns/samplers/srns.hpp"
#include "srns/scorer.hpp"

namespace srns::gpu {

// Kernel versions, both covered by the parity tests (TrainConfig::cuda_step):
//   kThread  one thread per user group calling select_entry / refresh_memory / the scorer's
//            pair_gradient: the CPU reference compiled for the device;
//   kWarp    one warp per user group, lanes over the embedding dimension and the candidates.
enum class SrnsStepVersion { kThread, kWarp };

// Everything the step reads and writes (device pointers); fixed for an epoch.
struct SrnsStepArgs {
  SrnsView view;  // the epoch's current pool
  SrnsStepParams params;
  BatchRefs batch;
  DeviceBatchGroups groups;
  ModelView model;
  int32_t* memory;     // [U][S1], refreshed in place
  int32_t* negative;   // [B] out
  float* ctx_scratch;  // [B][context size] for kThread
};

// `pair` null: negatives (and refresh) only, the generic path.
void srns_step(cudaStream_t stream, SrnsStepVersion version, const SrnsStepArgs& args,
               const PairStepArgs* pair);

// Bytes of per-thread local memory the step's kernels use (cudaFuncGetAttributes), for the
// footprint estimate.
int64_t srns_step_local_bytes();

}  // namespace srns::gpu
