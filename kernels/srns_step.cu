// The SRNS batch step (srns_step.cuh): per user group g of the current batch (one user u, its
// pairs in increasing slot k), with the model as it is at the start of the batch,
//   c_u                                               the scorer's user context, once
//   every pair (u, i):  r_k = r(u, M_u[k])            fresh scores of the S1 memory entries
//                       j = argmax_k P_pos(k) + alpha_t * sd(k)   eq. 4, first maximum wins
//                       (or a uniform entry, random-from-memory)
//                       fused: the gradient row, loss and label error of (u, i, j)
//   then, once:         M_u refreshed in place (eq. 3) - redraw the injected false negatives,
//                       extend by S2 distinct pool slots outside memory, score all S1 + S2,
//                       keep S1 by Gumbel-top-k at temperature tau
// No other group touches M_u in the batch, and every pair of u reads it before the refresh,
// which is the CPU's order (src/cpu/srns_step.cpp).
//
// Two versions (SrnsStepVersion):
//   thread  one thread per group calls select_entry / refresh_memory / the scorer's
//           pair_gradient, the CPU's own functions (the reference on the device);
//   warp    one warp per group. Scores are warp dots (lanes over F, xor butterfly; four
//           candidates at a time), the lane order of dot_lanes, so they equal the CPU's bit for
//           bit. Candidates are spread over lanes for the history reads and the selection
//           value (the same per-entry function calls as select_entry), and an argmax
//           reduction reproduces "first strict maximum". The refresh draws the S2 extension in
//           rounds of 32 stream words (lane t takes word w0 + t: the sequential draw_distinct's
//           t-th attempt) and keeps a draw when it is new to the list and to the round's
//           earlier draws; the Gumbel noise of candidate k is word k of its stream, as the
//           sequential loop draws it; the top S1 - fn_u keys are placed by rank in (key
//           descending, index ascending), the insertion order of top_n_indices. (lane_math.cuh
//           states each equivalence.)
// Both versions therefore pick the same negatives and memory rows as the CPU wherever expf /
// logf agree (CUDA's and the host libm's may differ by an ulp), and the warp version equals the
// thread one bit for bit on the same device. NaN scores (a diverged model) are the one place
// the rank-based top-k may order differently from the insertion sort.
//
// Shapes: memory int32[U][S1]; grad float[B][3F + H]; per-warp shared scratch ctx[context],
// cand[128], items[128], key[128], round[32].
#include <climits>
#include <stdexcept>
#include <type_traits>

#include "lane_math.cuh"
#include "launch.cuh"
#include "scorer_warp.cuh"
#include "srns_step.cuh"

namespace srns::gpu {
namespace {

constexpr int kStepWarps = 4;  // warps per block
constexpr int kRoundSize = kWarpSize;

// A warp's slice of the block's shared memory.
struct WarpScratch {
  float* ctx;      // [context size]
  int32_t* cand;   // [kMaxCandidates] memory / pool slots
  int32_t* items;  // [kMaxCandidates] their items
  float* key;      // [kMaxCandidates] scores, then Gumbel keys
  int32_t* round;  // [kRoundSize] draws of one extension round
};

__host__ __device__ constexpr int scratch_words(int context) {
  return context + 3 * kMaxCandidates + kRoundSize;
}

__device__ WarpScratch warp_scratch(float* smem, int warp, int context) {
  float* base = smem + static_cast<int64_t>(warp) * scratch_words(context);
  WarpScratch s;
  s.ctx = base;
  s.cand = reinterpret_cast<int32_t*>(base + context);
  s.items = s.cand + kMaxCandidates;
  s.key = reinterpret_cast<float*>(s.items + kMaxCandidates);
  s.round = reinterpret_cast<int32_t*>(s.key + kMaxCandidates);
  return s;
}

// s.key[k] = r(u, s.items[k]) for k < n: warp scores four at a time so their loads overlap;
// lane k % 32 writes key k.
template <class Scorer>
__device__ void score_candidates(const Scorer& sc, const WarpScratch& s, const float* item_table,
                                 int n, int dim, int lane) {
  constexpr int kGroup = 4;
  for (int k0 = 0; k0 < n; k0 += kGroup) {
    const float* rows[kGroup];
#pragma unroll
    for (int c = 0; c < kGroup; ++c) {
      const int k = k0 + c < n ? k0 + c : k0;  // past the end: a repeat, discarded
      rows[c] = item_table + static_cast<int64_t>(s.items[k]) * dim;
    }
    float r[kGroup];
    warp_scores<kGroup>(sc, s.ctx, rows, lane, r);
#pragma unroll
    for (int c = 0; c < kGroup; ++c) {
      const int k = k0 + c;
      if (k < n && (k & (kWarpSize - 1)) == lane) s.key[k] = r[c];
    }
  }
}

// select_entry by one warp (s.ctx holds c_u).
template <class Scorer>
__device__ int select_entry_warp(const Scorer& sc, const SrnsView& v, int t, float alpha_t,
                                 int32_t u, int32_t i, int64_t e, const float* item_table,
                                 float r_pos, const int32_t* mem, const WarpScratch& s, int lane) {
  const int n_rec = history_records(t, v.window);
  for (int k = lane; k < v.s1; k += kWarpSize) s.items[k] = v.entry_item(u, k, mem[k]);
  __syncwarp();
  score_candidates(sc, s, item_table, v.s1, v.dim, lane);
  __syncwarp();
  float h_pos[kMaxWindow];
  for (int rec = 0; rec < n_rec; ++rec) h_pos[rec] = v.hist_positive(t - n_rec + rec, u, i, e);
  float best_value = -HUGE_VALF;
  int best = INT_MAX;
  for (int k = lane; k < v.s1; k += kWarpSize) {
    float x[kMaxWindow];
    for (int rec = 0; rec < n_rec; ++rec) {
      x[rec] = history_value(v.hist_entry(t - n_rec + rec, t, u, k, mem[k], s.items[k]), h_pos[rec],
                             v.raw_variance);
    }
    const float value =
        argmax_key(selection_value(p_pos(s.key[k], r_pos), population_std(x, n_rec), alpha_t), k);
    if (argmax_better(value, k, best_value, best)) {
      best_value = value;
      best = k;
    }
  }
  for (int off = kWarpSize / 2; off > 0; off /= 2) {
    const float other_value = __shfl_xor_sync(kFullMask, best_value, off);
    const int other = __shfl_xor_sync(kFullMask, best, off);
    if (argmax_better(other_value, other, best_value, best)) {
      best_value = other_value;
      best = other;
    }
  }
  __syncwarp();  // s.items / s.key are rewritten next
  return best;
}

// refresh_memory by one warp, in place over the memory row `mem` (s.ctx holds c_u). The row is
// read into shared memory before any of its pool entries is written.
template <class Scorer>
__device__ void refresh_memory_warp(const Scorer& sc, const SrnsView& v, int t, int64_t batch,
                                    int32_t u, const float* item_table, int32_t* mem,
                                    const WarpScratch& s, int lane) {
  const int fn_u = v.fn_count(u);
  if (lane == 0) refresh_fn_entries(v, t, batch, u, mem);  // rare and short: one lane
  const int keep = v.s1 - fn_u;
  const int m = keep + v.s2;
  for (int k = lane; k < keep; k += kWarpSize) s.cand[k] = mem[fn_u + k];
  __syncwarp();
  // Extension: S2 distinct pool slots outside the list, in rounds of 32 stream words.
  const PhiloxStream ext =
      make_stream(v.seed, kRngExtend, t, static_cast<uint32_t>(batch), static_cast<uint32_t>(u));
  int have = keep;
  for (uint32_t word = 0; have < m; word += kRoundSize) {
    PhiloxStream w = stream_at(ext, word + static_cast<uint32_t>(lane));
    const int32_t c = static_cast<int32_t>(w.below(static_cast<uint32_t>(v.pool_size)));
    s.round[lane] = c;
    __syncwarp();
    const bool accept = round_accepts(s.cand, have, s.round, lane);
    const unsigned mask = __ballot_sync(kFullMask, accept);
    const int pos = have + __popc(mask & ((1u << lane) - 1u));
    if (accept && pos < m) s.cand[pos] = c;  // slots >= have: disjoint from the reads above
    have = min(m, have + __popc(mask));
    __syncwarp();
  }
  for (int k = lane; k < m; k += kWarpSize) {
    s.items[k] = v.pool[static_cast<int64_t>(u) * v.pool_size + s.cand[k]];
  }
  __syncwarp();
  // Gumbel keys: candidate k takes word k of the Gumbel stream.
  const PhiloxStream gum =
      make_stream(v.seed, kRngGumbel, t, static_cast<uint32_t>(batch), static_cast<uint32_t>(u));
  score_candidates(sc, s, item_table, m, v.dim, lane);
  __syncwarp();
  for (int k = lane; k < m; k += kWarpSize) {
    PhiloxStream g = stream_at(gum, static_cast<uint32_t>(k));
    s.key[k] = gumbel_key(s.key[k], v.inv_tau, g.open01());
  }
  __syncwarp();
  for (int k = lane; k < m; k += kWarpSize) {
    const int rank = key_rank(s.key, m, k);
    if (rank < keep) mem[fn_u + rank] = s.cand[k];
  }
  __syncwarp();
}

template <class Scorer, bool kGradients>
__global__ void __launch_bounds__(kStepWarps* kWarpSize)
    srns_step_warp_kernel(SrnsStepArgs a, PairStepArgs pa) {
  extern __shared__ float srns_smem[];
  const Scorer sc(a.model);
  const ModelView& m = a.model;
  const SrnsView& v = a.view;
  const SrnsStepParams& p = a.params;
  const int lane = static_cast<int>(threadIdx.x) & (kWarpSize - 1);
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  const WarpScratch s = warp_scratch(srns_smem, warp, sc.context_size());
  const int64_t b = a.batch.counters->batch;
  const int64_t base = a.batch.begin(b);
  const int64_t stride = m.grad_stride();
  const int32_t g_end = a.groups.batch_group[b + 1];
  double loss_sum = 0.0;
  unsigned long long errors = 0;
  for (int64_t g = a.groups.batch_group[b] + thread_index() / kWarpSize; g < g_end;
       g += thread_count() / kWarpSize) {  // uniform per warp
    const int32_t x_begin = a.groups.group_begin[g], x_end = a.groups.group_begin[g + 1];
    const int32_t u = a.batch.user[a.groups.pos[x_begin]];
    const float* p_u = m.user_row(u);
    warp_user_context(sc, p_u, s.ctx, lane);
    __syncwarp();
    int32_t* mem = a.memory + static_cast<int64_t>(u) * v.s1;
    for (int32_t x = x_begin; x < x_end; ++x) {
      const int64_t pos = a.groups.pos[x];
      const int32_t k = static_cast<int32_t>(pos - base);
      const int32_t i = a.batch.item[pos];
      const float r_pos = warp_score(sc, s.ctx, m.item_row(i), lane);
      const int entry = p.random_selection
                            ? random_entry(p.seed, p.epoch, b, k, v.s1)
                            : select_entry_warp(sc, v, p.epoch, p.alpha_t, u, i, a.batch.pair[pos],
                                                m.item, r_pos, mem, s, lane);
      const int32_t j = v.entry_item(u, entry, mem[entry]);
      if (kGradients) {
        const float r_neg = warp_score(sc, s.ctx, m.item_row(j), lane);
        const float loss = warp_pair_gradient(sc, p_u, m.item_row(i), m.item_row(j), pa.loss_kind,
                                              pa.reg, r_pos, r_neg, pa.grad + k * stride, lane);
        if (lane == 0) {
          pa.loss[k] = loss;
          loss_sum += static_cast<double>(loss);
          errors += pa.truth.contains(u, j) ? 1 : 0;
        }
      }
      if (lane == 0) a.negative[k] = j;
      __syncwarp();
    }
    if (p.refresh) refresh_memory_warp(sc, v, p.epoch, b, u, m.item, mem, s, lane);
    __syncwarp();  // s.ctx is rewritten by the next group
  }
  if (kGradients && lane == 0 && (loss_sum != 0.0 || errors != 0)) {
    atomicAdd(pa.batch_loss + b, loss_sum);
    atomicAdd(pa.batch_fn + b, errors);
  }
}

template <class Scorer, bool kGradients>
__global__ void srns_step_thread_kernel(SrnsStepArgs a, PairStepArgs pa) {
  const Scorer sc(a.model);
  const ModelView& m = a.model;
  const SrnsView& v = a.view;
  const SrnsStepParams& p = a.params;
  const int64_t b = a.batch.counters->batch;
  const int64_t base = a.batch.begin(b);
  const int64_t stride = m.grad_stride();
  const int32_t g_begin = a.groups.batch_group[b], g_end = a.groups.batch_group[b + 1];
  double loss_sum = 0.0;
  unsigned long long errors = 0;
  for (int64_t g = g_begin + thread_index(); g < g_end; g += thread_count()) {
    const int32_t x_begin = a.groups.group_begin[g], x_end = a.groups.group_begin[g + 1];
    const int32_t u = a.batch.user[a.groups.pos[x_begin]];
    float* ctx = a.ctx_scratch + (g - g_begin) * sc.context_size();
    sc.user_context(m.user_row(u), ctx);
    int32_t* mem = a.memory + static_cast<int64_t>(u) * v.s1;
    for (int32_t x = x_begin; x < x_end; ++x) {
      const int64_t pos = a.groups.pos[x];
      const int32_t k = static_cast<int32_t>(pos - base);
      const int32_t i = a.batch.item[pos];
      const float r_pos = sc.score(ctx, m.item_row(i));
      const int entry = p.random_selection
                            ? random_entry(p.seed, p.epoch, b, k, v.s1)
                            : select_entry(v, p.epoch, p.alpha_t, u, i, a.batch.pair[pos], sc, ctx,
                                           m.item, r_pos, mem);
      const int32_t j = v.entry_item(u, entry, mem[entry]);
      a.negative[k] = j;
      if (kGradients) {
        const float r_neg = sc.score(ctx, m.item_row(j));
        const float loss =
            sc.pair_gradient(m.user_row(u), m.item_row(i), m.item_row(j), pa.loss_kind, pa.reg,
                             r_pos, r_neg, pa.grad + k * stride);
        pa.loss[k] = loss;
        loss_sum += static_cast<double>(loss);
        errors += pa.truth.contains(u, j) ? 1 : 0;
      }
    }
    if (p.refresh) refresh_memory(v, p.epoch, b, u, sc, ctx, m.item, mem, mem);
  }
  if (kGradients && (loss_sum != 0.0 || errors != 0)) {
    atomicAdd(pa.batch_loss + b, loss_sum);
    atomicAdd(pa.batch_fn + b, errors);
  }
}

template <class Scorer, bool kGradients>
void launch(SrnsStepVersion version, const Scorer& sc, const SrnsStepArgs& a,
            const PairStepArgs& pa, cudaStream_t stream) {
  const int32_t groups = a.batch.batch_size;  // a batch has at most B user groups
  if (version == SrnsStepVersion::kThread) {
    constexpr int kThreadBlock = 128;
    srns_step_thread_kernel<Scorer, kGradients>
        <<<grid_size(groups, kThreadBlock), kThreadBlock, 0, stream>>>(a, pa);
    SRNS_CUDA_LAUNCH_CHECK("srns_step_thread_kernel");
    return;
  }
  constexpr int kThreads = kStepWarps * kWarpSize;
  const size_t smem =
      sizeof(float) * kStepWarps * static_cast<size_t>(scratch_words(sc.context_size()));
  srns_step_warp_kernel<Scorer, kGradients>
      <<<warp_grid_size(groups, kThreads), kThreads, smem, stream>>>(a, pa);
  SRNS_CUDA_LAUNCH_CHECK("srns_step_warp_kernel");
}

template <class Kernel>
int64_t local_bytes(Kernel kernel) {
  cudaFuncAttributes attr{};
  SRNS_CUDA_CHECK(cudaFuncGetAttributes(&attr, kernel));
  return static_cast<int64_t>(attr.localSizeBytes);
}

}  // namespace

void srns_step(cudaStream_t stream, SrnsStepVersion version, const SrnsStepArgs& args,
               const PairStepArgs* pair) {
  const SrnsView& v = args.view;
  if (v.s1 > kMaxMemory || v.s1 + v.s2 > kMaxCandidates || v.window > kMaxWindow ||
      v.dim > kMaxDim) {
    throw std::invalid_argument(
        "srns_step: S1, S1 + S2, W or F beyond the kernel's bounds (samplers/srns.hpp)");
  }
  if (version == SrnsStepVersion::kThread && !args.ctx_scratch) {
    throw std::invalid_argument("srns_step: the thread version needs ctx_scratch");
  }
  with_scorer(args.model, [&](const auto& sc) {
    using Scorer = std::decay_t<decltype(sc)>;
    if (pair) {
      launch<Scorer, true>(version, sc, args, *pair, stream);
    } else {
      launch<Scorer, false>(version, sc, args, PairStepArgs{}, stream);
    }
  });
}

int64_t srns_step_local_bytes() {
  int64_t most = 0;
  for (int64_t b : {local_bytes(srns_step_thread_kernel<GmfScorer, true>),
                    local_bytes(srns_step_thread_kernel<GmfScorer, false>),
                    local_bytes(srns_step_warp_kernel<GmfScorer, true>),
                    local_bytes(srns_step_warp_kernel<GmfScorer, false>)}) {
    most = b > most ? b : most;
  }
  return most;
}

}  // namespace srns::gpu
