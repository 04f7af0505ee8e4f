// Device memory the CUDA backend needs for a run, estimated before it allocates anything, and
// the refusal message when the GPU has too little free (DESIGN §6). Host code only, so the
// arithmetic is tested without a GPU.
#pragma once
#include <cstdint>
#include <string>

#include "srns/backend.hpp"
#include "srns/config.hpp"

namespace srns::gpu {

// Bytes by purpose. With U users, I items, F = dim, n training pairs, B = batch size, N
// batches per epoch, V pool size, W window, S1 memory size, T tracked pairs:
//   model      4 F (U + I + 1)                                  P, Q, beta
//   optimizer  8 F (U + I + 1) for Adam and lazy Adam, 0 for SGD   moments m, v
//   gradients  4 (F (U + I + 1) + U + I + 3B + 2)               dense row sums, flags, lists
//   data       8 (U + 1) + 8 n + CSR bytes of truth / fn sets   train CSR, pair users
//   order      24 n + CUB temp                                  keys and indices, x2
//   batch      B (25 + 20 F) + 8 U + 16 N + sort buffers         batch arrays, grads, pb,
//                                                                owner words, batch stats
//   srns       SrnsLayout::bytes() + 4 B S1 + 8 T (pooled)       pools, memory, history, staged
//   eval       max over val/test of 4 rows (n_neg + 4), or a 32-user full-ranking chunk
struct DeviceFootprint {
  int64_t model = 0, optimizer = 0, gradients = 0, data = 0, order = 0, batch = 0, srns = 0,
          eval = 0;
  bool srns_dense = false;  // history layout behind `srns`
  int64_t total() const {
    return model + optimizer + gradients + data + order + batch + srns + eval;
  }
  std::string describe() const;  // "model 1.2 MiB, optimizer ..., total ..."
};

// order_sort_temp / reduce_sort_temp: CUB temporary bytes of the epoch-order and deterministic
// reduction sorts (EpochOrderScratch / ReduceScratch report theirs; 0 in host-only tests).
DeviceFootprint estimate_device_footprint(const TrainingSet& set, const TrainConfig& config,
                                          int64_t order_sort_temp, int64_t reduce_sort_temp);

// Head room kept free beyond the estimate: CUDA context growth, kernels' local memory, eval
// buffers sized at call time.
constexpr int64_t kFootprintReserve = int64_t{256} << 20;

// Empty when footprint + reserve fits into free_bytes; otherwise the refusal: needed vs free
// bytes, the largest parts, and the flags that shrink them.
std::string footprint_refusal(const DeviceFootprint& f, int64_t free_bytes,
                              const std::string& device_name, const TrainConfig& config);

}  // namespace srns::gpu
