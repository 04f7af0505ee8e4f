// Label errors of a batch (sampled negatives found in the ground-truth false-negative CSR, by
// binary search in the sorted truth row: an integer count, equal to the CPU's) and, sharing
// the pass, the batch's loss sum. One block: a batch is small, and one block needs no atomics.
//
// The loss sum is a double sum of the float losses in a tree order rather than the CPU's
// sequential order, so it may differ from the CPU's in the last bits of a double (relative
// ~1e-16); it is reported, never fed back into training.
#include <cub/block/block_reduce.cuh>

#include "label_errors.cuh"
#include "launch.cuh"
#include "srns/sampler.hpp"

namespace srns::gpu {
namespace {

constexpr int kStatsBlock = 256;

__global__ void __launch_bounds__(kStatsBlock)
    label_errors_kernel(int32_t size, const int32_t* user, const int32_t* negative,
                        const float* loss, const int64_t* truth_off, const int32_t* truth_cols,
                        int64_t* fn_count, double* loss_sum) {
  using CountReduce = cub::BlockReduce<long long, kStatsBlock>;
  using LossReduce = cub::BlockReduce<double, kStatsBlock>;
  __shared__ typename CountReduce::TempStorage count_tmp;
  __shared__ typename LossReduce::TempStorage loss_tmp;
  long long count = 0;
  double sum = 0.0;
  for (int32_t k = threadIdx.x; k < size; k += kStatsBlock) {
    sum += static_cast<double>(loss[k]);
    if (truth_off) {
      const int32_t u = user[k];
      const int64_t begin = truth_off[u];
      count += sorted_contains(truth_cols + begin, truth_off[u + 1] - begin, negative[k]);
    }
  }
  const long long total_count = CountReduce(count_tmp).Sum(count);
  const double total_loss = LossReduce(loss_tmp).Sum(sum);
  if (threadIdx.x == 0) {
    *fn_count = total_count;
    *loss_sum = total_loss;
  }
}

}  // namespace

void label_errors(cudaStream_t stream, int32_t size, const int32_t* user, const int32_t* negative,
                  const float* loss, const int64_t* truth_off, const int32_t* truth_cols,
                  int64_t* fn_count, double* loss_sum) {
  label_errors_kernel<<<1, kStatsBlock, 0, stream>>>(size, user, negative, loss, truth_off,
                                                     truth_cols, fn_count, loss_sum);
  SRNS_CUDA_LAUNCH_CHECK("label_errors_kernel");
}

}  // namespace srns::gpu
