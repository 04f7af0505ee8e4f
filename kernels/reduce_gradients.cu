// Per-row gradient sums of a batch.
//
// Deterministic mode reproduces cpu::reduce_gradients bit for bit:
//   user rows   keys user[k], ids k            (B contributions)
//   item rows   keys item_of[c], ids c = 2k + role, item_of[2k] = item[k], item_of[2k+1] = j_k
//   1. a stable radix sort of (key, id) pairs, ids fed in increasing order, so each row's
//      contributions come out in id order (the CPU's stable_sort by row);
//   2. one warp per row segment, lane f summing element f over the segment in id order,
//      starting from 0.0f (the CPU's loop), into the dense row of user_grad / item_grad;
//   3. beta: one thread per element f summing over pairs in pair order.
// Atomic mode (default): one warp per pair adds its three row contributions with atomicAdd
// and marks the rows (the first marker appends the row to the touched list); beta partials
// are summed per block in shared memory first. Sums are then correct to rounding but their
// order, and so their last bits, vary from run to run.
//
// Shapes: grad float[B][4F]; user_grad float[U][F]; item_grad float[I][F]; beta_grad float[F].
#include <algorithm>
#include <cub/device/device_radix_sort.cuh>

#include "launch.cuh"
#include "reduce_gradients.cuh"

namespace srns::gpu {
namespace {

int key_bits(int32_t n_rows) {
  int bits = 1;
  while (bits < 31 && (int64_t{1} << bits) < n_rows) ++bits;
  return bits;
}

size_t sort_temp_bytes(int32_t n, int bits) {
  size_t bytes = 0;
  SRNS_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(
      nullptr, bytes, static_cast<const int32_t*>(nullptr), static_cast<int32_t*>(nullptr),
      static_cast<const int32_t*>(nullptr), static_cast<int32_t*>(nullptr), n, 0, bits));
  return bytes;
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
// id order into out[row][0..F); the row joins rows[] (counter *count).
__global__ void segment_sum_kernel(int32_t n, const int32_t* sorted, const int32_t* ids,
                                   bool item_roles, const float* grad, int32_t dim, float* out,
                                   int32_t* rows, int32_t* count) {
  const int lane = static_cast<int>(threadIdx.x) & (kWarpSize - 1);
  const int64_t stride = 4 * static_cast<int64_t>(dim);
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
    if (lane == 0) rows[atomicAdd(count, 1)] = row;
  }
}

__global__ void beta_sum_kernel(int32_t size, const float* grad, int32_t dim, float* beta_grad) {
  const int64_t stride = 4 * static_cast<int64_t>(dim);
  for (int64_t f = thread_index(); f < dim; f += thread_count()) {
    float sum = 0.0f;
    for (int32_t k = 0; k < size; ++k) sum = sum + grad[k * stride + 3 * dim + f];
    beta_grad[f] = sum;
  }
}

__device__ __forceinline__ void mark_row(int32_t row, int32_t* flag, int32_t* rows,
                                         int32_t* count) {
  if (atomicExch(flag + row, 1) == 0) rows[atomicAdd(count, 1)] = row;
}

__global__ void atomic_sum_kernel(cpu::Batch b, const int32_t* negative, const float* grad,
                                  DeviceRowGradients g) {
  extern __shared__ float beta_part[];
  const int lane = static_cast<int>(threadIdx.x) & (kWarpSize - 1);
  const int dim = g.dim;
  const int64_t stride = 4 * static_cast<int64_t>(dim);
  for (int f = threadIdx.x; f < dim; f += blockDim.x) beta_part[f] = 0.0f;
  __syncthreads();
  for (int64_t k = thread_index() / kWarpSize; k < b.size; k += thread_count() / kWarpSize) {
    const int32_t u = b.user[k], i = b.item[k], j = negative[k];
    const float* gk = grad + k * stride;
    for (int f = lane; f < dim; f += kWarpSize) {
      atomicAdd(g.user_grad + static_cast<int64_t>(u) * dim + f, gk[f]);
      atomicAdd(g.item_grad + static_cast<int64_t>(i) * dim + f, gk[dim + f]);
      atomicAdd(g.item_grad + static_cast<int64_t>(j) * dim + f, gk[2 * dim + f]);
      atomicAdd(beta_part + f, gk[3 * dim + f]);
    }
    if (lane == 0) {
      mark_row(u, g.user_flag, g.user_rows, g.counts);
      mark_row(i, g.item_flag, g.item_rows, g.counts + 1);
      mark_row(j, g.item_flag, g.item_rows, g.counts + 1);
    }
  }
  __syncthreads();
  for (int f = threadIdx.x; f < dim; f += blockDim.x) atomicAdd(g.beta_grad + f, beta_part[f]);
}

}  // namespace

RowGradientBuffers::RowGradientBuffers(int32_t n_users, int32_t n_items, int32_t dim,
                                       int32_t batch_capacity, cudaStream_t stream)
    : n_users_(n_users), n_items_(n_items), dim_(dim), batch_capacity_(batch_capacity) {
  user_grad_.resize(static_cast<int64_t>(n_users) * dim);
  item_grad_.resize(static_cast<int64_t>(n_items) * dim);
  beta_grad_.resize(dim);
  user_flag_.resize(n_users);
  item_flag_.resize(n_items);
  user_rows_.resize(batch_capacity);
  item_rows_.resize(2 * static_cast<int64_t>(batch_capacity));
  counts_.resize(2);
  for (auto* b : {&user_grad_, &item_grad_, &beta_grad_}) b->zero(stream);
  for (auto* b : {&user_flag_, &item_flag_, &user_rows_, &item_rows_, &counts_}) b->zero(stream);
}

DeviceRowGradients RowGradientBuffers::view() {
  return {n_users_,          n_items_,          dim_,
          user_grad_.data(), item_grad_.data(), beta_grad_.data(),
          user_flag_.data(), item_flag_.data(), user_rows_.data(),
          item_rows_.data(), counts_.data(),    batch_capacity_};
}

int64_t RowGradientBuffers::bytes_for(int32_t n_users, int32_t n_items, int32_t dim,
                                      int32_t batch_capacity) {
  const int64_t rows = static_cast<int64_t>(n_users) + n_items;
  return 4 * (rows * dim + dim + rows + 3 * static_cast<int64_t>(batch_capacity) + 2);
}

ReduceScratch::ReduceScratch(int32_t n_users, int32_t n_items, int32_t batch_capacity,
                             cudaStream_t stream)
    : user_bits_(key_bits(n_users)), item_bits_(key_bits(n_items)) {
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
  const size_t temp = std::max(sort_temp_bytes(batch_capacity, key_bits(n_users)),
                               sort_temp_bytes(n, key_bits(n_items)));
  return 4 * 4 * static_cast<int64_t>(n) + static_cast<int64_t>(temp) + 1;
}

void reduce_gradients(cudaStream_t stream, bool deterministic, const cpu::Batch& batch,
                      const int32_t* negative, const float* grad, DeviceRowGradients g,
                      ReduceScratch* s) {
  if (batch.size > g.batch_capacity) throw CudaError("reduce_gradients: batch over capacity");
  SRNS_CUDA_CHECK(cudaMemsetAsync(g.counts, 0, 2 * sizeof(int32_t), stream));
  if (batch.size <= 0) return;
  const int32_t n = batch.size;
  if (!deterministic) {
    constexpr int kMaxBlocks = 512;  // bounds the global beta atomics
    const int blocks = std::min(warp_grid_size(n), kMaxBlocks);
    atomic_sum_kernel<<<blocks, kBlock, sizeof(float) * g.dim, stream>>>(batch, negative, grad, g);
    SRNS_CUDA_LAUNCH_CHECK("atomic_sum_kernel");
    return;
  }
  if (!s) throw CudaError("reduce_gradients: deterministic mode needs its scratch");
  size_t bytes = static_cast<size_t>(s->temp_.size());
  SRNS_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(
      s->temp_.data(), bytes, batch.user, s->sorted_keys_.data(), s->ids_.data(),
      s->sorted_ids_.data(), n, 0, s->user_bits_, stream));
  segment_sum_kernel<<<warp_grid_size(n), kBlock, 0, stream>>>(
      n, s->sorted_keys_.data(), s->sorted_ids_.data(), false, grad, g.dim, g.user_grad,
      g.user_rows, g.counts);
  SRNS_CUDA_LAUNCH_CHECK("segment_sum_kernel (users)");

  item_keys_kernel<<<grid_size(n), kBlock, 0, stream>>>(n, batch.item, negative,
                                                        s->item_keys_.data());
  SRNS_CUDA_LAUNCH_CHECK("item_keys_kernel");
  bytes = static_cast<size_t>(s->temp_.size());
  SRNS_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(
      s->temp_.data(), bytes, s->item_keys_.data(), s->sorted_keys_.data(), s->ids_.data(),
      s->sorted_ids_.data(), 2 * n, 0, s->item_bits_, stream));
  segment_sum_kernel<<<warp_grid_size(2 * n), kBlock, 0, stream>>>(
      2 * n, s->sorted_keys_.data(), s->sorted_ids_.data(), true, grad, g.dim, g.item_grad,
      g.item_rows, g.counts + 1);
  SRNS_CUDA_LAUNCH_CHECK("segment_sum_kernel (items)");

  beta_sum_kernel<<<grid_size(g.dim), kBlock, 0, stream>>>(n, grad, g.dim, g.beta_grad);
  SRNS_CUDA_LAUNCH_CHECK("beta_sum_kernel");
}

}  // namespace srns::gpu
