// Initial memory: one thread per user runs init_memory_row, the CPU's function, with the same
// stream (kRngMemoryInit, user): identical rows by construction.
//
// Shapes: memory int32[U][S1].
#include "init_memory.cuh"
#include "launch.cuh"

namespace srns::gpu {
namespace {

__global__ void init_memory_kernel(SrnsView v, int32_t* memory) {
  for (int64_t u = thread_index(); u < v.n_users; u += thread_count()) {
    const int32_t user = static_cast<int32_t>(u);
    init_memory_row(v.seed, user, v.s1, v.fn_count(user), v.pool_size, memory + u * v.s1);
  }
}

}  // namespace

void init_memory(cudaStream_t stream, const SrnsView& view, int32_t* memory) {
  if (view.n_users <= 0) return;
  init_memory_kernel<<<grid_size(view.n_users), kBlock, 0, stream>>>(view, memory);
  SRNS_CUDA_LAUNCH_CHECK("init_memory_kernel");
}

}  // namespace srns::gpu
