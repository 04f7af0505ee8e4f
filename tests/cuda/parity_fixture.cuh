// Identical inputs for the CPU ops and their CUDA twins: a small generated dataset, a model,
// an epoch's pairs in training order on both sides, and device copies of each.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "batch.cuh"
#include "cpu/cpu_ops.hpp"
#include "cuda_test_util.cuh"
#include "device_buffer.cuh"
#include "epoch_order.cuh"
#include "epoch_pairs.cuh"
#include "srns/backend.hpp"
#include "srns/model.hpp"
#include "srns/synthetic.hpp"

namespace srns::testing {

inline Dataset parity_data(int32_t users = 300, int32_t items = 400, int64_t interactions = 12000,
                           uint64_t seed = 5, int32_t eval_negatives = 100) {
  GenConfig g;
  g.users = users;
  g.items = items;
  g.interactions = interactions;
  g.seed = seed;
  SplitOptions s;
  s.eval_negatives = eval_negatives;
  s.seed = seed;
  return generate_dataset(g, s);
}

// init_std well above the default so scores spread: ties within an ulp (where CUDA's and the
// host's expf may round differently) become rare, as in a trained model.
inline Model parity_model(const Dataset& d, int dim, uint64_t seed, float init_std = 0.3f,
                          ModelKind kind = ModelKind::kGmf) {
  ModelConfig c;
  c.dim = dim;
  c.init_std = init_std;
  c.kind = kind;
  return init_model(c, d.n_users, d.n_items, seed);
}

// CSR row of every training pair.
inline std::vector<int32_t> pair_users(const Csr& train) {
  std::vector<int32_t> out(train.nnz());
  for (int32_t u = 0; u < train.rows(); ++u) {
    for (int64_t e = train.offsets[u]; e < train.offsets[u + 1]; ++e) out[e] = u;
  }
  return out;
}

struct DeviceCsrCopy {
  gpu::DeviceBuffer<int64_t> off;
  gpu::DeviceBuffer<int32_t> cols;
  explicit DeviceCsrCopy(const Csr& c) : off(to_device(c.offsets)), cols(to_device(c.cols)) {}
  gpu::DeviceCsr view() const {
    return off.empty() ? gpu::DeviceCsr{nullptr, nullptr} : gpu::DeviceCsr{off.data(), cols.data()};
  }
};

struct DeviceModel {
  ModelKind kind;
  int32_t dim;
  gpu::DeviceBuffer<float> user, item, head;
  explicit DeviceModel(const Model& m)
      : kind(m.kind),
        dim(m.dim),
        user(to_device(m.user)),
        item(to_device(m.item)),
        head(to_device(m.head)) {}
  ModelView view() const {
    return {kind, dim, user.data(), item.data(), head.data(), static_cast<int32_t>(head.size())};
  }
};

// An epoch's pairs in training order on the host (cpu::epoch_pairs, the CPU ops' input) and
// the same arrays on the device with counters naming the current batch.
struct ParityEpoch {
  int32_t batch_size;
  cpu::EpochPairs host;
  gpu::DeviceBuffer<int64_t> pair;
  gpu::DeviceBuffer<int32_t> user, item;
  gpu::DeviceBuffer<gpu::BatchCounters> counters;

  ParityEpoch(const Dataset& d, uint64_t seed, int epoch, int32_t b) : batch_size(b), counters(1) {
    const std::vector<int32_t> pu = pair_users(d.train);
    cpu::epoch_pairs(epoch_order(seed, epoch, d.train.nnz()), pu.data(), d.train.cols.data(),
                     &host);
    pair = to_device(host.pair);
    user = to_device(host.user);
    item = to_device(host.item);
    set_batch(0, 0);
  }
  int64_t n() const { return static_cast<int64_t>(host.pair.size()); }
  int64_t batches() const { return (n() + batch_size - 1) / batch_size; }
  cpu::Batch host_batch(int64_t b) const { return host.batch(b, batch_size); }
  gpu::BatchRefs refs() const {
    return {pair.data(), user.data(), item.data(), n(), batch_size, counters.data()};
  }
  // The device counters as the batch loop has them before batch b's kernels.
  void set_batch(int64_t b, int64_t step) {
    const gpu::BatchCounters c{b, b, step};
    counters.upload(&c, 1, nullptr);
    SRNS_CUDA_CHECK(cudaStreamSynchronize(nullptr));
  }
  gpu::BatchCounters read_counters() const { return to_host(counters)[0]; }
};

// Per-pair outputs of a batch on the device, with the batch sums of an epoch of `batches`.
struct DevicePairOutputs {
  gpu::DeviceBuffer<int32_t> negative;
  gpu::DeviceBuffer<float> loss, grad;
  gpu::DeviceBuffer<double> batch_loss;
  gpu::DeviceBuffer<unsigned long long> batch_fn;
  DevicePairOutputs(int32_t batch_size, int64_t stride, int64_t batches)
      : negative(batch_size),
        loss(batch_size),
        grad(batch_size * stride),
        batch_loss(batches),
        batch_fn(batches) {
    batch_loss.zero(nullptr);
    batch_fn.zero(nullptr);
  }
  gpu::PairStepArgs args(int loss_kind, float reg, gpu::DeviceCsr truth) {
    return {
        loss_kind,      reg, truth, negative.data(), loss.data(), grad.data(), batch_loss.data(),
        batch_fn.data()};
  }
};

}  // namespace srns::testing
