// CUB radix-sort sizing shared by the ops that sort (epoch order, batch groups, the ordered
// gradient reduction): how many key bits a range of row ids needs, and how many bytes of
// temporary storage CUB asks for a sort of n (key, value) pairs over bits [0, end_bit).
#pragma once
#include <cstddef>
#include <cstdint>
#include <cub/device/device_radix_sort.cuh>

#include "cuda_check.cuh"

namespace srns::gpu {

// Bits that hold every value in [0, n) (at least 1, at most 31).
inline int radix_bits(int64_t n) {
  int bits = 1;
  while (bits < 31 && (int64_t{1} << bits) < n) ++bits;
  return bits;
}

template <typename Key, typename Value>
size_t radix_sort_temp_bytes(int64_t n, int end_bit) {
  size_t bytes = 0;
  SRNS_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(
      nullptr, bytes, static_cast<const Key*>(nullptr), static_cast<Key*>(nullptr),
      static_cast<const Value*>(nullptr), static_cast<Value*>(nullptr), n, 0, end_bit));
  return bytes;
}

}  // namespace srns::gpu
