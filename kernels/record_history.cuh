// Scores behind the SRNS pooled score history on the GPU (CPU: src/cpu/record_history.cpp);
// the dense history is a score matrix (score_matrix.cuh).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "srns/score_out.hpp"
#include "srns/scorer.hpp"

namespace srns::gpu {

// out(k, 0) = r(users[k], items[k]) for k < n (score_out.hpp).
void score_pairs(cudaStream_t stream, const ModelView& model, int64_t n, const int32_t* users,
                 const int32_t* items, const ScoreOut& out);

// out(u, v) = r(u, pool[u][v]) for every user.
void score_pool(cudaStream_t stream, const ModelView& model, int32_t n_users, int32_t pool_size,
                const int32_t* pool, const ScoreOut& out);

}  // namespace srns::gpu
