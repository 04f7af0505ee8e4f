// The CUDA backend's class and device state (kernels/cuda_backend.cu has the batch loop and the
// file comment; cuda_backend_eval.cu its ranking and scoring; cuda_backend_state.cu the model
// and optimiser state in and out). Internal to those three files.
#pragma once
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "device_buffer.cuh"
#include "device_state_io.cuh"
#include "epoch_order.cuh"
#include "epoch_pairs.cuh"
#include "footprint.hpp"
#include "optimizer_step.cuh"
#include "pair_gradients.cuh"
#include "phase_timer.cuh"
#include "rank.cuh"
#include "reduce_gradients.cuh"
#include "sampler.cuh"
#include "score_matrix.cuh"
#include "scorer_warp.cuh"
#include "srns/backend.hpp"

namespace srns::cuda_detail {


using Clock = std::chrono::steady_clock;
using gpu::DeviceBuffer;

inline constexpr int64_t kThrottle = 64;  // batches between host waits in graph mode

inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Uploads a CSR with exactly `rows` rows: missing rows are empty, so kernels may read
// off[u + 1] for every u < rows. An empty CSR leaves both buffers empty (null pointers).
inline void upload_csr(const Csr& c, int32_t rows, DeviceBuffer<int64_t>* off, DeviceBuffer<int32_t>* cols,
                cudaStream_t stream) {
  if (c.empty()) {
    off->resize(0);
    cols->resize(0);
    return;
  }
  if (c.rows() > rows) throw std::invalid_argument("upload_csr: a CSR with more rows than users");
  std::vector<int64_t> padded(c.offsets);
  padded.resize(static_cast<size_t>(rows) + 1, c.offsets.back());
  off->assign(padded, stream);
  cols->assign(c.cols, stream);
}

inline gpu::DeviceCsr csr_view(const DeviceBuffer<int64_t>& off, const DeviceBuffer<int32_t>& cols) {
  if (off.empty()) return {nullptr, nullptr};
  return {off.data(), cols.data()};
}

// FNV-1a over a set's rows and negatives: an EvalSet at a reused address with other contents
// (the fresh negative draws of evaluate_over_draws) must not rank the old upload.
inline uint64_t fingerprint(const EvalSet& set) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const void* data, size_t bytes) {
    const unsigned char* p = static_cast<const unsigned char*>(data);
    for (size_t b = 0; b < bytes; ++b) h = (h ^ p[b]) * 1099511628211ull;
  };
  mix(set.rows.data(), set.rows.size() * sizeof(Pair));
  mix(set.negatives.data(), set.negatives.size() * sizeof(int32_t));
  return h;
}

// A validation or test set on the device, uploaded once (again when its contents change).
struct DeviceEvalSet {
  int64_t rows = 0;
  int32_t n_neg = 0;
  uint64_t fingerprint = 0;
  DeviceBuffer<int32_t> user, item, negatives;
  DeviceBuffer<RankCount> ranks;
};

// All device state of a run, released as a whole when setup() starts again.
struct DeviceState {
  // data
  DeviceBuffer<int64_t> train_off, truth_off, fn_off;
  DeviceBuffer<int32_t> train_cols, pair_user, truth_cols, fn_cols;
  // model and optimiser
  DeviceBuffer<float> user, item, head, user_m, user_v, item_m, item_v, head_m, head_v;
  gpu::RowGradientBuffers grads;
  gpu::ReduceScratch reduce;
  gpu::EpochOrderScratch order;
  // the epoch's pairs and the batch
  DeviceBuffer<int64_t> epoch_pair;
  DeviceBuffer<int32_t> epoch_user, epoch_item, negative;
  DeviceBuffer<float> loss, grad;
  DeviceBuffer<double> batch_loss;
  DeviceBuffer<unsigned long long> batch_fn;
  DeviceBuffer<gpu::BatchCounters> counters;
  gpu::CudaGraph graph;
  // evaluation
  std::map<const EvalSet*, DeviceEvalSet> eval_sets;
  DeviceBuffer<int32_t> eval_cols, exclude_cols;
  DeviceBuffer<int64_t> eval_off, exclude_off;
  DeviceBuffer<float> rank_scores, target_scores;
  DeviceBuffer<RankCount> full_ranks;
};

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int gpu) {
    int count = 0;
    SRNS_CUDA_CHECK(cudaGetDeviceCount(&count));
    if (gpu < 0 || gpu >= count) {
      throw std::invalid_argument("--gpu " + std::to_string(gpu) + ": this machine has " +
                                  std::to_string(count) + " CUDA device" + (count == 1 ? "" : "s") +
                                  " (0 .. " + std::to_string(count - 1) + "; see `srns info`)");
    }
    SRNS_CUDA_CHECK(cudaSetDevice(gpu));  // the only device this process opens
    cudaDeviceProp prop{};
    SRNS_CUDA_CHECK(cudaGetDeviceProperties(&prop, gpu));
    device_name_ = prop.name;
    resident_threads_ =
        static_cast<int64_t>(prop.maxThreadsPerMultiProcessor) * prop.multiProcessorCount;
    stream_ = std::make_unique<gpu::CudaStream>();
  }

  std::string describe() const override {
    std::ostringstream s;
    s << "cuda: " << device_name_;
    if (state_) {
      s << " (";
      const std::string sampler = sampler_->describe();
      if (!sampler.empty()) s << sampler << ", ";
      s << (config_.deterministic ? "deterministic" : "atomic") << " gradients, "
        << (graph_mode_ ? "CUDA Graph per batch" : "direct launches") << ")";
    }
    return s.str();
  }

  void setup(const TrainingSet& set, const TrainConfig& config, const Model& init) override;
  void end_epoch(int epoch, PhaseSeconds* seconds) override;
  EpochStats train_epoch(int epoch, const ProgressFn& progress) override;
  std::vector<RankCount> rank_sampled(const EvalSet& set) override;
  std::vector<RankCount> rank_full(const Csr& targets, const Csr& exclude) override;
  std::vector<float> score_users(const std::vector<int32_t>& users) override;
  Model get_model() const override;
  void set_model(const Model& model) override;
  void save_state(std::ostream& out) const override;
  void load_state(std::istream& in) override;
  int64_t kernels_per_batch() const override { return kernels_per_batch_; }

 private:
  DeviceState& st() const {
    if (!state_) throw std::logic_error("CudaBackend: setup() must come first");
    return *state_;
  }
  cudaStream_t stream() const { return stream_->get(); }
  ModelView model_view() const {
    DeviceState& s = st();
    return {kind_,         dim_,          s.user.data(),
            s.item.data(), s.head.data(), static_cast<int32_t>(s.head.size()),
            mlp_};
  }
  gpu::DeviceParams device_params() const {
    DeviceState& s = st();
    return {n_users_,
            n_items_,
            dim_,
            static_cast<int32_t>(s.head.size()),
            s.user.data(),
            s.item.data(),
            s.head.data(),
            s.user_m.data(),
            s.user_v.data(),
            s.item_m.data(),
            s.item_v.data(),
            s.head_m.data(),
            s.head_v.data()};
  }
  gpu::BatchRefs batch_refs(int64_t n_used) const {
    DeviceState& s = st();
    return {s.epoch_pair.data(), s.epoch_user.data(), s.epoch_item.data(), n_used,
            config_.batch_size,  s.counters.data()};
  }
  // The first half of batch b (b < 0 in a capture: the kernels read it from the counters).
  void enqueue_step(const gpu::BatchRefs& refs);
  // The second half: reduction and optimiser step.
  void enqueue_update(const gpu::BatchRefs& refs, int64_t b);
  void check_footprint(const TrainingSet& set, const TrainConfig& config) const;

  std::unique_ptr<gpu::CudaStream> stream_;
  std::string device_name_;
  int64_t resident_threads_ = 0;
  TrainConfig config_;
  TrainingSet set_;
  ModelKind kind_ = ModelKind::kGmf;
  MlpShape mlp_;
  int32_t n_users_ = 0, n_items_ = 0, dim_ = 0;
  bool graph_mode_ = true;
  int64_t kernels_per_batch_ = 0;
  std::unique_ptr<gpu::Sampler> sampler_;
  bool rows_written_ = false;  // the batch's row sums came from the unit (no reduction)
  std::unique_ptr<DeviceState> state_;
  gpu::PhaseTimer timer_;
};

}  // namespace srns::cuda_detail
