// gpu::AobprSampler, twin of cpu::AobprSampler (src/cpu/aobpr_sampler.cpp): the same
// aobpr_negative (samplers/aobpr.hpp) per pair on the pair's own Philox stream, fused with the
// gradient in one kernel per batch (pair_step.cuh), so the batch stays at three kernels.
//
// Orderings and sds live in two buffers: batch b of epoch t draws from buffer
// refreshes_before(t, b) mod 2; a batch after which a refresh is due writes the other buffer in
// the same kernel, after its pairs (after_batch: every thread of the grid ranks (factor, item)
// entries grid-stride, item i of factor f going to #{j : q_j[f] > q_i[f] or (= and j < i)},
// the CPU's stable sort; F threads form the sds in the CPU's order). The draws never read the
// buffer being written, and the next batch's kernel starts after this one, so no barrier is
// needed. The ranking is O(F I^2) comparisons per refresh (ML-1M: 0.44e9, about every 30
// batches), spread over the whole grid. Setup forms buffer 0 from the initial model with the
// same code and copies it to buffer 1.
//
// Shapes: order int32[2][F][I], sd float[2][F], rank alias table float[I] + int32[I].
#include <algorithm>
#include <vector>

#include "device_buffer.cuh"
#include "launch.cuh"
#include "pair_step.cuh"
#include "sampler.cuh"
#include "srns/samplers/aobpr.hpp"
#include "train/state_io.hpp"

namespace srns::gpu {
namespace {

// Orderings and sds of every factor of `item` into order[F][I], sd[F], by thread `x` of `n`.
__device__ void refresh_orderings(const float* item, int32_t n_items, int dim, int32_t* order,
                                  float* sd, int64_t x, int64_t n) {
  const int64_t entries = static_cast<int64_t>(dim) * n_items;
  for (int64_t e = x; e < entries; e += n) {
    const int f = static_cast<int>(e / n_items);
    const int32_t i = static_cast<int32_t>(e % n_items);
    order[static_cast<int64_t>(f) * n_items + factor_rank(item, n_items, dim, f, i)] = i;
  }
  for (int64_t f = x; f < dim; f += n) sd[f] = factor_sd(item, n_items, dim, static_cast<int>(f));
}

__global__ void refresh_kernel(const float* item, int32_t n_items, int dim, int32_t* order,
                               float* sd) {
  refresh_orderings(item, n_items, dim, order, sd, thread_index(), thread_count());
}

struct AobprDraw {
  uint64_t seed;
  int epoch;
  AobprSchedule schedule;
  DeviceCsr train;
  const float* user;  // the model's tables
  const float* item;
  int32_t n_items;
  int dim;
  int32_t* order;  // [2][F][I]
  float* sd;       // [2][F]
  const float* rank_prob;
  const int32_t* rank_alias;

  __device__ int64_t buffer(int64_t refreshes) const { return refreshes & 1; }
  template <class Scorer>
  __device__ int32_t operator()(const Scorer* sc, const float*, int64_t b, int32_t k, int32_t u,
                                int32_t, int) const {
    const int64_t buf = buffer(schedule.refreshes_before(epoch, b));
    const int64_t stride = static_cast<int64_t>(dim) * n_items;
    const AobprView v{n_items, dim, order + buf * stride, sd + buf * dim, rank_prob, rank_alias};
    const int64_t begin = train.off[u];
    return aobpr_negative(seed, epoch, b, k, v, *sc, user + static_cast<int64_t>(u) * dim,
                          train.cols + begin, train.off[u + 1] - begin);
  }
  __device__ void after_batch(int64_t b, int32_t size) const {
    if (!schedule.refreshes_after(epoch, b, size)) return;
    const int64_t next = buffer(schedule.refreshes_before(epoch, b) + 1);
    refresh_orderings(item, n_items, dim, order + next * dim * static_cast<int64_t>(n_items),
                      sd + next * dim, thread_index(), thread_count());
  }
};

class AobprSampler : public Sampler {
 public:
  int64_t estimate_bytes(const TrainingSet& set, const TrainConfig& config) const override {
    const int64_t items = set.data->n_items, dim = config.model.dim;
    return 8 * dim * items + 8 * dim + 8 * items;
  }
  void setup(const SamplerSetup& s, const ModelView& model) override {
    const Dataset& d = *s.set->data;
    const AliasTable t =
        build_alias_table(aobpr_rank_weights(d.n_items, sampler_option(*s.config, "aobpr-lambda")));
    rank_prob_.assign(t.prob, s.stream);
    rank_alias_.assign(t.alias, s.stream);
    const int64_t n = d.train.nnz();
    const int32_t batch = s.config->batch_size;
    const int64_t used =
        std::min(n, batches_per_epoch(n, batch, s.config->keep_last_batch) * batch);
    const int64_t stride = static_cast<int64_t>(model.dim) * d.n_items;
    order_.resize(2 * stride);
    sd_.resize(2 * static_cast<int64_t>(model.dim));
    refresh_kernel<<<grid_size(stride), kBlock, 0, s.stream>>>(model.item, d.n_items, model.dim,
                                                               order_.data(), sd_.data());
    SRNS_CUDA_LAUNCH_CHECK("aobpr refresh_kernel");
    copy_buffer(0, 1, s.stream);
    draw_ = AobprDraw{s.config->seed,
                      0,
                      aobpr_schedule(d.n_items, used, batch),
                      s.train,
                      model.user,
                      model.item,
                      d.n_items,
                      model.dim,
                      order_.data(),
                      sd_.data(),
                      rank_prob_.data(),
                      rank_alias_.data()};
  }
  void begin_epoch(int t, const BatchRefs&, cudaStream_t) override { draw_.epoch = t; }
  void select(const BatchRefs& batch, const ModelView& model, int32_t* negative,
              cudaStream_t stream) override {
    launch_pair_select(stream, "aobpr pair_select_kernel", batch, model, draw_, negative);
  }
  bool fused_step(const BatchRefs& batch, const ModelView& model, const PairStepArgs& args,
                  cudaStream_t stream) override {
    launch_pair_step(stream, "aobpr pair_step_kernel", batch, model, args, draw_);
    return true;
  }
  // The CPU twin's bytes: the orderings and sds the next epoch's first batch draws with.
  void save(std::ostream& out, cudaStream_t stream) const override {
    const int64_t buf = draw_.schedule.refreshes_before(draw_.epoch + 1, 0) & 1;
    const int64_t stride = static_cast<int64_t>(draw_.dim) * draw_.n_items;
    std::vector<int32_t> order(stride);
    std::vector<float> sd(draw_.dim);
    SRNS_CUDA_CHECK(cudaMemcpyAsync(order.data(), order_.data() + buf * stride,
                                    sizeof(int32_t) * stride, cudaMemcpyDeviceToHost, stream));
    SRNS_CUDA_CHECK(cudaMemcpyAsync(sd.data(), sd_.data() + buf * draw_.dim,
                                    sizeof(float) * draw_.dim, cudaMemcpyDeviceToHost, stream));
    SRNS_CUDA_CHECK(cudaStreamSynchronize(stream));
    write_array(out, order);
    write_array(out, sd);
  }
  void load(std::istream& in, cudaStream_t stream) override {
    std::vector<int32_t> order(static_cast<size_t>(draw_.dim) * draw_.n_items);
    std::vector<float> sd(draw_.dim);
    read_array(in, &order, "AOBPR factor orderings");
    read_array(in, &sd, "AOBPR factor sds");
    order_.upload(order.data(), static_cast<int64_t>(order.size()), stream);
    sd_.upload(sd.data(), draw_.dim, stream);
    copy_buffer(0, 1, stream);
  }

 private:
  void copy_buffer(int from, int to, cudaStream_t stream) {
    const int64_t stride = order_.size() / 2, dim = sd_.size() / 2;
    SRNS_CUDA_CHECK(cudaMemcpyAsync(order_.data() + to * stride, order_.data() + from * stride,
                                    sizeof(int32_t) * stride, cudaMemcpyDeviceToDevice, stream));
    SRNS_CUDA_CHECK(cudaMemcpyAsync(sd_.data() + to * dim, sd_.data() + from * dim,
                                    sizeof(float) * dim, cudaMemcpyDeviceToDevice, stream));
  }

  DeviceBuffer<int32_t> order_;
  DeviceBuffer<float> sd_;
  DeviceBuffer<float> rank_prob_;
  DeviceBuffer<int32_t> rank_alias_;
  AobprDraw draw_{};
};

}  // namespace

std::unique_ptr<Sampler> make_aobpr_sampler() { return std::make_unique<AobprSampler>(); }

}  // namespace srns::gpu
