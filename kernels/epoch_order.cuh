// Epoch order on the GPU (CPU: srns::epoch_order, src/train/epoch_order.cpp): the training pair
// indices sorted by (shuffle_key(seed, epoch, e), e).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "device_buffer.cuh"

namespace srns::gpu {

// Keys, indices and CUB temporary storage for sorting up to `capacity` pairs.
class EpochOrderScratch {
 public:
  EpochOrderScratch() = default;
  explicit EpochOrderScratch(int64_t capacity);
  int64_t capacity() const { return capacity_; }
  // Device bytes held for `capacity` pairs (CUB's temporary storage included; needs a device).
  static int64_t bytes_for(int64_t capacity);

 private:
  friend const int64_t* epoch_order(cudaStream_t, uint64_t, int, int64_t, EpochOrderScratch*);
  int64_t capacity_ = 0;
  DeviceBuffer<uint32_t> keys_[2];
  DeviceBuffer<int64_t> index_[2];
  DeviceBuffer<unsigned char> temp_;
};

// Sorts the n <= capacity pairs of epoch `epoch`; returns the device array of the order (valid
// until the next call with the same scratch).
const int64_t* epoch_order(cudaStream_t stream, uint64_t seed, int epoch, int64_t n,
                           EpochOrderScratch* scratch);

}  // namespace srns::gpu
