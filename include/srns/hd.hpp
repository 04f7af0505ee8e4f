// SRNS_HD marks a function that both backends compile: plain inline under a host compiler,
// __host__ __device__ under nvcc. Headers that use it hold per-element math only: no STL,
// no allocation, no exceptions, so the CPU reference and the CUDA kernels run the same code.
#pragma once

#if defined(__CUDACC__)
#define SRNS_HD __host__ __device__ __forceinline__
#else
#define SRNS_HD inline
#endif
