// gpu::EnmfSampler, twin of cpu::EnmfSampler (src/cpu/enmf_sampler.cpp): ENMF-U's batch gives
// its summed row gradients directly, in two kernels, so a batch is still three with the
// optimiser's (the loop skips the pair reduction for a unit that writes row gradients):
//   1. gram_kernel   one warp per entry of S^Q (over all items) and of S^A (over the batch's
//                    users, a_u = h ⊙ m_u ⊙ p_u formed on the fly), double sums, lanes strided
//   2. grad_kernel   one warp per batch user: a_u and dL/da_u in shared memory; for each of the
//                    user's positives r = a_u · q_i (a warp dot, dot_lanes' order), the item's
//                    e a_u + reg q_i added atomically, e q_i into dL/da_u; then 2 c0 S^Q a_u; the
//                    user row written, the head's part added atomically, the loss added once.
//                    One warp per item adds 2 c0 S^A q_i to its row; one warp the loss term
//                    c0 sum S^A ∘ S^Q. Thread 0 advances the counters as the reduction would.
// The batch is read from the device counters and the epoch's user order, uploaded at
// begin_epoch. Sums are in another order than the CPU's (atomics), so they agree to rounding.
//
// Shapes: gram double[2][F][F]; order int32[users with training items]; per-warp shared memory
// a float[F] and dL/da double[F].
#include <algorithm>
#include <stdexcept>
#include <vector>

#include "device_buffer.cuh"
#include "lane_math.cuh"
#include "launch.cuh"
#include "sampler.cuh"
#include "srns/samplers/enmf.hpp"

namespace srns::gpu {
namespace {

constexpr int kEnmfWarps = 4;  // warps per block of grad_kernel

struct EnmfArgs {
  ModelView model;
  DeviceCsr train;
  const int32_t* order;
  int32_t n_active, batch_size, n_items;
  uint64_t seed;
  int epoch;
  float c0, keep, reg;
  double* gram;  // S^Q then S^A
};

__device__ __forceinline__ double warp_sum(double x) {
#pragma unroll
  for (int off = kWarpSize / 2; off > 0; off /= 2) x += __shfl_xor_sync(kFullMask, x, off);
  return x;
}

__device__ __forceinline__ float enmf_a(const EnmfArgs& a, int64_t b, int32_t u, int f) {
  const float mask = enmf_mask(a.seed, a.epoch, b, u, f, a.keep);
  return a.model.head[f] * (mask * a.model.user_row(u)[f]);
}

__global__ void gram_kernel(EnmfArgs a, const BatchCounters* counters) {
  const int lane = static_cast<int>(threadIdx.x) & (kWarpSize - 1);
  const int64_t b = counters->batch;
  const int64_t begin = b * a.batch_size;
  const int64_t left = a.n_active - begin;
  const int64_t nb = left < a.batch_size ? left : a.batch_size;
  const int dim = a.model.dim;
  const int64_t entries = static_cast<int64_t>(dim) * dim;
  for (int64_t w = thread_index() / kWarpSize; w < 2 * entries; w += thread_count() / kWarpSize) {
    const int f = static_cast<int>((w % entries) / dim), h = static_cast<int>(w % dim);
    double acc = 0.0;
    if (w < entries) {
      for (int32_t i = lane; i < a.n_items; i += kWarpSize) {
        acc += static_cast<double>(a.model.item_row(i)[f]) * a.model.item_row(i)[h];
      }
    } else {
      for (int64_t k = lane; k < nb; k += kWarpSize) {
        const int32_t u = a.order[begin + k];
        acc += static_cast<double>(enmf_a(a, b, u, f)) * enmf_a(a, b, u, h);
      }
    }
    acc = warp_sum(acc);
    if (lane == 0) a.gram[w] = acc;
  }
}

__global__ void grad_kernel(EnmfArgs a, DeviceRowGradients g, PairStepArgs pa,
                            BatchCounters* counters) {
  extern __shared__ unsigned char enmf_smem[];
  const int lane = static_cast<int>(threadIdx.x) & (kWarpSize - 1);
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  const int dim = a.model.dim;
  double* da = reinterpret_cast<double*>(enmf_smem) + static_cast<int64_t>(warp) * dim;
  float* au = reinterpret_cast<float*>(reinterpret_cast<double*>(enmf_smem) + kEnmfWarps * dim) +
              static_cast<int64_t>(warp) * dim;
  const int64_t b = counters->batch;
  const int64_t begin = b * a.batch_size;
  const int64_t left = a.n_active - begin;
  const int64_t nb = left < a.batch_size ? left : a.batch_size;
  const int64_t entries = static_cast<int64_t>(dim) * dim;
  const double* sq = a.gram;
  const double* sa = a.gram + entries;
  const int64_t work = static_cast<int64_t>(a.batch_size) + a.n_items + 1;
  for (int64_t w = thread_index() / kWarpSize; w < work; w += thread_count() / kWarpSize) {
    if (w < a.batch_size) {  // a batch user
      if (w >= nb) continue;
      const int32_t u = a.order[begin + w];
      const float* p = a.model.user_row(u);
      for (int f = lane; f < dim; f += kWarpSize) {
        au[f] = enmf_a(a, b, u, f);
        da[f] = 0.0;
      }
      __syncwarp();
      double loss = 0.0;
      for (int64_t e = a.train.off[u]; e < a.train.off[u + 1]; ++e) {
        const int32_t i = a.train.cols[e];
        const float* q = a.model.item_row(i);
        const EnmfPositive pos = enmf_positive(warp_dot(au, q, dim, lane), a.c0);
        double sq_q = 0.0;
        for (int f = lane; f < dim; f += kWarpSize) {
          da[f] += static_cast<double>(pos.e) * q[f];
          atomicAdd(g.item_grad + static_cast<int64_t>(i) * dim + f,
                    static_cast<float>(static_cast<double>(pos.e) * au[f] +
                                       static_cast<double>(a.reg) * q[f]));
          sq_q += static_cast<double>(q[f]) * q[f];
        }
        loss += pos.loss + 0.5 * a.reg * warp_sum(sq_q);
      }
      double sq_p = 0.0;
      for (int f = lane; f < dim; f += kWarpSize) {
        double sqa = 0.0;
        for (int h = 0; h < dim; ++h) sqa += sq[f * dim + h] * au[h];
        const double d = da[f] + 2.0 * a.c0 * sqa;
        const float mask = enmf_mask(a.seed, a.epoch, b, u, f, a.keep);
        g.user_grad[static_cast<int64_t>(u) * dim + f] =
            static_cast<float>(a.model.head[f] * mask * d + static_cast<double>(a.reg) * p[f]);
        atomicAdd(g.head_grad + f, static_cast<float>(static_cast<double>(mask * p[f]) * d));
        sq_p += static_cast<double>(p[f]) * p[f];
      }
      loss += 0.5 * a.reg * warp_sum(sq_p);
      if (lane == 0) atomicAdd(pa.batch_loss + b, loss);
      __syncwarp();                             // au and da are rewritten for the next user
    } else if (w < a.batch_size + a.n_items) {  // an item: 2 c0 S^A q_i
      const int32_t i = static_cast<int32_t>(w - a.batch_size);
      const float* q = a.model.item_row(i);
      for (int f = lane; f < dim; f += kWarpSize) {
        double saq = 0.0;
        for (int h = 0; h < dim; ++h) saq += sa[f * dim + h] * q[h];
        atomicAdd(g.item_grad + static_cast<int64_t>(i) * dim + f,
                  static_cast<float>(2.0 * a.c0 * saq));
      }
    } else {  // the all-pairs loss term
      double loss = 0.0;
      for (int64_t x = lane; x < entries; x += kWarpSize) loss += a.c0 * sa[x] * sq[x];
      loss = warp_sum(loss);
      if (lane == 0) atomicAdd(pa.batch_loss + b, loss);
    }
  }
  if (thread_index() == 0) {
    counters->opt_batch = b;
    counters->step += 1;
  }
}

class EnmfSampler : public Sampler {
 public:
  int64_t estimate_bytes(const TrainingSet& set, const TrainConfig& config) const override {
    const int64_t dim = config.model.dim;
    return 16 * dim * dim + 4 * static_cast<int64_t>(set.data->n_users);
  }
  void setup(const SamplerSetup& s, const ModelView& model) override {
    const Dataset& d = *s.set->data;
    offsets_ = &d.train.offsets;
    args_ = EnmfArgs{model,
                     s.train,
                     nullptr,
                     0,
                     s.config->batch_size,
                     d.n_items,
                     s.config->seed,
                     0,
                     static_cast<float>(sampler_option(*s.config, "enmf-c0")),
                     static_cast<float>(sampler_option(*s.config, "enmf-keep")),
                     s.config->optim.reg,
                     nullptr};
    gram_.resize(2 * static_cast<int64_t>(model.dim) * model.dim);
    args_.gram = gram_.data();
    order_.resize(d.n_users);
    args_.order = order_.data();
    active_ = static_cast<int32_t>(enmf_user_order(args_.seed, 0, *offsets_).size());
    args_.n_active = active_;
  }
  void begin_epoch(int t, const BatchRefs&, cudaStream_t stream) override {
    args_.epoch = t;
    const std::vector<int32_t> order = enmf_user_order(args_.seed, t, *offsets_);
    order_.upload(order.data(), static_cast<int64_t>(order.size()), stream);
    batch_pairs_.assign(static_cast<size_t>(batches(0)), 0);
    for (size_t k = 0; k < order.size(); ++k) {
      batch_pairs_[k / args_.batch_size] += (*offsets_)[order[k] + 1] - (*offsets_)[order[k]];
    }
  }
  void select(const BatchRefs&, const ModelView&, int32_t*, cudaStream_t) override {
    throw std::logic_error("ENMF draws no negatives (its batches give row gradients)");
  }
  int64_t batches(int64_t /*pair_batches*/) const override {
    return (static_cast<int64_t>(active_) + args_.batch_size - 1) / args_.batch_size;
  }
  int64_t batch_pairs(int64_t b, int64_t /*pair_default*/) const override {
    return b < static_cast<int64_t>(batch_pairs_.size()) ? batch_pairs_[b] : 0;
  }
  bool row_gradients(const BatchRefs& batch, const ModelView& model, DeviceRowGradients g,
                     const PairStepArgs& args, BatchCounters* counters,
                     cudaStream_t stream) override {
    args_.model = model;
    const int64_t entries = static_cast<int64_t>(model.dim) * model.dim;
    gram_kernel<<<warp_grid_size(2 * entries), kBlock, 0, stream>>>(args_, batch.counters);
    SRNS_CUDA_LAUNCH_CHECK("enmf gram_kernel");
    constexpr int kThreads = kEnmfWarps * kWarpSize;
    const size_t smem =
        static_cast<size_t>(kEnmfWarps) * model.dim * (sizeof(double) + sizeof(float));
    const int64_t warps = static_cast<int64_t>(args_.batch_size) + args_.n_items + 1;
    grad_kernel<<<warp_grid_size(warps, kThreads), kThreads, smem, stream>>>(args_, g, args,
                                                                             counters);
    SRNS_CUDA_LAUNCH_CHECK("enmf grad_kernel");
    return true;
  }

 private:
  const std::vector<int64_t>* offsets_ = nullptr;
  EnmfArgs args_{};
  int32_t active_ = 0;
  DeviceBuffer<double> gram_;
  DeviceBuffer<int32_t> order_;
  std::vector<int64_t> batch_pairs_;
};

}  // namespace

std::unique_ptr<Sampler> make_enmf_sampler() { return std::make_unique<EnmfSampler>(); }

}  // namespace srns::gpu
