// cpu::UniformSampler: each pair's negative uniform over the items its user has no training
// interaction with (samplers/uniform.hpp), the reference for kernels/uniform_sampler.cu.
#include "cpu/sampler.hpp"
#include "srns/samplers/uniform.hpp"

namespace srns::cpu {
namespace {

class UniformSampler : public Sampler {
 public:
  void setup(const SamplerSetup& s, const ModelView& /*model*/) override {
    set_ = s.set;
    seed_ = s.config->seed;
    threads_ = s.threads;
  }
  void begin_epoch(int t, const ModelView& /*model*/) override { epoch_ = t; }
  void select(const Batch& batch, const ModelView& /*model*/, int32_t* negative) override {
    const Csr& train = set_->data->train;
    const int32_t n_items = set_->data->n_items;
#pragma omp parallel for num_threads(threads_) schedule(static)
    for (int32_t k = 0; k < batch.size; ++k) {
      const int32_t u = batch.user[k];
      negative[k] =
          uniform_negative(seed_, epoch_, batch.index, k, train.row(u), train.row_size(u), n_items);
    }
  }

 private:
  const TrainingSet* set_ = nullptr;
  uint64_t seed_ = 0;
  int threads_ = 1;
  int epoch_ = 0;
};

}  // namespace

std::unique_ptr<Sampler> make_uniform_sampler() { return std::make_unique<UniformSampler>(); }

}  // namespace srns::cpu
