// Per-row gradient sums of a batch on the GPU (CPU: cpu::reduce_gradients).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "batch.cuh"
#include "device_buffer.cuh"

namespace srns::gpu {

// The batch's summed gradients, held densely so the optimiser can index them by row:
//   user_grad[U][F], item_grad[I][F], head_grad[H]: zero outside the touched rows (the
//   optimiser zeroes what it consumed, so they start each batch clean);
//   user_flag[U], item_flag[I]: 1 on touched rows when `flag_rows` (lazy Adam, SGD: the
//   optimiser claims each flagged row once and clears the flag).
struct DeviceRowGradients {
  int32_t n_users, n_items, dim, head_size;
  float* user_grad;
  float* item_grad;
  float* head_grad;
  int32_t* user_flag;
  int32_t* item_flag;
  bool flag_rows;
};

// Owns the buffers behind a DeviceRowGradients, zeroed at construction.
class RowGradientBuffers {
 public:
  RowGradientBuffers() = default;
  RowGradientBuffers(int32_t n_users, int32_t n_items, int32_t dim, int32_t head_size,
                     bool flag_rows, cudaStream_t stream);
  DeviceRowGradients view();
  static int64_t bytes_for(int32_t n_users, int32_t n_items, int32_t dim, int32_t head_size);

 private:
  DeviceRowGradients v_{};
  DeviceBuffer<float> user_grad_, item_grad_, head_grad_;
  DeviceBuffer<int32_t> user_flag_, item_flag_;
};

// Sort buffers of the ordered (deterministic) mode.
class ReduceScratch {
 public:
  ReduceScratch() = default;
  ReduceScratch(int32_t n_users, int32_t n_items, int32_t batch_capacity, cudaStream_t stream);
  static int64_t bytes_for(int32_t n_users, int32_t n_items, int32_t batch_capacity);

 private:
  friend void reduce_gradients_ordered(cudaStream_t, const BatchRefs&, int64_t, const int32_t*,
                                       const float*, DeviceRowGradients, BatchCounters*,
                                       ReduceScratch*);
  int32_t user_bits_ = 1, item_bits_ = 1;
  DeviceBuffer<int32_t> item_keys_, sorted_keys_, ids_, sorted_ids_;
  DeviceBuffer<unsigned char> temp_;
};

// Sums the current batch's gradient rows grad[k] = [user F | pos F | neg F | head H] per row
// with atomicAdd (one kernel; order unspecified, so the last bits vary), and advances the
// counters (opt_batch = batch, step + 1).
void reduce_gradients_atomic(cudaStream_t stream, const BatchRefs& batch, const int32_t* negative,
                             const float* grad, DeviceRowGradients g, BatchCounters* counters);

// The same in the CPU's order, bit for bit cpu::reduce_gradients: contributions sorted by
// (row, id) and summed from 0.0f in id order (user rows: id = k; item rows: id = 2k + role,
// role 0 positive, 1 negative), the head in pair order. The host names the batch `b` (its
// size must be known to the sorts), which must be the device's counters.batch.
void reduce_gradients_ordered(cudaStream_t stream, const BatchRefs& batch, int64_t b,
                              const int32_t* negative, const float* grad, DeviceRowGradients g,
                              BatchCounters* counters, ReduceScratch* scratch);

}  // namespace srns::gpu
