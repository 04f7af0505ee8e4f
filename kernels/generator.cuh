// The generator of a GAN sampler on the GPU, twin of cpu::Generator (src/cpu/generator.hpp):
// G's parameters, Adam moments and dense gradient sums [U][F], [I][F], [H] on the device, with
// its own step counter. A sampler's step kernel adds G's gradient into the sums (atomically),
// advances the step counter and adds its draws' rewards into a device double; enqueue_step is
// then the engine's optimiser kernel (optimizer_step.cu: dense Adam, lr --gen-lr) on G, which
// consumes and zeroes the sums. begin_epoch reads the reward sum (a host wait at the epoch
// boundary) and makes the epoch's baseline. save/load write the CPU twin's bytes.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <iosfwd>

#include "batch.cuh"
#include "device_buffer.cuh"
#include "optimizer_step.cuh"
#include "reduce_gradients.cuh"
#include "sampler.cuh"
#include "srns/scorer.hpp"

namespace srns::gpu {

class DeviceGenerator {
 public:
  // Device bytes of a generator of this size.
  static int64_t bytes_for(int32_t n_users, int32_t n_items, int32_t dim, int32_t head_size);
  // G = a copy of the device model `init` (n_users x n_items), zero moments and sums.
  void setup(const ModelView& init, int32_t n_users, int32_t n_items, float lr,
             cudaStream_t stream);
  ModelView view() const;
  DeviceRowGradients grads() { return grads_.view(); }
  BatchCounters* counters() { return counters_.data(); }
  double* reward_sum() { return reward_sum_.data(); }
  // One Adam step of G from the sums (their last adder advanced counters()->step).
  void enqueue_step(const BatchRefs& batch, cudaStream_t stream);
  // Start of an epoch of `pairs` pairs: the baseline becomes the previous epoch's mean reward.
  void begin_epoch(int64_t pairs, cudaStream_t stream);
  float baseline() const { return baseline_; }
  // G's parameters and moments, and its Adam settings (for a sampler's own step kernel).
  DeviceParams params();
  const OptimConfig& optim() const { return optim_; }
  void save(std::ostream& out, cudaStream_t stream) const;
  void load(std::istream& in, cudaStream_t stream);

 private:
  ModelKind kind_ = ModelKind::kGmf;
  int32_t n_users_ = 0, n_items_ = 0, dim_ = 0;
  OptimConfig optim_;
  DeviceBuffer<float> user_, item_, head_, user_m_, user_v_, item_m_, item_v_, head_m_, head_v_;
  RowGradientBuffers grads_;
  DeviceBuffer<BatchCounters> counters_;
  DeviceBuffer<double> reward_sum_;
  int64_t epoch_pairs_ = 0;  // pairs of the epoch under way (their rewards are being summed)
  float baseline_ = 0;
};

// What every GAN sampler shares on the GPU: its generator and epoch, and one enqueue for both
// batch entry points (select is the fused step without D's rows: PairStepArgs::grad null).
class GanSampler : public Sampler {
 public:
  void begin_epoch(int t, const BatchRefs& batch, cudaStream_t stream) override {
    epoch_ = t;
    generator_.begin_epoch(batch.n, stream);
  }
  void select(const BatchRefs& batch, const ModelView& model, int32_t* negative,
              cudaStream_t stream) override {
    PairStepArgs p{};
    p.negative = negative;
    enqueue(batch, model, p, stream);
  }
  bool fused_step(const BatchRefs& batch, const ModelView& model, const PairStepArgs& args,
                  cudaStream_t stream) override {
    enqueue(batch, model, args, stream);
    return true;
  }
  void save(std::ostream& out, cudaStream_t stream) const override { generator_.save(out, stream); }
  void load(std::istream& in, cudaStream_t stream) override { generator_.load(in, stream); }

 protected:
  // The batch's kernels: the sampler's step kernel and G's optimiser step.
  virtual void enqueue(const BatchRefs& batch, const ModelView& model, const PairStepArgs& p,
                       cudaStream_t stream) = 0;
  int epoch_ = 0;
  DeviceGenerator generator_;
};

}  // namespace srns::gpu
