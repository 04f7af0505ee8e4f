// SRNS batch step on the CPU (reference for kernels/srns_step.cu).
//
// For each pair (u, i) of the batch, with the model as it is at the start of the batch:
//   j = select_entry(...)                  eq. 4 over the user's memory (sampler.hpp)
//   owner pair of u: refresh_memory(...)   eq. 3, written to staged[k] (applied after the step)
//   gradient contributions of (u, i, j)    math.hpp
// Pairs are independent, so threads split them statically; results do not depend on the
// thread count.
#include <cstring>

#include "cpu/cpu_ops.hpp"

namespace srns::cpu {

void srns_step(const SrnsView& view, const ModelView& model, const StepParams& params,
               const Batch& batch, const int32_t* memory, int32_t* staged, StepOutput* out,
               int threads) {
  const int dim = model.dim;
  const int s1 = view.s1;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int32_t k = 0; k < batch.size; ++k) {
    const int32_t u = batch.user[k], i = batch.item[k];
    float pb[1024];
    user_factor(model.user + static_cast<int64_t>(u) * dim, model.beta, pb, dim);
    const float r_pos = dot_lanes(pb, model.item + static_cast<int64_t>(i) * dim, dim);
    const int32_t* mem = memory + static_cast<int64_t>(u) * s1;
    int entry;
    if (params.random_select) {
      PhiloxStream s = make_stream(params.seed, kRngRandomSelect, params.epoch,
                                   static_cast<uint32_t>(batch.index), static_cast<uint32_t>(k));
      entry = static_cast<int>(s.below(static_cast<uint32_t>(s1)));
    } else {
      entry = select_entry(view, params.epoch, params.alpha_t, u, i, batch.pair[k], pb, model.item,
                           r_pos, mem);
    }
    const int32_t j = view.entry_item(u, entry, mem[entry]);
    const float r_neg = dot_lanes(pb, model.item + static_cast<int64_t>(j) * dim, dim);
    if (params.refresh && batch.owner[k]) {
      refresh_memory(view, params.epoch, batch.index, u, pb, model.item, mem,
                     staged + static_cast<int64_t>(k) * s1);
    }
    out->negative[k] = j;
    pair_gradient(model, params, u, i, j, r_pos, r_neg,
                  out->grad.data() + static_cast<int64_t>(k) * 4 * dim, &out->loss[k]);
  }
}

}  // namespace srns::cpu
