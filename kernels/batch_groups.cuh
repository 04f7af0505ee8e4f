// Every batch of an epoch grouped by user, on the GPU, once per epoch (CPU: cpu::batch_groups,
// src/cpu/batch_groups.cpp, per batch). For the epoch's positions x < n (batch x / B):
//   pos[0 .. n)            positions ordered by (batch, user, x)
//   group_begin[g]         where group g (one user of one batch) starts in `pos`; [groups] = n
//   batch_group[b]         the first group of batch b; [batches] = the number of groups
// so batch b's groups are [batch_group[b], batch_group[b + 1]) and group g's positions are
// pos[group_begin[g] .. group_begin[g + 1]), in increasing position: the CPU's slots plus b B.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "device_buffer.cuh"

namespace srns::gpu {

struct DeviceBatchGroups {
  const int32_t* pos;
  const int32_t* group_begin;
  const int32_t* batch_group;
};

class BatchGroupsBuffers {
 public:
  BatchGroupsBuffers() = default;
  // For epochs of up to n positions in batches of B.
  BatchGroupsBuffers(int64_t n, int32_t batch_size);
  // Device bytes for n positions in batches of B (CUB's temporary storage included).
  static int64_t bytes_for(int64_t n, int32_t batch_size);
  DeviceBatchGroups view() const;

 private:
  friend void batch_groups(cudaStream_t, const int32_t*, int64_t, int32_t, BatchGroupsBuffers*);
  int64_t capacity_ = 0;
  int32_t batch_size_ = 1;
  int key_bits_ = 1;
  DeviceBuffer<uint64_t> keys_, sorted_keys_;
  DeviceBuffer<int32_t> ids_, pos_, group_begin_, batch_group_, n_groups_;
  DeviceBuffer<uint8_t> head_;
  DeviceBuffer<unsigned char> temp_;
};

// Groups the n positions of the epoch (user[x] of position x) in batches of batch_size.
void batch_groups(cudaStream_t stream, const int32_t* user, int64_t n, int32_t batch_size,
                  BatchGroupsBuffers* out);

}  // namespace srns::gpu
