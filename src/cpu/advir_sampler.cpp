// cpu::AdvirSampler: AdvIR on the CPU (samplers/advir.hpp), the reference for
// kernels/advir_sampler.cu: RNS-AS's generator (rns_as_sampler.hpp) picks the negatives, and the
// sampler's fused step forms each pair's adversarially trained loss and gradient row in place of
// cpu::pair_gradients (threads split the pairs; per-thread scratch).
#include <omp.h>

#include "cpu/cpu_ops.hpp"
#include "cpu/rns_as_sampler.hpp"
#include "srns/samplers/advir.hpp"

namespace srns::cpu {
namespace {

class AdvirSampler : public RnsAsSampler {
 public:
  AdvirSampler() : RnsAsSampler(kRngAdvir) {}
  std::string describe() const override {
    return "generator over S1 candidates, adversarial training";
  }
  void setup(const SamplerSetup& s, const ModelView& model) override {
    RnsAsSampler::setup(s, model);
    eps_ = static_cast<float>(sampler_option(*s.config, "adv-eps"));
    weight_ = static_cast<float>(sampler_option(*s.config, "adv-weight"));
    scratch_.assign(static_cast<size_t>(threads_) * adversarial_scratch_floats(model), 0.0f);
  }
  bool fused_step(const Batch& batch, const ModelView& model, int loss_kind, float reg,
                  int32_t* negative, StepOutput* out) override {
    select(batch, model, negative);
    const int64_t scratch = adversarial_scratch_floats(model);
    out->size_for(batch.size, model);
    with_scorer(model, [&](const auto& sc) {
#pragma omp parallel num_threads(threads_)
      {
        float* mine = scratch_.data() + omp_get_thread_num() * scratch;
#pragma omp for schedule(static)
        for (int32_t k = 0; k < batch.size; ++k) {
          const float* p = model.user_row(batch.user[k]);
          const float* qi = model.item_row(batch.item[k]);
          const float* qj = model.item_row(negative[k]);
          float ctx[kMaxDim];
          sc.user_context(p, ctx);
          out->loss[k] =
              adversarial_pair_gradient(sc, model, p, qi, qj, loss_kind, reg, eps_, weight_,
                                        sc.score(ctx, qi), sc.score(ctx, qj), out->row(k), mine);
        }
      }
    });
    return true;
  }

 private:
  float eps_ = 0.5f, weight_ = 1.0f;
  std::vector<float> scratch_;  // [threads][adversarial_scratch_floats]
};

}  // namespace

std::unique_ptr<Sampler> make_advir_sampler() { return std::make_unique<AdvirSampler>(); }

}  // namespace srns::cpu
