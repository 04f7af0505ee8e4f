// gpu::DnsSampler, twin of cpu::DnsSampler (src/cpu/dns_sampler.cpp): per pair, one warp draws
// the k candidates of the pair's own Philox stream (every lane runs the same rejection loop, as
// samplers/dns.hpp's dns_negative does) and scores them kGroup at a time with warp dots
// (warp_scores: the canonical lane order, so every score equals the CPU's bit for bit); the
// first maximum is the negative. The fused step then forms the pair's gradient in the same
// kernel (pair_step.cuh); the select path is the same kernel without the gradient.
#include "device_buffer.cuh"
#include "pair_step.cuh"
#include "sampler.cuh"
#include "srns/samplers/dns.hpp"

namespace srns::gpu {
namespace {

constexpr int kGroup = 8;  // candidates scored at once (independent loads in flight)

struct DnsDraw {
  uint64_t seed;
  int epoch;
  int32_t n_items;
  int n_candidates;
  DeviceCsr train;
  const float* item;  // the model's item table
  int dim;
  template <class Scorer>
  __device__ int32_t operator()(const Scorer* sc, const float* ctx, int64_t b, int32_t k, int32_t u,
                                int32_t, int lane) const {
    const int64_t begin = train.off[u];
    const int32_t* row = train.cols + begin;
    const int64_t len = train.off[u + 1] - begin;
    PhiloxStream s = dns_stream(seed, epoch, b, k);
    int32_t best = -1;
    float best_score = 0.0f;
    for (int c0 = 0; c0 < n_candidates; c0 += kGroup) {
      int32_t cand[kGroup];
      const float* rows[kGroup];
#pragma unroll
      for (int c = 0; c < kGroup; ++c) {
        // past the last candidate: a repeat of the group's first, discarded
        cand[c] = c0 + c < n_candidates ? draw_non_positive(&s, row, len, n_items) : cand[0];
        rows[c] = item + static_cast<int64_t>(cand[c]) * dim;
      }
      float r[kGroup];
      warp_scores<kGroup>(*sc, ctx, rows, lane, r);
#pragma unroll
      for (int c = 0; c < kGroup; ++c) {
        if (c0 + c < n_candidates && dns_leads(r[c], c0 + c, best_score)) {
          best = cand[c];
          best_score = r[c];
        }
      }
    }
    return best;
  }
};

class DnsSampler : public Sampler {
 public:
  int64_t estimate_bytes(const TrainingSet&, const TrainConfig&) const override { return 0; }
  void setup(const SamplerSetup& s, const ModelView& model) override {
    draw_ = DnsDraw{s.config->seed,
                    0,
                    s.set->data->n_items,
                    static_cast<int>(sampler_option(*s.config, "dns-candidates")),
                    s.train,
                    model.item,
                    model.dim};
  }
  void begin_epoch(int t, const BatchRefs&, cudaStream_t) override { draw_.epoch = t; }
  void select(const BatchRefs& batch, const ModelView& model, int32_t* negative,
              cudaStream_t stream) override {
    draw_.item = model.item;
    launch_pair_select(stream, "dns pair_select_kernel", batch, model, draw_, negative);
  }
  bool fused_step(const BatchRefs& batch, const ModelView& model, const PairStepArgs& args,
                  cudaStream_t stream) override {
    draw_.item = model.item;
    launch_pair_step(stream, "dns pair_step_kernel", batch, model, args, draw_);
    return true;
  }

 private:
  DnsDraw draw_{};
};

}  // namespace

std::unique_ptr<Sampler> make_dns_sampler() { return std::make_unique<DnsSampler>(); }

}  // namespace srns::gpu
