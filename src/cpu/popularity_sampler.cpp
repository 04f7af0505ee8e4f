// cpu::PopularitySampler: each pair's negative drawn with probability proportional to
// popularity^e among the items its user never trained on, through an alias table
// (samplers/popularity.hpp); the reference for kernels/popularity_sampler.cu.
#include <omp.h>

#include <stdexcept>

#include "cpu/sampler.hpp"
#include "srns/samplers/popularity.hpp"

namespace srns::cpu {
namespace {

class PopularitySampler : public Sampler {
 public:
  void setup(const SamplerSetup& s, const ModelView& /*model*/) override {
    set_ = s.set;
    seed_ = s.config->seed;
    threads_ = s.threads;
    const Dataset& d = *s.set->data;
    if (d.train.nnz() == 0) throw std::invalid_argument("--sampler popularity: no training pairs");
    table_ = build_alias_table(popularity_weights(
        d.train.cols, d.n_items, sampler_option(*s.config, "popularity-exponent")));
  }
  void begin_epoch(int t, const ModelView& /*model*/) override { epoch_ = t; }
  bool batches_independent() const override { return true; }
  ModelReads select_reads() const override { return ModelReads::kNone; }
  void select(const Batch& batch, const ModelView& /*model*/, int32_t* negative) override {
    const Csr& train = set_->data->train;
    const int32_t n_items = set_->data->n_items;
#pragma omp parallel for num_threads(threads_) schedule(static) if (!omp_in_parallel())
    for (int32_t k = 0; k < batch.size; ++k) {
      const int32_t u = batch.user[k];
      negative[k] =
          popularity_negative(seed_, epoch_, batch.index, k, table_.prob.data(),
                              table_.alias.data(), train.row(u), train.row_size(u), n_items);
    }
  }
  int64_t footprint() const override { return 8 * static_cast<int64_t>(table_.prob.size()); }

 private:
  const TrainingSet* set_ = nullptr;
  uint64_t seed_ = 0;
  int threads_ = 1;
  int epoch_ = 0;
  AliasTable table_;
};

}  // namespace

std::unique_ptr<Sampler> make_popularity_sampler() { return std::make_unique<PopularitySampler>(); }

}  // namespace srns::cpu
