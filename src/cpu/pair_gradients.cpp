// Loss and gradient row of every pair of a batch on the CPU (reference for
// kernels/pair_gradients.cu). For pair k = (u, i, j = negative[k]), with the model as it is at
// the start of the batch:
//   c_u = user_context(p_u);  r_pos = score(c_u, q_i);  r_neg = score(c_u, q_j)
//   loss[k], grad[k] = the scorer's pair_gradient (scorer.hpp; pair_row.hpp: the MLP's head as
//                      its factors)
// Pairs are independent, so threads split them statically; results do not depend on the
// thread count.
#include "cpu/cpu_ops.hpp"
#include "cpu/pair_row.hpp"

namespace srns::cpu {

void pair_gradients(const ModelView& model, const Batch& batch, const int32_t* negative,
                    int loss_kind, float reg, StepOutput* out, int threads) {
  out->size_for_pair_rows(batch.size, model);
  with_scorer(model, [&](const auto& sc) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int32_t k = 0; k < batch.size; ++k) {
      out->loss[k] =
          score_pair_row(sc, model.user_row(batch.user[k]), model.item_row(batch.item[k]),
                         model.item_row(negative[k]), loss_kind, reg, out->row(k));
    }
  });
}

}  // namespace srns::cpu
