// gpu::SrnsSynSampler, twin of cpu::SrnsSynSampler (src/cpu/srns_syn_sampler.cpp): the same
// state in device memory (memory [U][S1] items, the ring of end-of-epoch score matrices
// [W][U][I], the epoch's sd [U][I]) and the same per-sample functions (samplers/srns_syn.hpp)
// on the same Philox streams. Its batch step is one kernel, one thread per user group
// (batch_groups.cuh): the user's pairs in batch order select, refresh (pair mode) and form
// their gradient rows with the scorer's thread form, as the CPU does; losses and label errors
// go to the batch's sums. The sd matrix is a kernel at the start of the epoch; the records
// are score matrices (score_matrix.cu).
#include <istream>
#include <ostream>
#include <type_traits>

#include "batch_groups.cuh"
#include "device_buffer.cuh"
#include "device_state_io.cuh"
#include "launch.cuh"
#include "sampler.cuh"
#include "score_matrix.cuh"
#include "scorer_warp.cuh"
#include "srns/samplers/srns_syn.hpp"

namespace srns::gpu {
namespace {

__global__ void syn_init_memory_kernel(SrnsSynView v, int32_t* memory) {
  for (int64_t u = thread_index(); u < v.n_users; u += thread_count()) {
    syn_init_memory(v, static_cast<int32_t>(u), memory + u * v.s1);
  }
}

// sd[x] = population sd of records[slot(t - n_rec + r)][x], r < n_rec.
__global__ void syn_sd_kernel(const float* records, int window, int t, int n_rec, int64_t matrix,
                              float* sd) {
  for (int64_t x = thread_index(); x < matrix; x += thread_count()) {
    float h[kMaxWindow];
    for (int r = 0; r < n_rec; ++r)
      h[r] = records[history_slot(t - n_rec + r, window) * matrix + x];
    sd[x] = population_std(h, n_rec);
  }
}

struct SynStepArgs {
  SrnsSynView view;
  int epoch;
  float alpha_t;
  BatchRefs batch;
  DeviceBatchGroups groups;
  ModelView model;
  int32_t* memory;
  float* ctx_scratch;  // [B][context] (fresh scores)
};

template <class Scorer, bool kGradients>
__global__ void syn_step_kernel(SynStepArgs a, PairStepArgs pa, int32_t* negative) {
  const Scorer sc(a.model);
  const ModelView& m = a.model;
  const SrnsSynView& v = a.view;
  const int64_t b = a.batch.counters->batch;
  const int64_t base = a.batch.begin(b);
  const int64_t stride = m.grad_stride();
  const int32_t g_begin = a.groups.batch_group[b], g_end = a.groups.batch_group[b + 1];
  double loss_sum = 0.0;
  unsigned long long errors = 0;
  for (int64_t g = g_begin + thread_index(); g < g_end; g += thread_count()) {
    const int32_t x_begin = a.groups.group_begin[g], x_end = a.groups.group_begin[g + 1];
    const int32_t u = a.batch.user[a.groups.pos[x_begin]];
    float* ctx = a.ctx_scratch ? a.ctx_scratch + (g - g_begin) * sc.context_size() : nullptr;
    if (ctx) sc.user_context(m.user_row(u), ctx);
    int32_t* mem = a.memory + static_cast<int64_t>(u) * v.s1;
    for (int32_t x = x_begin; x < x_end; ++x) {
      const int64_t pos = a.groups.pos[x];
      const int32_t k = static_cast<int32_t>(pos - base);
      const int32_t i = a.batch.item[pos];
      const int32_t j = mem[syn_select(v, sc, ctx, m.item, a.alpha_t, u, i, mem)];
      negative[k] = j;
      if (v.per_pair_refresh) {
        PhiloxStream s = syn_refresh_stream(v, a.epoch, b, k, u);
        syn_refresh(v, sc, ctx, m.item, u, &s, mem);
      }
      if (kGradients) {
        const float loss =
            sc.pair_gradient(m.user_row(u), m.item_row(i), m.item_row(j), pa.loss_kind, pa.reg,
                             thread_score(sc, m.user_row(u), m.item_row(i)),
                             thread_score(sc, m.user_row(u), m.item_row(j)), pa.grad + k * stride);
        pa.loss[k] = loss;
        loss_sum += static_cast<double>(loss);
        errors += pa.truth.contains(u, j) ? 1 : 0;
      }
    }
    if (!v.per_pair_refresh) {
      PhiloxStream s = syn_refresh_stream(v, a.epoch, b, 0, u);
      syn_refresh(v, sc, ctx, m.item, u, &s, mem);
    }
  }
  if (kGradients && (loss_sum != 0.0 || errors != 0)) {
    atomicAdd(pa.batch_loss + b, loss_sum);
    atomicAdd(pa.batch_fn + b, errors);
  }
}

class SrnsSynSampler : public Sampler {
 public:
  std::string describe() const override { return "synthetic-data SRNS (thread per user)"; }

  int64_t estimate_bytes(const TrainingSet& set, const TrainConfig& c) const override {
    const Dataset& d = *set.data;
    const int64_t matrix = static_cast<int64_t>(d.n_users) * d.n_items;
    const int64_t n = d.train.nnz();
    return 4 * (static_cast<int64_t>(d.n_users) * c.srns.s1 + (c.srns.window + 1) * matrix) +
           12 * (static_cast<int64_t>(d.test.rows.size()) + d.n_users + 1) +
           (n > 0 ? BatchGroupsBuffers::bytes_for(n, c.batch_size) : 0) +
           4 * static_cast<int64_t>(c.batch_size) * context_size(c.model.kind, c.model.dim);
  }

  void setup(const SamplerSetup& s, const ModelView& model) override {
    setup_ = s;
    const Dataset& d = *s.set->data;
    const TrainConfig& c = *s.config;
    window_ = c.srns.window;
    sd_warmup_ = static_cast<int>(sampler_option(c, "syn-sd-warmup"));
    const Csr test = Csr::from_pairs(d.test.rows, d.n_users);
    if (!test.empty()) {
      test_off_.assign(test.offsets, s.stream);
      test_cols_.assign(test.cols, s.stream);
    }
    view_ = syn_view_settings(c, d.n_users, d.n_items, s.fn_sets.off != nullptr);
    SrnsSynView& v = view_;
    v.train_off = s.train.off;
    v.train_cols = s.train.cols;
    v.test_off = test_off_.empty() ? nullptr : test_off_.data();
    v.test_cols = test_off_.empty() ? nullptr : test_cols_.data();
    v.fn_off = s.fn_sets.off;
    v.fn_cols = s.fn_sets.cols;
    const int64_t matrix = static_cast<int64_t>(d.n_users) * d.n_items;
    records_.resize(window_ * matrix);
    records_.zero(s.stream);
    sd_.resize(matrix);
    memory_.resize(static_cast<int64_t>(d.n_users) * v.s1);
    syn_init_memory_kernel<<<grid_size(d.n_users), kBlock, 0, s.stream>>>(v, memory_.data());
    SRNS_CUDA_LAUNCH_CHECK("syn_init_memory_kernel");
    if (v.fresh_scores) {
      ctx_scratch_.resize(static_cast<int64_t>(c.batch_size) * context_size(model.kind, model.dim));
    }
    if (d.train.nnz() > 0) groups_ = BatchGroupsBuffers(d.train.nnz(), c.batch_size);
  }

  void begin_epoch(int t, const BatchRefs& batch, cudaStream_t stream) override {
    epoch_ = t;
    view_.scores = record(t - 1);
    view_.sd = nullptr;
    if (t >= sd_warmup_) {
      const int n_rec = t + 1 < window_ ? t + 1 : window_;
      const int64_t matrix = static_cast<int64_t>(view_.n_users) * view_.n_items;
      syn_sd_kernel<<<grid_size(matrix), kBlock, 0, stream>>>(records_.data(), window_, t, n_rec,
                                                              matrix, sd_.data());
      SRNS_CUDA_LAUNCH_CHECK("syn_sd_kernel");
      view_.sd = sd_.data();
    }
    batch_groups(stream, batch.user, batch.n, batch.batch_size, &groups_);
  }

  void select(const BatchRefs& batch, const ModelView& model, int32_t* negative,
              cudaStream_t stream) override {
    launch<false>(batch, model, PairStepArgs{}, negative, stream);
  }
  bool fused_step(const BatchRefs& batch, const ModelView& model, const PairStepArgs& args,
                  cudaStream_t stream) override {
    launch<true>(batch, model, args, args.negative, stream);
    return true;
  }
  void end_epoch(int t, const ModelView& model, cudaStream_t stream) override {
    score_matrix(stream, model, 0, view_.n_users, view_.n_items,
                 float_matrix(record(t), view_.n_items));
  }

  void save(std::ostream& out, cudaStream_t stream) const override {
    save_device(out, memory_, stream);
    save_device(out, records_, stream);
  }
  void load(std::istream& in, cudaStream_t stream) override {
    load_device(in, &memory_, "synthetic SRNS memory", stream);
    load_device(in, &records_, "synthetic SRNS score records", stream);
  }

 private:
  float* record(int64_t s) {
    const int64_t matrix = static_cast<int64_t>(view_.n_users) * view_.n_items;
    return records_.data() + history_slot(s, window_) * matrix;
  }

  template <bool kGradients>
  void launch(const BatchRefs& batch, const ModelView& model, const PairStepArgs& pa,
              int32_t* negative, cudaStream_t stream) {
    const SrnsConfig& c = setup_.config->srns;
    const SynStepArgs a{view_,
                        epoch_,
                        alpha_at(c.schedule, c.alpha, epoch_, c.t0),
                        batch,
                        groups_.view(),
                        model,
                        memory_.data(),
                        ctx_scratch_.empty() ? nullptr : ctx_scratch_.data()};
    with_scorer(model, [&](const auto& sc) {
      using Scorer = std::decay_t<decltype(sc)>;
      constexpr int kThreads = 128;
      syn_step_kernel<Scorer, kGradients>
          <<<grid_size(batch.batch_size, kThreads), kThreads, 0, stream>>>(a, pa, negative);
      SRNS_CUDA_LAUNCH_CHECK("syn_step_kernel");
    });
  }

  SamplerSetup setup_;
  SrnsSynView view_{};
  int epoch_ = 0, window_ = 5, sd_warmup_ = 5;
  DeviceBuffer<int64_t> test_off_;
  DeviceBuffer<int32_t> test_cols_, memory_;
  DeviceBuffer<float> records_, sd_, ctx_scratch_;
  BatchGroupsBuffers groups_;
};

}  // namespace

std::unique_ptr<Sampler> make_srns_syn_sampler() { return std::make_unique<SrnsSynSampler>(); }

}  // namespace srns::gpu
