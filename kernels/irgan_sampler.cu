// gpu::IrganSampler, twin of cpu::IrganSampler (src/cpu/irgan_sampler.cpp): IRGAN's pairwise
// form (samplers/irgan.hpp). A batch is two kernels here plus the backend's reduction and
// optimiser:
//   irgan_step_kernel  one block per user group of the current batch (batch_groups.cu, built
//     at begin_epoch): G's context p_u ⊙ beta (kept in ctx[slot] for the next kernel) and its
//     scores of all I items (one thread per item, thread_score: the CPU's lane order) into the
//     group's row of coef;
//     block reductions for the softmax's max, a chunked block scan for its CDF in the block's
//     scratch row (masked: the user's training positives weigh 0; with --irgan-mix also the
//     unmasked CDF); one warp per pair: its negative by binary search of the CDF, D's scores,
//     gradient row and loss, the reward (and the mixture draw), G's L2 on the drawn item
//     (atomics); then the group's REINFORCE coefficients over the catalogue into coef[slot]
//     (the CPU's softmax_reinforce_row, its draws applied in the CPU's order), and G's user and
//     head gradients (sums over the items, warps over items, lanes over F)
//   irgan_generator_step_kernel  one thread per element of G: the item gradient
//     sum_slot coef[slot][i] ctx[slot][f] formed where it is consumed, then the engine's Adam
//     (math.hpp: adam_update, G's own step counter) on users, items and head, zeroing the sums
// The CDF is a block scan where the CPU adds sequentially, so a draw within an ulp of a CDF step
// may differ from the CPU's (the parity test counts them); G's sums differ by their order.
//
// Shapes: coef [B][I] (the largest part, counted by estimate_bytes), ctx [B][F], cdf and (with
// --irgan-mix) cdf_all [blocks][I], advantage and learned [B]. Shared: per-warp D context, the
// scan's and the reductions' storage. The item gradient uses the GMF form dr/dq = p_u ⊙ beta.
#include <algorithm>
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>
#include <stdexcept>

#include "batch_groups.cuh"
#include "generator.cuh"
#include "lane_math.cuh"
#include "launch.cuh"
#include "sampler.cuh"
#include "scorer_warp.cuh"
#include "srns/samplers/irgan.hpp"

namespace srns::gpu {
namespace {

constexpr int kIrganThreads = 256;
constexpr int kIrganWarps = kIrganThreads / kWarpSize;
constexpr int kIrganBlocks = 256;  // at most; each block owns a scratch row of the CDF

struct IrganArgs {
  uint64_t seed;
  int epoch;
  int32_t n_items, dim;
  float inv_tau, reg, mix;
  DeviceCsr train;
  DeviceBatchGroups groups;
  ModelView gen;
  DeviceRowGradients gen_grad;
  BatchCounters* gen_counters;
  float* coef;       // [B][I]
  float* ctx;        // [B][F]
  float* cdf;        // [blocks][I]
  float* cdf_all;    // [blocks][I] (--irgan-mix)
  float* advantage;  // [B] in group order
  int32_t* learned;  // [B] in group order
};

// The larger of two values (NaN-ignoring where the other is a number), for block reductions.
struct Larger {
  template <typename T>
  __device__ T operator()(const T& a, const T& b) const {
    return a > b ? a : b;
  }
};

using BlockScan = cub::BlockScan<float, kIrganThreads>;
using BlockMax = cub::BlockReduce<float, kIrganThreads>;
using BlockInt = cub::BlockReduce<int, kIrganThreads>;

struct IrganShared {
  union {
    typename BlockScan::TempStorage scan;
    typename BlockMax::TempStorage max;
    typename BlockInt::TempStorage last;
  } tmp;
  float top, top_all, total, total_all;
  int last, last_all;
  float partial_user[kIrganWarps][kWarpSize];
  float partial_head[kIrganWarps][kWarpSize];
};

// The block's CDF of w(i) = exp((logit(i) - top) / tau) over items with keep(i), into cdf[0..I);
// returns the total (on every thread) and the last item with weight in *last.
template <class Keep>
__device__ float block_cdf(const float* logits, int32_t n, float top, float inv_tau, Keep keep,
                           float* cdf, IrganShared& sh, int* last) {
  float carry = 0.0f;
  int last_item = -1;
  for (int32_t c0 = 0; c0 < n; c0 += kIrganThreads) {
    const int32_t i = c0 + static_cast<int32_t>(threadIdx.x);
    float w = 0.0f;
    if (i < n && keep(i) && logits[i] > -INFINITY) {
      const float x = expf((logits[i] - top) * inv_tau);
      w = x == x ? x : 0.0f;
    }
    if (w > 0.0f) last_item = i;
    float incl = 0.0f, chunk = 0.0f;
    BlockScan(sh.tmp.scan).InclusiveSum(w, incl, chunk);
    __syncthreads();
    if (i < n) cdf[i] = carry + incl;
    carry = carry + chunk;
  }
  const int found = BlockInt(sh.tmp.last).Reduce(last_item, Larger());
  if (threadIdx.x == 0) sh.last = found < 0 ? 0 : found;
  __syncthreads();
  *last = sh.last;
  return carry;
}

// The first item whose CDF exceeds the target (cdf_pick's rule), or `last`.
__device__ int32_t cdf_search(const float* cdf, int32_t n, float target, int32_t last) {
  int32_t lo = 0, hi = n;  // first index with cdf > target in [lo, hi)
  while (lo < hi) {
    const int32_t mid = lo + (hi - lo) / 2;
    if (cdf[mid] > target) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo < n ? lo : last;
}

__device__ float block_max(float v, IrganShared& sh) {
  const float top = BlockMax(sh.tmp.max).Reduce(v, Larger());
  if (threadIdx.x == 0) sh.top = top;
  __syncthreads();
  const float out = sh.top;
  __syncthreads();
  return out;
}

template <class Scorer>
__global__ void __launch_bounds__(kIrganThreads)
    irgan_step_kernel(BatchRefs batch, ModelView rec, IrganArgs a, PairStepArgs p) {
  extern __shared__ float irgan_smem[];
  __shared__ IrganShared sh;
  const Scorer gen(a.gen), sd(rec);
  const int lane = static_cast<int>(threadIdx.x) & (kWarpSize - 1);
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  float* ctx_d = irgan_smem + gen.context_size() * warp;
  const int64_t b = batch.counters->batch;
  const int64_t base = batch.begin(b);
  const int32_t first_group = a.groups.batch_group[b];
  const int32_t n = a.n_items;
  float* cdf = a.cdf + static_cast<int64_t>(blockIdx.x) * n;
  float* cdf_all = a.mix > 0.0f ? a.cdf_all + static_cast<int64_t>(blockIdx.x) * n : nullptr;
  const int64_t stride = rec.grad_stride();
  double loss_sum = 0.0;
  unsigned long long errors = 0;
  if (thread_index() == 0) a.gen_counters->step += 1;
  for (int32_t g = first_group + static_cast<int32_t>(blockIdx.x); g < a.groups.batch_group[b + 1];
       g += static_cast<int32_t>(gridDim.x)) {
    const int32_t slot = g - first_group;
    const int32_t y0 = a.groups.group_begin[g], y1 = a.groups.group_begin[g + 1];
    const int32_t u = batch.user[a.groups.pos[y0]];
    const int64_t row_begin = a.train.off[u];
    const int32_t* row = a.train.cols + row_begin;
    const int64_t len = a.train.off[u + 1] - row_begin;
    auto non_positive = [&](int32_t i) { return !sorted_contains(row, len, i); };
    auto any = [](int32_t) { return true; };
    float* logits = a.coef + static_cast<int64_t>(slot) * n;
    // G's context and scores; the softmax maxima (masked, and over all items).
    const float* p_u = a.gen.user_row(u);
    for (int f = static_cast<int>(threadIdx.x); f < a.dim; f += kIrganThreads) {
      a.ctx[static_cast<int64_t>(slot) * a.dim + f] = p_u[f] * gen.beta[f];
    }
    float top = -INFINITY, top_all = -INFINITY;
    for (int32_t i = static_cast<int32_t>(threadIdx.x); i < n; i += kIrganThreads) {
      const float s = thread_score(gen, p_u, a.gen.item_row(i));
      logits[i] = s;
      top_all = s > top_all ? s : top_all;
      if (non_positive(i)) top = s > top ? s : top;
    }
    top = block_max(top, sh);
    top_all = a.mix > 0.0f ? block_max(top_all, sh) : top;
    int last = 0, last_all = 0;
    const float total = block_cdf(logits, n, top, a.inv_tau, non_positive, cdf, sh, &last);
    const float total_all =
        a.mix > 0.0f ? block_cdf(logits, n, top_all, a.inv_tau, any, cdf_all, sh, &last_all)
                     : total;
    // The group's pairs, a warp each.
    for (int32_t y = y0 + warp; y < y1; y += kIrganWarps) {
      const int32_t k = static_cast<int32_t>(a.groups.pos[y] - base);
      const int32_t i = batch.item[base + k];
      PhiloxStream s = irgan_pair_stream(a.seed, a.epoch, b, k);
      const int32_t j = cdf_search(cdf, n, s.open01() * total, last);
      warp_user_context(sd, rec.user_row(u), ctx_d, lane);
      __syncwarp();
      const float r_pos = warp_score(sd, ctx_d, rec.item_row(i), lane);
      const float r_neg = warp_score(sd, ctx_d, rec.item_row(j), lane);
      float loss = 0.0f;
      if (p.grad) {
        loss = warp_pair_gradient(sd, rec.user_row(u), rec.item_row(i), rec.item_row(j),
                                  p.loss_kind, p.reg, r_pos, r_neg, p.grad + k * stride, lane);
      }
      int32_t learned = j;
      float advantage = irgan_pair_reward(r_pos, r_neg);
      if (a.mix > 0.0f) {
        const float u1 = s.open01(), u2 = s.open01();
        if (u1 < a.mix && len > 0) {
          const int64_t x = static_cast<int64_t>(u2 * static_cast<float>(len));
          learned = row[x < len ? x : len - 1];
        } else {
          learned = cdf_search(cdf_all, n, u2 * total_all, last_all);
        }
        const float w = expf((logits[learned] - top_all) * a.inv_tau);
        const float r = warp_score(sd, ctx_d, rec.item_row(learned), lane);
        advantage = importance_weight(w / total_all, !non_positive(learned), a.mix, len) *
                    irgan_point_reward(r);
      }
      const float* q = a.gen.item_row(learned);
      for (int f = lane; f < a.dim; f += kWarpSize) {
        atomicAdd(a.gen_grad.item_grad + static_cast<int64_t>(learned) * a.dim + f, a.reg * q[f]);
      }
      if (lane == 0) {
        a.advantage[y - base] = advantage;
        a.learned[y - base] = learned;
        p.negative[k] = j;
        if (p.grad) {
          p.loss[k] = loss;
          loss_sum += static_cast<double>(loss);
          errors += p.truth.contains(u, j) ? 1 : 0;
        }
      }
      __syncwarp();
    }
    __syncthreads();
    // coef = p * (sum_k A_k) / tau - sum_k A_k 1[c = c_k] / tau (softmax_reinforce_row).
    const bool all = a.mix > 0.0f;
    const float shift = all ? top_all : top, norm = all ? total_all : total;
    const float inv_norm = norm > 0.0f ? 1.0f / norm : 0.0f;
    if (threadIdx.x == 0) {
      float sum = 0.0f;
      for (int32_t y = y0; y < y1; ++y) sum += a.advantage[y - base];
      sh.total = sum * a.inv_tau;
    }
    __syncthreads();
    const float scale = sh.total;
    for (int32_t c = static_cast<int32_t>(threadIdx.x); c < n; c += kIrganThreads) {
      float w = 0.0f;
      if ((all || non_positive(c)) && logits[c] > -INFINITY) {
        const float x = expf((logits[c] - shift) * a.inv_tau);
        w = x == x ? x : 0.0f;
      }
      logits[c] = (w * inv_norm) * scale;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
      for (int32_t y = y0; y < y1; ++y) {
        float* c = logits + a.learned[y - base];
        *c = *c - a.advantage[y - base] * a.inv_tau;
      }
    }
    __syncthreads();
    // G's user and head gradients: sums over the catalogue, warps over items, lanes over F.
    const float l2 = a.reg * static_cast<float>(y1 - y0);
    for (int f0 = 0; f0 < a.dim; f0 += kWarpSize) {
      const int f = f0 + lane;
      float user = 0.0f, head = 0.0f;
      if (f < a.dim) {
        for (int32_t c = warp; c < n; c += kIrganWarps) {
          const float q = a.gen.item_row(c)[f];
          user = user + logits[c] * (gen.beta[f] * q);
          head = head + logits[c] * (p_u[f] * q);
        }
      }
      sh.partial_user[warp][lane] = user;
      sh.partial_head[warp][lane] = head;
      __syncthreads();
      if (warp == 0 && f < a.dim) {
        float su = 0.0f, sh_head = 0.0f;
        for (int w = 0; w < kIrganWarps; ++w) {
          su = su + sh.partial_user[w][lane];
          sh_head = sh_head + sh.partial_head[w][lane];
        }
        a.gen_grad.user_grad[static_cast<int64_t>(u) * a.dim + f] = su + l2 * p_u[f];
        atomicAdd(a.gen_grad.head_grad + f, sh_head);
      }
      __syncthreads();
    }
  }
  if (lane == 0 && p.grad && (loss_sum != 0.0 || errors != 0)) {
    atomicAdd(p.batch_loss + b, loss_sum);
    atomicAdd(p.batch_fn + b, errors);
  }
}

// G's Adam step, one thread per element: users | items | head (file comment).
__global__ void irgan_generator_step_kernel(IrganArgs a, DeviceParams g, float lr, float beta1,
                                            float beta2, float eps, bool train_head,
                                            const BatchCounters* counters) {
  const AdamStep s = adam_step_scalars(lr, beta1, beta2, eps, a.gen_counters->step);
  const int64_t b = counters->batch;
  const int32_t groups = a.groups.batch_group[b + 1] - a.groups.batch_group[b];
  const int64_t n_user = static_cast<int64_t>(g.n_users) * g.dim;
  const int64_t n_item = static_cast<int64_t>(g.n_items) * g.dim;
  for (int64_t x = thread_index(); x < n_user + n_item + g.head_size; x += thread_count()) {
    if (x < n_user) {
      const float grad = a.gen_grad.user_grad[x];
      if (grad != 0.0f) a.gen_grad.user_grad[x] = 0.0f;
      adam_update(g.user + x, g.user_m + x, g.user_v + x, grad, s);
    } else if (x < n_user + n_item) {
      const int64_t y = x - n_user;
      const int64_t i = y / g.dim, f = y % g.dim;
      float grad = a.gen_grad.item_grad[y];
      if (grad != 0.0f) a.gen_grad.item_grad[y] = 0.0f;
      for (int32_t slot = 0; slot < groups; ++slot) {
        grad = grad + a.coef[static_cast<int64_t>(slot) * g.n_items + i] *
                          a.ctx[static_cast<int64_t>(slot) * g.dim + f];
      }
      adam_update(g.item + y, g.item_m + y, g.item_v + y, grad, s);
    } else {
      const int64_t f = x - n_user - n_item;
      const float grad = a.gen_grad.head_grad[f];
      a.gen_grad.head_grad[f] = 0.0f;
      if (train_head) adam_update(g.head + f, g.head_m + f, g.head_v + f, grad, s);
    }
  }
}

class IrganSampler : public GanSampler {
 public:
  std::string describe() const override {
    return mix_ > 0 ? "generator over the catalogue, importance sampling"
                    : "generator over the catalogue";
  }
  int64_t estimate_bytes(const TrainingSet& set, const TrainConfig& c) const override {
    const Dataset& d = *set.data;
    const int64_t b = c.batch_size, items = d.n_items, dim = c.model.dim;
    const int64_t blocks = std::min<int64_t>(b, kIrganBlocks);
    const bool mix = sampler_option(c, "irgan-mix") > 0;
    const int64_t n = std::min<int64_t>(
        d.train.nnz(), batches_per_epoch(d.train.nnz(), c.batch_size, c.keep_last_batch) * b);
    return DeviceGenerator::bytes_for(d.n_users, d.n_items, c.model.dim,
                                      head_size(c.model.kind, c.model.dim)) +
           4 * b * (items + dim + 2) + 4 * blocks * items * (mix ? 2 : 1) +
           (n > 0 ? BatchGroupsBuffers::bytes_for(n, c.batch_size) : 0);
  }
  void setup(const SamplerSetup& s, const ModelView& model) override {
    setup_ = s;
    const TrainConfig& c = *s.config;
    const Dataset& d = *s.set->data;
    settings_ = gan_settings(c);
    mix_ = static_cast<float>(sampler_option(c, "irgan-mix"));
    generator_.setup(model, d.n_users, d.n_items, settings_.lr, s.stream);
    blocks_ = std::min(c.batch_size, kIrganBlocks);
    coef_.resize(static_cast<int64_t>(c.batch_size) * d.n_items);
    ctx_.resize(static_cast<int64_t>(c.batch_size) * model.dim);
    cdf_.resize(static_cast<int64_t>(blocks_) * d.n_items);
    if (mix_ > 0) cdf_all_.resize(cdf_.size());
    advantage_.resize(c.batch_size);
    learned_.resize(c.batch_size);
    const int64_t n = std::min<int64_t>(
        d.train.nnz(),
        batches_per_epoch(d.train.nnz(), c.batch_size, c.keep_last_batch) * c.batch_size);
    if (n > 0) groups_ = BatchGroupsBuffers(n, c.batch_size);
  }
  void begin_epoch(int t, const BatchRefs& batch, cudaStream_t stream) override {
    GanSampler::begin_epoch(t, batch, stream);
    batch_groups(stream, batch.user, batch.n, batch.batch_size, &groups_);
  }

 private:
  void enqueue(const BatchRefs& batch, const ModelView& model, const PairStepArgs& p,
               cudaStream_t stream) override {
    const Dataset& d = *setup_.set->data;
    IrganArgs a;
    a.seed = setup_.config->seed;
    a.epoch = epoch_;
    a.n_items = d.n_items;
    a.dim = model.dim;
    a.inv_tau = 1.0f / settings_.tau;
    a.reg = settings_.reg;
    a.mix = mix_;
    a.train = setup_.train;
    a.groups = groups_.view();
    a.gen = generator_.view();
    a.gen_grad = generator_.grads();
    a.gen_counters = generator_.counters();
    a.coef = coef_.data();
    a.ctx = ctx_.data();
    a.cdf = cdf_.data();
    a.cdf_all = cdf_all_.empty() ? nullptr : cdf_all_.data();
    a.advantage = advantage_.data();
    a.learned = learned_.data();
    with_scorer(model, [&](const auto& sc) {
      using Scorer = std::decay_t<decltype(sc)>;
      const size_t smem = sizeof(float) * kIrganWarps * sc.context_size();
      irgan_step_kernel<Scorer><<<blocks_, kIrganThreads, smem, stream>>>(batch, model, a, p);
      SRNS_CUDA_LAUNCH_CHECK("irgan_step_kernel");
    });
    const int64_t elems =
        (static_cast<int64_t>(d.n_users) + d.n_items) * model.dim + model.head_size;
    const OptimConfig& o = generator_.optim();
    irgan_generator_step_kernel<<<grid_size(elems), kBlock, 0, stream>>>(
        a, generator_.params(), o.lr, o.beta1, o.beta2, o.eps, head_trained(model.kind),
        batch.counters);
    SRNS_CUDA_LAUNCH_CHECK("irgan_generator_step_kernel");
  }
  SamplerSetup setup_;
  GanSettings settings_;
  float mix_ = 0;
  int blocks_ = 1;
  BatchGroupsBuffers groups_;
  DeviceBuffer<float> coef_, ctx_, cdf_, cdf_all_, advantage_;
  DeviceBuffer<int32_t> learned_;
};

}  // namespace

std::unique_ptr<Sampler> make_irgan_sampler() { return std::make_unique<IrganSampler>(); }

}  // namespace srns::gpu
