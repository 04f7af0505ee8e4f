// Helpers of the CUDA parity tests: GPU detection (tests skip without a usable device, and
// fail instead where SRNS_REQUIRE_GPU=1 says one is expected), device round trips, and
// comparisons that report the worst difference and the first mismatching index (faiss /
// llm.c style) instead of a bare boolean.
#pragma once
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "device_buffer.cuh"

namespace srns::testing {

// Empty when a GPU is usable, else CUDA's reason.
inline std::string gpu_unusable_reason() {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    cudaGetLastError();
    return std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err);
  }
  return n > 0 ? "" : "no CUDA device";
}

inline bool gpu_usable() { return gpu_unusable_reason().empty(); }

// Whether the run must have a GPU (bench/gpu_check.sh sets SRNS_REQUIRE_GPU=1): then a GPU
// that fails to initialise fails the test instead of skipping it.
inline bool gpu_required() {
  const char* v = std::getenv("SRNS_REQUIRE_GPU");
  return v && std::string(v) == "1";
}

#define SRNS_SKIP_WITHOUT_GPU()                                                     \
  do {                                                                              \
    const std::string srns_reason_ = ::srns::testing::gpu_unusable_reason();        \
    if (!srns_reason_.empty()) {                                                    \
      if (::srns::testing::gpu_required()) {                                        \
        FAIL() << "SRNS_REQUIRE_GPU=1 but no usable CUDA device: " << srns_reason_; \
      }                                                                             \
      GTEST_SKIP() << "no usable CUDA device (" << srns_reason_ << ")";             \
    }                                                                               \
  } while (0)

template <typename T>
gpu::DeviceBuffer<T> to_device(const std::vector<T>& host, cudaStream_t stream = nullptr) {
  gpu::DeviceBuffer<T> d;
  d.assign(host, stream);
  SRNS_CUDA_CHECK(cudaStreamSynchronize(stream));
  return d;
}

template <typename T>
std::vector<T> to_host(const gpu::DeviceBuffer<T>& d, int64_t n = -1,
                       cudaStream_t stream = nullptr) {
  std::vector<T> out(static_cast<size_t>(n < 0 ? d.size() : n));
  d.download(out.data(), static_cast<int64_t>(out.size()), stream);
  return out;
}

template <typename T>
std::vector<T> to_host(const T* device, int64_t n, cudaStream_t stream = nullptr) {
  std::vector<T> out(static_cast<size_t>(n));
  if (n > 0) {
    SRNS_CUDA_CHECK(
        cudaMemcpyAsync(out.data(), device, sizeof(T) * n, cudaMemcpyDeviceToHost, stream));
    SRNS_CUDA_CHECK(cudaStreamSynchronize(stream));
  }
  return out;
}

inline uint32_t float_bits(float x) {
  uint32_t b;
  std::memcpy(&b, &x, sizeof(b));
  return b;
}

// Exact equality of two arrays (integers, or floats bit for bit).
template <typename T>
::testing::AssertionResult same_values(const std::vector<T>& want, const std::vector<T>& got,
                                       const std::string& what) {
  if (want.size() != got.size()) {
    return ::testing::AssertionFailure()
           << what << ": sizes differ (" << want.size() << " vs " << got.size() << ")";
  }
  int64_t mismatches = 0, first = -1;
  for (size_t k = 0; k < want.size(); ++k) {
    bool same;
    if constexpr (std::is_floating_point_v<T>) {
      same = float_bits(static_cast<float>(want[k])) == float_bits(static_cast<float>(got[k]));
    } else {
      same = want[k] == got[k];
    }
    if (!same) {
      if (first < 0) first = static_cast<int64_t>(k);
      ++mismatches;
    }
  }
  if (mismatches == 0) return ::testing::AssertionSuccess();
  std::ostringstream s;
  s.precision(9);
  s << what << ": " << mismatches << " of " << want.size() << " differ; first at index " << first
    << " (cpu " << want[first] << ", cuda " << got[first] << ")";
  return ::testing::AssertionFailure() << s.str();
}

// Closeness |cuda - cpu| <= abs_tol + rel_tol * |cpu| per element; reports the worst absolute
// and relative differences, the first element out of tolerance and the bitwise-different count.
struct CloseReport {
  int64_t n = 0, out_of_tolerance = 0, first_bad = -1, bitwise_different = 0;
  double worst_abs = 0, worst_rel = 0;
  int64_t worst_index = -1;
  std::string text(const std::string& what) const {
    std::ostringstream s;
    s.precision(3);
    s << what << ": " << n << " values, worst |diff| " << worst_abs << " (rel " << worst_rel
      << ") at " << worst_index << ", " << bitwise_different << " not bit-identical, "
      << out_of_tolerance << " out of tolerance";
    if (first_bad >= 0) s << ", first at index " << first_bad;
    return s.str();
  }
};

inline CloseReport compare_close(const std::vector<float>& want, const std::vector<float>& got,
                                 double rel_tol, double abs_tol,
                                 const std::vector<uint8_t>* mask = nullptr) {
  CloseReport r;
  const size_t n = std::min(want.size(), got.size());
  for (size_t k = 0; k < n; ++k) {
    if (mask && !(*mask)[k]) continue;
    ++r.n;
    const double a = want[k], b = got[k];
    if (float_bits(want[k]) != float_bits(got[k])) ++r.bitwise_different;
    const double diff = std::fabs(a - b);
    const bool both_nan = std::isnan(a) && std::isnan(b);
    if (!both_nan && (diff > r.worst_abs || std::isnan(diff))) {
      r.worst_abs = std::isnan(diff) ? INFINITY : diff;
      r.worst_rel = diff / std::max(std::fabs(a), 1e-30);
      r.worst_index = static_cast<int64_t>(k);
    }
    if (!both_nan && !(diff <= abs_tol + rel_tol * std::fabs(a))) {
      ++r.out_of_tolerance;
      if (r.first_bad < 0) r.first_bad = static_cast<int64_t>(k);
    }
  }
  if (want.size() != got.size()) r.out_of_tolerance += 1;
  return r;
}

}  // namespace srns::testing
