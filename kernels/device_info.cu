// CUDA availability and the device report of `srns info`.
#include <atomic>
#include <cstdlib>
#include <sstream>

#include "cuda_check.cuh"
#include "srns/backend.hpp"

namespace srns {

bool cuda_sync_checks() {
  static const bool on = [] {
    const char* v = std::getenv("SRNS_CUDA_SYNC_CHECK");
    return v && std::string(v) == "1";
  }();
  return on;
}

namespace {
std::atomic<int64_t> launches{0};
}  // namespace

int64_t cuda_launches() { return launches.load(); }
void count_cuda_launch() { launches.fetch_add(1); }

bool cuda_built() { return true; }

std::string cuda_unusable_reason() {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error
    return std::string("CUDA reports ") + cudaGetErrorName(err) + ": " + cudaGetErrorString(err);
  }
  if (count == 0) return "no CUDA device found";
  return "";
}

std::string cuda_device_report() {
  std::ostringstream s;
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  cudaDriverGetVersion(&driver);
  s << "CUDA backend: built (runtime " << runtime / 1000 << "." << (runtime % 1000) / 10
    << ", driver supports " << driver / 1000 << "." << (driver % 1000) / 10 << ")\n";
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();
    s << "  no usable CUDA driver or device: " << cuda_unusable_reason() << "\n";
    return s.str();
  }
  for (int d = 0; d < count; ++d) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, d) != cudaSuccess) continue;
    size_t free_b = 0, total_b = 0;
    cudaSetDevice(d);
    cudaMemGetInfo(&free_b, &total_b);
    s << "  device " << d << ": " << p.name << ", sm_" << p.major << p.minor << ", "
      << p.multiProcessorCount << " SMs, " << (total_b >> 20) << " MiB (" << (free_b >> 20)
      << " MiB free), L2 " << (p.l2CacheSize >> 20) << " MiB\n";
  }
  return s.str();
}

}  // namespace srns
