// The epoch's pairs in training order on the GPU (CPU: cpu::epoch_pairs,
// src/cpu/epoch_pairs.cpp): pair[x] = order[x], user[x] = pair_user[order[x]],
// item[x] = train_cols[order[x]] for x < n.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace srns::gpu {

void epoch_pairs(cudaStream_t stream, const int64_t* order, int64_t n, const int32_t* pair_user,
                 const int32_t* train_cols, int64_t* pair, int32_t* user, int32_t* item);

}  // namespace srns::gpu
