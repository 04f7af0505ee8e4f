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
//                      holds nobody up. (Giving each thread its own users instead, so that
//                      user rows are never shared, measured slower on ML-1M.)
#include <omp.h>

#include <atomic>
#include <cmath>
#include <type_traits>
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

// The summed loss of a thread's pairs without a log per pair. BPR's softplus(x) =
// max(x, 0) + log(1 + e) with e = exp(-|x|) in (0, 1]: the max parts are summed, the factors
// 1 + e in (1, 2] multiplied in double (at most 2^kFactors < 2^1024, exact to ~1e-16 per
// factor), and one log taken every kFactors pairs. Other losses add their value directly.
struct LossSum {
  static constexpr int kFactors = 512;
  double sum = 0.0, product = 1.0;
  int factors = 0;
  void add(double value) { sum += value; }
  void add_softplus(float positive_part, float e) {
    sum += positive_part;
    product *= 1.0 + static_cast<double>(e);
    if (++factors == kFactors) flush();
  }
  void flush() {
    sum += std::log(product);
    product = 1.0;
    factors = 0;
  }
  double total() {
    flush();
    return sum;
  }
};

// BPR's d = dL/dr_neg = -dL/dr_pos of x = r_neg - r_pos from one exponential: e = exp(-|x|),
// sigmoid(x) = 1/(1+e) or e/(1+e); the loss goes to `loss` (LossSum). Hogwild only: the
// reproducible paths keep math.hpp's pair_loss, whose per-pair float rounding this skips.
[[gnu::always_inline]] inline float bpr_d_neg(float r_pos, float r_neg, LossSum* loss) {
  const float x = r_neg - r_pos;
  const float e = expf(-fabsf(x));
  const float inv = 1.0f / (1.0f + e);
  loss->add_softplus(x > 0.0f ? x : 0.0f, e);
  return x >= 0.0f ? inv : e * inv;
}

// Hinge and BCE through math.hpp, out of line so that the BPR path has no call in it.
[[gnu::noinline]] LossGrad other_loss(int loss_kind, float r_pos, float r_neg) {
  return pair_loss(loss_kind, r_pos, r_neg);
}

// GMF's pair (u, i, j) in two passes over the factors, its three rows updated in place:
//   r_pos = sum_f p_f b_f qi_f, r_neg = sum_f p_f b_f qj_f (c = p ⊙ b formed on the fly)
//   then per f, with w = d_pos qi_f + d_neg qj_f (GmfScorer::pair_gradient, math.hpp):
//   p_f -= lr (b_f w + reg p_f), qi_f -= lr (d_pos p_f b_f + reg qi_f),
//   qj_f -= lr (d_neg p_f b_f + reg qj_f), head_sum_f += p_f w
// Both passes vectorise (the sums in any lane order: Hogwild is not reproducible anyway);
// kDim > 0 fixes the width at compile time (the common 32 and 64 unroll completely), 0 reads dim.
template <int32_t kDim>
void gmf_pair_sgd(float* __restrict p, float* __restrict qi, float* __restrict qj,
                  const float* __restrict beta, int32_t runtime_dim, int loss_kind, float reg,
                  float lr, float* __restrict head_sum, LossSum* loss) {
  const int32_t dim = kDim > 0 ? kDim : runtime_dim;
  float r_pos = 0.0f, r_neg = 0.0f;
#pragma omp simd reduction(+ : r_pos, r_neg)
  for (int32_t f = 0; f < dim; ++f) {
    const float c = p[f] * beta[f];
    r_pos += c * qi[f];
    r_neg += c * qj[f];
  }
  float d_pos, d_neg;
  if (loss_kind == kLossBpr) {
    d_neg = bpr_d_neg(r_pos, r_neg, loss);
    d_pos = -d_neg;
  } else {
    const LossGrad lg = other_loss(loss_kind, r_pos, r_neg);
    loss->add(lg.loss);
    d_pos = lg.d_pos;
    d_neg = lg.d_neg;
  }
  float sq = 0.0f;
#pragma omp simd reduction(+ : sq)
  for (int32_t f = 0; f < dim; ++f) {
    const float pf = p[f], qif = qi[f], qjf = qj[f], b = beta[f];
    const float w = d_pos * qif + d_neg * qjf;
    const float pb = pf * b;
    sq += pf * pf + qif * qif + qjf * qjf;
    head_sum[f] += pf * w;
    p[f] = pf - lr * (b * w + reg * pf);
    qi[f] = qif - lr * (d_pos * pb + reg * qif);
    qj[f] = qjf - lr * (d_neg * pb + reg * qjf);
  }
  loss->add(0.5f * reg * sq);
}

// How many pairs ahead the GMF loop asks for its rows.
constexpr int32_t kPrefetchAhead = 8;

void prefetch_row_for_write(const float* row, int32_t dim) {
  for (int32_t f = 0; f < dim; f += 16) __builtin_prefetch(row + f, 1, 3);
}

// Pairs [k0, k1) of a batch, one after the other; adds their head gradients to head_sum and
// returns their summed loss.
template <class Scorer>
double hogwild_pairs(const Scorer& sc, Model* model, const Batch& batch, const int32_t* negative,
                     int32_t k0, int32_t k1, int loss_kind, float reg, float lr, float* grad,
                     float* head_sum) {
  const int32_t dim = model->dim;
  if constexpr (std::is_same_v<Scorer, GmfScorer>) {
    const auto pairs = [&](auto fixed_dim) {
      float* user = model->user.data();
      float* item = model->item.data();
      LossSum loss;
      for (int32_t k = k0; k < k1; ++k) {
        // The rows of the pair kPrefetchAhead ahead, asked for with intent to write: their cache
        // lines (often just written by the other thread) arrive while this pair computes.
        if (k + kPrefetchAhead < k1) {
          const int32_t a = k + kPrefetchAhead;
          prefetch_row_for_write(user + static_cast<int64_t>(batch.user[a]) * dim, dim);
          prefetch_row_for_write(item + static_cast<int64_t>(batch.item[a]) * dim, dim);
          prefetch_row_for_write(item + static_cast<int64_t>(negative[a]) * dim, dim);
        }
        gmf_pair_sgd<decltype(fixed_dim)::value>(
            user + static_cast<int64_t>(batch.user[k]) * dim,
            item + static_cast<int64_t>(batch.item[k]) * dim,
            item + static_cast<int64_t>(negative[k]) * dim, sc.beta, dim, loss_kind, reg, lr,
            head_sum, &loss);
      }
      return loss.total();
    };
    if (dim == 32) return pairs(std::integral_constant<int32_t, 32>{});
    if (dim == 64) return pairs(std::integral_constant<int32_t, 64>{});
    return pairs(std::integral_constant<int32_t, 0>{});
  }
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
