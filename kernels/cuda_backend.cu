// The CUDA backend: the Backend interface on one GPU and its one batch loop, twin of the CPU
// backend (src/cpu/cpu_backend.cpp) op for op and draw for draw. It knows nothing of which
// sampler (kernels/sampler.cuh) or scorer (scorer_warp.cuh) it runs.
//
// Per epoch: the order (radix sort of shuffle keys), the pairs in training order
// (epoch_pairs), the batch counter reset, sampler.begin_epoch, then the batches. Per batch,
// on one stream, with no host round trip (batch.cuh: the device counters name the batch):
//   1. sampler.fused_step: negatives + pair gradients, losses and label errors; or, for a
//      sampler without one, sampler.select + pair_gradients
//   2. reduce_gradients_atomic (per-row sums; advances opt_batch and Adam's step)
//   3. optimizer_step (Adam's scalars from the device step; advances the batch counter)
// In the default mode the batch is captured into a CUDA Graph at the start of each epoch (its
// kernels take the epoch's constants as arguments) and the graph is replayed for every batch;
// the host only waits every kThrottle batches, so the launch queue stays bounded. The batch's
// kernel count is measured on the capture (kernels_per_batch()).
// --deterministic (ordered, CPU-identical gradient sums, whose sorts need the batch's size on
// the host), --phase-timing (events between the batch's two halves) and SRNS_CUDA_SYNC_CHECK=1
// launch each batch's kernels directly instead.
//
// Non-finite losses: the batch loss sums stay on the device and are read once at the epoch's
// end; the stats are cut at the first non-finite batch exactly as the CPU's, but the GPU has
// trained the epoch's later batches too (the driver then stops and keeps the best model from
// before, so nothing reads them).
#include "cuda_backend.cuh"

namespace srns {
namespace cuda_detail {

void CudaBackend::check_footprint(const TrainingSet& set, const TrainConfig& config) const {
  const Dataset& d = *set.data;
  const int64_t n = d.train.nnz();
  const int64_t order_temp = n > 0 ? gpu::EpochOrderScratch::bytes_for(n) - 24 * n : 0;
  const int64_t reduce_temp =
      config.deterministic ? gpu::ReduceScratch::bytes_for(d.n_users, d.n_items, config.batch_size)
                           : 0;
  int64_t local = sampler_->local_bytes_per_thread(config) * resident_threads_;
  if (config.model.kind == ModelKind::kMlp) {  // ranking and history score with thread forms
    local = std::max(local, gpu::kMlpThreadFormBytes * resident_threads_);
  }
  const gpu::DeviceFootprint f = gpu::estimate_device_footprint(
      set, config, order_temp, reduce_temp, sampler_->estimate_bytes(set, config), local);
  size_t free_b = 0, total_b = 0;
  SRNS_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
  const std::string refusal =
      gpu::footprint_refusal(f, static_cast<int64_t>(free_b), device_name_, config);
  if (!refusal.empty()) throw std::runtime_error(refusal);
}

void CudaBackend::setup(const TrainingSet& set, const TrainConfig& config, const Model& init) {
  if (config.optim.hogwild) {
    throw std::invalid_argument(
        "--hogwild is a CPU mode (lock-free per-pair SGD across CPU threads); the CUDA backend "
        "has none: add --device cpu, or drop --hogwild (a CUDA batch is already one parallel "
        "step)");
  }
  state_.reset();  // frees the previous run's device memory before measuring what is free
  sampler_.reset();
  SRNS_CUDA_CHECK(cudaStreamSynchronize(stream()));
  config_ = config;
  set_ = set;
  const Dataset& d = *set.data;
  kind_ = init.kind;
  mlp_ = init.mlp;
  n_users_ = d.n_users;
  n_items_ = d.n_items;
  dim_ = init.dim;
  if (init.n_users != d.n_users || init.n_items != d.n_items || init.dim != config.model.dim) {
    throw std::invalid_argument("CudaBackend::setup: the model does not match the data");
  }
  graph_mode_ = !config.deterministic && !config.phase_timing && !cuda_sync_checks();
  sampler_ = gpu::make_sampler(config.sampler);
  check_footprint(set, config);

  auto state = std::make_unique<DeviceState>();
  DeviceState& s = *state;
  const cudaStream_t stream = this->stream();
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
  s.head.assign(init.head, stream);
  if (config.optim.kind != OptimizerKind::kSgd) {
    s.user_m.resize(s.user.size());
    s.user_v.resize(s.user.size());
    s.item_m.resize(s.item.size());
    s.item_v.resize(s.item.size());
    s.head_m.resize(s.head.size());
    s.head_v.resize(s.head.size());
    for (auto* b : {&s.user_m, &s.user_v, &s.item_m, &s.item_v, &s.head_m, &s.head_v}) {
      b->zero(stream);
    }
    if (config.optim.kind == OptimizerKind::kAdagrad) {  // m holds Adagrad's accumulators
      for (auto* b : {&s.user_m, &s.item_m, &s.head_m}) {
        b->assign(std::vector<float>(b->size(), config.optim.adagrad_init), stream);
      }
    }
  }
  const bool flag_rows =
      config.optim.kind == OptimizerKind::kLazyAdam || config.optim.kind == OptimizerKind::kSgd;
  s.grads = gpu::RowGradientBuffers(d.n_users, d.n_items, dim_,
                                    static_cast<int32_t>(init.head.size()), flag_rows, stream);
  if (config.deterministic) s.reduce = gpu::ReduceScratch(d.n_users, d.n_items, batch, stream);
  if (n > 0) s.order = gpu::EpochOrderScratch(n);
  s.epoch_pair.resize(n);
  s.epoch_user.resize(n);
  s.epoch_item.resize(n);
  s.negative.resize(batch);
  s.loss.resize(batch);
  s.grad.resize(static_cast<int64_t>(batch) *
                (3 * static_cast<int64_t>(dim_) + static_cast<int64_t>(init.head.size())));
  s.counters.resize(1);
  s.counters.zero(stream);
  state_ = std::move(state);

  gpu::SamplerSetup ss;
  ss.set = &set_;
  ss.config = &config_;
  ss.train = csr_view(s.train_off, s.train_cols);
  ss.fn_sets = csr_view(s.fn_off, s.fn_cols);
  ss.pair_user = s.pair_user.data();
  ss.stream = stream;
  sampler_->setup(ss, model_view());
  const int64_t n_batches = sampler_->batches(batches_per_epoch(n, batch, config.keep_last_batch));
  s.batch_loss.resize(std::max<int64_t>(1, n_batches));
  s.batch_fn.resize(std::max<int64_t>(1, n_batches));
  stream_->synchronize();
}

void CudaBackend::end_epoch(int epoch, PhaseSeconds* seconds) {
  const auto start = Clock::now();
  sampler_->end_epoch(epoch, model_view(), stream());
  stream_->synchronize();
  if (seconds) seconds->history += seconds_since(start);
}

void CudaBackend::enqueue_step(const gpu::BatchRefs& refs) {
  DeviceState& s = st();
  gpu::PairStepArgs args;
  args.loss_kind = config_.loss;
  args.reg = config_.optim.reg;
  args.truth = csr_view(s.truth_off, s.truth_cols);
  args.negative = s.negative.data();
  args.loss = s.loss.data();
  args.grad = s.grad.data();
  args.batch_loss = s.batch_loss.data();
  args.batch_fn = s.batch_fn.data();
  const ModelView model = model_view();
  rows_written_ =
      sampler_->row_gradients(refs, model, s.grads.view(), args, s.counters.data(), stream());
  if (rows_written_) return;
  if (!sampler_->fused_step(refs, model, args, stream())) {
    sampler_->select(refs, model, args.negative, stream());
    gpu::pair_gradients(stream(), refs, model, args);
  }
}

void CudaBackend::enqueue_update(const gpu::BatchRefs& refs, int64_t b) {
  DeviceState& s = st();
  gpu::BatchCounters* counters = s.counters.data();
  if (rows_written_) {
    // the unit summed the rows and advanced the counters
  } else if (config_.deterministic) {
    gpu::reduce_gradients_ordered(stream(), refs, b, s.negative.data(), s.grad.data(),
                                  s.grads.view(), counters, &s.reduce);
  } else {
    gpu::reduce_gradients_atomic(stream(), refs, s.negative.data(), s.grad.data(), s.grads.view(),
                                 counters);
  }
  gpu::optimizer_step(stream(), config_.optim, head_trained(kind_), refs, s.negative.data(),
                      device_params(), s.grads.view(), counters);
}

EpochStats CudaBackend::train_epoch(int epoch, const ProgressFn& progress) {
  DeviceState& s = st();
  const cudaStream_t stream = this->stream();
  EpochStats stats;
  const int64_t n = set_.data->train.nnz();
  const int64_t n_batches =
      sampler_->batches(batches_per_epoch(n, config_.batch_size, config_.keep_last_batch));
  if (n_batches == 0) return stats;
  const int64_t n_used = std::min<int64_t>(n, n_batches * config_.batch_size);

  gpu::CudaEvent start, end;
  start.record(stream);
  const int64_t* order = gpu::epoch_order(stream, config_.seed, epoch, n, &s.order);
  gpu::epoch_pairs(stream, order, n, s.pair_user.data(), s.train_cols.data(), s.epoch_pair.data(),
                   s.epoch_user.data(), s.epoch_item.data());
  SRNS_CUDA_CHECK(cudaMemsetAsync(&s.counters.data()->batch, 0, sizeof(int64_t), stream));
  s.batch_loss.zero(stream);
  s.batch_fn.zero(stream);
  const gpu::BatchRefs refs = batch_refs(n_used);
  sampler_->begin_epoch(epoch, refs, stream);

  if (graph_mode_) {
    const int64_t before = cuda_launches();
    s.graph.capture(stream, [&] {
      enqueue_step(refs);
      enqueue_update(refs, -1);
    });
    kernels_per_batch_ = s.graph.kernel_nodes();
    if (kernels_per_batch_ != cuda_launches() - before) {
      throw std::logic_error("CudaBackend: the batch graph holds " +
                             std::to_string(kernels_per_batch_) + " kernels but " +
                             std::to_string(cuda_launches() - before) + " were launched");
    }
    gpu::CudaEvent waits[2];
    for (int64_t b = 0; b < n_batches; ++b) {
      if (b > 0 && b % kThrottle == 0) {
        // Wait for the batches two windows back: the queue holds at most 2 kThrottle batches.
        gpu::CudaEvent& w = waits[(b / kThrottle) % 2];
        if (b >= 2 * kThrottle) w.synchronize();
        w.record(stream);
        if (progress) progress(b, n_batches);
      }
      s.graph.launch(stream);
    }
    end.record(stream);
    end.synchronize();
    stats.seconds.batches = end.ms_since(start) * 1e-3;
    if (progress) progress(n_batches, n_batches);
  } else {
    const int64_t before = cuda_launches();
    timer_.start(stream);
    for (int64_t b = 0; b < n_batches; ++b) {
      enqueue_step(refs);
      timer_.mid(b, stream);
      enqueue_update(refs, b);
      timer_.end(b, stream);
      if (progress) progress(b + 1, n_batches);
    }
    timer_.finish(stream, &stats.seconds.select_grad, &stats.seconds.optimizer);
    kernels_per_batch_ = (cuda_launches() - before) / n_batches;
  }

  std::vector<double> batch_loss(static_cast<size_t>(n_batches));
  std::vector<unsigned long long> batch_fn(static_cast<size_t>(n_batches));
  s.batch_loss.download(batch_loss.data(), n_batches, stream);
  s.batch_fn.download(batch_fn.data(), n_batches, stream);
  const bool know_truth = !s.truth_off.empty();
  for (int64_t b = 0; b < n_batches; ++b) {
    stats.loss += batch_loss[b];
    stats.pairs +=
        sampler_->batch_pairs(b, std::min<int64_t>(config_.batch_size, n - b * config_.batch_size));
    stats.batches += 1;
    if (know_truth) stats.false_negatives += static_cast<int64_t>(batch_fn[b]);
    if (!std::isfinite(batch_loss[b])) {
      stats.first_nonfinite_batch = b;
      break;
    }
  }
  return stats;
}

}  // namespace cuda_detail

std::unique_ptr<Backend> make_cuda_backend(int gpu) {
  return std::make_unique<cuda_detail::CudaBackend>(gpu);
}

}  // namespace srns
