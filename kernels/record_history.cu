// Scores behind the SRNS pooled score history: score_pool ([U][V] scores of a pool, one thread
// per (u, v)) and score_pairs (the tracked (user, item) pairs, one thread per pair), written
// through a ScoreOut (score_out.hpp: one ring slot of the history's runs, strided). Each
// thread forms its score with thread_score (scorer_warp.cuh; GMF: the 32 lane partials in
// registers), the canonical order, so every recorded score equals the CPU's bit for bit.
#include <type_traits>

#include "launch.cuh"
#include "record_history.cuh"
#include "scorer_warp.cuh"

namespace srns::gpu {
namespace {

template <class Scorer>
__global__ void score_pairs_kernel(ModelView m, int64_t n, const int32_t* users,
                                   const int32_t* items, ScoreOut out) {
  const Scorer sc(m);
  for (int64_t k = thread_index(); k < n; k += thread_count()) {
    out.put(k, 0, thread_score(sc, m.user_row(users[k]), m.item_row(items[k])));
  }
}

template <class Scorer>
__global__ void score_pool_kernel(ModelView m, int32_t n_users, int32_t pool_size,
                                  const int32_t* pool, ScoreOut out) {
  const Scorer sc(m);
  const int64_t n = static_cast<int64_t>(n_users) * pool_size;
  for (int64_t x = thread_index(); x < n; x += thread_count()) {
    const int64_t u = x / pool_size;
    out.put(u, x - u * pool_size,
            thread_score(sc, m.user_row(static_cast<int32_t>(u)), m.item_row(pool[x])));
  }
}

}  // namespace

void score_pairs(cudaStream_t stream, const ModelView& model, int64_t n, const int32_t* users,
                 const int32_t* items, const ScoreOut& out) {
  if (n <= 0) return;
  with_scorer(model, [&](const auto& sc) {
    using Scorer = std::decay_t<decltype(sc)>;
    score_pairs_kernel<Scorer><<<grid_size(n), kBlock, 0, stream>>>(model, n, users, items, out);
    SRNS_CUDA_LAUNCH_CHECK("score_pairs_kernel");
  });
}

void score_pool(cudaStream_t stream, const ModelView& model, int32_t n_users, int32_t pool_size,
                const int32_t* pool, const ScoreOut& out) {
  const int64_t n = static_cast<int64_t>(n_users) * pool_size;
  if (n <= 0) return;
  with_scorer(model, [&](const auto& sc) {
    using Scorer = std::decay_t<decltype(sc)>;
    score_pool_kernel<Scorer>
        <<<grid_size(n), kBlock, 0, stream>>>(model, n_users, pool_size, pool, out);
    SRNS_CUDA_LAUNCH_CHECK("score_pool_kernel");
  });
}

}  // namespace srns::gpu
