// cpu::UniformSampler: each pair's negative uniform over the items its user has no training
// interaction with (samplers/uniform.hpp), the reference for kernels/uniform_sampler.cu.
//
// The same draws as uniform_negative, faster: sixteen pairs' stream blocks are computed
// together (philox_simd.hpp), and the rejection test is a bit of the training bitmap
// (train_bitmap.hpp) where it fits.
#include <omp.h>

#include "cpu/philox_simd.hpp"
#include "cpu/sampler.hpp"
#include "cpu/train_bitmap.hpp"
#include "srns/samplers/uniform.hpp"

namespace srns::cpu {
namespace {

// Pairs whose first stream blocks are computed together.
constexpr int32_t kPairsPerPass = 16;

class UniformSampler : public Sampler {
 public:
  void setup(const SamplerSetup& s, const ModelView& /*model*/) override {
    set_ = s.set;
    seed_ = s.config->seed;
    threads_ = s.threads;
    bitmap_.build(s.set->data->train, s.set->data->n_items);
  }
  void begin_epoch(int t, const ModelView& /*model*/) override { epoch_ = t; }
  bool batches_independent() const override { return true; }
  ModelReads select_reads() const override { return ModelReads::kNone; }
  void select(const Batch& batch, const ModelView& /*model*/, int32_t* negative) override {
    const Csr& train = set_->data->train;
    const int32_t n_items = set_->data->n_items;
    const int32_t passes = (batch.size + kPairsPerPass - 1) / kPairsPerPass;
#pragma omp parallel for num_threads(threads_) schedule(static) if (!omp_in_parallel())
    for (int32_t pass = 0; pass < passes; ++pass) {
      const int32_t k0 = pass * kPairsPerPass;
      const int32_t n = batch.size - k0 < kPairsPerPass ? batch.size - k0 : kPairsPerPass;
      PrefetchedStream streams[kPairsPerPass];
      PrefetchedStream* ptr[kPairsPerPass];
      for (int32_t j = 0; j < n; ++j) {
        // uniform_negative's stream; its first block serves four draws.
        streams[j].init(
            make_stream(seed_, kRngUniformNeg, epoch_, static_cast<uint32_t>(batch.index),
                        static_cast<uint32_t>(k0 + j)),
            1);
        ptr[j] = &streams[j];
      }
      fill_streams(ptr, n);
      for (int32_t j = 0; j < n; ++j) {
        const int32_t u = batch.user[k0 + j];
        negative[k0 + j] = draw_outside(&streams[j], bitmap_.user(train, u), n_items);
      }
    }
  }

 private:
  const TrainingSet* set_ = nullptr;
  uint64_t seed_ = 0;
  int threads_ = 1;
  int epoch_ = 0;
  TrainBitmap bitmap_;
};

}  // namespace

std::unique_ptr<Sampler> make_uniform_sampler() { return std::make_unique<UniformSampler>(); }

}  // namespace srns::cpu
