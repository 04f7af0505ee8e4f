// Applies the owners' staged memory rows: one thread per (slot k, entry s),
//   memory[user[k]][s] = staged[k][s]   where owner[k].
// Each user has one owner per batch, so no two threads write the same entry.
//
// Shapes: staged int32[B][S1], memory int32[U][S1].
#include "apply_staged.cuh"
#include "launch.cuh"

namespace srns::gpu {
namespace {

__global__ void apply_staged_kernel(int32_t size, int s1, const uint8_t* owner, const int32_t* user,
                                    const int32_t* staged, int32_t* memory) {
  const int64_t n = static_cast<int64_t>(size) * s1;
  for (int64_t x = thread_index(); x < n; x += thread_count()) {
    const int64_t k = x / s1;
    if (!owner[k]) continue;
    memory[static_cast<int64_t>(user[k]) * s1 + x % s1] = staged[x];
  }
}

}  // namespace

void apply_staged(cudaStream_t stream, int32_t size, int s1, const uint8_t* owner,
                  const int32_t* user, const int32_t* staged, int32_t* memory) {
  const int64_t n = static_cast<int64_t>(size) * s1;
  if (n <= 0) return;
  apply_staged_kernel<<<grid_size(n), kBlock, 0, stream>>>(size, s1, owner, user, staged, memory);
  SRNS_CUDA_LAUNCH_CHECK("apply_staged_kernel");
}

}  // namespace srns::gpu
