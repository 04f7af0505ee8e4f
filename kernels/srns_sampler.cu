// gpu::SrnsSampler (SRNS and random-from-memory), twin of cpu::SrnsSampler
// (src/cpu/srns_sampler.cpp): the same state in device memory, filled and read by the twins
// of the CPU's ops:
//   pools     the current pool [U][V] (dense history or none), or the pipeline's W + 1 pools
//             (sample_pools.cu; pool p is current during epoch p)
//   memory    [U][S1] (init_memory.cu; refreshed in place by srns_step.cu)
//   history   dense [U][I][W] (score_matrix.cu), or pooled [W][U][V][W] + tracked [T][W]
//             (record_history.cu) - SRNS only; float, or binary16 with --history-precision half
//   groups    the epoch's batches grouped by user (batch_groups.cu), built at begin_epoch
// save/load write the CPU twin's bytes, so a checkpoint resumes on either backend.
#include <algorithm>
#include <istream>
#include <ostream>

#include "batch_groups.cuh"
#include "device_buffer.cuh"
#include "device_state_io.cuh"
#include "init_memory.cuh"
#include "record_history.cuh"
#include "sample_pools.cuh"
#include "sampler.cuh"
#include "score_matrix.cuh"
#include "srns_step.cuh"
#include "train/srns_layout.hpp"
#include "train/state_io.hpp"

namespace srns::gpu {
namespace {

// Positions trained per epoch: every pair, or whole batches only (the official code).
int64_t trained_positions(const TrainConfig& c, int64_t n) {
  return std::min<int64_t>(n, batches_per_epoch(n, c.batch_size, c.keep_last_batch) *
                                  static_cast<int64_t>(c.batch_size));
}

class SrnsSampler : public Sampler {
 public:
  explicit SrnsSampler(bool random_selection) : random_(random_selection) {}

  std::string describe() const override {
    std::string s = !layout_.history ? "memory without score history"
                    : layout_.dense  ? "dense score history"
                                     : "pooled score history";
    if (layout_.half) s += " in half precision";
    if (version_ == SrnsStepVersion::kThread) s += ", thread SRNS step";
    return s;
  }

  int64_t estimate_bytes(const TrainingSet& set, const TrainConfig& c) const override {
    const SrnsLayout l = plan_srns_layout(*set.data, set, c, !random_);
    const int64_t n = trained_positions(c, set.data->train.nnz());
    const int64_t tracked = l.history && !l.dense ? 8 * l.n_tracked : 0;
    const int64_t ctx = c.cuda_step == "thread"
                            ? 4 * static_cast<int64_t>(c.batch_size) *
                                  context_size(c.model.kind, c.model.dim, c.model.mlp)
                            : 0;
    return l.bytes() + tracked + ctx + (n > 0 ? BatchGroupsBuffers::bytes_for(n, c.batch_size) : 0);
  }

  int64_t local_bytes_per_thread(const TrainConfig& c) const override {
    return srns_step_local_bytes(
        c.model.kind, c.cuda_step == "thread" ? SrnsStepVersion::kThread : SrnsStepVersion::kWarp);
  }
  void setup(const SamplerSetup& s, const ModelView& model) override;
  void begin_epoch(int t, const BatchRefs& batch, cudaStream_t stream) override;
  void select(const BatchRefs& batch, const ModelView& model, int32_t* negative,
              cudaStream_t stream) override {
    srns_step(stream, version_, step_args(batch, model, negative), nullptr);
  }
  bool fused_step(const BatchRefs& batch, const ModelView& model, const PairStepArgs& args,
                  cudaStream_t stream) override {
    srns_step(stream, version_, step_args(batch, model, args.negative), &args);
    return true;
  }
  void end_epoch(int t, const ModelView& model, cudaStream_t stream) override;

  void save(std::ostream& out, cudaStream_t stream) const override {
    save_device(out, pools_, stream);
    save_device(out, memory_, stream);
    save_device(out, hist_, stream);
    save_device(out, hist_tracked_, stream);
    save_device(out, hist_half_, stream);
    save_device(out, hist_tracked_half_, stream);
  }
  void load(std::istream& in, cudaStream_t stream) override {
    load_device(in, &pools_, "SRNS pools", stream);
    load_device(in, &memory_, "SRNS memory", stream);
    load_device(in, &hist_, "SRNS score history", stream);
    load_device(in, &hist_tracked_, "SRNS tracked history", stream);
    load_device(in, &hist_half_, "SRNS score history (half)", stream);
    load_device(in, &hist_tracked_half_, "SRNS tracked history (half)", stream);
  }

 private:
  int32_t* pool_slot(int64_t p) {
    return pools_.data() +
           (layout_.pools_stored() == 1 ? 0 : p % layout_.pools_stored()) * layout_.pool_elems();
  }
  void sample_pool(int64_t p, cudaStream_t stream) {
    const Dataset& d = *setup_.set->data;
    sample_pools(stream, setup_.config->seed, p, d.n_users, d.n_items, layout_.pool_size,
                 setup_.train.off, setup_.train.cols, pool_slot(p));
  }
  SrnsView view(int t);
  void* hist_data() { return layout_.half ? static_cast<void*>(hist_half_.data()) : hist_.data(); }
  void* tracked_data() {
    return layout_.half ? static_cast<void*>(hist_tracked_half_.data()) : hist_tracked_.data();
  }
  // Where a record goes: element `offset` of `base` onwards, rows ld apart, columns `stride`.
  ScoreOut history_out(void* base, int64_t offset, int64_t ld, int64_t stride) const {
    return {static_cast<char*>(base) + offset * layout_.value_bytes(), ld, stride, layout_.half};
  }
  SrnsStepArgs step_args(const BatchRefs& batch, const ModelView& model, int32_t* negative);

  const bool random_;
  SamplerSetup setup_;
  SrnsStepVersion version_ = SrnsStepVersion::kWarp;
  SrnsLayout layout_;
  int epoch_ = 0;
  DeviceBuffer<int32_t> pools_, memory_, tracked_user_, tracked_item_;
  DeviceBuffer<float> hist_, hist_tracked_, ctx_scratch_;  // float history (or empty)
  DeviceBuffer<uint16_t> hist_half_, hist_tracked_half_;   // binary16 history (or empty)
  BatchGroupsBuffers groups_;
};

SrnsView SrnsSampler::view(int t) {
  const Dataset& d = *setup_.set->data;
  SrnsView v = make_srns_view(d, *setup_.set, *setup_.config, layout_);
  v.train_off = setup_.train.off;
  v.train_cols = setup_.train.cols;
  v.fn_off = setup_.fn_sets.off;
  v.fn_cols = setup_.fn_sets.cols;
  if (!v.fn_off) v.fn_num = 0;
  v.pool = pool_slot(t);
  v.hist = layout_.history ? hist_data() : nullptr;
  v.hist_tracked = layout_.tracked_elems() > 0 ? tracked_data() : nullptr;
  return v;
}

void SrnsSampler::setup(const SamplerSetup& s, const ModelView& model) {
  setup_ = s;
  const TrainConfig& c = *s.config;
  const Dataset& d = *s.set->data;
  const cudaStream_t stream = s.stream;
  version_ = c.cuda_step == "thread" ? SrnsStepVersion::kThread : SrnsStepVersion::kWarp;
  layout_ = plan_srns_layout(d, *s.set, c, !random_);
  pools_.resize(layout_.pools_stored() * layout_.pool_elems());
  if (layout_.half) {
    hist_half_.resize(layout_.hist_elems());
    hist_half_.zero(stream);
    hist_tracked_half_.resize(layout_.tracked_elems());
    hist_tracked_half_.zero(stream);
  } else {
    hist_.resize(layout_.hist_elems());
    hist_.zero(stream);
    hist_tracked_.resize(layout_.tracked_elems());
    hist_tracked_.zero(stream);
  }
  if (layout_.pools_stored() > 1) {
    for (int64_t p = 0; p < layout_.pools_stored(); ++p) sample_pool(p, stream);
    std::vector<int32_t> users, items;
    for (int32_t u = 0; u < d.n_users; ++u) {
      for (int64_t e = d.train.offsets[u]; e < d.train.offsets[u + 1]; ++e) {
        users.push_back(u);
        items.push_back(d.train.cols[e]);
      }
    }
    const Csr& fn = s.set->fn_sets;
    for (int32_t u = 0; u < fn.rows(); ++u) {
      for (int64_t x = fn.offsets[u]; x < fn.offsets[u + 1]; ++x) {
        users.push_back(u);
        items.push_back(fn.cols[x]);
      }
    }
    tracked_user_.assign(users, stream);
    tracked_item_.assign(items, stream);
  }
  memory_.resize(static_cast<int64_t>(d.n_users) * layout_.s1);
  init_memory(stream, view(0), memory_.data());
  if (version_ == SrnsStepVersion::kThread) {
    ctx_scratch_.resize(static_cast<int64_t>(c.batch_size) *
                        context_size(model.kind, model.dim, model.mlp));
  }
  const int64_t n = trained_positions(c, d.train.nnz());
  if (n > 0) groups_ = BatchGroupsBuffers(n, c.batch_size);
}

void SrnsSampler::begin_epoch(int t, const BatchRefs& batch, cudaStream_t stream) {
  epoch_ = t;
  // With one stored pool, pool t is drawn when it becomes current.
  if (layout_.pools_stored() == 1) sample_pool(t, stream);
  batch_groups(stream, batch.user, batch.n, batch.batch_size, &groups_);
}

SrnsStepArgs SrnsSampler::step_args(const BatchRefs& batch, const ModelView& model,
                                    int32_t* negative) {
  const SrnsConfig& c = setup_.config->srns;
  SrnsStepArgs a;
  a.view = view(epoch_);
  a.params = {setup_.config->seed, epoch_, alpha_at(c.schedule, c.alpha, epoch_, c.t0),
              epoch_ % c.update_every == 0, random_};
  a.batch = batch;
  a.groups = groups_.view();
  a.model = model;
  a.memory = memory_.data();
  a.negative = negative;
  a.ctx_scratch = ctx_scratch_.empty() ? nullptr : ctx_scratch_.data();
  return a;
}

void SrnsSampler::end_epoch(int t, const ModelView& model, cudaStream_t stream) {
  if (!layout_.history) return;
  const Dataset& d = *setup_.set->data;
  // Record t goes to ring slot t mod W of every run (as cpu::SrnsSampler::end_epoch).
  const int64_t slot = history_slot(t, layout_.window);
  const int64_t w = layout_.window;
  if (layout_.dense) {
    score_matrix(stream, model, 0, d.n_users, d.n_items,
                 history_out(hist_data(), slot, d.n_items * w, w));
    return;
  }
  const int64_t first = t < 0 ? 0 : t + 1;
  const int64_t last = t < 0 ? 0 : t + layout_.window;
  for (int64_t p = first; p <= last; ++p) {
    const int64_t block = history_slot(p, layout_.window) * layout_.pool_elems() * w;
    score_pool(stream, model, d.n_users, layout_.pool_size, pool_slot(p),
               history_out(hist_data(), block + slot, layout_.pool_size * w, w));
  }
  score_pairs(stream, model, layout_.n_tracked, tracked_user_.data(), tracked_item_.data(),
              history_out(tracked_data(), slot, w, 1));
  // Pool t is spent: its slot takes the pool that enters the back of the pipeline.
  if (t >= 0) sample_pool(t + layout_.window + 1, stream);
}

}  // namespace

std::unique_ptr<Sampler> make_srns_sampler() { return std::make_unique<SrnsSampler>(false); }
std::unique_ptr<Sampler> make_memory_random_sampler() {
  return std::make_unique<SrnsSampler>(true);
}

}  // namespace srns::gpu
