// Score matrices r(u, i) for a block of users x all items.
//
// GMF, r = dot_lanes(p_u ⊙ beta, q_i): one block (32 x 8 threads) per tile of 8 users x 32 items,
// grid-stride over tiles; thread (ty, tx) owns score (user ty, item tx) and keeps the 32 lane
// partials of dot_lanes in registers. The tile's p ⊙ beta rows (8 x 32) and item rows (32 x 32,
// padded to 33 columns against bank conflicts) are staged in shared memory one 32-element chunk of
// F at a time; partial l adds element base + l of chunk `base`, so each score is summed in the
// canonical lane order and equals the CPU's bit for bit (no contraction; pb rounded before the
// product).
//
// Other scorers: one thread per score through the policy (user context in registers/local).
//
// Shapes: user float[U][F], item float[I][F]; score (u, i) goes to out.put(u, i) (score_out.hpp:
// a plain matrix, or one ring slot of the SRNS history's [U][I][W] runs, a strided write).
#include <type_traits>

#include "lane_math.cuh"
#include "launch.cuh"
#include "score_matrix.cuh"

namespace srns::gpu {
namespace {

constexpr int kTileUsers = 8;
constexpr int kTileItems = kWarpSize;

__global__ void __launch_bounds__(kTileUsers* kTileItems)
    gmf_score_matrix_kernel(ModelView m, int32_t u0, int32_t n_users, int32_t n_items,
                            ScoreOut out) {
  __shared__ float pb_tile[kTileUsers][kLanes];
  __shared__ float q_tile[kTileItems][kLanes + 1];
  const int tx = static_cast<int>(threadIdx.x) % kTileItems;
  const int ty = static_cast<int>(threadIdx.x) / kTileItems;
  const int dim = m.dim;
  const int64_t tiles_i = (n_items + kTileItems - 1) / kTileItems;
  const int64_t tiles_u = (n_users + kTileUsers - 1) / kTileUsers;
  for (int64_t tile = blockIdx.x; tile < tiles_i * tiles_u; tile += gridDim.x) {
    const int32_t ub = static_cast<int32_t>(tile / tiles_i) * kTileUsers;
    const int32_t ib = static_cast<int32_t>(tile % tiles_i) * kTileItems;
    float lane[kLanes];
    SRNS_UNROLL
    for (int l = 0; l < kLanes; ++l) lane[l] = 0.0f;
    for (int base = 0; base < dim; base += kLanes) {
      const int width = dim - base < kLanes ? dim - base : kLanes;
      const int32_t u = ub + ty;
      pb_tile[ty][tx] =
          u < n_users && tx < width
              ? m.user[static_cast<int64_t>(u0 + u) * dim + base + tx] * m.head[base + tx]
              : 0.0f;
      for (int r = ty; r < kTileItems; r += kTileUsers) {
        const int32_t i = ib + r;
        q_tile[r][tx] =
            i < n_items && tx < width ? m.item[static_cast<int64_t>(i) * dim + base + tx] : 0.0f;
      }
      __syncthreads();
      SRNS_UNROLL
      for (int l = 0; l < kLanes; ++l) {
        if (l < width) {
          const float prod = pb_tile[ty][l] * q_tile[tx][l];
          lane[l] = lane[l] + prod;
        }
      }
      __syncthreads();
    }
    const float score = lane_tree_sum_reg(lane);
    const int32_t u = ub + ty, i = ib + tx;
    if (u < n_users && i < n_items) out.put(u, i, score);
  }
}

template <class Scorer>
__global__ void score_matrix_kernel(ModelView m, int32_t u0, int32_t n_users, int32_t n_items,
                                    ScoreOut out) {
  const Scorer sc(m);
  const int64_t n = static_cast<int64_t>(n_users) * n_items;
  for (int64_t x = thread_index(); x < n; x += thread_count()) {
    const int64_t u = x / n_items, i = x % n_items;
    float ctx[kMaxDim];
    sc.user_context(m.user_row(static_cast<int32_t>(u0 + u)), ctx);
    out.put(u, i, sc.score(ctx, m.item_row(static_cast<int32_t>(i))));
  }
}

}  // namespace

void score_matrix(cudaStream_t stream, const ModelView& model, int32_t u0, int32_t n_users,
                  int32_t n_items, const ScoreOut& out) {
  if (n_users <= 0 || n_items <= 0) return;
  with_scorer(model, [&](const auto& sc) {
    using Scorer = std::decay_t<decltype(sc)>;
    if constexpr (std::is_same_v<Scorer, GmfScorer>) {
      const int64_t tiles = ((n_items + kTileItems - 1) / kTileItems) *
                            static_cast<int64_t>((n_users + kTileUsers - 1) / kTileUsers);
      const int threads = kTileUsers * kTileItems;
      gmf_score_matrix_kernel<<<grid_size(tiles * threads, threads), threads, 0, stream>>>(
          model, u0, n_users, n_items, out);
      SRNS_CUDA_LAUNCH_CHECK("gmf_score_matrix_kernel");
    } else {
      score_matrix_kernel<Scorer>
          <<<grid_size(static_cast<int64_t>(n_users) * n_items), kBlock, 0, stream>>>(
              model, u0, n_users, n_items, out);
      SRNS_CUDA_LAUNCH_CHECK("score_matrix_kernel");
    }
  });
}

}  // namespace srns::gpu
