// Hogwild SGD on the CPU (--optimizer sgd --hogwild; Recht et al., Hogwild!, NIPS 2011, as
// implicit's CPU BPR and cuMF_SGD do): each pair's update is applied to its rows as soon as it
// is computed, with no locks and no reduction:
//   c_u = user_context(p_u); r_pos, r_neg fresh from the rows as they are now
//   g = the scorer's pair_gradient (scorer.hpp)     p_u -= lr g_u, q_i -= lr g_i, q_j -= lr g_j
// Two threads may update the same row at the same time; an update can then be lost or read
// half-written. That is the Hogwild trade: sparse updates rarely collide, so convergence is
// hardly affected, but results depend on thread timing and are not reproducible. The head
// (GMF's beta, shared by every pair) takes one SGD step per batch from the batch's summed head
// gradient, as in the deterministic path.
//
// Two ways to split the work:
//   hogwild_sgd_step   one batch, its pairs split between the threads (after the sampler's
//                      select for the batch); the batch's head sum (threads in order) steps the
//                      head once
//   hogwild_sgd_epoch  a whole epoch in one parallel region, for samplers whose batches are
//                      independent (Sampler::batches_independent): each thread takes batches,
//                      selects their negatives and updates pair after pair, stepping the head
//                      at the end of each of its batches (racing the other threads, Hogwild
//                      style). No barrier per batch, so a thread that another process delays
//                      holds nobody up.
#include <omp.h>

#include <atomic>
#include <cmath>
#include <vector>

#include "cpu/cpu_ops.hpp"
#include "cpu/score_many.hpp"

namespace srns::cpu {
namespace {

// The SGD step of one pair's three rows (distinct rows: a user's, a positive's and a
// negative's, never the same item).
void sgd_rows(float* __restrict p, float* __restrict qi, float* __restrict qj,
              const float* __restrict grad, int32_t dim, float lr) {
  for (int32_t f = 0; f < dim; ++f) {
    sgd_update(&p[f], grad[f], lr);
    sgd_update(&qi[f], grad[dim + f], lr);
    sgd_update(&qj[f], grad[2 * dim + f], lr);
  }
}

// Pairs [k0, k1) of a batch, one after the other; adds their head gradients to head_sum and
// returns their summed loss.
template <class Scorer>
double hogwild_pairs(const Scorer& sc, Model* model, const Batch& batch, const int32_t* negative,
                     int32_t k0, int32_t k1, int loss_kind, float reg, float lr, float* grad,
                     float* head_sum) {
  const int32_t dim = model->dim;
  const int32_t h = static_cast<int32_t>(model->head.size());
  float* user = model->user.data();
  float* item = model->item.data();
  double loss = 0.0;
  for (int32_t k = k0; k < k1; ++k) {
    float* p = user + static_cast<int64_t>(batch.user[k]) * dim;
    float* qi = item + static_cast<int64_t>(batch.item[k]) * dim;
    float* qj = item + static_cast<int64_t>(negative[k]) * dim;
    float ctx[kMaxDim];
    sc.user_context(p, ctx);
    const float r_pos = score_one(sc, ctx, qi);
    const float r_neg = score_one(sc, ctx, qj);
    loss += sc.pair_gradient(p, qi, qj, loss_kind, reg, r_pos, r_neg, grad);
    sgd_rows(p, qi, qj, grad, dim, lr);
    for (int32_t f = 0; f < h; ++f) head_sum[f] = head_sum[f] + grad[3 * dim + f];
  }
  return loss;
}

}  // namespace

double hogwild_sgd_step(Model* model, const Batch& batch, const int32_t* negative, int loss_kind,
                        float reg, float lr, int threads) {
  const ModelView view = view_of(*model);
  const int32_t h = view.head_size;
  const int n_threads = threads > 0 ? threads : 1;
  std::vector<double> loss(n_threads, 0.0);
  std::vector<float> head_grad(static_cast<size_t>(n_threads) * h, 0.0f);
  with_scorer(view, [&](const auto& sc) {
#pragma omp parallel num_threads(n_threads)
    {
      const int me = omp_get_thread_num(), team = omp_get_num_threads();
      std::vector<float> grad(view.grad_stride());
      // The static split of `omp for`, by hand: thread `me` takes one contiguous share.
      const int32_t k0 = static_cast<int32_t>(int64_t{batch.size} * me / team);
      const int32_t k1 = static_cast<int32_t>(int64_t{batch.size} * (me + 1) / team);
      loss[me] = hogwild_pairs(sc, model, batch, negative, k0, k1, loss_kind, reg, lr, grad.data(),
                               head_grad.data() + static_cast<int64_t>(me) * h);
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

HogwildEpoch hogwild_sgd_epoch(Model* model, const EpochPairs& pairs, int64_t n_batches,
                               int32_t batch_size, Sampler* sampler, const Csr& truth,
                               int loss_kind, float reg, float lr, int threads) {
  const ModelView view = view_of(*model);
  const int32_t h = view.head_size;
  const bool train_head = head_trained(model->kind);
  HogwildEpoch out;
  std::atomic<int64_t> first_nonfinite{-1};
  with_scorer(view, [&](const auto& sc) {
#pragma omp parallel num_threads(threads > 0 ? threads : 1)
    {
      std::vector<int32_t> negative(batch_size);
      std::vector<float> grad(view.grad_stride()), head(h);
      double loss = 0.0;
      int64_t n_pairs = 0, n_batches_done = 0, false_negatives = 0;
#pragma omp for schedule(dynamic, 4) nowait
      for (int64_t b = 0; b < n_batches; ++b) {
        if (first_nonfinite.load(std::memory_order_relaxed) >= 0) continue;
        const Batch batch = pairs.batch(b, batch_size);
        sampler->select(batch, view, negative.data());  // alone on this thread
        if (!truth.empty()) {
          for (int32_t k = 0; k < batch.size; ++k) {
            false_negatives += truth.contains(batch.user[k], negative[k]);
          }
        }
        std::fill(head.begin(), head.end(), 0.0f);
        const double batch_loss = hogwild_pairs(sc, model, batch, negative.data(), 0, batch.size,
                                                loss_kind, reg, lr, grad.data(), head.data());
        if (train_head) {
          for (int32_t f = 0; f < h; ++f) sgd_update(&model->head[f], head[f], lr);
        }
        if (!std::isfinite(batch_loss)) {
          int64_t none = -1;
          first_nonfinite.compare_exchange_strong(none, b);
        }
        loss += batch_loss;
        n_pairs += batch.size;
        ++n_batches_done;
      }
#pragma omp critical(srns_hogwild_epoch)
      {
        out.loss += loss;
        out.pairs += n_pairs;
        out.batches += n_batches_done;
        out.false_negatives += false_negatives;
      }
    }
  });
  out.first_nonfinite_batch = first_nonfinite.load();
  return out;
}

}  // namespace srns::cpu
