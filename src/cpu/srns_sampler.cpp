// cpu::SrnsSampler and cpu::MemoryRandomSampler: SRNS (DESIGN §4) and its random-from-memory
// ablation on the CPU, the reference for kernels/srns_sampler.cu. The per-sample math is
// include/srns/samplers/srns.hpp; this unit owns the state it reads:
//   pools     the current pool [U][V] (dense history or none), or the pipeline's W + 1 pools
//   memory    [U][S1], and the items its entries hold in the current pool (memory_items)
//   history   dense [U][I][W], or pooled [W][U][V][W] + tracked [T][W] (SRNS only), float or
//             binary16 (--history-precision half)
// Per window of batches (as many as kDrawBytes of draws hold): the pairs grouped by user and
// the refreshes' extension draws (extension_draws.cpp). Per batch, srns_step.cpp: each pair
// picks its negative from its user's memory (eq. 4, or uniformly for random-from-memory), and
// the user's memory row is refreshed in place (eq. 3), once per user per batch.
#include <algorithm>

#include "cpu/cpu_ops.hpp"
#include "cpu/huge_pages.hpp"
#include "cpu/sampler.hpp"
#include "srns/samplers/srns.hpp"
#include "train/srns_layout.hpp"
#include "train/state_io.hpp"

namespace srns::cpu {
namespace {

// Bytes of extension draws a window holds: ML-1M's whole epoch (about 830k user groups in 988
// batches of 1000 pairs: 240 MB as uint16_t). Larger windows read each user's pool row fewer
// times (about once per window); a 32 MB window gained nothing on ML-1M, 256 MB 6%.
constexpr int64_t kDrawBytes = int64_t{320} << 20;

class SrnsSampler : public Sampler {
 public:
  explicit SrnsSampler(bool random_selection) : random_(random_selection) {}

  std::string describe() const override {
    if (!layout_.history) return "memory without score history";
    return std::string(layout_.dense ? "dense" : "pooled") + " score history" +
           (layout_.half ? " in half precision" : "");
  }

  void setup(const SamplerSetup& s, const ModelView& model) override;
  void begin_epoch(int t, const ModelView& model) override;
  void begin_batches(const EpochPairs& pairs, int32_t batch_size) override {
    pairs_ = &pairs;
    batch_size_ = batch_size;
  }
  void select(const Batch& batch, const ModelView& model, int32_t* negative) override;
  // SRNS (not random-from-memory): select, and the pair losses from the selection's scores.
  bool fused_step(const Batch& batch, const ModelView& model, int loss_kind, float reg,
                  int32_t* negative, StepOutput* out) override;
  void end_epoch(int t, const ModelView& model) override;

  void save(std::ostream& out) const override {
    write_array(out, pools_);
    write_array(out, memory_);
    write_array(out, hist_);
    write_array(out, hist_tracked_);
    write_array(out, hist_half_);
    write_array(out, hist_tracked_half_);
  }
  void load(std::istream& in) override {
    read_array(in, &pools_, "SRNS pools");
    read_array(in, &memory_, "SRNS memory");
    memory_items_.resize(memory_.size());
    read_array(in, &hist_, "SRNS score history");
    read_array(in, &hist_tracked_, "SRNS tracked history");
    read_array(in, &hist_half_, "SRNS score history (half)");
    read_array(in, &hist_tracked_half_, "SRNS tracked history (half)");
    memory_items(view(epoch_), memory_.data(), memory_items_.data(), threads_);
  }
  int64_t footprint() const override {
    return layout_.bytes() + 4 * static_cast<int64_t>(memory_items_.size() + draws_.runs32.size()) +
           2 * static_cast<int64_t>(draws_.runs16.size());
  }
  ModelReads select_reads() const override { return ModelReads::kBatchUsers; }

 private:
  int32_t* pool_slot(int64_t p) {
    return pools_.data() +
           (layout_.pools_stored() == 1 ? 0 : p % layout_.pools_stored()) * layout_.pool_elems();
  }
  void sample_pool(int64_t p) {
    const Dataset& d = *set_->data;
    sample_pools(config_->seed, p, d.n_users, d.n_items, layout_.pool_size, d.train.offsets.data(),
                 d.train.cols.data(), pool_slot(p), threads_);
  }
  SrnsView view(int t);
  // draws_ for the window that starts at `batch` (draw_window's comment).
  void draw_window(const Batch& batch, bool refresh);
  // srns_step on the batch's user groups; with `loss`, also the pairs' losses and rows.
  void step(const Batch& batch, const ModelView& model, int32_t* negative, const PairLossOut* loss);
  void* hist_data() { return layout_.half ? static_cast<void*>(hist_half_.data()) : hist_.data(); }
  void* tracked_data() {
    return layout_.half ? static_cast<void*>(hist_tracked_half_.data()) : hist_tracked_.data();
  }
  // Where a record goes: element `offset` of `base` onwards, rows ld apart, columns `stride`.
  ScoreOut history_out(void* base, int64_t offset, int64_t ld, int64_t stride) const {
    return {static_cast<char*>(base) + offset * layout_.value_bytes(), ld, stride, layout_.half};
  }

  const bool random_;
  const TrainingSet* set_ = nullptr;
  const TrainConfig* config_ = nullptr;
  int threads_ = 1;
  int epoch_ = 0;
  SrnsLayout layout_;
  HugeVector<int32_t> pools_;
  std::vector<int32_t> memory_;
  std::vector<int32_t> memory_items_;      // [U][S1]: memory_items(), kept by srns_step
  HugeVector<float> hist_, hist_tracked_;  // float history (one pair empty)
  HugeVector<uint16_t> hist_half_, hist_tracked_half_;  // binary16 history
  std::vector<int32_t> tracked_user_, tracked_item_;
  const EpochPairs* pairs_ = nullptr;  // this epoch's (begin_batches), or none
  int32_t batch_size_ = 0;
  ExtensionDraws draws_;
  std::vector<Batch> window_;
};

void SrnsSampler::setup(const SamplerSetup& s, const ModelView& /*model*/) {
  set_ = s.set;
  config_ = s.config;
  threads_ = s.threads;
  const Dataset& d = *set_->data;
  layout_ = plan_srns_layout(d, *set_, *config_, /*with_history=*/!random_);
  // Beside the state: the memory's items and a window of refresh draws (at most one run per
  // training pair).
  const int64_t runs = std::min(
      kDrawBytes,
      d.train.nnz() * extension_run_bytes(config_->srns.s2, layout_.pool_size, layout_.n_items));
  check_host_memory(layout_, runs + int64_t{4} * d.n_users * layout_.s1);
  pools_.assign(layout_.pools_stored() * layout_.pool_elems(), 0);
  if (layout_.half) {
    hist_half_.assign(layout_.hist_elems(), 0);
    hist_tracked_half_.assign(layout_.tracked_elems(), 0);
  } else {
    hist_.assign(layout_.hist_elems(), 0.0f);
    hist_tracked_.assign(layout_.tracked_elems(), 0.0f);
  }
  if (layout_.pools_stored() > 1) {
    for (int64_t p = 0; p < layout_.pools_stored(); ++p) sample_pool(p);
    for (int32_t u = 0; u < d.n_users; ++u) {
      for (int64_t e = d.train.offsets[u]; e < d.train.offsets[u + 1]; ++e) {
        tracked_user_.push_back(u);
        tracked_item_.push_back(d.train.cols[e]);
      }
    }
    const Csr& fn = set_->fn_sets;
    for (int32_t u = 0; u < fn.rows(); ++u) {
      for (int64_t x = fn.offsets[u]; x < fn.offsets[u + 1]; ++x) {
        tracked_user_.push_back(u);
        tracked_item_.push_back(fn.cols[x]);
      }
    }
  }
  memory_.resize(static_cast<size_t>(d.n_users) * layout_.s1);
  init_memory(view(0), memory_.data(), threads_);
  memory_items_.resize(memory_.size());
  memory_items(view(0), memory_.data(), memory_items_.data(), threads_);
}

SrnsView SrnsSampler::view(int t) {
  SrnsView v = make_srns_view(*set_->data, *set_, *config_, layout_);
  v.pool = pool_slot(t);
  v.hist = layout_.history ? hist_data() : nullptr;
  v.hist_tracked = layout_.tracked_elems() > 0 ? tracked_data() : nullptr;
  return v;
}

void SrnsSampler::begin_epoch(int t, const ModelView& /*model*/) {
  epoch_ = t;
  // With one stored pool, pool t is drawn when it becomes current.
  if (layout_.pools_stored() == 1) sample_pool(t);
  // The memory's slots point into pool t now.
  memory_items(view(t), memory_.data(), memory_items_.data(), threads_);
  pairs_ = nullptr;
  draws_.epoch = -1;
}

// The window: `batch` and the epoch's batches after it (begin_batches), as many as kDrawBytes
// of draws hold; `batch` alone where it is not from those pairs.
void SrnsSampler::draw_window(const Batch& batch, bool refresh) {
  window_.assign(1, batch);
  if (pairs_ && batch_size_ > 0 && same_batch(pairs_->batch(batch.index, batch_size_), batch)) {
    const int64_t per_batch =
        batch_size_ * extension_run_bytes(config_->srns.s2, layout_.pool_size, layout_.n_items);
    const int64_t most = std::max<int64_t>(1, kDrawBytes / per_batch);
    const int64_t n_pairs = static_cast<int64_t>(pairs_->pair.size());
    const int64_t end = std::min(batch.index + most, (n_pairs + batch_size_ - 1) / batch_size_);
    for (int64_t b = batch.index + 1; b < end; ++b) {
      window_.push_back(pairs_->batch(b, batch_size_));
    }
  }
  draw_extensions(view(epoch_), epoch_, window_.data(), static_cast<int64_t>(window_.size()),
                  refresh, threads_, &draws_);
}

void SrnsSampler::step(const Batch& batch, const ModelView& model, int32_t* negative,
                       const PairLossOut* loss) {
  const SrnsConfig& c = config_->srns;
  const SrnsStepParams p{config_->seed, epoch_, alpha_at(c.schedule, c.alpha, epoch_, c.t0),
                         epoch_ % c.update_every == 0, random_};
  int64_t w = draws_.find(epoch_, batch);
  if (w < 0) {
    draw_window(batch, p.refresh);
    w = 0;
  }
  srns_step(view(epoch_), p, batch, draws_, w, model, memory_.data(), memory_items_.data(),
            negative, threads_, loss);
}

void SrnsSampler::select(const Batch& batch, const ModelView& model, int32_t* negative) {
  step(batch, model, negative, nullptr);
}

bool SrnsSampler::fused_step(const Batch& batch, const ModelView& model, int loss_kind, float reg,
                             int32_t* negative, StepOutput* out) {
  if (random_) return false;
  out->size_for_pair_rows(batch.size, model);
  const PairLossOut loss{loss_kind, reg, out};
  step(batch, model, negative, &loss);
  return true;
}

void SrnsSampler::end_epoch(int t, const ModelView& model) {
  if (!layout_.history) return;
  // Record t goes to ring slot t mod W of every run.
  const int64_t slot = history_slot(t, layout_.window);
  const int64_t w = layout_.window;
  const Dataset& d = *set_->data;
  if (layout_.dense) {
    score_matrix(model, 0, d.n_users, d.n_items, history_out(hist_data(), slot, d.n_items * w, w),
                 threads_);
    return;
  }
  const int64_t first = t < 0 ? 0 : t + 1;
  const int64_t last = t < 0 ? 0 : t + layout_.window;
  for (int64_t p = first; p <= last; ++p) {
    const int64_t block = history_slot(p, layout_.window) * layout_.pool_elems() * w;
    score_pool(model, d.n_users, layout_.pool_size, pool_slot(p),
               history_out(hist_data(), block + slot, layout_.pool_size * w, w), threads_);
  }
  score_pairs(model, layout_.n_tracked, tracked_user_.data(), tracked_item_.data(),
              history_out(tracked_data(), slot, w, 1), threads_);
  // Pool t is spent: its slot takes the pool that enters the back of the pipeline.
  if (t >= 0) sample_pool(t + layout_.window + 1);
}

}  // namespace

std::unique_ptr<Sampler> make_srns_sampler() { return std::make_unique<SrnsSampler>(false); }
std::unique_ptr<Sampler> make_memory_random_sampler() {
  return std::make_unique<SrnsSampler>(true);
}

}  // namespace srns::cpu
