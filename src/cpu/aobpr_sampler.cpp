// cpu::AobprSampler: adaptive oversampling (samplers/aobpr.hpp), the reference for
// kernels/aobpr_sampler.cu. State: the per-factor item orderings [F][I] and factor sds [F]
// (refreshed from the model every |I| ln |I| draws, after the batch that crosses the count),
// and the alias table of the rank distribution.
#include <algorithm>
#include <numeric>

#include "cpu/sampler.hpp"
#include "srns/samplers/aobpr.hpp"
#include "train/state_io.hpp"

namespace srns::cpu {
namespace {

class AobprSampler : public Sampler {
 public:
  void setup(const SamplerSetup& s, const ModelView& model) override {
    set_ = s.set;
    seed_ = s.config->seed;
    threads_ = s.threads;
    const Dataset& d = *s.set->data;
    const AliasTable t =
        build_alias_table(aobpr_rank_weights(d.n_items, sampler_option(*s.config, "aobpr-lambda")));
    rank_prob_ = t.prob;
    rank_alias_ = t.alias;
    const int64_t n = d.train.nnz();
    const int32_t batch = s.config->batch_size;
    const int64_t used =
        std::min(n, batches_per_epoch(n, batch, s.config->keep_last_batch) * batch);
    schedule_ = aobpr_schedule(d.n_items, used, batch);
    refresh(model);
  }
  void begin_epoch(int t, const ModelView& /*model*/) override { epoch_ = t; }
  void select(const Batch& batch, const ModelView& model, int32_t* negative) override {
    const Csr& train = set_->data->train;
    const AobprView v{set_->data->n_items, model.dim,         order_.data(),
                      sd_.data(),          rank_prob_.data(), rank_alias_.data()};
    with_scorer(model, [&](const auto& sc) {
#pragma omp parallel for num_threads(threads_) schedule(static)
      for (int32_t k = 0; k < batch.size; ++k) {
        const int32_t u = batch.user[k];
        negative[k] = aobpr_negative(seed_, epoch_, batch.index, k, v, sc, model.user_row(u),
                                     train.row(u), train.row_size(u));
      }
    });
    if (schedule_.refreshes_after(epoch_, batch.index, batch.size)) refresh(model);
  }
  void save(std::ostream& out) const override {
    write_array(out, order_);
    write_array(out, sd_);
  }
  void load(std::istream& in) override {
    read_array(in, &order_, "AOBPR factor orderings");
    read_array(in, &sd_, "AOBPR factor sds");
  }
  int64_t footprint() const override {
    return 4 * static_cast<int64_t>(order_.size() + sd_.size() + rank_prob_.size() +
                                    rank_alias_.size());
  }

 private:
  // Orderings (q descending, then item id) and sds of every factor from the model's items.
  void refresh(const ModelView& m) {
    const int32_t n_items = set_->data->n_items;
    const int dim = m.dim;
    order_.resize(static_cast<size_t>(dim) * n_items);
    sd_.resize(dim);
#pragma omp parallel for num_threads(threads_) schedule(static)
    for (int f = 0; f < dim; ++f) {
      int32_t* order = order_.data() + static_cast<int64_t>(f) * n_items;
      std::iota(order, order + n_items, 0);
      const auto q = [&](int32_t i) { return m.item[static_cast<int64_t>(i) * dim + f]; };
      std::stable_sort(order, order + n_items, [&](int32_t a, int32_t b) { return q(a) > q(b); });
      sd_[f] = factor_sd(m.item, n_items, dim, f);
    }
  }

  const TrainingSet* set_ = nullptr;
  uint64_t seed_ = 0;
  int threads_ = 1;
  int epoch_ = 0;
  AobprSchedule schedule_;
  std::vector<int32_t> order_;
  std::vector<float> sd_;
  std::vector<float> rank_prob_;
  std::vector<int32_t> rank_alias_;
};

}  // namespace

std::unique_ptr<Sampler> make_aobpr_sampler() { return std::make_unique<AobprSampler>(); }

}  // namespace srns::cpu
