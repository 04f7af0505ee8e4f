// Evaluation ranking on the GPU (CPU: src/cpu/rank.cpp).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "cpu/cpu_ops.hpp"
#include "srns/metrics.hpp"

namespace srns::gpu {

// Sampled: row r (user[r], target item[r]) against its n_neg negatives negatives[r][..]:
// out[r] = {#{n : r_n > r_t}, #{n : r_n == r_t}}. Device pointers.
void rank_sampled(cudaStream_t stream, const cpu::ModelView& model, int64_t n_rows,
                  const int32_t* user, const int32_t* item, int32_t n_neg, const int32_t* negatives,
                  RankCount* out);

// Device CSR (rows = users): offsets int64[U + 1], cols int32[nnz]; a null `off` is empty.
struct DeviceCsr {
  const int64_t* off;
  const int32_t* cols;
};

// Full: for each user u and target t of targets.row(u): counts over the items outside u's
// training row and exclude row, t itself left out; out[] aligned with targets' cols. Users are
// scored in chunks of chunk_users rows into `scores` (chunk_users * n_items floats);
// target_scores holds one float per target. targets.off must not be null.
void rank_full(cudaStream_t stream, const cpu::ModelView& model, int32_t n_users, int32_t n_items,
               DeviceCsr train, DeviceCsr targets, DeviceCsr exclude, int32_t chunk_users,
               float* scores, float* target_scores, RankCount* out);

}  // namespace srns::gpu
