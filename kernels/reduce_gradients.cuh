// Per-row gradient sums of a batch on the GPU (CPU: cpu::reduce_gradients).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "cpu/cpu_ops.hpp"
#include "device_buffer.cuh"

namespace srns::gpu {

// The batch's summed gradients, held densely so the optimiser can index them by row:
//   user_grad[U][F], item_grad[I][F], beta_grad[F]: zero outside the touched rows (the
//   optimiser step zeroes what it consumed, so they start each batch clean);
//   user_rows[0..counts[0]), item_rows[0..counts[1]): the touched rows, each once, in no
//   particular order; user_flag / item_flag: 1 on touched rows (atomic mode only).
struct DeviceRowGradients {
  int32_t n_users, n_items, dim;
  float* user_grad;
  float* item_grad;
  float* beta_grad;
  int32_t* user_flag;
  int32_t* item_flag;
  int32_t* user_rows;  // capacity: batch size
  int32_t* item_rows;  // capacity: 2 x batch size
  int32_t* counts;     // [2]
  int32_t batch_capacity;
};

// Owns the buffers behind a DeviceRowGradients, zeroed at construction.
class RowGradientBuffers {
 public:
  RowGradientBuffers() = default;
  RowGradientBuffers(int32_t n_users, int32_t n_items, int32_t dim, int32_t batch_capacity,
                     cudaStream_t stream);
  DeviceRowGradients view();
  static int64_t bytes_for(int32_t n_users, int32_t n_items, int32_t dim, int32_t batch_capacity);

 private:
  int32_t n_users_ = 0, n_items_ = 0, dim_ = 0, batch_capacity_ = 0;
  DeviceBuffer<float> user_grad_, item_grad_, beta_grad_;
  DeviceBuffer<int32_t> user_flag_, item_flag_, user_rows_, item_rows_, counts_;
};

// Sort buffers of the deterministic mode.
class ReduceScratch {
 public:
  ReduceScratch() = default;
  ReduceScratch(int32_t n_users, int32_t n_items, int32_t batch_capacity, cudaStream_t stream);
  static int64_t bytes_for(int32_t n_users, int32_t n_items, int32_t batch_capacity);

 private:
  friend void reduce_gradients(cudaStream_t, bool, const cpu::Batch&, const int32_t*, const float*,
                               DeviceRowGradients, ReduceScratch*);
  int32_t user_bits_ = 1, item_bits_ = 1;
  DeviceBuffer<int32_t> item_keys_, sorted_keys_, ids_, sorted_ids_;
  DeviceBuffer<unsigned char> temp_;
};

// Sums the batch's contributions grad[k] = [user F | pos F | neg F | beta F] per row.
// deterministic: contributions sorted by (row, id) and summed in id order from 0.0f (user
// rows: id = k; item rows: id = 2k + role, role 0 positive, 1 negative), beta in pair order:
// bit for bit cpu::reduce_gradients. Otherwise atomicAdd (order unspecified, within rounding).
// `scratch` may be null in atomic mode.
void reduce_gradients(cudaStream_t stream, bool deterministic, const cpu::Batch& batch,
                      const int32_t* negative, const float* grad, DeviceRowGradients g,
                      ReduceScratch* scratch);

}  // namespace srns::gpu
