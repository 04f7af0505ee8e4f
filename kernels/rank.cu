// Evaluation ranking.
//
// Sampled: one warp per row; every lane scores the target, lane l scores negatives l, l+32, ...
// (thread_score: the canonical lane order in registers, so every score equals the CPU's bit
// for bit), and the warp sums the > and == counts.
//
// Full ranking, per chunk of users:
//   1. score_matrix: scores[u - u0][i] = r(u, i) for every item (bit for bit the CPU's);
//   2. one block per user: read the target scores, then overwrite the scores of the user's
//      training and exclude items with NaN (a NaN compares neither > nor == to anything);
//   3. the same block counts, per target t with score s, items with score > s and == s; the
//      target itself is among the == items unless it is excluded, so it is taken off then.
// These are the CPU's counts over its candidate list (items outside train and exclude).
//
// Shapes: negatives int32[rows][n_neg]; scores float[chunk_users][I]; out RankCount[targets].
#include <cub/block/block_reduce.cuh>
#include <type_traits>

#include "launch.cuh"
#include "rank.cuh"
#include "score_matrix.cuh"
#include "scorer_warp.cuh"

namespace srns::gpu {
namespace {

template <class Scorer>
__global__ void rank_sampled_kernel(ModelView m, int64_t n_rows, const int32_t* user,
                                    const int32_t* item, int32_t n_neg, const int32_t* negatives,
                                    RankCount* out) {
  const Scorer sc(m);
  const int lane = static_cast<int>(threadIdx.x) & (kWarpSize - 1);
  for (int64_t r = thread_index() / kWarpSize; r < n_rows; r += thread_count() / kWarpSize) {
    const float* p = m.user_row(user[r]);
    const float target = thread_score(sc, p, m.item_row(item[r]));
    int greater = 0, equal = 0;
    for (int32_t n = lane; n < n_neg; n += kWarpSize) {
      const float s = thread_score(sc, p, m.item_row(negatives[r * n_neg + n]));
      greater += s > target;
      equal += s == target;
    }
    greater = __reduce_add_sync(kFullMask, greater);
    equal = __reduce_add_sync(kFullMask, equal);
    if (lane == 0) {
      out[r].greater = greater;
      out[r].equal = equal;
    }
  }
}

constexpr int kRankBlock = 256;

__global__ void __launch_bounds__(kRankBlock)
    rank_full_chunk_kernel(int32_t u0, int32_t n_users, int32_t n_items, DeviceCsr train,
                           DeviceCsr targets, DeviceCsr exclude, float* scores,
                           float* target_scores, RankCount* out) {
  using Reduce = cub::BlockReduce<int, kRankBlock>;
  __shared__ typename Reduce::TempStorage tmp;
  const float nan = __int_as_float(0x7FC00000);
  for (int32_t local = blockIdx.x; local < n_users; local += gridDim.x) {
    const int32_t u = u0 + local;
    const int64_t t_begin = targets.off[u], t_end = targets.off[u + 1];
    if (t_begin == t_end) continue;  // uniform per block
    float* row = scores + static_cast<int64_t>(local) * n_items;
    for (int64_t t = t_begin + threadIdx.x; t < t_end; t += kRankBlock) {
      target_scores[t] = row[targets.cols[t]];
    }
    __syncthreads();
    const DeviceCsr masked[2] = {train, exclude};
    for (const DeviceCsr& c : masked) {
      if (!c.off) continue;
      for (int64_t x = c.off[u] + threadIdx.x; x < c.off[u + 1]; x += kRankBlock) {
        row[c.cols[x]] = nan;
      }
    }
    __syncthreads();
    for (int64_t t = t_begin; t < t_end; ++t) {
      const float s = target_scores[t];
      int greater = 0, equal = 0;
      for (int32_t i = threadIdx.x; i < n_items; i += kRankBlock) {
        greater += row[i] > s;
        equal += row[i] == s;
      }
      greater = Reduce(tmp).Sum(greater);
      __syncthreads();
      equal = Reduce(tmp).Sum(equal);
      __syncthreads();
      if (threadIdx.x == 0) {
        const int32_t target = targets.cols[t];
        const bool excluded = train.contains(u, target) || exclude.contains(u, target);
        out[t].greater = greater;
        out[t].equal = equal - (excluded ? 0 : 1);
      }
    }
  }
}

}  // namespace

void rank_sampled(cudaStream_t stream, const ModelView& model, int64_t n_rows, const int32_t* user,
                  const int32_t* item, int32_t n_neg, const int32_t* negatives, RankCount* out) {
  if (n_rows <= 0) return;
  with_scorer(model, [&](const auto& sc) {
    using Scorer = std::decay_t<decltype(sc)>;
    rank_sampled_kernel<Scorer><<<warp_grid_size(n_rows), kBlock, 0, stream>>>(
        model, n_rows, user, item, n_neg, negatives, out);
    SRNS_CUDA_LAUNCH_CHECK("rank_sampled_kernel");
  });
}

void rank_full(cudaStream_t stream, const ModelView& model, int32_t n_users, int32_t n_items,
               DeviceCsr train, DeviceCsr targets, DeviceCsr exclude, int32_t chunk_users,
               float* scores, float* target_scores, RankCount* out) {
  if (chunk_users <= 0) throw std::invalid_argument("rank_full: chunk_users must be positive");
  for (int32_t u0 = 0; u0 < n_users; u0 += chunk_users) {
    const int32_t n = n_users - u0 < chunk_users ? n_users - u0 : chunk_users;
    score_matrix(stream, model, u0, n, n_items, float_matrix(scores, n_items));
    rank_full_chunk_kernel<<<grid_size(static_cast<int64_t>(n) * kRankBlock, kRankBlock),
                             kRankBlock, 0, stream>>>(u0, n, n_items, train, targets, exclude,
                                                      scores, target_scores, out);
    SRNS_CUDA_LAUNCH_CHECK("rank_full_chunk_kernel");
  }
}

}  // namespace srns::gpu
