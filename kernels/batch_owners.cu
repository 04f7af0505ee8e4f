// A batch's arrays and owners. The owner of a user in a batch is the user's first slot k (the
// CPU marks it in a sequential scan). In parallel: every slot k of user u raises
//   owner_key[u] = max(owner_key[u], stamp << 32 | (2^32 - 1 - k))
// with atomicMax, so after the pass the word holds this batch's stamp and the smallest k of u
// (stamps grow per batch, so older words always lose); a second pass flags the slot whose own
// key equals the word. Integer logic only: the flags equal the CPU's.
//
// Shapes: order int64[n_pairs]; pair_user / train_cols per training pair; owner_key uint64[U];
// outputs [size].
#include "batch_owners.cuh"
#include "launch.cuh"

namespace srns::gpu {
namespace {

__device__ __forceinline__ unsigned long long owner_word(uint32_t stamp, int64_t k) {
  return (static_cast<unsigned long long>(stamp) << 32) |
         (0xFFFFFFFFull - static_cast<unsigned long long>(k));
}

__global__ void gather_batch_kernel(const int64_t* order, int64_t begin, int32_t size,
                                    const int32_t* pair_user, const int32_t* train_cols,
                                    uint32_t stamp, unsigned long long* owner_key,
                                    BatchArrays out) {
  for (int64_t k = thread_index(); k < size; k += thread_count()) {
    const int64_t e = order[begin + k];
    const int32_t u = pair_user[e];
    out.pair[k] = e;
    out.user[k] = u;
    out.item[k] = train_cols[e];
    if (owner_key) atomicMax(owner_key + u, owner_word(stamp, k));
  }
}

__global__ void flag_owners_kernel(int32_t size, uint32_t stamp,
                                   const unsigned long long* owner_key, BatchArrays out) {
  for (int64_t k = thread_index(); k < size; k += thread_count()) {
    out.owner[k] = owner_key[out.user[k]] == owner_word(stamp, k) ? 1 : 0;
  }
}

}  // namespace

void make_batch(cudaStream_t stream, const int64_t* order, int64_t begin, int32_t size,
                const int32_t* pair_user, const int32_t* train_cols, uint32_t stamp,
                unsigned long long* owner_key, BatchArrays out) {
  if (size <= 0) return;
  gather_batch_kernel<<<grid_size(size), kBlock, 0, stream>>>(order, begin, size, pair_user,
                                                              train_cols, stamp, owner_key, out);
  SRNS_CUDA_LAUNCH_CHECK("gather_batch_kernel");
  if (!owner_key) return;
  flag_owners_kernel<<<grid_size(size), kBlock, 0, stream>>>(size, stamp, owner_key, out);
  SRNS_CUDA_LAUNCH_CHECK("flag_owners_kernel");
}

}  // namespace srns::gpu
