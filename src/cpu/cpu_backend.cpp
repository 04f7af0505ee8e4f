// The CPU backend: the multi-threaded (OpenMP) reference implementation of the Backend
// interface, and its one batch loop. It knows nothing of which sampler or scorer it runs:
//   per epoch: sampler.begin_epoch, the pairs in training order (epoch_order, epoch_pairs)
//   per batch: sampler.select (negatives) -> pair_gradients (scorer) -> reduce_gradients
//              (per-row sums in pair order) -> optimizer_step; a sampler with its own pair loss
//              (AdvIR) does the first two in its fused_step; or, with --hogwild (SGD),
//              sampler.select -> hogwild_sgd_step (lock-free per-pair updates, not reproducible),
//              or the whole epoch as one hogwild_sgd_epoch where the sampler's batches are
//              independent (uniform, popularity)
//   (a non-sampling objective, SamplerInfo::row_gradients: its own batches, each giving the
//   summed row gradients -> optimizer_step)
// Embeddings and optimiser moments are contiguous row-major tables; all per-batch buffers are
// allocated once in setup() and reused, so the loop allocates nothing per sample.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "cpu/cpu_ops.hpp"
#include "cpu/sampler.hpp"
#include "srns/sampler.hpp"
#include "train/state_io.hpp"

namespace srns {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int threads) : threads_(threads > 0 ? threads : omp_get_max_threads()) {}

  std::string describe() const override {
    std::ostringstream s;
    s << "cpu (" << threads_ << " thread" << (threads_ == 1 ? "" : "s");
    const std::string sampler = sampler_ ? sampler_->describe() : "";
    if (!sampler.empty()) s << ", " << sampler;
    if (config_.optim.hogwild) s << ", hogwild SGD: not reproducible";
    s << ")";
    return s.str();
  }

  void setup(const TrainingSet& set, const TrainConfig& config, const Model& init) override;
  void end_epoch(int epoch, PhaseSeconds* seconds) override {
    const auto start = Clock::now();
    sampler_->end_epoch(epoch, cpu::view_of(model_));
    if (seconds) seconds->history += seconds_since(start);
  }
  EpochStats train_epoch(int epoch, const ProgressFn& progress) override;

  std::vector<RankCount> rank_sampled(const EvalSet& set) override {
    return cpu::rank_sampled(cpu::view_of(model_), set, threads_);
  }
  std::vector<RankCount> rank_full(const Csr& targets, const Csr& exclude) override {
    return cpu::rank_full(cpu::view_of(model_), model_.n_items, set_.data->train, targets, exclude,
                          threads_);
  }
  std::vector<float> score_users(const std::vector<int32_t>& users) override {
    // The users' rows side by side, scored by the scorer's score matrix (the dense history's op).
    const int32_t n = static_cast<int32_t>(users.size());
    std::vector<float> rows(static_cast<size_t>(n) * model_.dim);
    for (int32_t k = 0; k < n; ++k) {
      if (users[k] < 0 || users[k] >= model_.n_users) {
        throw std::out_of_range("score_users: no such user");
      }
      std::copy_n(model_.user_row(users[k]), model_.dim, rows.begin() + int64_t{k} * model_.dim);
    }
    std::vector<float> out(static_cast<size_t>(n) * model_.n_items);
    ModelView view = cpu::view_of(model_);
    view.user = rows.data();
    cpu::score_matrix(view, 0, n, model_.n_items, float_matrix(out.data(), model_.n_items),
                      threads_);
    return out;
  }
  Model get_model() const override { return model_; }
  void set_model(const Model& model) override { model_ = model; }
  void save_state(std::ostream& out) const override;
  void load_state(std::istream& in) override;

 private:
  void run_batch(const cpu::Batch& batch, EpochStats* stats);
  // Dense Adam defers the rows the sampler's selection does not read (DeferredAdam).
  void defer_rows();
  // Catches up the batch's user rows (and its positives' and negatives' item rows); seconds.
  double catch_up_batch_rows(const cpu::Batch& batch, bool items);
  void run_row_batch(int64_t b, EpochStats* stats);

  int threads_;
  TrainConfig config_;
  TrainingSet set_;
  Model model_;
  cpu::OptimState opt_;
  std::unique_ptr<cpu::Sampler> sampler_;
  // The rows the batch loop catches up before a batch: the sampler's reads (select_reads)
  // where Adam's rows are deferred (defer_rows), else kAny: nothing to catch up.
  cpu::Sampler::ModelReads deferred_reads_ = cpu::Sampler::ModelReads::kAny;
  bool row_gradients_ = false;       // the unit gives row gradients (ENMF)
  std::vector<int32_t> pair_user_;   // CSR row of each training pair
  cpu::EpochPairs pairs_;            // the epoch's pairs in training order
  EpochOrderScratch order_scratch_;  // epoch_order's sort buffers
  // Per-batch buffers.
  std::vector<int32_t> negative_;
  cpu::StepOutput out_;
  cpu::RowGradients grads_;
};

void CpuBackend::setup(const TrainingSet& set, const TrainConfig& config, const Model& init) {
  config_ = config;
  set_ = set;
  model_ = init;
  const Dataset& d = *set.data;
  opt_ = cpu::OptimState();
  opt_.user_m.assign(model_.user.size(), 0.0f);
  opt_.user_v.assign(model_.user.size(), 0.0f);
  opt_.item_m.assign(model_.item.size(), 0.0f);
  opt_.item_v.assign(model_.item.size(), 0.0f);
  opt_.head_m.assign(model_.head.size(), 0.0f);
  if (config.optim.kind == OptimizerKind::kAdagrad) {  // m holds Adagrad's accumulators
    for (auto* m : {&opt_.user_m, &opt_.item_m, &opt_.head_m}) {
      std::fill(m->begin(), m->end(), config.optim.adagrad_init);
    }
  }
  opt_.head_v.assign(model_.head.size(), 0.0f);

  pair_user_.resize(d.train.nnz());
  for (int32_t u = 0; u < d.n_users; ++u) {
    for (int64_t e = d.train.offsets[u]; e < d.train.offsets[u + 1]; ++e) pair_user_[e] = u;
  }
  negative_.resize(config.batch_size);

  sampler_ = cpu::make_sampler(config.sampler);
  row_gradients_ = find_sampler(config.sampler)->row_gradients;
  cpu::SamplerSetup s;
  s.set = &set_;
  s.config = &config_;
  s.threads = threads_;
  sampler_->setup(s, cpu::view_of(model_));
  deferred_reads_ = sampler_->select_reads();
  defer_rows();
}

// A table (w, m, v) is deferred, where the sampler's selection leaves its rows alone, only
// from this size: a smaller one stays in cache between steps, where the dense pass, bound by
// its divisions and square roots, beats visiting the batch's rows one by one (paired runs on
// ML-1M, 2.3 MB of users and 1.4 MB of items: uniform 0.23 s dense, 0.28 s deferred per epoch);
// a larger one streams from memory every step, and deferring it saves that (a 100,000-user set,
// 38 MB of users: 1.35 times faster, uniform and DNS alike).
constexpr int64_t kDeferTableBytes = int64_t{8} << 20;

void CpuBackend::defer_rows() {
  using Reads = cpu::Sampler::ModelReads;
  using Defer = OptimConfig::DeferRows;
  const Defer mode = config_.optim.defer_rows;
  if (config_.optim.kind != OptimizerKind::kAdam || config_.optim.hogwild || row_gradients_ ||
      deferred_reads_ == Reads::kAny || mode == Defer::kNever) {
    deferred_reads_ = Reads::kAny;  // nothing to catch up
    return;
  }
  const auto large = [&](int32_t rows) {
    return mode == Defer::kAlways || int64_t{12} * rows * model_.dim >= kDeferTableBytes;
  };
  const bool users = large(model_.n_users);
  const bool items = deferred_reads_ == Reads::kNone && large(model_.n_items);
  if (!users && !items) {
    deferred_reads_ = Reads::kAny;
    return;
  }
  cpu::defer_adam_rows(model_, users, items, &opt_);
}

double CpuBackend::catch_up_batch_rows(const cpu::Batch& batch, bool items) {
  const auto start = Clock::now();
  if (items) {
    cpu::adam_catch_up({{batch.user, batch.size, true},
                        {batch.item, batch.size, false},
                        {negative_.data(), batch.size, false}},
                       &model_, &opt_, threads_);
  } else {
    cpu::adam_catch_up({{batch.user, batch.size, true}}, &model_, &opt_, threads_);
  }
  return seconds_since(start);
}

void CpuBackend::save_state(std::ostream& out) const {
  out.write(reinterpret_cast<const char*>(&opt_.step), sizeof(opt_.step));
  const bool moments = config_.optim.kind != OptimizerKind::kSgd;  // SGD keeps none
  for (const auto* m :
       {&opt_.user_m, &opt_.user_v, &opt_.item_m, &opt_.item_v, &opt_.head_m, &opt_.head_v}) {
    write_array(out, moments ? *m : std::vector<float>());
  }
  sampler_->save(out);
}

void CpuBackend::load_state(std::istream& in) {
  in.read(reinterpret_cast<char*>(&opt_.step), sizeof(opt_.step));
  if (!in || opt_.step < 0) throw std::runtime_error("checkpoint: no valid optimiser step");
  const bool moments = config_.optim.kind != OptimizerKind::kSgd;
  const char* names[] = {"user_m", "user_v", "item_m", "item_v", "head_m", "head_v"};
  int k = 0;
  for (auto* m :
       {&opt_.user_m, &opt_.user_v, &opt_.item_m, &opt_.item_v, &opt_.head_m, &opt_.head_v}) {
    std::vector<float> none;
    read_array(in, moments ? m : &none, std::string("optimiser moment ") + names[k++]);
  }
  sampler_->load(in);
  defer_rows();  // every row is current at a checkpoint's step
}

void CpuBackend::run_batch(const cpu::Batch& batch, EpochStats* stats) {
  auto start = Clock::now();
  const ModelView model = cpu::view_of(model_);
  double loss = 0.0;
  if (config_.optim.hogwild) {
    // Gradients and updates are one lock-free pass, timed as select+grad.
    sampler_->select(batch, model, negative_.data());
    loss = cpu::hogwild_sgd_step(&model_, batch, negative_.data(), config_.loss, config_.optim.reg,
                                 config_.optim.lr, threads_);
    stats->seconds.select_grad += seconds_since(start);
  } else {
    // Deferred Adam rows (DeferredAdam) are caught up before the batch reads them (timed as
    // the optimiser's): the batch's users before the sampler, and, for a sampler that reads
    // no row, the positives and negatives too.
    using Reads = cpu::Sampler::ModelReads;
    double catch_up =
        deferred_reads_ == Reads::kBatchUsers ? catch_up_batch_rows(batch, false) : 0.0;
    if (!sampler_->fused_step(batch, model, config_.loss, config_.optim.reg, negative_.data(),
                              &out_)) {
      sampler_->select(batch, model, negative_.data());
      if (deferred_reads_ == Reads::kNone) catch_up += catch_up_batch_rows(batch, true);
      cpu::pair_gradients(model, batch, negative_.data(), config_.loss, config_.optim.reg, &out_,
                          threads_);
    }
    for (int32_t k = 0; k < batch.size; ++k) loss += out_.loss[k];
    stats->seconds.select_grad += seconds_since(start) - catch_up;
    stats->seconds.optimizer += catch_up;
    start = Clock::now();
    cpu::reduce_gradients(batch, negative_.data(), out_, model, &grads_, threads_);
    cpu::optimizer_step(config_.optim, grads_, &model_, &opt_, threads_);
    stats->seconds.optimizer += seconds_since(start);
  }
  if (!set_.truth.empty()) {
    for (int32_t k = 0; k < batch.size; ++k) {
      stats->false_negatives += set_.truth.contains(batch.user[k], negative_[k]);
    }
  }
  stats->loss += loss;
  stats->pairs += batch.size;
  stats->batches += 1;
  if (!std::isfinite(loss) && stats->first_nonfinite_batch < 0) {
    stats->first_nonfinite_batch = batch.index;
  }
}

void CpuBackend::run_row_batch(int64_t b, EpochStats* stats) {
  auto start = Clock::now();
  const cpu::BatchLoss l = sampler_->batch_row_gradients(b, cpu::view_of(model_), &grads_);
  stats->seconds.select_grad += seconds_since(start);
  start = Clock::now();
  cpu::optimizer_step(config_.optim, grads_, &model_, &opt_, threads_);
  stats->seconds.optimizer += seconds_since(start);
  stats->loss += l.loss;
  stats->pairs += l.pairs;
  stats->batches += 1;
  if (!std::isfinite(l.loss) && stats->first_nonfinite_batch < 0) stats->first_nonfinite_batch = b;
}

EpochStats CpuBackend::train_epoch(int epoch, const ProgressFn& progress) {
  EpochStats stats;
  const Dataset& d = *set_.data;
  auto start = Clock::now();
  sampler_->begin_epoch(epoch, cpu::view_of(model_));
  if (!row_gradients_) {
    epoch_order(config_.seed, epoch, d.train.nnz(), threads_, &order_scratch_, &pairs_.pair);
    cpu::fill_epoch_pairs(pair_user_.data(), d.train.cols.data(), &pairs_, threads_);
    sampler_->begin_batches(pairs_, config_.batch_size);
  }
  stats.seconds.select_grad += seconds_since(start);
  const int64_t n_batches = sampler_->batches(
      batches_per_epoch(d.train.nnz(), config_.batch_size, config_.keep_last_batch));
  if (config_.optim.hogwild && sampler_->batches_independent()) {
    start = Clock::now();
    const cpu::HogwildEpoch h = cpu::hogwild_sgd_epoch(
        &model_, pairs_, n_batches, config_.batch_size, sampler_.get(), set_.truth, config_.loss,
        config_.optim.reg, config_.optim.lr, threads_);
    stats.seconds.select_grad += seconds_since(start);
    stats.loss = h.loss;
    stats.pairs = h.pairs;
    stats.batches = h.batches;
    stats.false_negatives = h.false_negatives;
    stats.first_nonfinite_batch = h.first_nonfinite_batch;
    if (progress) progress(n_batches, n_batches);
    return stats;
  }
  for (int64_t b = 0; b < n_batches; ++b) {
    if (row_gradients_) {
      run_row_batch(b, &stats);
    } else {
      run_batch(pairs_.batch(b, config_.batch_size), &stats);
    }
    if (stats.first_nonfinite_batch >= 0) break;
    if (progress) progress(b + 1, n_batches);
  }
  start = Clock::now();
  cpu::adam_catch_up_all(&model_, &opt_, threads_);  // the whole model current between epochs
  stats.seconds.optimizer += seconds_since(start);
  return stats;
}

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int threads) {
  return std::make_unique<CpuBackend>(threads);
}

}  // namespace srns
