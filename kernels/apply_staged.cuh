// Owners' refreshed memory rows into the memory table (CPU: the copy after cpu::srns_step in
// CpuBackend::run_batch).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace srns::gpu {

// memory[user[k]] = staged[k] (S1 entries) for every owner slot k < size.
void apply_staged(cudaStream_t stream, int32_t size, int s1, const uint8_t* owner,
                  const int32_t* user, const int32_t* staged, int32_t* memory);

}  // namespace srns::gpu
