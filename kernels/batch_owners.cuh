// A batch's arrays and owners on the GPU (CPU: the loop at the top of CpuBackend::run_batch).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace srns::gpu {

// Device arrays of one batch, filled by make_batch.
struct BatchArrays {
  int64_t* pair;   // training pair e of batch slot k
  int32_t* user;   // its user
  int32_t* item;   // its positive item
  uint8_t* owner;  // 1 for the first slot of its user in the batch
};

// Fills pair/user/item for slots k < size from order[begin + k] and, when owner_key is not
// null, the owner flags. owner_key: one word per user, zero-initialised once; `stamp` must
// grow by at least one per call (never reused), so the words need no reset between batches.
void make_batch(cudaStream_t stream, const int64_t* order, int64_t begin, int32_t size,
                const int32_t* pair_user, const int32_t* train_cols, uint32_t stamp,
                unsigned long long* owner_key, BatchArrays out);

}  // namespace srns::gpu
