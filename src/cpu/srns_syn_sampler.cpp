// cpu::SrnsSynSampler: SRNS as the official code runs it on the synthetic data
// (samplers/srns_syn.hpp), the reference for kernels/srns_syn_sampler.cu. It owns the
// memory [U][S1] (items), the ring of the last W end-of-epoch score matrices [W][U][I] and the
// epoch's sd matrix [U][I]. A batch is worked user group by user group (batch_groups.cpp):
// a user's pairs in batch order, each selecting from the memory and, in pair mode, refreshing
// it before the next; users are independent, so threads split the groups.
#include <stdexcept>

#include "cpu/cpu_ops.hpp"
#include "cpu/huge_pages.hpp"
#include "cpu/sampler.hpp"
#include "srns/samplers/srns_syn.hpp"
#include "train/state_io.hpp"

namespace srns::cpu {
namespace {

class SrnsSynSampler : public Sampler {
 public:
  std::string describe() const override {
    return std::string("synthetic-data SRNS, ") + (view_.fresh_scores ? "fresh" : "recorded") +
           " scores, " + (view_.per_pair_refresh ? "per-pair" : "per-user") + " refresh";
  }

  void setup(const SamplerSetup& s, const ModelView& /*model*/) override {
    set_ = s.set;
    config_ = s.config;
    threads_ = s.threads;
    const Dataset& d = *s.set->data;
    const TrainConfig& c = *s.config;
    test_ = Csr::from_pairs(d.test.rows, d.n_users);
    window_ = c.srns.window;
    sd_warmup_ = static_cast<int>(sampler_option(c, "syn-sd-warmup"));
    view_ = syn_view_settings(c, d.n_users, d.n_items, !s.set->fn_sets.empty());
    SrnsSynView& v = view_;
    v.train_off = d.train.offsets.data();
    v.train_cols = d.train.cols.data();
    v.test_off = test_.empty() ? nullptr : test_.offsets.data();
    v.test_cols = test_.empty() ? nullptr : test_.cols.data();
    v.fn_off = s.set->fn_sets.empty() ? nullptr : s.set->fn_sets.offsets.data();
    v.fn_cols = s.set->fn_sets.empty() ? nullptr : s.set->fn_sets.cols.data();
    const int64_t matrix = static_cast<int64_t>(d.n_users) * d.n_items;
    records_.assign(window_ * matrix, 0.0f);
    sd_.assign(matrix, 0.0f);
    memory_.resize(static_cast<size_t>(d.n_users) * v.s1);
    for (int32_t u = 0; u < d.n_users; ++u) {
      if (v.s1 + v.s2 > kMaxCandidates) throw std::invalid_argument("--s1 + --s2 too large");
      syn_init_memory(v, u, memory_.data() + static_cast<int64_t>(u) * v.s1);
    }
  }

  void begin_epoch(int t, const ModelView& /*model*/) override {
    epoch_ = t;
    const int n_rec = t + 1 < window_ ? t + 1 : window_;  // records of epochs t-n_rec .. t-1
    view_.scores = record(t - 1);
    view_.sd = nullptr;
    if (t < sd_warmup_) return;
    const int64_t matrix = static_cast<int64_t>(view_.n_users) * view_.n_items;
#pragma omp parallel for num_threads(threads_) schedule(static)
    for (int64_t x = 0; x < matrix; ++x) {
      float h[kMaxWindow];
      for (int r = 0; r < n_rec; ++r) h[r] = record(t - n_rec + r)[x];
      sd_[x] = population_std(h, n_rec);
    }
    view_.sd = sd_.data();
  }

  void select(const Batch& batch, const ModelView& model, int32_t* negative) override {
    const SrnsConfig& c = config_->srns;
    const float alpha_t = alpha_at(c.schedule, c.alpha, epoch_, c.t0);
    const SrnsSynView& v = view_;
    batch_groups(batch, &groups_);
    with_scorer(model, [&](const auto& sc) {
#pragma omp parallel for num_threads(threads_) schedule(static)
      for (int32_t g = 0; g < groups_.groups(); ++g) {
        const int32_t u = batch.user[groups_.slot[groups_.begin[g]]];
        float ctx[kMaxDim];
        if (v.fresh_scores) sc.user_context(model.user_row(u), ctx);
        int32_t* mem = memory_.data() + static_cast<int64_t>(u) * v.s1;
        for (int32_t x = groups_.begin[g]; x < groups_.begin[g + 1]; ++x) {
          const int32_t k = groups_.slot[x];
          const int e = syn_select(v, sc, ctx, model.item, alpha_t, u, batch.item[k], mem);
          negative[k] = mem[e];
          if (v.per_pair_refresh) {
            PhiloxStream s = syn_refresh_stream(v, epoch_, batch.index, k, u);
            syn_refresh(v, sc, ctx, model.item, u, &s, mem);
          }
        }
        if (!v.per_pair_refresh) {
          PhiloxStream s = syn_refresh_stream(v, epoch_, batch.index, 0, u);
          syn_refresh(v, sc, ctx, model.item, u, &s, mem);
        }
      }
    });
  }

  // The end-of-epoch score matrix of every (u, i) into the ring (t = -1: before training).
  void end_epoch(int t, const ModelView& model) override {
    score_matrix(model, 0, view_.n_users, view_.n_items, float_matrix(record(t), view_.n_items),
                 threads_);
  }

  void save(std::ostream& out) const override {
    write_array(out, memory_);
    write_array(out, records_);
  }
  void load(std::istream& in) override {
    read_array(in, &memory_, "synthetic SRNS memory");
    read_array(in, &records_, "synthetic SRNS score records");
  }
  int64_t footprint() const override {
    return 4 * static_cast<int64_t>(memory_.size() + records_.size() + sd_.size());
  }

 private:
  float* record(int64_t s) {
    const int64_t matrix = static_cast<int64_t>(view_.n_users) * view_.n_items;
    return records_.data() + history_slot(s, window_) * matrix;
  }

  const TrainingSet* set_ = nullptr;
  const TrainConfig* config_ = nullptr;
  int threads_ = 1;
  int epoch_ = 0;
  int window_ = 5;
  int sd_warmup_ = 5;
  Csr test_;
  SrnsSynView view_{};
  std::vector<int32_t> memory_;
  HugeVector<float> records_, sd_;  // read at random (huge_pages.hpp)
  BatchGroups groups_;
};

}  // namespace

std::unique_ptr<Sampler> make_srns_syn_sampler() { return std::make_unique<SrnsSynSampler>(); }

}  // namespace srns::cpu
