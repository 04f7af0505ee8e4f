// Initial SRNS memory on the GPU (CPU: init_memory_row per user in CpuBackend::setup).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "srns/samplers/srns.hpp"

namespace srns::gpu {

// memory[u][0..S1) = init_memory_row(seed, u, S1, fn_count(u), V) for every user. `view` holds
// device pointers (only its sizes, seed and false-negative CSR are read).
void init_memory(cudaStream_t stream, const SrnsView& view, int32_t* memory);

}  // namespace srns::gpu
