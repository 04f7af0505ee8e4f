// What the kernels of a batch share on the device (the CUDA batch loop, kernels/cuda_backend.cu).
//
// The batch is never named by the host: the epoch's pairs sit in training order in device
// arrays (epoch_pairs.cu), and a device counter says which batch is current. So one captured
// CUDA Graph of the batch's kernels replays unchanged for every batch of every epoch:
//   step kernel       reads counters.batch                    (sampler: negatives + gradients)
//   reduce kernel     reads counters.batch, writes opt_batch, advances counters.step
//   optimizer kernel  reads counters.step and opt_batch, advances counters.batch
// Each counter is written by exactly one thread of a kernel that does not read it, and read
// by the later kernels in stream order: no races, no host round trip.
#pragma once
#include <cstdint>

#include "srns/draws.hpp"
#include "srns/hd.hpp"

namespace srns::gpu {

struct BatchCounters {
  int64_t batch;      // current batch of the epoch
  int64_t opt_batch;  // the batch whose gradients the optimiser applies
  int64_t step;       // optimiser steps taken in the run (Adam's t after the reduce kernel)
};

// A device CSR (rows = users): offsets int64[U + 1], cols int32[nnz]; a null `off` is empty.
struct DeviceCsr {
  const int64_t* off;
  const int32_t* cols;

  SRNS_HD bool empty() const { return off == nullptr; }
  SRNS_HD bool contains(int32_t row, int32_t x) const {
    if (!off) return false;
    const int64_t begin = off[row];
    return sorted_contains(cols + begin, off[row + 1] - begin, x);
  }
};

// The epoch's pairs in training order and where the current batch is.
struct BatchRefs {
  const int64_t* pair;  // [n] CSR index of the pair at each position
  const int32_t* user;  // [n]
  const int32_t* item;  // [n]
  int64_t n;            // positions that are trained this epoch (batches * B at most)
  int32_t batch_size;   // B
  const BatchCounters* counters;

  SRNS_HD int64_t begin(int64_t b) const { return b * batch_size; }
  // Pairs in batch b (the last batch may be short).
  SRNS_HD int32_t size(int64_t b) const {
    const int64_t left = n - begin(b);
    return static_cast<int32_t>(left < batch_size ? (left > 0 ? left : 0) : batch_size);
  }
};

// Where a batch's per-pair results go, and the per-batch sums the host reads once per epoch:
//   negative[k], loss[k], grad[k * stride ..]          k = slot in the batch
//   batch_loss[b] += loss (double), batch_fn[b] += label errors (negatives found in `truth`)
struct PairStepArgs {
  int loss_kind;
  float reg;
  DeviceCsr truth;  // ground-truth false negatives; empty when unknown
  int32_t* negative;
  float* loss;
  float* grad;
  double* batch_loss;
  unsigned long long* batch_fn;
};

}  // namespace srns::gpu
