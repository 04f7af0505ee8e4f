// Identical inputs for the CPU ops and their CUDA twins: a small generated dataset, a model,
// batches cut from the canonical epoch order, and device copies of each.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "cpu/cpu_ops.hpp"
#include "cuda_test_util.cuh"
#include "device_buffer.cuh"
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

inline cpu::ModelView host_view(const Model& m) {
  return {m.dim, m.user.data(), m.item.data(), m.beta.data()};
}

// CSR row of every training pair.
inline std::vector<int32_t> pair_users(const Csr& train) {
  std::vector<int32_t> out(train.nnz());
  for (int32_t u = 0; u < train.rows(); ++u) {
    for (int64_t e = train.offsets[u]; e < train.offsets[u + 1]; ++e) out[e] = u;
  }
  return out;
}

// Batch b of epoch `epoch` as CpuBackend::run_batch builds it (owners by sequential scan).
struct HostBatch {
  int64_t index = 0;
  std::vector<int64_t> pair;
  std::vector<int32_t> user, item;
  std::vector<uint8_t> owner;
  int32_t size() const { return static_cast<int32_t>(pair.size()); }
  cpu::Batch view() const {
    return {index, size(), pair.data(), user.data(), item.data(), owner.data()};
  }
};

inline HostBatch host_batch(const Dataset& d, uint64_t seed, int epoch, int64_t b,
                            int32_t batch_size) {
  const std::vector<int64_t> order = epoch_order(seed, epoch, d.train.nnz());
  const std::vector<int32_t> pu = pair_users(d.train);
  HostBatch hb;
  hb.index = b;
  const int64_t begin = b * batch_size;
  const int64_t end = std::min<int64_t>(begin + batch_size, d.train.nnz());
  std::vector<uint8_t> seen(d.n_users, 0);
  for (int64_t x = begin; x < end; ++x) {
    const int64_t e = order[x];
    const int32_t u = pu[e];
    hb.pair.push_back(e);
    hb.user.push_back(u);
    hb.item.push_back(d.train.cols[e]);
    hb.owner.push_back(seen[u] ? 0 : 1);
    seen[u] = 1;
  }
  return hb;
}

struct DeviceBatch {
  int64_t index = 0;
  int32_t size = 0;
  gpu::DeviceBuffer<int64_t> pair;
  gpu::DeviceBuffer<int32_t> user, item;
  gpu::DeviceBuffer<uint8_t> owner;
  explicit DeviceBatch(const HostBatch& h)
      : index(h.index),
        size(h.size()),
        pair(to_device(h.pair)),
        user(to_device(h.user)),
        item(to_device(h.item)),
        owner(to_device(h.owner)) {}
  cpu::Batch view() const {
    return {index, size, pair.data(), user.data(), item.data(), owner.data()};
  }
};

struct DeviceModel {
  int32_t dim;
  gpu::DeviceBuffer<float> user, item, beta;
  explicit DeviceModel(const Model& m)
      : dim(m.dim), user(to_device(m.user)), item(to_device(m.item)), beta(to_device(m.beta)) {}
  cpu::ModelView view() const { return {dim, user.data(), item.data(), beta.data()}; }
};

struct DeviceCsrCopy {
  gpu::DeviceBuffer<int64_t> off;
  gpu::DeviceBuffer<int32_t> cols;
  explicit DeviceCsrCopy(const Csr& c) : off(to_device(c.offsets)), cols(to_device(c.cols)) {}
};

}  // namespace srns::testing
