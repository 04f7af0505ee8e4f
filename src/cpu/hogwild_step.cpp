// Hogwild SGD on the CPU (--optimizer sgd --hogwild; Recht et al., Hogwild!, NIPS 2011, as
// implicit's CPU BPR and cuMF_SGD do): the pairs of a batch are split between the threads and
// each pair's update is applied to its rows as soon as it is computed, with no locks and no
// reduction:
//   c_u = user_context(p_u); r_pos, r_neg fresh from the rows as they are now
//   g = the scorer's pair_gradient (scorer.hpp)     p_u -= lr g_u, q_i -= lr g_i, q_j -= lr g_j
// Two threads may update the same row at the same time; an update can then be lost or read
// half-written. That is the Hogwild trade: sparse updates rarely collide, so convergence is
// hardly affected, but results depend on thread timing and are not reproducible. The head
// (GMF's beta: shared by every pair, so updated by every thread) is not raced: each thread sums
// its pairs' head gradients, and the batch's sum (threads in order) takes one SGD step at the
// end, as in the deterministic path.
#include <omp.h>

#include <vector>

#include "cpu/cpu_ops.hpp"

namespace srns::cpu {

double hogwild_sgd_step(Model* model, const Batch& batch, const int32_t* negative, int loss_kind,
                        float reg, float lr, int threads) {
  const ModelView view = view_of(*model);
  const int32_t dim = model->dim;
  const int32_t h = view.head_size;
  const int64_t stride = view.grad_stride();
  const int n_threads = threads > 0 ? threads : 1;
  std::vector<double> loss(n_threads, 0.0);
  std::vector<float> head_grad(static_cast<size_t>(n_threads) * h, 0.0f);
  float* user = model->user.data();
  float* item = model->item.data();
  with_scorer(view, [&](const auto& sc) {
#pragma omp parallel num_threads(n_threads)
    {
      const int me = omp_get_thread_num();
      std::vector<float> grad(stride);
      float* head_sum = head_grad.data() + static_cast<int64_t>(me) * h;
      double my_loss = 0.0;
#pragma omp for schedule(static)
      for (int32_t k = 0; k < batch.size; ++k) {
        float* p = user + static_cast<int64_t>(batch.user[k]) * dim;
        float* qi = item + static_cast<int64_t>(batch.item[k]) * dim;
        float* qj = item + static_cast<int64_t>(negative[k]) * dim;
        float ctx[kMaxDim];
        sc.user_context(p, ctx);
        const float r_pos = sc.score(ctx, qi);
        const float r_neg = sc.score(ctx, qj);
        my_loss += sc.pair_gradient(p, qi, qj, loss_kind, reg, r_pos, r_neg, grad.data());
        for (int32_t f = 0; f < dim; ++f) {
          sgd_update(&p[f], grad[f], lr);
          sgd_update(&qi[f], grad[dim + f], lr);
          sgd_update(&qj[f], grad[2 * dim + f], lr);
        }
        for (int32_t f = 0; f < h; ++f) head_sum[f] = head_sum[f] + grad[3 * dim + f];
      }
      loss[me] = my_loss;
    }
  });
  if (head_trained(model->kind)) {
    for (int32_t f = 0; f < h; ++f) {
      float sum = 0.0f;
      for (int t = 0; t < n_threads; ++t) sum = sum + head_grad[static_cast<int64_t>(t) * h + f];
      sgd_update(&model->head[f], sum, lr);
    }
  }
  double total = 0.0;
  for (double l : loss) total += l;
  return total;
}

}  // namespace srns::cpu
