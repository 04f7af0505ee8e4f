// The CUDA backend: the Backend interface on one GPU, mirroring the CPU backend
// (src/cpu/cpu_backend.cpp) op for op and draw for draw.
//
// Per batch, all on one stream, with no host synchronisation:
//   make_batch (pairs of order[b*B ..], owners) -> srns_step | uniform_step -> apply_staged
//   (owners' refreshed memory rows) -> label_errors (label errors + loss sum into per-epoch
//   arrays) | phase boundary | reduce_gradients -> optimizer_step.
// Per epoch: the order (radix sort of shuffle keys), the dense pool when the history is dense,
// and at the end one read-back of the batch losses and label-error counts.
//
// Non-finite losses: the CPU stops an epoch right after the first batch whose loss sum is not
// finite. Here the batch loss sums stay on the device and are read once at the epoch's end;
// the stats (loss, pairs, batches, label errors) are cut at the first non-finite batch exactly
// as the CPU's, and first_nonfinite_batch names it, but the GPU has trained the epoch's later
// batches too, so the model after such an epoch differs from the CPU's (the driver then stops
// training and keeps the best model from before, so nothing reads it).
//
// Phases: select_grad and optimizer come from CUDA events around each batch's two halves
// (phase_timer.cuh), history from a stream synchronisation at the end of record_history; the
// driver times evaluation itself.
//
// SRNS_CUDA_STEP=simple in the environment selects the thread-per-pair SRNS step (the CPU code
// compiled for the device) instead of the warp-per-pair default; the benchmark races them.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "apply_staged.cuh"
#include "batch_owners.cuh"
#include "cpu/cpu_ops.hpp"
#include "device_buffer.cuh"
#include "epoch_order.cuh"
#include "footprint.hpp"
#include "init_memory.cuh"
#include "label_errors.cuh"
#include "optimizer_step.cuh"
#include "phase_timer.cuh"
#include "rank.cuh"
#include "record_history.cuh"
#include "reduce_gradients.cuh"
#include "sample_pools.cuh"
#include "score_matrix.cuh"
#include "srns/backend.hpp"
#include "srns_step.cuh"
#include "train/srns_layout.hpp"
#include "uniform_step.cuh"

namespace srns {
namespace {

using Clock = std::chrono::steady_clock;
using gpu::DeviceBuffer;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

gpu::StepVersion step_version_from_env() {
  const char* v = std::getenv("SRNS_CUDA_STEP");
  if (!v || std::string(v).empty() || std::string(v) == "warp") return gpu::StepVersion::kWarp;
  if (std::string(v) == "simple") return gpu::StepVersion::kSimple;
  throw std::invalid_argument("SRNS_CUDA_STEP must be warp or simple (got '" + std::string(v) +
                              "')");
}

// Grows `b` to at least n elements (contents are not kept).
template <typename T>
void ensure(DeviceBuffer<T>& b, int64_t n) {
  if (b.size() < n) b.resize(n);
}

// Uploads a CSR with exactly `rows` rows: missing rows are empty, so kernels may read
// off[u + 1] for every u < rows. An empty CSR leaves both buffers empty (null pointers).
void upload_csr(const Csr& c, int32_t rows, DeviceBuffer<int64_t>* off, DeviceBuffer<int32_t>* cols,
                cudaStream_t stream) {
  if (c.empty()) {
    off->resize(0);
    cols->resize(0);
    return;
  }
  if (c.rows() > rows) throw std::runtime_error("CSR with more rows than users");
  std::vector<int64_t> padded(c.offsets);
  padded.resize(static_cast<size_t>(rows) + 1, c.offsets.back());
  off->assign(padded, stream);
  cols->assign(c.cols, stream);
}

// All device state of a run, released as a whole when setup() starts again.
struct DeviceState {
  // data
  DeviceBuffer<int64_t> train_off, truth_off, fn_off;
  DeviceBuffer<int32_t> train_cols, pair_user, truth_cols, fn_cols;
  // model and optimiser
  DeviceBuffer<float> user, item, beta, user_m, user_v, item_m, item_v, beta_m, beta_v;
  gpu::RowGradientBuffers grads;
  gpu::ReduceScratch reduce;
  gpu::EpochOrderScratch order;
  // batch
  DeviceBuffer<int64_t> batch_pair;
  DeviceBuffer<int32_t> batch_user, batch_item, negative;
  DeviceBuffer<uint8_t> batch_owner;
  DeviceBuffer<unsigned long long> owner_key;
  DeviceBuffer<float> loss, grad, pb_scratch;
  DeviceBuffer<double> batch_loss;
  DeviceBuffer<int64_t> batch_fn;
  // SRNS
  DeviceBuffer<int32_t> pools, memory, staged, tracked_user, tracked_item;
  DeviceBuffer<float> hist, hist_tracked;
  // evaluation (grown on demand)
  DeviceBuffer<int32_t> eval_user, eval_item, eval_neg, eval_cols, exclude_cols;
  DeviceBuffer<int64_t> eval_off, exclude_off;
  DeviceBuffer<float> rank_scores, target_scores;
  DeviceBuffer<RankCount> ranks;
};

class CudaBackend final : public Backend {
 public:
  CudaBackend() : version_(step_version_from_env()) {
    int device = 0;
    SRNS_CUDA_CHECK(cudaGetDevice(&device));
    cudaDeviceProp prop{};
    SRNS_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    device_name_ = prop.name;
  }

  std::string describe() const override {
    std::ostringstream s;
    s << "cuda: " << device_name_;
    if (state_) {
      s << " (";
      if (srns_) {
        s << (layout_.dense ? "dense" : "pooled") << " score history, ";
        if (version_ == gpu::StepVersion::kSimple) s << "simple SRNS step, ";
      }
      s << (config_.deterministic ? "deterministic" : "atomic") << " gradients)";
    }
    return s.str();
  }

  void setup(const TrainingSet& set, const TrainConfig& config, const Model& init) override;
  void record_history(int epoch, PhaseSeconds* seconds) override;
  EpochStats train_epoch(int epoch, const ProgressFn& progress) override;
  std::vector<RankCount> rank_sampled(const EvalSet& set) override;
  std::vector<RankCount> rank_full(const Csr& targets, const Csr& exclude) override;
  std::vector<float> score_users(const std::vector<int32_t>& users) override;
  Model get_model() const override;
  void set_model(const Model& model) override;

 private:
  DeviceState& st() const {
    if (!state_) throw std::logic_error("CudaBackend: setup() must come first");
    return *state_;
  }
  cpu::ModelView model_view() const {
    return {dim_, st().user.data(), st().item.data(), st().beta.data()};
  }
  gpu::DeviceParams device_params() const {
    DeviceState& s = st();
    return {n_users_,        n_items_,        dim_,
            s.user.data(),   s.item.data(),   s.beta.data(),
            s.user_m.data(), s.user_v.data(), s.item_m.data(),
            s.item_v.data(), s.beta_m.data(), s.beta_v.data()};
  }
  SrnsView srns_view(int epoch) const;
  int32_t* pool_slot(int64_t p) const {
    const int64_t slot = layout_.dense ? 0 : p % (layout_.window + 1);
    return st().pools.data() + slot * layout_.pool_elems();
  }
  void sample_pool(int64_t p) const {
    DeviceState& s = st();
    gpu::sample_pools(stream_.get(), config_.seed, p, n_users_, n_items_, layout_.pool_size,
                      s.train_off.data(), s.train_cols.data(), pool_slot(p));
  }
  void check_footprint(const TrainingSet& set, const TrainConfig& config) const;

  gpu::CudaStream stream_;
  gpu::StepVersion version_;
  std::string device_name_;
  TrainConfig config_;
  const Dataset* data_ = nullptr;
  TrainingSet set_;
  ModelKind kind_ = ModelKind::kGmf;
  int32_t n_users_ = 0, n_items_ = 0, dim_ = 0;
  int64_t n_batches_max_ = 0;
  int64_t opt_step_ = 0;
  uint32_t stamp_ = 0;
  bool srns_ = false;
  SrnsLayout layout_;
  std::unique_ptr<DeviceState> state_;
  gpu::PhaseTimer timer_;
};

void CudaBackend::check_footprint(const TrainingSet& set, const TrainConfig& config) const {
  const Dataset& d = *set.data;
  const int64_t n = d.train.nnz();
  const int64_t order_temp = n > 0 ? gpu::EpochOrderScratch::bytes_for(n) - 24 * n : 0;
  const int64_t reduce_temp =
      config.deterministic
          ? gpu::ReduceScratch::bytes_for(d.n_users, d.n_items, config.batch_size) -
                32 * static_cast<int64_t>(config.batch_size)
          : 0;
  const gpu::DeviceFootprint f =
      gpu::estimate_device_footprint(set, config, order_temp, reduce_temp);
  size_t free_b = 0, total_b = 0;
  SRNS_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
  const std::string refusal =
      gpu::footprint_refusal(f, static_cast<int64_t>(free_b), device_name_, config);
  if (!refusal.empty()) throw std::runtime_error(refusal);
}

void CudaBackend::setup(const TrainingSet& set, const TrainConfig& config, const Model& init) {
  state_.reset();  // frees the previous run's device memory before measuring what is free
  SRNS_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
  config_ = config;
  data_ = set.data;
  set_ = set;
  const Dataset& d = *data_;
  kind_ = init.kind;
  n_users_ = d.n_users;
  n_items_ = d.n_items;
  dim_ = init.dim;
  if (init.n_users != d.n_users || init.n_items != d.n_items || init.dim != config.model.dim) {
    throw std::invalid_argument("CudaBackend::setup: the model does not match the data");
  }
  srns_ = config.sampler == SamplerKind::kSrns;
  if (srns_) layout_ = plan_srns_layout(d, set, config);
  check_footprint(set, config);

  auto state = std::make_unique<DeviceState>();
  DeviceState& s = *state;
  const cudaStream_t stream = stream_.get();
  const int64_t n = d.train.nnz();
  const int32_t batch = config.batch_size;

  upload_csr(d.train, d.n_users, &s.train_off, &s.train_cols, stream);
  if (s.train_off.empty()) {  // no training pairs: still a valid (empty) CSR
    s.train_off.assign(std::vector<int64_t>(static_cast<size_t>(d.n_users) + 1, 0), stream);
  }
  std::vector<int32_t> pair_user(n);
  for (int32_t u = 0; u < d.n_users; ++u) {
    for (int64_t e = d.train.offsets[u]; e < d.train.offsets[u + 1]; ++e) pair_user[e] = u;
  }
  s.pair_user.assign(pair_user, stream);
  upload_csr(set.truth, d.n_users, &s.truth_off, &s.truth_cols, stream);
  upload_csr(set.fn_sets, d.n_users, &s.fn_off, &s.fn_cols, stream);

  s.user.assign(init.user, stream);
  s.item.assign(init.item, stream);
  s.beta.assign(init.beta, stream);
  if (config.optim.kind != OptimizerKind::kSgd) {
    s.user_m.resize(s.user.size());
    s.user_v.resize(s.user.size());
    s.item_m.resize(s.item.size());
    s.item_v.resize(s.item.size());
    s.beta_m.resize(s.beta.size());
    s.beta_v.resize(s.beta.size());
    for (auto* b : {&s.user_m, &s.user_v, &s.item_m, &s.item_v, &s.beta_m, &s.beta_v}) {
      b->zero(stream);
    }
  }
  opt_step_ = 0;
  s.grads = gpu::RowGradientBuffers(d.n_users, d.n_items, dim_, batch, stream);
  if (config.deterministic) s.reduce = gpu::ReduceScratch(d.n_users, d.n_items, batch, stream);
  if (n > 0) s.order = gpu::EpochOrderScratch(n);

  s.batch_pair.resize(batch);
  s.batch_user.resize(batch);
  s.batch_item.resize(batch);
  s.batch_owner.resize(batch);
  s.negative.resize(batch);
  s.loss.resize(batch);
  s.grad.resize(static_cast<int64_t>(batch) * 4 * dim_);
  s.owner_key.resize(d.n_users);
  s.owner_key.zero(stream);
  stamp_ = 0;
  n_batches_max_ = batches_per_epoch(n, batch, config.keep_last_batch);
  s.batch_loss.resize(std::max<int64_t>(1, n_batches_max_));
  s.batch_fn.resize(std::max<int64_t>(1, n_batches_max_));
  state_ = std::move(state);

  if (srns_) {
    if (version_ == gpu::StepVersion::kSimple) {
      s.pb_scratch.resize(static_cast<int64_t>(batch) * dim_);
    }
    s.pools.resize(layout_.pools_stored() * layout_.pool_elems());
    s.hist.resize(layout_.hist_elems());
    s.hist.zero(stream);
    s.hist_tracked.resize(layout_.tracked_elems());
    s.hist_tracked.zero(stream);
    if (!layout_.dense) {
      for (int64_t p = 0; p <= layout_.window; ++p) sample_pool(p);
      std::vector<int32_t> tracked_user = pair_user, tracked_item = d.train.cols;
      for (int32_t u = 0; u < set.fn_sets.rows(); ++u) {
        for (int64_t x = set.fn_sets.offsets[u]; x < set.fn_sets.offsets[u + 1]; ++x) {
          tracked_user.push_back(u);
          tracked_item.push_back(set.fn_sets.cols[x]);
        }
      }
      s.tracked_user.assign(tracked_user, stream);
      s.tracked_item.assign(tracked_item, stream);
    }
    s.memory.resize(static_cast<int64_t>(d.n_users) * layout_.s1);
    s.staged.resize(static_cast<int64_t>(batch) * layout_.s1);
    gpu::init_memory(stream, srns_view(0), s.memory.data());
  }
  stream_.synchronize();
}

SrnsView CudaBackend::srns_view(int epoch) const {
  DeviceState& s = st();
  SrnsView v = make_srns_view(*data_, set_, config_, layout_);
  v.train_off = s.train_off.data();
  v.train_cols = s.train_cols.data();
  v.fn_off = s.fn_off.empty() ? nullptr : s.fn_off.data();
  v.fn_cols = s.fn_off.empty() ? nullptr : s.fn_cols.data();
  if (!v.fn_off) v.fn_num = 0;
  v.pool = pool_slot(layout_.dense ? 0 : epoch);
  v.hist = s.hist.data();
  v.hist_tracked = s.hist_tracked.empty() ? nullptr : s.hist_tracked.data();
  return v;
}

void CudaBackend::record_history(int epoch, PhaseSeconds* seconds) {
  if (!srns_) return;
  DeviceState& s = st();
  const auto start = Clock::now();
  const cudaStream_t stream = stream_.get();
  const int64_t slot = history_slot(epoch, layout_.window);
  if (layout_.dense) {
    gpu::score_all(stream, model_view(), n_users_, n_items_,
                   s.hist.data() + slot * layout_.record_elems());
  } else {
    const int64_t first = epoch < 0 ? 0 : epoch + 1;
    const int64_t last = epoch < 0 ? 0 : epoch + layout_.window;
    for (int64_t p = first; p <= last; ++p) {
      const int64_t part = slot * layout_.window + history_slot(p, layout_.window);
      gpu::score_pool(stream, model_view(), n_users_, layout_.pool_size, pool_slot(p),
                      s.hist.data() + part * layout_.pool_elems());
    }
    gpu::score_pairs(stream, model_view(), layout_.n_tracked, s.tracked_user.data(),
                     s.tracked_item.data(), s.hist_tracked.data() + slot * layout_.n_tracked);
    // Pool `epoch` is spent: its slot takes the pool that enters the back of the pipeline.
    if (epoch >= 0) sample_pool(epoch + layout_.window + 1);
  }
  stream_.synchronize();
  if (seconds) seconds->history += seconds_since(start);
}

EpochStats CudaBackend::train_epoch(int epoch, const ProgressFn& progress) {
  DeviceState& s = st();
  const Dataset& d = *data_;
  const cudaStream_t stream = stream_.get();
  EpochStats stats;
  timer_.start(stream);
  if (srns_ && layout_.dense) sample_pool(epoch);
  const int64_t n = d.train.nnz();
  const int64_t* order =
      n > 0 ? gpu::epoch_order(stream, config_.seed, epoch, n, &s.order) : nullptr;
  const int64_t n_batches = batches_per_epoch(n, config_.batch_size, config_.keep_last_batch);

  cpu::StepParams params = cpu::make_step_params(config_, epoch, n_items_, s.train_off.data(),
                                                 s.train_cols.data());
  params.truth_off = s.truth_off.empty() ? nullptr : s.truth_off.data();
  params.truth_cols = s.truth_off.empty() ? nullptr : s.truth_cols.data();
  const SrnsView view = srns_ ? srns_view(epoch) : SrnsView{};
  const cpu::ModelView model = model_view();
  const gpu::DeviceStepOutput out{s.negative.data(), s.loss.data(), s.grad.data()};
  const gpu::BatchArrays arrays{s.batch_pair.data(), s.batch_user.data(), s.batch_item.data(),
                                s.batch_owner.data()};
  const bool train_beta = kind_ == ModelKind::kGmf;

  for (int64_t b = 0; b < n_batches; ++b) {
    const int64_t begin = b * config_.batch_size;
    const int32_t size = static_cast<int32_t>(std::min<int64_t>(config_.batch_size, n - begin));
    if (stamp_ == UINT32_MAX) {  // owner words would repeat: start them over
      s.owner_key.zero(stream);
      stamp_ = 0;
    }
    ++stamp_;
    gpu::make_batch(stream, order, begin, size, s.pair_user.data(), s.train_cols.data(), stamp_,
                    srns_ ? s.owner_key.data() : nullptr, arrays);
    const cpu::Batch batch{b, size, arrays.pair, arrays.user, arrays.item, arrays.owner};
    if (srns_) {
      gpu::srns_step(stream, version_, view, model, params, batch, s.memory.data(), s.staged.data(),
                     out, s.pb_scratch.empty() ? nullptr : s.pb_scratch.data());
      if (params.refresh) {
        gpu::apply_staged(stream, size, layout_.s1, arrays.owner, arrays.user, s.staged.data(),
                          s.memory.data());
      }
    } else {
      gpu::uniform_step(stream, model, params, batch, out);
    }
    gpu::label_errors(stream, size, arrays.user, out.negative, out.loss, params.truth_off,
                      params.truth_cols, s.batch_fn.data() + b, s.batch_loss.data() + b);
    timer_.mid(b, stream);
    gpu::reduce_gradients(stream, config_.deterministic, batch, out.negative, out.grad,
                          s.grads.view(), config_.deterministic ? &s.reduce : nullptr);
    gpu::optimizer_step(stream, config_.optim, train_beta, ++opt_step_, device_params(),
                        s.grads.view());
    timer_.end(b, stream);
    if (progress) progress(b + 1, n_batches);
  }
  timer_.finish(stream, &stats.seconds.select_grad, &stats.seconds.optimizer);

  std::vector<double> batch_loss(static_cast<size_t>(n_batches));
  std::vector<int64_t> batch_fn(static_cast<size_t>(n_batches));
  s.batch_loss.download(batch_loss.data(), n_batches, stream);
  s.batch_fn.download(batch_fn.data(), n_batches, stream);
  const bool know_truth = !s.truth_off.empty();
  for (int64_t b = 0; b < n_batches; ++b) {
    stats.loss += batch_loss[b];
    stats.pairs += std::min<int64_t>(config_.batch_size, n - b * config_.batch_size);
    stats.batches += 1;
    if (know_truth) stats.false_negatives += batch_fn[b];
    if (!std::isfinite(batch_loss[b])) {
      stats.first_nonfinite_batch = b;
      break;
    }
  }
  return stats;
}

std::vector<RankCount> CudaBackend::rank_sampled(const EvalSet& set) {
  DeviceState& s = st();
  const int64_t rows = static_cast<int64_t>(set.rows.size());
  if (rows == 0) return {};
  const cudaStream_t stream = stream_.get();
  std::vector<int32_t> users(rows), items(rows);
  for (int64_t r = 0; r < rows; ++r) {
    users[r] = set.rows[r].user;
    items[r] = set.rows[r].item;
  }
  ensure(s.eval_user, rows);
  ensure(s.eval_item, rows);
  ensure(s.ranks, rows);
  s.eval_user.upload(users.data(), rows, stream);
  s.eval_item.upload(items.data(), rows, stream);
  const int64_t n_neg_total = rows * set.n_neg;
  if (n_neg_total > 0) {
    ensure(s.eval_neg, n_neg_total);
    s.eval_neg.upload(set.negatives.data(), n_neg_total, stream);
  }
  gpu::rank_sampled(stream, model_view(), rows, s.eval_user.data(), s.eval_item.data(), set.n_neg,
                    n_neg_total > 0 ? s.eval_neg.data() : nullptr, s.ranks.data());
  std::vector<RankCount> out(rows);
  s.ranks.download(out.data(), rows, stream);
  return out;
}

std::vector<RankCount> CudaBackend::rank_full(const Csr& targets, const Csr& exclude) {
  DeviceState& s = st();
  const int64_t n_targets = targets.nnz();
  if (n_targets == 0) return std::vector<RankCount>(0);
  const int32_t users = targets.rows();
  if (users > n_users_) throw std::invalid_argument("rank_full: more target rows than users");
  const cudaStream_t stream = stream_.get();
  upload_csr(targets, users, &s.eval_off, &s.eval_cols, stream);
  upload_csr(exclude, users, &s.exclude_off, &s.exclude_cols, stream);
  // Score chunk: up to a quarter of the free memory, at most 1 GiB, at least one user.
  size_t free_b = 0, total_b = 0;
  SRNS_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
  const int64_t row_bytes = 4 * static_cast<int64_t>(std::max(n_items_, 1));
  const int64_t budget = std::min<int64_t>(int64_t{1} << 30, static_cast<int64_t>(free_b) / 4);
  const int32_t chunk =
      static_cast<int32_t>(std::clamp<int64_t>(budget / row_bytes, 1, std::max<int32_t>(users, 1)));
  ensure(s.rank_scores, static_cast<int64_t>(chunk) * n_items_);
  ensure(s.target_scores, n_targets);
  ensure(s.ranks, n_targets);
  const gpu::DeviceCsr train{s.train_off.data(), s.train_cols.data()};
  const gpu::DeviceCsr tgt{s.eval_off.data(), s.eval_cols.data()};
  const gpu::DeviceCsr excl{s.exclude_off.empty() ? nullptr : s.exclude_off.data(),
                            s.exclude_off.empty() ? nullptr : s.exclude_cols.data()};
  gpu::rank_full(stream, model_view(), users, n_items_, train, tgt, excl, chunk,
                 s.rank_scores.data(), s.target_scores.data(), s.ranks.data());
  std::vector<RankCount> out(n_targets);
  s.ranks.download(out.data(), n_targets, stream);
  return out;
}

std::vector<float> CudaBackend::score_users(const std::vector<int32_t>& users) {
  DeviceState& s = st();
  const int64_t count = static_cast<int64_t>(users.size()) * n_items_;
  if (count == 0) return {};
  const cudaStream_t stream = stream_.get();
  ensure(s.rank_scores, count);
  // One score-matrix row per user: the evaluation score kernel, bit for bit the CPU's score.
  for (size_t k = 0; k < users.size(); ++k) {
    if (users[k] < 0 || users[k] >= n_users_) throw std::out_of_range("score_users: no such user");
    gpu::score_matrix(stream, model_view(), users[k], 1, n_items_,
                      s.rank_scores.data() + static_cast<int64_t>(k) * n_items_, n_items_);
  }
  std::vector<float> out(static_cast<size_t>(count));
  s.rank_scores.download(out.data(), count, stream);
  return out;
}

Model CudaBackend::get_model() const {
  DeviceState& s = st();
  Model m;
  m.kind = kind_;
  m.n_users = n_users_;
  m.n_items = n_items_;
  m.dim = dim_;
  m.user = s.user.to_host(stream_.get());
  m.item = s.item.to_host(stream_.get());
  m.beta = s.beta.to_host(stream_.get());
  return m;
}

void CudaBackend::set_model(const Model& model) {
  DeviceState& s = st();
  if (model.n_users != n_users_ || model.n_items != n_items_ || model.dim != dim_) {
    throw std::invalid_argument("CudaBackend::set_model: sizes differ from the training model");
  }
  s.user.upload(model.user.data(), s.user.size(), stream_.get());
  s.item.upload(model.item.data(), s.item.size(), stream_.get());
  s.beta.upload(model.beta.data(), s.beta.size(), stream_.get());
  stream_.synchronize();
}

}  // namespace

std::unique_ptr<Backend> make_cuda_backend() { return std::make_unique<CudaBackend>(); }

}  // namespace srns
