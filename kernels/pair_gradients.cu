// The generic pair-gradient kernel: pair_step_kernel (pair_step.cuh) whose "draw" reads the
// negative another kernel chose.
#include "pair_gradients.cuh"
#include "pair_step.cuh"

namespace srns::gpu {
namespace {

struct ReadNegative {
  const int32_t* negative;
  template <class Scorer>
  __device__ int32_t operator()(const Scorer*, const float*, int64_t, int32_t k, int32_t, int32_t,
                                int) const {
    return negative[k];
  }
};

}  // namespace

void pair_gradients(cudaStream_t stream, const BatchRefs& batch, const ModelView& model,
                    const PairStepArgs& args) {
  launch_pair_step(stream, "pair_gradients_kernel", batch, model, args,
                   ReadNegative{args.negative});
}

}  // namespace srns::gpu
