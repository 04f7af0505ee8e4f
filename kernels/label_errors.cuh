// A batch's label errors and loss sum on the GPU (CPU: the loop after the step in
// CpuBackend::run_batch).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace srns::gpu {

// *fn_count = #{k < size : negative[k] in the truth row of user[k]} (0 when truth_off is
// null) and *loss_sum = sum of loss[0..size) in double. Both outputs are device pointers
// (typically slot b of per-epoch arrays, read back once at the epoch's end).
void label_errors(cudaStream_t stream, int32_t size, const int32_t* user, const int32_t* negative,
                  const float* loss, const int64_t* truth_off, const int32_t* truth_cols,
                  int64_t* fn_count, double* loss_sum);

}  // namespace srns::gpu
