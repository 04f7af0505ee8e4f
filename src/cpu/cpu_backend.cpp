// The CPU backend: multi-threaded (OpenMP) reference implementation of the Backend interface.
//
// Layout: embeddings and optimiser moments are contiguous row-major tables; all per-batch
// buffers are allocated once in setup() and reused, so the training loop allocates nothing
// per sample. Each batch runs: step (select/refresh/gradients per pair) -> apply the owners'
// refreshed memory rows -> reduce gradients per row in pair order -> optimiser step.
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "cpu/cpu_ops.hpp"
#include "train/srns_layout.hpp"

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
    if (srns_) s << ", " << (layout_.dense ? "dense" : "pooled") << " score history";
    s << ")";
    return s.str();
  }

  void setup(const TrainingSet& set, const TrainConfig& config, const Model& init) override;
  void record_history(int epoch, PhaseSeconds* seconds) override;
  EpochStats train_epoch(int epoch, const ProgressFn& progress) override;

  std::vector<RankCount> rank_sampled(const EvalSet& set) override {
    return cpu::rank_sampled(model_view(), set, threads_);
  }
  std::vector<RankCount> rank_full(const Csr& targets, const Csr& exclude) override {
    return cpu::rank_full(model_view(), model_.n_items, data_->train, targets, exclude, threads_);
  }
  std::vector<float> score_users(const std::vector<int32_t>& users) override {
    // The users' rows side by side, scored by the op that fills the dense history.
    const int32_t n = static_cast<int32_t>(users.size());
    std::vector<float> rows(static_cast<size_t>(n) * model_.dim);
    for (int32_t k = 0; k < n; ++k) {
      if (users[k] < 0 || users[k] >= model_.n_users) {
        throw std::out_of_range("score_users: no such user");
      }
      std::copy_n(model_.user_row(users[k]), model_.dim, rows.begin() + int64_t{k} * model_.dim);
    }
    std::vector<float> out(static_cast<size_t>(n) * model_.n_items);
    const cpu::ModelView view{model_.dim, rows.data(), model_.item.data(), model_.beta.data()};
    cpu::score_all(view, n, model_.n_items, out.data(), threads_);
    return out;
  }
  Model get_model() const override { return model_; }
  void set_model(const Model& model) override { model_ = model; }

 private:
  cpu::ModelView model_view() const {
    return {model_.dim, model_.user.data(), model_.item.data(), model_.beta.data()};
  }
  SrnsView srns_view(int epoch) const;
  int32_t* pool_slot(int64_t p) {
    const int64_t slot = layout_.dense ? 0 : p % (layout_.window + 1);
    return pools_.data() + slot * layout_.pool_elems();
  }
  void sample_pool(int64_t p) {
    cpu::sample_pools(config_.seed, p, data_->n_users, data_->n_items, layout_.pool_size,
                      data_->train.offsets.data(), data_->train.cols.data(), pool_slot(p),
                      threads_);
  }
  void run_batch(int epoch, int64_t b, const std::vector<int64_t>& order, EpochStats* stats);

  int threads_;
  TrainConfig config_;
  const Dataset* data_ = nullptr;
  TrainingSet set_;
  Model model_;
  cpu::OptimState opt_;
  bool srns_ = false;
  SrnsLayout layout_;
  std::vector<int32_t> pair_user_;  // CSR row of each training pair
  std::vector<int32_t> pools_, memory_, staged_;
  std::vector<float> hist_, hist_tracked_;
  std::vector<int32_t> tracked_user_, tracked_item_;
  // Per-batch buffers.
  std::vector<int64_t> batch_pair_;
  std::vector<int32_t> batch_user_, batch_item_, owner_stamp_;
  std::vector<uint8_t> batch_owner_;
  cpu::StepOutput out_;
  cpu::RowGradients grads_;
};

void CpuBackend::setup(const TrainingSet& set, const TrainConfig& config, const Model& init) {
  config_ = config;
  data_ = set.data;
  set_ = set;
  model_ = init;
  const Dataset& d = *data_;
  const int dim = model_.dim;
  opt_ = cpu::OptimState();
  opt_.user_m.assign(model_.user.size(), 0.0f);
  opt_.user_v.assign(model_.user.size(), 0.0f);
  opt_.item_m.assign(model_.item.size(), 0.0f);
  opt_.item_v.assign(model_.item.size(), 0.0f);
  opt_.beta_m.assign(dim, 0.0f);
  opt_.beta_v.assign(dim, 0.0f);

  pair_user_.resize(d.train.nnz());
  for (int32_t u = 0; u < d.n_users; ++u) {
    for (int64_t e = d.train.offsets[u]; e < d.train.offsets[u + 1]; ++e) pair_user_[e] = u;
  }
  const int batch = config.batch_size;
  batch_pair_.resize(batch);
  batch_user_.resize(batch);
  batch_item_.resize(batch);
  batch_owner_.resize(batch);
  owner_stamp_.assign(d.n_users, -1);
  out_.negative.resize(batch);
  out_.loss.resize(batch);
  out_.grad.resize(static_cast<size_t>(batch) * 4 * dim);

  srns_ = config.sampler == SamplerKind::kSrns;
  if (!srns_) return;
  layout_ = plan_srns_layout(d, set, config);
  check_host_memory(layout_);
  pools_.assign((layout_.dense ? 1 : layout_.window + 1) * layout_.pool_elems(), 0);
  hist_.assign(layout_.hist_elems(), 0.0f);
  hist_tracked_.assign(layout_.tracked_elems(), 0.0f);
  if (!layout_.dense) {
    for (int64_t p = 0; p <= layout_.window; ++p) sample_pool(p);
    tracked_user_ = pair_user_;
    tracked_item_ = d.train.cols;
    for (int32_t u = 0; u < set.fn_sets.rows(); ++u) {
      for (int64_t x = set.fn_sets.offsets[u]; x < set.fn_sets.offsets[u + 1]; ++x) {
        tracked_user_.push_back(u);
        tracked_item_.push_back(set.fn_sets.cols[x]);
      }
    }
  }
  memory_.resize(static_cast<size_t>(d.n_users) * layout_.s1);
  staged_.resize(static_cast<size_t>(batch) * layout_.s1);
  const SrnsView view = srns_view(0);
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (int32_t u = 0; u < d.n_users; ++u) {
    init_memory_row(config.seed, u, layout_.s1, view.fn_count(u), layout_.pool_size,
                    memory_.data() + static_cast<int64_t>(u) * layout_.s1);
  }
}

SrnsView CpuBackend::srns_view(int epoch) const {
  SrnsView v = make_srns_view(*data_, set_, config_, layout_);
  const int64_t slot = layout_.dense ? 0 : epoch % (layout_.window + 1);
  v.pool = pools_.data() + slot * layout_.pool_elems();
  v.hist = hist_.data();
  v.hist_tracked = hist_tracked_.empty() ? nullptr : hist_tracked_.data();
  return v;
}

void CpuBackend::record_history(int epoch, PhaseSeconds* seconds) {
  if (!srns_) return;
  const auto start = Clock::now();
  const int64_t slot = history_slot(epoch, layout_.window);
  const Dataset& d = *data_;
  if (layout_.dense) {
    cpu::score_all(model_view(), d.n_users, d.n_items, hist_.data() + slot * layout_.record_elems(),
                   threads_);
  } else {
    const int64_t first = epoch < 0 ? 0 : epoch + 1;
    const int64_t last = epoch < 0 ? 0 : epoch + layout_.window;
    for (int64_t p = first; p <= last; ++p) {
      const int64_t part = slot * layout_.window + history_slot(p, layout_.window);
      cpu::score_pool(model_view(), d.n_users, layout_.pool_size, pool_slot(p),
                      hist_.data() + part * layout_.pool_elems(), threads_);
    }
    cpu::score_pairs(model_view(), layout_.n_tracked, tracked_user_.data(), tracked_item_.data(),
                     hist_tracked_.data() + slot * layout_.n_tracked, threads_);
    // Pool `epoch` is spent: its slot takes the pool that enters the back of the pipeline.
    if (epoch >= 0) sample_pool(epoch + layout_.window + 1);
  }
  if (seconds) seconds->history += seconds_since(start);
}

void CpuBackend::run_batch(int epoch, int64_t b, const std::vector<int64_t>& order,
                           EpochStats* stats) {
  const Dataset& d = *data_;
  const int64_t n = static_cast<int64_t>(order.size());
  const int64_t begin = b * config_.batch_size;
  const int32_t size = static_cast<int32_t>(std::min<int64_t>(config_.batch_size, n - begin));
  const int64_t stamp = b;  // distinct per batch within the epoch; reset each epoch below
  for (int32_t k = 0; k < size; ++k) {
    const int64_t e = order[begin + k];
    const int32_t u = pair_user_[e];
    batch_pair_[k] = e;
    batch_user_[k] = u;
    batch_item_[k] = d.train.cols[e];
    batch_owner_[k] = owner_stamp_[u] != stamp;
    owner_stamp_[u] = static_cast<int32_t>(stamp);
  }
  cpu::Batch batch{
      b, size, batch_pair_.data(), batch_user_.data(), batch_item_.data(), batch_owner_.data()};
  const cpu::StepParams params = cpu::make_step_params(config_, epoch, d.n_items,
                                                       d.train.offsets.data(), d.train.cols.data());

  auto start = Clock::now();
  if (srns_) {
    cpu::srns_step(srns_view(epoch), model_view(), params, batch, memory_.data(), staged_.data(),
                   &out_, threads_);
    if (params.refresh) {
      const int s1 = layout_.s1;
      for (int32_t k = 0; k < size; ++k) {
        if (!batch_owner_[k]) continue;
        std::copy(staged_.begin() + static_cast<int64_t>(k) * s1,
                  staged_.begin() + static_cast<int64_t>(k + 1) * s1,
                  memory_.begin() + static_cast<int64_t>(batch_user_[k]) * s1);
      }
    }
  } else {
    cpu::uniform_step(model_view(), params, batch, &out_, threads_);
  }
  double loss = 0.0;
  for (int32_t k = 0; k < size; ++k) {
    loss += out_.loss[k];
    if (!set_.truth.empty() && set_.truth.contains(batch_user_[k], out_.negative[k])) {
      ++stats->false_negatives;
    }
  }
  stats->seconds.select_grad += seconds_since(start);

  start = Clock::now();
  cpu::reduce_gradients(batch, out_, model_.dim, &grads_, threads_);
  cpu::optimizer_step(config_.optim, model_.kind == ModelKind::kGmf, grads_, &model_, &opt_,
                      threads_);
  stats->seconds.optimizer += seconds_since(start);
  stats->loss += loss;
  stats->pairs += size;
  stats->batches += 1;
  if (!std::isfinite(loss) && stats->first_nonfinite_batch < 0) stats->first_nonfinite_batch = b;
}

EpochStats CpuBackend::train_epoch(int epoch, const ProgressFn& progress) {
  EpochStats stats;
  const Dataset& d = *data_;
  auto start = Clock::now();
  if (srns_ && layout_.dense) sample_pool(epoch);
  const std::vector<int64_t> order = epoch_order(config_.seed, epoch, d.train.nnz());
  stats.seconds.select_grad += seconds_since(start);
  std::fill(owner_stamp_.begin(), owner_stamp_.end(), -1);
  const int64_t n_batches =
      batches_per_epoch(d.train.nnz(), config_.batch_size, config_.keep_last_batch);
  for (int64_t b = 0; b < n_batches; ++b) {
    run_batch(epoch, b, order, &stats);
    if (stats.first_nonfinite_batch >= 0) break;
    if (progress) progress(b + 1, n_batches);
  }
  return stats;
}

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int threads) {
  return std::make_unique<CpuBackend>(threads);
}

}  // namespace srns
