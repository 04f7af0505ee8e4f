// The SRNS batch step on the CPU (reference for kernels/srns_step.cu), user group by user group
// (batch_groups.cpp), with the model as it is at the batch's start:
//   every pair (u, i) of the group   j = the memory entry of eq. 4 (select_entry), or a uniform
//                                    entry for random-from-memory (random_entry)
//   then, once per user per batch    u's memory row refreshed in place (eq. 3, refresh_memory)
// All pairs of u read the row before the refresh writes it, and no other group touches it,
// so groups are independent and threads split them; results do not depend on the thread
// count.
#include "cpu/cpu_ops.hpp"

namespace srns::cpu {

void srns_step(const SrnsView& v, const SrnsStepParams& p, const Batch& batch,
               const BatchGroups& groups, const ModelView& model, int32_t* memory,
               int32_t* negative, int threads) {
  const int t = p.epoch;
  with_scorer(model, [&](const auto& sc) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int32_t g = 0; g < groups.groups(); ++g) {
      const int32_t u = batch.user[groups.slot[groups.begin[g]]];
      float ctx[kMaxDim];
      sc.user_context(model.user_row(u), ctx);
      int32_t* mem = memory + static_cast<int64_t>(u) * v.s1;
      for (int32_t x = groups.begin[g]; x < groups.begin[g + 1]; ++x) {
        const int32_t k = groups.slot[x];
        int entry;
        if (p.random_selection) {
          entry = random_entry(p.seed, t, batch.index, k, v.s1);
        } else {
          const int32_t i = batch.item[k];
          const float r_pos = sc.score(ctx, model.item_row(i));
          entry =
              select_entry(v, t, p.alpha_t, u, i, batch.pair[k], sc, ctx, model.item, r_pos, mem);
        }
        negative[k] = v.entry_item(u, entry, mem[entry]);
      }
      // In place: refresh_memory reads the row before it writes it.
      if (p.refresh) refresh_memory(v, t, batch.index, u, sc, ctx, model.item, mem, mem);
    }
  });
}

}  // namespace srns::cpu
