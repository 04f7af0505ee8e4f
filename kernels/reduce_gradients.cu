// Per-row gradient sums of a batch (CPU: src/cpu/reduce_gradients.cpp).
//
// Atomic mode (default, one kernel): one warp per pair adds its three row contributions with
// atomicAdd (lanes over F) and flags the rows for a lazy optimiser; head partials are summed
// per block in shared memory first. Sums are correct to rounding but their order, and so
// their last bits, vary from run to run. Thread 0 of block 0 advances the counters.
//
// Ordered mode reproduces cpu::reduce_gradients bit for bit:
//   user rows   keys user[k], ids k            (B contributions)
//   item rows   keys item_of[c], ids c = 2k + role, item_of[2k] = item[k], item_of[2k+1] = j_k
//   1. a stable radix sort of (key, id) pairs, ids fed in increasing order, so each row's
//      contributions come out in id order (the CPU's stable_sort by row);
//   2. one warp per row segment, lane f summing element f over the segment in id order,
//      starting from 0.0f (the CPU's loop), into the dense row of user_grad / item_grad;
//   3. the head: one thread per element summing over pairs in pair order (and the counters).
//
// Shapes: grad float[B][3F + H]; user_grad float[U][F]; item_grad float[I][F]; head_grad [H].
#include <algorithm>
#include <cub/device/device_radix_sort.cuh>

#include "launch.cuh"
#include "reduce_gradients.cuh"
#include "sort_sizes.cuh"

namespace srns::gpu {
namespace {

size_t sort_temp_bytes(int32_t n, int bits) {
  return radix_sort_temp_bytes<int32_t, int32_t>(n, bits);
}

__device__ __forceinline__ void advance_counters(BatchCounters* c, int64_t b) {
  c->opt_batch = b;
  c->step += 1;
}

__global__ void iota_kernel(int32_t n, int32_t* out) {
  for (int64_t x = thread_index(); x < n; x += thread_count()) out[x] = static_cast<int32_t>(x);
}

__global__ void item_keys_kernel(int32_t size, const int32_t* item, const int32_t* negative,
                                 int32_t* keys) {
  for (int64_t k = thread_index(); k < size; k += thread_count()) {
    keys[2 * k] = item[k];
    keys[2 * k + 1] = negative[k];
  }
}

// One warp per segment of equal keys in sorted[0..n): the segment's contributions summed in
// id order into out[row][0..F); the row is flagged.
__global__ void segment_sum_kernel(int32_t n, const int32_t* sorted, const int32_t* ids,
                                   bool item_roles, const float* grad, int64_t stride, int32_t dim,
                                   float* out, int32_t* flag, bool flag_rows) {
  const int lane = static_cast<int>(threadIdx.x) & (kWarpSize - 1);
  for (int64_t c = thread_index() / kWarpSize; c < n; c += thread_count() / kWarpSize) {
    const int32_t row = sorted[c];
    if (c > 0 && sorted[c - 1] == row) continue;  // not a segment start (uniform per warp)
    for (int f = lane; f < dim; f += kWarpSize) {
      float sum = 0.0f;
      for (int64_t x = c; x < n && sorted[x] == row; ++x) {
        const int64_t id = ids[x];
        const int64_t offset = item_roles ? (id / 2) * stride + (1 + id % 2) * dim : id * stride;
        sum = sum + grad[offset + f];
      }
      out[static_cast<int64_t>(row) * dim + f] = sum;
    }
    if (lane == 0 && flag_rows) flag[row] = 1;
  }
}

__global__ void head_sum_kernel(int32_t size, const float* grad, int64_t stride, int32_t dim,
                                int32_t head_size, float* head_grad, BatchCounters* counters,
                                int64_t b) {
  for (int64_t f = thread_index(); f < head_size; f += thread_count()) {
    float sum = 0.0f;
    for (int32_t k = 0; k < size; ++k) sum = sum + grad[k * stride + 3 * dim + f];
    head_grad[f] = sum;
  }
  if (thread_index() == 0) advance_counters(counters, b);
}

__global__ void atomic_sum_kernel(BatchRefs batch, const int32_t* negative, const float* grad,
                                  DeviceRowGradients g, BatchCounters* counters) {
  extern __shared__ float head_part[];
  const int lane = static_cast<int>(threadIdx.x) & (kWarpSize - 1);
  const int dim = g.dim;
  const int64_t stride = 3 * static_cast<int64_t>(dim) + g.head_size;
  const int64_t b = batch.counters->batch;
  const int32_t size = batch.size(b);
  const int64_t base = batch.begin(b);
  for (int f = threadIdx.x; f < g.head_size; f += blockDim.x) head_part[f] = 0.0f;
  __syncthreads();
  for (int64_t k = thread_index() / kWarpSize; k < size; k += thread_count() / kWarpSize) {
    const int32_t u = batch.user[base + k], i = batch.item[base + k], j = negative[k];
    const float* gk = grad + k * stride;
    for (int f = lane; f < dim; f += kWarpSize) {
      atomicAdd(g.user_grad + static_cast<int64_t>(u) * dim + f, gk[f]);
      atomicAdd(g.item_grad + static_cast<int64_t>(i) * dim + f, gk[dim + f]);
      atomicAdd(g.item_grad + static_cast<int64_t>(j) * dim + f, gk[2 * dim + f]);
    }
    for (int f = lane; f < g.head_size; f += kWarpSize) atomicAdd(head_part + f, gk[3 * dim + f]);
    if (lane == 0 && g.flag_rows) {
      g.user_flag[u] = 1;
      g.item_flag[i] = 1;
      g.item_flag[j] = 1;
    }
  }
  __syncthreads();
  for (int f = threadIdx.x; f < g.head_size; f += blockDim.x) {
    if (head_part[f] != 0.0f) atomicAdd(g.head_grad + f, head_part[f]);
  }
  if (blockIdx.x == 0 && threadIdx.x == 0) advance_counters(counters, b);
}

}  // namespace

RowGradientBuffers::RowGradientBuffers(int32_t n_users, int32_t n_items, int32_t dim,
                                       int32_t head_size, bool flag_rows, cudaStream_t stream) {
  user_grad_.resize(static_cast<int64_t>(n_users) * dim);
  item_grad_.resize(static_cast<int64_t>(n_items) * dim);
  head_grad_.resize(head_size);
  for (auto* b : {&user_grad_, &item_grad_, &head_grad_}) b->zero(stream);
  if (flag_rows) {
    user_flag_.resize(n_users);
    item_flag_.resize(n_items);
    user_flag_.zero(stream);
    item_flag_.zero(stream);
  }
  v_ = {n_users,           n_items,           dim,
        head_size,         user_grad_.data(), item_grad_.data(),
        head_grad_.data(), user_flag_.data(), item_flag_.data(),
        flag_rows};
}

DeviceRowGradients RowGradientBuffers::view() { return v_; }

int64_t RowGradientBuffers::bytes_for(int32_t n_users, int32_t n_items, int32_t dim,
                                      int32_t head_size) {
  const int64_t rows = static_cast<int64_t>(n_users) + n_items;
  return 4 * (rows * dim + head_size + rows);
}

ReduceScratch::ReduceScratch(int32_t n_users, int32_t n_items, int32_t batch_capacity,
                             cudaStream_t stream)
    : user_bits_(radix_bits(n_users)), item_bits_(radix_bits(n_items)) {
  const int32_t n = 2 * batch_capacity;
  item_keys_.resize(n);
  sorted_keys_.resize(n);
  ids_.resize(n);
  sorted_ids_.resize(n);
  const size_t bytes =
      std::max(sort_temp_bytes(batch_capacity, user_bits_), sort_temp_bytes(n, item_bits_));
  temp_.resize(static_cast<int64_t>(bytes) + 1);  // never null: null asks CUB for the size
  iota_kernel<<<grid_size(n), kBlock, 0, stream>>>(n, ids_.data());
  SRNS_CUDA_LAUNCH_CHECK("iota_kernel");
}

int64_t ReduceScratch::bytes_for(int32_t n_users, int32_t n_items, int32_t batch_capacity) {
  const int32_t n = 2 * batch_capacity;
  const size_t temp = std::max(sort_temp_bytes(batch_capacity, radix_bits(n_users)),
                               sort_temp_bytes(n, radix_bits(n_items)));
  return 4 * 4 * static_cast<int64_t>(n) + static_cast<int64_t>(temp) + 1;
}

void reduce_gradients_atomic(cudaStream_t stream, const BatchRefs& batch, const int32_t* negative,
                             const float* grad, DeviceRowGradients g, BatchCounters* counters) {
  constexpr int kMaxBlocks = 512;  // bounds the global head atomics
  const int blocks = std::min(warp_grid_size(batch.batch_size), kMaxBlocks);
  atomic_sum_kernel<<<blocks, kBlock, sizeof(float) * g.head_size, stream>>>(batch, negative, grad,
                                                                             g, counters);
  SRNS_CUDA_LAUNCH_CHECK("atomic_sum_kernel");
}

void reduce_gradients_ordered(cudaStream_t stream, const BatchRefs& batch, int64_t b,
                              const int32_t* negative, const float* grad, DeviceRowGradients g,
                              BatchCounters* counters, ReduceScratch* s) {
  if (!s) throw std::invalid_argument("reduce_gradients_ordered: needs its scratch");
  const int32_t n = batch.size(b);
  const int32_t* user = batch.user + batch.begin(b);
  const int32_t* item = batch.item + batch.begin(b);
  const int64_t stride = 3 * static_cast<int64_t>(g.dim) + g.head_size;
  if (n > 0) {
    size_t bytes = static_cast<size_t>(s->temp_.size());
    SRNS_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(
        s->temp_.data(), bytes, user, s->sorted_keys_.data(), s->ids_.data(), s->sorted_ids_.data(),
        n, 0, s->user_bits_, stream));
    segment_sum_kernel<<<warp_grid_size(n), kBlock, 0, stream>>>(
        n, s->sorted_keys_.data(), s->sorted_ids_.data(), false, grad, stride, g.dim, g.user_grad,
        g.user_flag, g.flag_rows);
    SRNS_CUDA_LAUNCH_CHECK("segment_sum_kernel (users)");

    item_keys_kernel<<<grid_size(n), kBlock, 0, stream>>>(n, item, negative, s->item_keys_.data());
    SRNS_CUDA_LAUNCH_CHECK("item_keys_kernel");
    bytes = static_cast<size_t>(s->temp_.size());
    SRNS_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(
        s->temp_.data(), bytes, s->item_keys_.data(), s->sorted_keys_.data(), s->ids_.data(),
        s->sorted_ids_.data(), 2 * n, 0, s->item_bits_, stream));
    segment_sum_kernel<<<warp_grid_size(2 * n), kBlock, 0, stream>>>(
        2 * n, s->sorted_keys_.data(), s->sorted_ids_.data(), true, grad, stride, g.dim,
        g.item_grad, g.item_flag, g.flag_rows);
    SRNS_CUDA_LAUNCH_CHECK("segment_sum_kernel (items)");
  }
  head_sum_kernel<<<grid_size(std::max(g.head_size, 1)), kBlock, 0, stream>>>(
      n, grad, stride, g.dim, g.head_size, g.head_grad, counters, b);
  SRNS_CUDA_LAUNCH_CHECK("head_sum_kernel");
}

}  // namespace srns::gpu
