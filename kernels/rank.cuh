// Evaluation ranking on the GPU (CPU: src/cpu/rank.cpp).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "batch.cuh"
#include "srns/metrics.hpp"
#include "srns/scorer.hpp"

namespace srns::gpu {

// Sampled: row r (user[r], target item[r]) against its n_neg negatives negatives[r][..]:
// out[r] = {#{n : r_n > r_t}, #{n : r_n == r_t}}. Device pointers.
void rank_sampled(cudaStream_t stream, const ModelView& model, int64_t n_rows, const int32_t* user,
                  const int32_t* item, int32_t n_neg, const int32_t* negatives, RankCount* out);

// Full: for each user u and target t of targets.row(u): counts over the items outside u's
// training row and exclude row, t itself left out; out[] aligned with targets' cols. Users are
// scored in chunks of chunk_users rows into `scores` (chunk_users * n_items floats);
// target_scores holds one float per target. targets.off must not be null.
void rank_full(cudaStream_t stream, const ModelView& model, int32_t n_users, int32_t n_items,
               DeviceCsr train, DeviceCsr targets, DeviceCsr exclude, int32_t chunk_users,
               float* scores, float* target_scores, RankCount* out);

// Users per full-ranking chunk: as many score rows as fit in kFullRankChunkBytes, at least 32
// (and at most n_users). The footprint estimate and rank_full's caller use the same number.
constexpr int64_t kFullRankChunkBytes = int64_t{256} << 20;
inline int32_t full_rank_chunk_users(int32_t n_users, int32_t n_items) {
  const int64_t rows = kFullRankChunkBytes / (4 * static_cast<int64_t>(n_items > 0 ? n_items : 1));
  const int64_t chunk = rows < 32 ? 32 : rows;
  return static_cast<int32_t>(chunk < n_users ? chunk : (n_users > 0 ? n_users : 1));
}

}  // namespace srns::gpu
