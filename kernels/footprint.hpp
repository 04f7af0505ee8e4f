// Device memory the CUDA backend needs for a run, estimated before it allocates anything, and
// the refusal message when the GPU has too little free (DESIGN §6). Host code only, so the
// arithmetic is tested without a GPU.
#pragma once
#include <cstdint>
#include <string>

#include "srns/backend.hpp"
#include "srns/config.hpp"

namespace srns::gpu {

// Bytes by purpose. With U users, I items, F = dim, H head size, n training pairs, B = batch
// size, N batches per epoch:
//   model      4 (F (U + I) + H)                                P, Q, head
//   optimizer  8 (F (U + I) + H) for Adam and lazy Adam, 0 for SGD   moments m, v
//   gradients  4 (F (U + I) + H + U + I)                        dense row sums, row flags
//   data       8 (U + 1) + 4 n + CSR bytes of truth / fn sets   train CSR, pair users
//   order      24 n + CUB temp                                  keys and indices, x2
//   epoch      16 n                                             the pairs in training order
//   batch      B (8 + 4 (3F + H)) + 16 N + sort buffers         negatives, losses, gradient
//                                                                rows, per-batch sums
//   sampler    the sampler unit's estimate (SRNS: pools, memory, history, user groups)
//   local      per-thread local memory of the largest kernel x the threads the GPU can hold
//   eval       max over val/test of 4 rows (n_neg + 4), or a full-ranking chunk of scores
struct DeviceFootprint {
  int64_t model = 0, optimizer = 0, gradients = 0, data = 0, order = 0, epoch = 0, batch = 0,
          sampler = 0, local = 0, eval = 0;
  std::string sampler_name;
  int64_t total() const {
    return model + optimizer + gradients + data + order + epoch + batch + sampler + local + eval;
  }
  std::string describe() const;  // "model 1.2 MiB, optimizer ..., total ..."
};

// What only a device can tell (0 in host-only tests):
//   order_sort_temp / reduce_sort_temp  CUB temporary bytes of the epoch-order and ordered
//                                       reduction sorts (EpochOrderScratch / ReduceScratch)
//   sampler_bytes                       gpu::Sampler::estimate_bytes
//   local_bytes                         local memory reserved for the kernels' threads
DeviceFootprint estimate_device_footprint(const TrainingSet& set, const TrainConfig& config,
                                          int64_t order_sort_temp, int64_t reduce_sort_temp,
                                          int64_t sampler_bytes, int64_t local_bytes);

// Head room kept free beyond the estimate: CUDA context growth, kernels' local memory, eval
// buffers sized at call time.
constexpr int64_t kFootprintReserve = int64_t{256} << 20;

// Empty when footprint + reserve fits into free_bytes; otherwise the refusal: needed vs free
// bytes, the largest parts, and the flags that shrink them.
std::string footprint_refusal(const DeviceFootprint& f, int64_t free_bytes,
                              const std::string& device_name, const TrainConfig& config);

}  // namespace srns::gpu
