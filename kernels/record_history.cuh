// Scoring for the SRNS score history on the GPU (CPU: src/cpu/record_history.cpp).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "cpu/cpu_ops.hpp"

namespace srns::gpu {

// Dense history: hist_record[u][i] = r(u, i) for every user and item (cpu::score_all).
void score_all(cudaStream_t stream, const cpu::ModelView& model, int32_t n_users, int32_t n_items,
               float* hist_record);

// out[k] = r(users[k], items[k]) for k < n (cpu::score_pairs).
void score_pairs(cudaStream_t stream, const cpu::ModelView& model, int64_t n, const int32_t* users,
                 const int32_t* items, float* out);

// out[u][v] = r(u, pool[u][v]) for every user (cpu::score_pool).
void score_pool(cudaStream_t stream, const cpu::ModelView& model, int32_t n_users,
                int32_t pool_size, const int32_t* pool, float* out);

}  // namespace srns::gpu
