// Error checking for every CUDA call and launch: failures throw srns::CudaError naming the
// file, line, the call (or the kernel) and CUDA's error name and text. SRNS_CUDA_SYNC_CHECK=1
// in the environment makes every launch check synchronous (debugging: the failing kernel is
// named). Every launch check also counts the launch (cuda_launches()), so the backend and the
// tests can hold the number of kernels a batch takes.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace srns {

// Thrown for errors that CUDA reports, and only for those.
class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const std::string& what,
                                          const char* file, int line) {
  throw CudaError(std::string(file) + ":" + std::to_string(line) + ": " + what +
                  " failed: " + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")");
}

// Whether launches are followed by a synchronising check (SRNS_CUDA_SYNC_CHECK=1).
bool cuda_sync_checks();

// Kernel launches checked so far in this process (captured launches included).
int64_t cuda_launches();
void count_cuda_launch();

}  // namespace srns

#define SRNS_CUDA_CHECK(call)                                                                     \
  do {                                                                                            \
    const cudaError_t srns_err_ = (call);                                                         \
    if (srns_err_ != cudaSuccess) ::srns::throw_cuda_error(srns_err_, #call, __FILE__, __LINE__); \
  } while (0)

// After a <<<...>>> launch of kernel `name`: the launch error, and with SRNS_CUDA_SYNC_CHECK=1
// the kernel's own (the backend captures no graph in that mode, so synchronising is legal).
#define SRNS_CUDA_LAUNCH_CHECK(name)                                                               \
  do {                                                                                             \
    ::srns::count_cuda_launch();                                                                   \
    const cudaError_t srns_err_ = cudaGetLastError();                                              \
    if (srns_err_ != cudaSuccess) {                                                                \
      ::srns::throw_cuda_error(srns_err_, std::string("launch of ") + (name), __FILE__, __LINE__); \
    }                                                                                              \
    if (::srns::cuda_sync_checks()) {                                                              \
      const cudaError_t srns_sync_ = cudaDeviceSynchronize();                                      \
      if (srns_sync_ != cudaSuccess) {                                                             \
        ::srns::throw_cuda_error(srns_sync_, std::string("kernel ") + (name), __FILE__, __LINE__); \
      }                                                                                            \
    }                                                                                              \
  } while (0)
