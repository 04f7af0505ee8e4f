// gpu::RnsAsSampler (RNS-AS, and AdvIR through advir_sampler.cu), twin of cpu::RnsAsSampler /
// cpu::AdvirSampler (src/cpu/rns_as_sampler.cpp, advir_sampler.cpp). A batch is two kernels here
// plus the backend's reduction and optimiser:
//   candidate_gan_kernel  one warp per pair k of the current batch (BatchRefs::counters):
//     the S1 candidates on the pair's stream (every lane walks the same rejection loop), G's
//     context and scores of them (warp dots, the CPU's lane order), lane 0 draws the slot
//     (softmax_draw, the CPU's code), D's context and scores of i and j, D's gradient row and
//     loss (warp_pair_gradient, or AdvIR's warp_adversarial_pair_gradient), the reward, and G's
//     REINFORCE gradient, lanes over F, added into G's dense sums with atomics (user row, the
//     S1 candidate rows, head); per block, the losses, label errors and rewards summed into the
//     batch's and the epoch's totals; thread 0 advances G's step counter
//   G's optimiser step     the engine's dense Adam kernel on G (DeviceGenerator::enqueue_step)
// so the negatives equal the CPU's (same streams, same scores, the CPU's draw) wherever expf
// agrees, and G moves by the same step up to the order of its atomic sums.
// select() runs the same two kernels without D's rows (the generic path's negatives).
//
// Shapes: per-warp shared ctx_g[context], ctx_d[context], cand[S1], prob[S1], pick.
#include <stdexcept>

#include "advir_warp.cuh"
#include "generator.cuh"
#include "lane_math.cuh"
#include "launch.cuh"
#include "rns_as_sampler.cuh"
#include "scorer_warp.cuh"
#include "srns/samplers/advir.hpp"
#include "srns/samplers/rns_as.hpp"

namespace srns::gpu {
namespace {

constexpr int kGanWarps = 4;  // warps per block

struct CandidateGanArgs {
  uint64_t seed;
  uint32_t purpose;
  int epoch;
  int32_t n_items;
  int n_cand;
  float inv_tau, reg, baseline;
  DeviceCsr train;
  ModelView gen;
  DeviceRowGradients gen_grad;
  BatchCounters* gen_counters;
  double* reward_sum;
  bool adversarial;
  float eps, weight;
};

__host__ __device__ constexpr int gan_scratch_words(int context, int n_cand) {
  return 2 * context + 2 * n_cand + 1;
}

// G's REINFORCE gradient of one pair (rns_as.hpp: candidate_generator_row, GMF elements), lanes
// over F, added into G's dense sums.
__device__ void warp_generator_gradient(const GmfScorer& sc, const ModelView& g, int32_t u,
                                        const int32_t* cand, const float* prob, int n, int pick,
                                        float advantage, float inv_tau, float reg,
                                        const DeviceRowGradients& out, int lane) {
  const int dim = g.dim;
  const float* p = g.user_row(u);
  for (int f = lane; f < dim; f += kWarpSize) {
    float user = 0.0f, head = 0.0f;
    for (int c = 0; c < n; ++c) {
      const float d = reinforce_coefficient(advantage, prob[c], c == pick, inv_tau);
      const float q = g.item_row(cand[c])[f];
      user = user + d * (sc.beta[f] * q);
      head = head + d * (p[f] * q);
      float item = d * (p[f] * sc.beta[f]);
      if (c == pick) item = item + reg * q;
      atomicAdd(out.item_grad + static_cast<int64_t>(cand[c]) * dim + f, item);
    }
    atomicAdd(out.user_grad + static_cast<int64_t>(u) * dim + f, user + reg * p[f]);
    atomicAdd(out.head_grad + f, head);
  }
}

// The batch step (file comment). p.grad == nullptr: negatives and G's gradient only (select).
template <class Scorer>
__global__ void __launch_bounds__(kGanWarps* kWarpSize)
    candidate_gan_kernel(BatchRefs batch, ModelView rec, CandidateGanArgs a, PairStepArgs p) {
  extern __shared__ float gan_smem[];
  const Scorer gen(a.gen), sd(rec);
  const int lane = static_cast<int>(threadIdx.x) & (kWarpSize - 1);
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  float* ctx_g = gan_smem + warp * gan_scratch_words(gen.context_size(), a.n_cand);
  float* ctx_d = ctx_g + gen.context_size();
  int32_t* cand = reinterpret_cast<int32_t*>(ctx_d + gen.context_size());
  float* prob = reinterpret_cast<float*>(cand + a.n_cand);
  int* pick_slot = reinterpret_cast<int*>(prob + a.n_cand);
  const int64_t b = batch.counters->batch;
  const int32_t size = batch.size(b);
  const int64_t base = batch.begin(b);
  const int64_t stride = rec.grad_stride();
  double loss_sum = 0.0, reward_sum = 0.0;
  unsigned long long errors = 0;
  if (thread_index() == 0) a.gen_counters->step += 1;
  for (int64_t x = thread_index() / kWarpSize; x < size; x += thread_count() / kWarpSize) {
    const int32_t k = static_cast<int32_t>(x);
    const int32_t u = batch.user[base + k], i = batch.item[base + k];
    const int64_t begin = a.train.off[u];
    PhiloxStream s = gan_pair_stream(a.seed, a.purpose, a.epoch, b, k);
    for (int c = 0; c < a.n_cand; ++c) {
      const int32_t item =
          draw_non_positive(&s, a.train.cols + begin, a.train.off[u + 1] - begin, a.n_items);
      if ((c & (kWarpSize - 1)) == lane) cand[c] = item;
    }
    const float u01 = s.open01();
    warp_user_context(gen, a.gen.user_row(u), ctx_g, lane);
    __syncwarp();
    for (int c0 = 0; c0 < a.n_cand; c0 += 4) {
      const float* rows[4];
      for (int c = 0; c < 4; ++c) {
        rows[c] = a.gen.item_row(cand[c0 + c < a.n_cand ? c0 + c : c0]);
      }
      float r[4];
      warp_scores<4>(gen, ctx_g, rows, lane, r);
      for (int c = 0; c < 4; ++c) {
        if (c0 + c < a.n_cand && ((c0 + c) & (kWarpSize - 1)) == lane) prob[c0 + c] = r[c];
      }
    }
    __syncwarp();
    if (lane == 0) *pick_slot = softmax_draw(prob, a.n_cand, a.inv_tau, u01, prob);
    __syncwarp();
    const int pick = *pick_slot;
    const int32_t j = cand[pick];
    warp_user_context(sd, rec.user_row(u), ctx_d, lane);
    __syncwarp();
    const float r_pos = warp_score(sd, ctx_d, rec.item_row(i), lane);
    const float r_neg = warp_score(sd, ctx_d, rec.item_row(j), lane);
    float loss = 0.0f;
    if (p.grad) {
      float* row = p.grad + k * stride;
      loss = a.adversarial
                 ? warp_adversarial_pair_gradient(sd, rec.user_row(u), rec.item_row(i),
                                                  rec.item_row(j), p.loss_kind, p.reg, a.eps,
                                                  a.weight, r_pos, r_neg, row, lane)
                 : warp_pair_gradient(sd, rec.user_row(u), rec.item_row(i), rec.item_row(j),
                                      p.loss_kind, p.reg, r_pos, r_neg, row, lane);
    }
    const float reward = rns_as_reward(r_neg);
    warp_generator_gradient(gen, a.gen, u, cand, prob, a.n_cand, pick, reward - a.baseline,
                            a.inv_tau, a.reg, a.gen_grad, lane);
    if (lane == 0) {
      p.negative[k] = j;
      reward_sum += static_cast<double>(reward);
      if (p.grad) {
        p.loss[k] = loss;
        loss_sum += static_cast<double>(loss);
        errors += p.truth.contains(u, j) ? 1 : 0;
      }
    }
    __syncwarp();  // the scratch is rewritten by the next pair
  }
  if (lane == 0) {
    if (reward_sum != 0.0) atomicAdd(a.reward_sum, reward_sum);
    if (p.grad && (loss_sum != 0.0 || errors != 0)) {
      atomicAdd(p.batch_loss + b, loss_sum);
      atomicAdd(p.batch_fn + b, errors);
    }
  }
}

class RnsAsSampler : public GanSampler {
 public:
  RnsAsSampler(uint32_t purpose, bool adversarial) : purpose_(purpose), adversarial_(adversarial) {}
  std::string describe() const override {
    return adversarial_ ? "generator over S1 candidates, adversarial training"
                        : "generator over S1 candidates";
  }
  int64_t estimate_bytes(const TrainingSet& set, const TrainConfig& c) const override {
    return DeviceGenerator::bytes_for(set.data->n_users, set.data->n_items, c.model.dim,
                                      head_size(c.model.kind, c.model.dim));
  }
  void setup(const SamplerSetup& s, const ModelView& model) override {
    setup_ = s;
    settings_ = gan_settings(*s.config);
    if (adversarial_) {
      eps_ = static_cast<float>(sampler_option(*s.config, "adv-eps"));
      weight_ = static_cast<float>(sampler_option(*s.config, "adv-weight"));
    }
    generator_.setup(model, s.set->data->n_users, s.set->data->n_items, settings_.lr, s.stream);
  }

 private:
  void enqueue(const BatchRefs& batch, const ModelView& model, const PairStepArgs& p,
               cudaStream_t stream) override {
    CandidateGanArgs a;
    a.seed = setup_.config->seed;
    a.purpose = purpose_;
    a.epoch = epoch_;
    a.n_items = setup_.set->data->n_items;
    a.n_cand = settings_.candidates;
    a.inv_tau = 1.0f / settings_.tau;
    a.reg = settings_.reg;
    a.baseline = generator_.baseline();
    a.train = setup_.train;
    a.gen = generator_.view();
    a.gen_grad = generator_.grads();
    a.gen_counters = generator_.counters();
    a.reward_sum = generator_.reward_sum();
    a.adversarial = adversarial_;
    a.eps = eps_;
    a.weight = weight_;
    with_scorer(model, [&](const auto& sc) {
      using Scorer = std::decay_t<decltype(sc)>;
      constexpr int kThreads = kGanWarps * kWarpSize;
      const size_t smem = sizeof(float) * kGanWarps *
                          static_cast<size_t>(gan_scratch_words(sc.context_size(), a.n_cand));
      candidate_gan_kernel<Scorer>
          <<<warp_grid_size(batch.batch_size, kThreads), kThreads, smem, stream>>>(batch, model, a,
                                                                                   p);
      SRNS_CUDA_LAUNCH_CHECK(adversarial_ ? "advir candidate_gan_kernel"
                                          : "rns-as candidate_gan_kernel");
    });
    generator_.enqueue_step(batch, stream);
  }

  const uint32_t purpose_;
  const bool adversarial_;
  SamplerSetup setup_;
  GanSettings settings_;
  float eps_ = 0.5f, weight_ = 1.0f;
};

}  // namespace

std::unique_ptr<Sampler> make_candidate_gan_sampler(uint32_t purpose, bool adversarial) {
  return std::make_unique<RnsAsSampler>(purpose, adversarial);
}

std::unique_ptr<Sampler> make_rns_as_sampler() {
  return make_candidate_gan_sampler(kRngRnsAs, /*adversarial=*/false);
}

}  // namespace srns::gpu
