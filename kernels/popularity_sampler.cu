// gpu::PopularitySampler, twin of cpu::PopularitySampler (src/cpu/popularity_sampler.cpp): the
// same alias table (built on the host, uploaded once) and popularity_negative on each pair's
// own Philox stream, so the draws equal the CPU's; the fused step draws and forms the gradient
// in one kernel (pair_step.cuh).
#include <stdexcept>

#include "device_buffer.cuh"
#include "pair_step.cuh"
#include "sampler.cuh"
#include "srns/samplers/popularity.hpp"

namespace srns::gpu {
namespace {

struct PopularityDraw {
  uint64_t seed;
  int epoch;
  int32_t n_items;
  DeviceCsr train;
  const float* prob;
  const int32_t* alias;
  template <class Scorer>
  __device__ int32_t operator()(const Scorer*, const float*, int64_t b, int32_t k, int32_t u,
                                int32_t, int) const {
    const int64_t begin = train.off[u];
    return popularity_negative(seed, epoch, b, k, prob, alias, train.cols + begin,
                               train.off[u + 1] - begin, n_items);
  }
};

class PopularitySampler : public Sampler {
 public:
  int64_t estimate_bytes(const TrainingSet& set, const TrainConfig&) const override {
    return 8 * static_cast<int64_t>(set.data->n_items);
  }
  void setup(const SamplerSetup& s, const ModelView&) override {
    const Dataset& d = *s.set->data;
    if (d.train.nnz() == 0) throw std::invalid_argument("--sampler popularity: no training pairs");
    const AliasTable t = build_alias_table(popularity_weights(
        d.train.cols, d.n_items, sampler_option(*s.config, "popularity-exponent")));
    prob_.assign(t.prob, s.stream);
    alias_.assign(t.alias, s.stream);
    draw_ = PopularityDraw{s.config->seed, 0, d.n_items, s.train, prob_.data(), alias_.data()};
  }
  void begin_epoch(int t, const BatchRefs&, cudaStream_t) override { draw_.epoch = t; }
  void select(const BatchRefs& batch, const ModelView&, int32_t* negative,
              cudaStream_t stream) override {
    launch_pair_draw(stream, "popularity pair_draw_kernel", batch, draw_, negative);
  }
  bool fused_step(const BatchRefs& batch, const ModelView& model, const PairStepArgs& args,
                  cudaStream_t stream) override {
    launch_pair_step(stream, "popularity pair_step_kernel", batch, model, args, draw_);
    return true;
  }

 private:
  DeviceBuffer<float> prob_;
  DeviceBuffer<int32_t> alias_;
  PopularityDraw draw_{};
};

}  // namespace

std::unique_ptr<Sampler> make_popularity_sampler() { return std::make_unique<PopularitySampler>(); }

}  // namespace srns::gpu
