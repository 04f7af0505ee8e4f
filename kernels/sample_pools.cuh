// Candidate pools on the GPU (CPU: cpu::sample_pools in src/cpu/record_history.cpp).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace srns::gpu {

// Pool p of every user into pool[U][V]: slot v of user u from pool_chunk (sampler.hpp), the
// same draws as the CPU. train_off / train_cols: the training CSR on the device.
void sample_pools(cudaStream_t stream, uint64_t seed, int64_t p, int32_t n_users, int32_t n_items,
                  int32_t pool_size, const int64_t* train_off, const int32_t* train_cols,
                  int32_t* pool);

}  // namespace srns::gpu
