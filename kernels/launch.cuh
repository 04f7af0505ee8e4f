// Launch geometry shared by the kernels (cuCollections style): kernels loop grid-stride over
// int64 work items, so a capped grid covers any size; grid_size() turns a work count into a
// block count. Warp kernels count warps as work items (kWarpSize threads each).
#pragma once
#include <cstdint>

#include "cuda_check.cuh"

namespace srns::gpu {

constexpr int kWarpSize = 32;
constexpr unsigned kFullMask = 0xFFFFFFFFu;
constexpr int kBlock = 256;  // default threads per block

// Blocks for `work` threads' worth of items at `block` threads per block, at least one, capped
// (grid-stride loops do the rest).
inline int grid_size(int64_t work, int block = kBlock) {
  constexpr int64_t kMaxBlocks = 1 << 18;
  int64_t blocks = (work + block - 1) / block;
  if (blocks < 1) blocks = 1;
  if (blocks > kMaxBlocks) blocks = kMaxBlocks;
  return static_cast<int>(blocks);
}

// Blocks for `warps` warp-sized work items at `block` threads per block.
inline int warp_grid_size(int64_t warps, int block = kBlock) {
  return grid_size(warps * kWarpSize, block);
}

#if defined(__CUDACC__)
// Global thread index and the grid's thread count, as int64.
__device__ __forceinline__ int64_t thread_index() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t thread_count() {
  return static_cast<int64_t>(gridDim.x) * blockDim.x;
}
#endif

}  // namespace srns::gpu
