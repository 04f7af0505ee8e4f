// The fused SRNS batch step: per positive pair (u, i) of a batch, with the model as it is at
// the start of the batch,
//   r_k    = r(u, M_u[k])                            fresh scores of the S1 memory entries
//   j      = argmax_k P_pos(k) + alpha_t * sd(k)     eq. 4, first maximum wins (sampler.hpp)
//   owner of u (first slot of u in the batch): refresh M_u (eq. 3) into staged[k] - redraw the
//            injected false negatives, extend by S2 distinct pool slots outside memory, score
//            all S1 + S2, keep S1 by Gumbel-top-k at temperature tau
//   grad[k] = [dL/dp_u | dL/dq_i | dL/dq_j | dL/dbeta], loss[k]     (pair_gradient.cuh)
//
// Two versions (StepVersion):
//   simple  one thread per pair calls the CPU's select_entry / refresh_memory / pair_gradient,
//           so it is the CPU reference compiled for the device;
//   warp    one warp per pair. Scores are warp dots (lanes over F, xor butterfly; four
//           candidates at a time), the lane order of dot_lanes, so they equal the CPU's bit for
//           bit. Candidates are spread over
//           lanes for the history reads and the selection value (the same per-entry function
//           calls as select_entry), and an argmax reduction reproduces "first strict maximum".
//           The refresh draws the S2 extension in rounds of 32 stream words (lane t takes word
//           w0 + t: the sequential draw_distinct's t-th attempt) and keeps a draw when it is new
//           to the list and to the round's earlier draws; the Gumbel noise of candidate k is
//           word k of its stream, as the sequential loop draws it; the top S1 - fn_u keys are
//           placed by rank in (key descending, index ascending), the insertion order of
//           top_n_indices. (lane_math.cuh states each equivalence.)
// Both versions therefore pick the same negatives and staged rows as the CPU wherever expf /
// logf agree (CUDA's and the host libm's may differ by an ulp), and the warp version equals
// the simple one bit for bit on the same device. NaN scores (a diverged model) are the one
// place the rank-based top-k may order differently from the insertion sort.
//
// Shapes: memory int32[U][S1]; staged int32[B][S1]; grad float[B][4F]; per-warp shared
// scratch pb[F] (p_u ⊙ beta), cand[128], items[128], key[128], round[32].
#include <climits>

#include "lane_math.cuh"
#include "launch.cuh"
#include "srns_step.cuh"

namespace srns::gpu {
namespace {

// ---- simple: one thread per pair -------------------------------------------------------------

__global__ void srns_step_simple_kernel(SrnsView v, cpu::ModelView m, cpu::StepParams p,
                                        cpu::Batch b, const int32_t* memory, int32_t* staged,
                                        DeviceStepOutput out, float* pb_all) {
  const int dim = m.dim;
  const int s1 = v.s1;
  for (int64_t x = thread_index(); x < b.size; x += thread_count()) {
    const int32_t k = static_cast<int32_t>(x);
    const int32_t u = b.user[k], i = b.item[k];
    float* pb = pb_all + static_cast<int64_t>(k) * dim;
    user_factor(m.user + static_cast<int64_t>(u) * dim, m.beta, pb, dim);
    const float r_pos = dot_lanes(pb, m.item + static_cast<int64_t>(i) * dim, dim);
    const int32_t* mem = memory + static_cast<int64_t>(u) * s1;
    int entry;
    if (p.random_select) {
      PhiloxStream s = make_stream(p.seed, kRngRandomSelect, p.epoch,
                                   static_cast<uint32_t>(b.index), static_cast<uint32_t>(k));
      entry = static_cast<int>(s.below(static_cast<uint32_t>(s1)));
    } else {
      entry = select_entry(v, p.epoch, p.alpha_t, u, i, b.pair[k], pb, m.item, r_pos, mem);
    }
    const int32_t j = v.entry_item(u, entry, mem[entry]);
    const float r_neg = dot_lanes(pb, m.item + static_cast<int64_t>(j) * dim, dim);
    if (p.refresh && b.owner[k]) {
      refresh_memory(v, p.epoch, b.index, u, pb, m.item, mem,
                     staged + static_cast<int64_t>(k) * s1);
    }
    out.negative[k] = j;
    pair_gradient_thread(m, p.loss, p.reg, u, i, j, r_pos, r_neg,
                         out.grad + static_cast<int64_t>(k) * 4 * dim, out.loss + k);
  }
}

// ---- warp: one warp per pair -----------------------------------------------------------------

constexpr int kStepWarps = 4;  // warps per block
constexpr int kRoundSize = kWarpSize;

// A warp's slice of the block's shared memory.
struct WarpScratch {
  float* pb;       // [dim]
  int32_t* cand;   // [kMaxCandidates] memory / pool slots
  int32_t* items;  // [kMaxCandidates] their items
  float* key;      // [kMaxCandidates] scores, then Gumbel keys
  int32_t* round;  // [kRoundSize] draws of one extension round
};

__host__ __device__ constexpr int scratch_words(int dim) {
  return dim + 3 * kMaxCandidates + kRoundSize;
}

__device__ WarpScratch warp_scratch(float* smem, int warp, int dim) {
  float* base = smem + static_cast<int64_t>(warp) * scratch_words(dim);
  WarpScratch s;
  s.pb = base;
  s.cand = reinterpret_cast<int32_t*>(base + dim);
  s.items = s.cand + kMaxCandidates;
  s.key = reinterpret_cast<float*>(s.items + kMaxCandidates);
  s.round = reinterpret_cast<int32_t*>(s.key + kMaxCandidates);
  return s;
}

// s.key[k] = r(u, s.items[k]) for k < n (s.pb holds p_u ⊙ beta): warp dots, four candidates
// at a time so their loads overlap; lane k % 32 writes key k.
__device__ void score_candidates(const WarpScratch& s, const float* item_table, int n, int dim,
                                 int lane) {
  constexpr int kGroup = 4;
  for (int k0 = 0; k0 < n; k0 += kGroup) {
    const float* rows[kGroup];
#pragma unroll
    for (int c = 0; c < kGroup; ++c) {
      const int k = k0 + c < n ? k0 + c : k0;  // past the end: a repeat, discarded
      rows[c] = item_table + static_cast<int64_t>(s.items[k]) * dim;
    }
    float r[kGroup];
    warp_dots<kGroup>(s.pb, rows, dim, lane, r);
#pragma unroll
    for (int c = 0; c < kGroup; ++c) {
      const int k = k0 + c;
      if (k < n && (k & (kWarpSize - 1)) == lane) s.key[k] = r[c];
    }
  }
}

// select_entry by one warp (s.pb holds p_u ⊙ beta).
__device__ int select_entry_warp(const SrnsView& v, int t, float alpha_t, int32_t u, int32_t i,
                                 int64_t e, const float* item_table, float r_pos,
                                 const int32_t* mem, const WarpScratch& s, int lane) {
  const int n_rec = history_records(t, v.window);
  for (int k = lane; k < v.s1; k += kWarpSize) s.items[k] = v.entry_item(u, k, mem[k]);
  __syncwarp();
  score_candidates(s, item_table, v.s1, v.dim, lane);
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
  __syncwarp();  // s.items / s.key are rewritten by the refresh
  return best;
}

// refresh_memory by one warp, written to out[0..S1) (s.pb holds p_u ⊙ beta).
__device__ void refresh_memory_warp(const SrnsView& v, int t, int64_t batch, int32_t u,
                                    const float* item_table, const int32_t* mem, int32_t* out,
                                    const WarpScratch& s, int lane) {
  const int fn_u = v.fn_count(u);
  if (fn_u > 0 && lane == 0) {  // rare and short: the CPU's code on one lane
    const int64_t fn_size = v.fn_off[u + 1] - v.fn_off[u];
    if (fn_size <= fn_u) {
      for (int k = 0; k < fn_u; ++k) out[k] = k;
    } else {
      PhiloxStream fs = make_stream(v.seed, kRngFnDraw, t, static_cast<uint32_t>(batch),
                                    static_cast<uint32_t>(u));
      draw_distinct(&fs, out, 0, fn_u, static_cast<int32_t>(fn_size));
    }
  }
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
  score_candidates(s, item_table, m, v.dim, lane);
  __syncwarp();
  for (int k = lane; k < m; k += kWarpSize) {
    PhiloxStream g = stream_at(gum, static_cast<uint32_t>(k));
    s.key[k] = gumbel_key(s.key[k], v.inv_tau, g.open01());
  }
  __syncwarp();
  for (int k = lane; k < m; k += kWarpSize) {
    const int rank = key_rank(s.key, m, k);
    if (rank < keep) out[fn_u + rank] = s.cand[k];
  }
  __syncwarp();
}

__global__ void __launch_bounds__(kStepWarps* kWarpSize)
    srns_step_warp_kernel(SrnsView v, cpu::ModelView m, cpu::StepParams p, cpu::Batch b,
                          const int32_t* memory, int32_t* staged, DeviceStepOutput out) {
  extern __shared__ float smem[];
  const int lane = static_cast<int>(threadIdx.x) & (kWarpSize - 1);
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  const WarpScratch s = warp_scratch(smem, warp, m.dim);
  const int dim = m.dim;
  const int s1 = v.s1;
  const int64_t first = thread_index() / kWarpSize;
  const int64_t stride = thread_count() / kWarpSize;
  for (int64_t x = first; x < b.size; x += stride) {  // uniform per warp
    const int32_t k = static_cast<int32_t>(x);
    const int32_t u = b.user[k], i = b.item[k];
    const float* p_u = m.user + static_cast<int64_t>(u) * dim;
    for (int f = lane; f < dim; f += kWarpSize) s.pb[f] = p_u[f] * m.beta[f];
    __syncwarp();
    const float r_pos = warp_dot(s.pb, m.item + static_cast<int64_t>(i) * dim, dim, lane);
    const int32_t* mem = memory + static_cast<int64_t>(u) * s1;
    int entry;
    if (p.random_select) {
      PhiloxStream rs = make_stream(p.seed, kRngRandomSelect, p.epoch,
                                    static_cast<uint32_t>(b.index), static_cast<uint32_t>(k));
      entry = static_cast<int>(rs.below(static_cast<uint32_t>(s1)));
    } else {
      entry =
          select_entry_warp(v, p.epoch, p.alpha_t, u, i, b.pair[k], m.item, r_pos, mem, s, lane);
    }
    const int32_t j = v.entry_item(u, entry, mem[entry]);
    const float r_neg = warp_dot(s.pb, m.item + static_cast<int64_t>(j) * dim, dim, lane);
    if (p.refresh && b.owner[k]) {
      refresh_memory_warp(v, p.epoch, b.index, u, m.item, mem,
                          staged + static_cast<int64_t>(k) * s1, s, lane);
    }
    const float loss = warp_pair_gradient(m, p.loss, p.reg, u, i, j, r_pos, r_neg,
                                          out.grad + static_cast<int64_t>(k) * 4 * dim, lane);
    if (lane == 0) {
      out.negative[k] = j;
      out.loss[k] = loss;
    }
    __syncwarp();  // s.pb is rewritten by the next pair
  }
}

}  // namespace

const char* step_version_name(StepVersion v) {
  return v == StepVersion::kSimple ? "simple" : "warp";
}

void srns_step(cudaStream_t stream, StepVersion version, const SrnsView& view,
               const cpu::ModelView& model, const cpu::StepParams& params, const cpu::Batch& batch,
               const int32_t* memory, int32_t* staged, DeviceStepOutput out, float* pb_scratch) {
  if (batch.size <= 0) return;
  if (view.s1 > kMaxMemory || view.s1 + view.s2 > kMaxCandidates || view.window > kMaxWindow ||
      model.dim > 1024) {
    throw CudaError("srns_step: S1, S1 + S2, W or F beyond the kernel's bounds (sampler.hpp)");
  }
  if (version == StepVersion::kSimple) {
    if (!pb_scratch) throw CudaError("srns_step: the simple version needs pb_scratch");
    constexpr int kSimpleBlock = 128;
    srns_step_simple_kernel<<<grid_size(batch.size, kSimpleBlock), kSimpleBlock, 0, stream>>>(
        view, model, params, batch, memory, staged, out, pb_scratch);
    SRNS_CUDA_LAUNCH_CHECK("srns_step_simple_kernel");
    return;
  }
  constexpr int kThreads = kStepWarps * kWarpSize;
  const size_t smem = sizeof(float) * kStepWarps * static_cast<size_t>(scratch_words(model.dim));
  srns_step_warp_kernel<<<warp_grid_size(batch.size, kThreads), kThreads, smem, stream>>>(
      view, model, params, batch, memory, staged, out);
  SRNS_CUDA_LAUNCH_CHECK("srns_step_warp_kernel");
}

}  // namespace srns::gpu
