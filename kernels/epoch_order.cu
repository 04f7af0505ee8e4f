// Epoch order on the GPU: keys[e] = shuffle_key(seed, epoch, e), one thread per pair, then a
// stable radix sort of (key, e) over all 32 key bits. Radix sort keeps equal keys in input
// order, and the input is e = 0, 1, ..., so ties go to the lower index exactly as the CPU's
// std::sort of (key, index) pairs: the two orders are identical.
//
// Shapes: keys uint32[n], indices int64[n] (double-buffered for CUB).
#include <cub/device/device_radix_sort.cuh>

#include "epoch_order.cuh"
#include "launch.cuh"
#include "srns/draws.hpp"

namespace srns::gpu {
namespace {

__global__ void shuffle_keys_kernel(uint64_t seed, int epoch, int64_t n, uint32_t* keys,
                                    int64_t* index) {
  for (int64_t e = thread_index(); e < n; e += thread_count()) {
    keys[e] = shuffle_key(seed, epoch, e);
    index[e] = e;
  }
}

size_t sort_temp_bytes(int64_t n) {
  size_t bytes = 0;
  cub::DoubleBuffer<uint32_t> keys(nullptr, nullptr);
  cub::DoubleBuffer<int64_t> index(nullptr, nullptr);
  SRNS_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes, keys, index, n));
  return bytes;
}

}  // namespace

EpochOrderScratch::EpochOrderScratch(int64_t capacity) : capacity_(capacity) {
  for (int b = 0; b < 2; ++b) {
    keys_[b].resize(capacity);
    index_[b].resize(capacity);
  }
  // At least one byte: CUB reads a null temporary pointer as a size query.
  temp_.resize(static_cast<int64_t>(sort_temp_bytes(capacity)) + 1);
}

int64_t EpochOrderScratch::bytes_for(int64_t capacity) {
  return capacity * 2 * static_cast<int64_t>(sizeof(uint32_t) + sizeof(int64_t)) +
         static_cast<int64_t>(sort_temp_bytes(capacity));
}

const int64_t* epoch_order(cudaStream_t stream, uint64_t seed, int epoch, int64_t n,
                           EpochOrderScratch* s) {
  if (n > s->capacity_)
    throw std::invalid_argument("epoch_order: more pairs than the scratch holds");
  if (n <= 0) return s->index_[0].data();
  shuffle_keys_kernel<<<grid_size(n), kBlock, 0, stream>>>(seed, epoch, n, s->keys_[0].data(),
                                                           s->index_[0].data());
  SRNS_CUDA_LAUNCH_CHECK("shuffle_keys_kernel");
  cub::DoubleBuffer<uint32_t> keys(s->keys_[0].data(), s->keys_[1].data());
  cub::DoubleBuffer<int64_t> index(s->index_[0].data(), s->index_[1].data());
  size_t bytes = static_cast<size_t>(s->temp_.size());
  SRNS_CUDA_CHECK(
      cub::DeviceRadixSort::SortPairs(s->temp_.data(), bytes, keys, index, n, 0, 32, stream));
  return index.Current();
}

}  // namespace srns::gpu
