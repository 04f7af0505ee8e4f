// Every batch of the epoch grouped by user (batch_groups.cuh), once per epoch:
//   1. key[x] = (x / B) << 32 | user[x], id[x] = x
//   2. a stable radix sort of (key, id): pos = ids by (batch, user, x)
//   3. head[x] = 1 where the key changes; an inclusive sum numbers the groups
//   4. scatter: group_begin[group(x)] = x at heads; batch_group from each head's batch
// Integer work only: the groups equal the CPU's for every batch.
#include <algorithm>
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_scan.cuh>

#include "batch_groups.cuh"
#include "launch.cuh"
#include "sort_sizes.cuh"

namespace srns::gpu {
namespace {

size_t scan_temp_bytes(int64_t n) {
  size_t bytes = 0;
  SRNS_CUDA_CHECK(cub::DeviceScan::InclusiveSum(
      nullptr, bytes, static_cast<const int32_t*>(nullptr), static_cast<int32_t*>(nullptr), n));
  return bytes;
}

__global__ void group_keys_kernel(const int32_t* user, int64_t n, int32_t batch_size,
                                  uint64_t* keys, int32_t* ids) {
  for (int64_t x = thread_index(); x < n; x += thread_count()) {
    keys[x] = (static_cast<uint64_t>(x / batch_size) << 32) | static_cast<uint32_t>(user[x]);
    ids[x] = static_cast<int32_t>(x);
  }
}

__global__ void group_heads_kernel(const uint64_t* sorted, int64_t n, int32_t* head) {
  for (int64_t x = thread_index(); x < n; x += thread_count()) {
    head[x] = x == 0 || sorted[x] != sorted[x - 1] ? 1 : 0;
  }
}

// group_of[x] is the inclusive count of heads up to x (the group number plus one).
__global__ void group_scatter_kernel(const uint64_t* sorted, const int32_t* group_of, int64_t n,
                                     int32_t* group_begin, int32_t* batch_group) {
  const int32_t groups = group_of[n - 1];
  for (int64_t x = thread_index(); x < n; x += thread_count()) {
    const bool head = x == 0 || group_of[x] != group_of[x - 1];
    if (!head) continue;
    const int32_t g = group_of[x] - 1;
    group_begin[g] = static_cast<int32_t>(x);
    const int64_t b = static_cast<int64_t>(sorted[x] >> 32);
    if (x == 0 || static_cast<int64_t>(sorted[x - 1] >> 32) != b) batch_group[b] = g;
    if (g == groups - 1) {
      batch_group[b + 1] = groups;
      group_begin[groups] = static_cast<int32_t>(n);
    }
  }
}

}  // namespace

BatchGroupsBuffers::BatchGroupsBuffers(int64_t n, int32_t batch_size)
    : capacity_(n), batch_size_(batch_size) {
  if (n >= (int64_t{1} << 31)) throw std::invalid_argument("batch_groups: over 2^31 positions");
  const int64_t batches = (n + batch_size - 1) / batch_size;
  key_bits_ = 32 + radix_bits(batches + 1);
  keys_.resize(n);
  sorted_keys_.resize(n);
  ids_.resize(n);
  pos_.resize(n);
  n_groups_.resize(n);  // the heads, then their inclusive sum
  group_begin_.resize(n + 1);
  batch_group_.resize(batches + 1);
  temp_.resize(static_cast<int64_t>(std::max(radix_sort_temp_bytes<uint64_t, int32_t>(n, key_bits_),
                                             scan_temp_bytes(n))) +
               1);
}

int64_t BatchGroupsBuffers::bytes_for(int64_t n, int32_t batch_size) {
  const int64_t batches = (n + batch_size - 1) / batch_size;
  const size_t temp =
      std::max(radix_sort_temp_bytes<uint64_t, int32_t>(n, 32 + radix_bits(batches + 1)),
               scan_temp_bytes(n));
  return 16 * n + 16 * n + 4 * (n + 1) + 4 * (batches + 1) + static_cast<int64_t>(temp) + 1;
}

DeviceBatchGroups BatchGroupsBuffers::view() const {
  return {pos_.data(), group_begin_.data(), batch_group_.data()};
}

void batch_groups(cudaStream_t stream, const int32_t* user, int64_t n, int32_t batch_size,
                  BatchGroupsBuffers* out) {
  if (n <= 0) return;
  if (n > out->capacity_ || batch_size != out->batch_size_) {
    throw std::invalid_argument("batch_groups: positions or batch size beyond the buffers");
  }
  group_keys_kernel<<<grid_size(n), kBlock, 0, stream>>>(user, n, batch_size, out->keys_.data(),
                                                         out->ids_.data());
  SRNS_CUDA_LAUNCH_CHECK("group_keys_kernel");
  size_t bytes = static_cast<size_t>(out->temp_.size());
  SRNS_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(out->temp_.data(), bytes, out->keys_.data(),
                                                  out->sorted_keys_.data(), out->ids_.data(),
                                                  out->pos_.data(), n, 0, out->key_bits_, stream));
  int32_t* heads = out->ids_.data();  // the ids are spent: reuse them for the heads
  group_heads_kernel<<<grid_size(n), kBlock, 0, stream>>>(out->sorted_keys_.data(), n, heads);
  SRNS_CUDA_LAUNCH_CHECK("group_heads_kernel");
  bytes = static_cast<size_t>(out->temp_.size());
  SRNS_CUDA_CHECK(cub::DeviceScan::InclusiveSum(out->temp_.data(), bytes, heads,
                                                out->n_groups_.data(), n, stream));
  group_scatter_kernel<<<grid_size(n), kBlock, 0, stream>>>(
      out->sorted_keys_.data(), out->n_groups_.data(), n, out->group_begin_.data(),
      out->batch_group_.data());
  SRNS_CUDA_LAUNCH_CHECK("group_scatter_kernel");
}

}  // namespace srns::gpu
