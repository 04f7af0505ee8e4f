// gpu::UniformSampler, twin of cpu::UniformSampler (src/cpu/uniform_sampler.cpp): the negative
// of pair k is uniform_negative (samplers/uniform.hpp) on the pair's own Philox stream, so the
// draws equal the CPU's. Every lane of the pair's warp runs the same rejection loop on the
// same stream (broadcast reads, no divergence). The fused step draws and forms the gradient in
// one kernel (pair_step.cuh).
#include "pair_step.cuh"
#include "sampler.cuh"
#include "srns/samplers/uniform.hpp"

namespace srns::gpu {
namespace {

struct UniformDraw {
  uint64_t seed;
  int epoch;
  int32_t n_items;
  DeviceCsr train;
  template <class Scorer>
  __device__ int32_t operator()(const Scorer*, const float*, int64_t b, int32_t k, int32_t u,
                                int32_t, int) const {
    const int64_t begin = train.off[u];
    return uniform_negative(seed, epoch, b, k, train.cols + begin, train.off[u + 1] - begin,
                            n_items);
  }
};

class UniformSampler : public Sampler {
 public:
  int64_t estimate_bytes(const TrainingSet&, const TrainConfig&) const override { return 0; }
  void setup(const SamplerSetup& s, const ModelView&) override {
    draw_ = UniformDraw{s.config->seed, 0, s.set->data->n_items, s.train};
  }
  void begin_epoch(int t, const BatchRefs&, cudaStream_t) override { draw_.epoch = t; }
  void select(const BatchRefs& batch, const ModelView&, int32_t* negative,
              cudaStream_t stream) override {
    launch_pair_draw(stream, "uniform pair_draw_kernel", batch, draw_, negative);
  }
  bool fused_step(const BatchRefs& batch, const ModelView& model, const PairStepArgs& args,
                  cudaStream_t stream) override {
    launch_pair_step(stream, "uniform pair_step_kernel", batch, model, args, draw_);
    return true;
  }

 private:
  UniformDraw draw_{};
};

}  // namespace

std::unique_ptr<Sampler> make_uniform_sampler() { return std::make_unique<UniformSampler>(); }

}  // namespace srns::gpu
