// Error checking for every CUDA call and launch: failures throw srns::CudaError naming the
// file, line, the call and CUDA's error name and text. SRNS_CUDA_SYNC_CHECK=1 in the
// environment makes every launch check synchronous (debugging: the failing kernel is named).
#pragma once
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace srns {

class CudaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* what, const char* file,
                                          int line) {
  throw CudaError(std::string(file) + ":" + std::to_string(line) + ": " + what +
                  " failed: " + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")");
}

// Whether launches are followed by a synchronising check (SRNS_CUDA_SYNC_CHECK=1).
bool cuda_sync_checks();

}  // namespace srns

#define SRNS_CUDA_CHECK(call)                                                                     \
  do {                                                                                            \
    const cudaError_t srns_err_ = (call);                                                         \
    if (srns_err_ != cudaSuccess) ::srns::throw_cuda_error(srns_err_, #call, __FILE__, __LINE__); \
  } while (0)

// After a <<<...>>> launch: the launch error, and with SRNS_CUDA_SYNC_CHECK=1 the kernel's.
#define SRNS_CUDA_LAUNCH_CHECK(name)                                          \
  do {                                                                        \
    SRNS_CUDA_CHECK(cudaGetLastError());                                      \
    if (::srns::cuda_sync_checks()) SRNS_CUDA_CHECK(cudaDeviceSynchronize()); \
  } while (0)
