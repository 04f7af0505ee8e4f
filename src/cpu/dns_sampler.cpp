// cpu::DnsSampler: each pair's negative is the highest scored of k uniform non-positive
// candidates under the model at the start of the batch (samplers/dns.hpp); the reference for
// kernels/dns_sampler.cu.
#include "cpu/sampler.hpp"
#include "srns/samplers/dns.hpp"

namespace srns::cpu {
namespace {

class DnsSampler : public Sampler {
 public:
  void setup(const SamplerSetup& s, const ModelView& /*model*/) override {
    set_ = s.set;
    seed_ = s.config->seed;
    threads_ = s.threads;
    candidates_ = static_cast<int>(sampler_option(*s.config, "dns-candidates"));
  }
  void begin_epoch(int t, const ModelView& /*model*/) override { epoch_ = t; }
  ModelReads select_reads() const override { return ModelReads::kBatchUsers; }
  void select(const Batch& batch, const ModelView& model, int32_t* negative) override {
    const Csr& train = set_->data->train;
    const int32_t n_items = set_->data->n_items;
    with_scorer(model, [&](const auto& sc) {
#pragma omp parallel for num_threads(threads_) schedule(static)
      for (int32_t k = 0; k < batch.size; ++k) {
        const int32_t u = batch.user[k];
        float ctx[kMaxDim];
        sc.user_context(model.user_row(u), ctx);
        negative[k] = dns_negative(seed_, epoch_, batch.index, k, train.row(u), train.row_size(u),
                                   n_items, candidates_, sc, ctx, model.item, model.dim);
      }
    });
  }

 private:
  const TrainingSet* set_ = nullptr;
  uint64_t seed_ = 0;
  int threads_ = 1;
  int epoch_ = 0;
  int candidates_ = 1;
};

}  // namespace

std::unique_ptr<Sampler> make_dns_sampler() { return std::make_unique<DnsSampler>(); }

}  // namespace srns::cpu
