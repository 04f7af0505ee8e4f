// cpu::RnsAsSampler (rns_as_sampler.hpp).
#include "cpu/rns_as_sampler.hpp"

#include "cpu/score_many.hpp"
#include "srns/samplers/rns_as.hpp"

namespace srns::cpu {

void RnsAsSampler::setup(const SamplerSetup& s, const ModelView& model) {
  set_ = s.set;
  seed_ = s.config->seed;
  threads_ = s.threads;
  settings_ = gan_settings(*s.config);
  generator_.setup(model, s.set->data->n_users, s.set->data->n_items, settings_.lr, s.threads);
}

void RnsAsSampler::select(const Batch& batch, const ModelView& model, int32_t* negative) {
  const Csr& train = set_->data->train;
  const int32_t n_items = set_->data->n_items;
  const int n_cand = settings_.candidates;
  const float inv_tau = 1.0f / settings_.tau;
  const ModelView g = generator_.view();
  cand_.resize(static_cast<size_t>(batch.size) * n_cand);
  prob_.resize(cand_.size());
  pick_.resize(batch.size);
  reward_.resize(batch.size);
  with_scorer(g, [&](const auto& gen) {
    with_scorer(model, [&](const auto& rec) {
#pragma omp parallel for num_threads(threads_) schedule(static)
      for (int32_t k = 0; k < batch.size; ++k) {
        const int32_t u = batch.user[k];
        PhiloxStream s = gan_pair_stream(seed_, purpose_, epoch_, batch.index, k);
        int32_t* cand = cand_.data() + static_cast<int64_t>(k) * n_cand;
        float* prob = prob_.data() + static_cast<int64_t>(k) * n_cand;
        draw_candidates(&s, train.row(u), train.row_size(u), n_items, n_cand, cand);
        float ctx[kMaxDim];
        gen.user_context(g.user_row(u), ctx);
        score_items(gen, ctx, g, cand, n_cand, prob);  // score() of each, 16 at a time
        pick_[k] = softmax_draw(prob, n_cand, inv_tau, s.open01(), prob);
        negative[k] = cand[pick_[k]];
        rec.user_context(model.user_row(u), ctx);
        reward_[k] = rns_as_reward(rec.score(ctx, model.item_row(negative[k])));
      }
    });
  });
  step_generator(batch);
}

void RnsAsSampler::step_generator(const Batch& batch) {
  const ModelView g = generator_.view();
  const int n_cand = settings_.candidates;
  const int32_t dim = g.dim;
  const int64_t stride = static_cast<int64_t>(1 + n_cand) * dim + g.head_size;
  const float inv_tau = 1.0f / settings_.tau;
  const float baseline = generator_.baseline();
  double reward_sum = 0;
  for (int32_t k = 0; k < batch.size; ++k) reward_sum += reward_[k];
  generator_.add_rewards(reward_sum, batch.size);
  rows_.assign(static_cast<size_t>(batch.size) * stride, 0.0f);
  with_scorer(g, [&](const auto& gen) {
#pragma omp parallel for num_threads(threads_) schedule(static)
    for (int32_t k = 0; k < batch.size; ++k) {
      const int32_t* cand = cand_.data() + static_cast<int64_t>(k) * n_cand;
      const float* q[kMaxGanCandidates];
      for (int c = 0; c < n_cand; ++c) q[c] = g.item_row(cand[c]);
      float* row = rows_.data() + k * stride;
      candidate_generator_row(gen, g.user_row(batch.user[k]), q,
                              prob_.data() + static_cast<int64_t>(k) * n_cand, n_cand, pick_[k],
                              reward_[k] - baseline, inv_tau, settings_.reg, dim, row, row + dim,
                              row + static_cast<int64_t>(1 + n_cand) * dim);
    }
  });
  // The sums in pair order: users by pair, items by (pair, slot), the head by pair.
  const int32_t n_users = set_->data->n_users, n_items = set_->data->n_items;
  user_sums_.start(n_users, dim, &grads_.user_rows, &grads_.user_grad);
  item_sums_.start(n_items, dim, &grads_.item_rows, &grads_.item_grad);
  grads_.head_grad.assign(g.head_size, 0.0f);
  for (int32_t k = 0; k < batch.size; ++k) {
    const float* row = rows_.data() + k * stride;
    user_sums_.add(batch.user[k], row);
    for (int c = 0; c < n_cand; ++c) {
      item_sums_.add(cand_[static_cast<int64_t>(k) * n_cand + c], row + (1 + c) * dim);
    }
    const float* h = row + static_cast<int64_t>(1 + n_cand) * dim;
    for (int32_t f = 0; f < g.head_size; ++f) grads_.head_grad[f] = grads_.head_grad[f] + h[f];
  }
  generator_.step(&grads_);
}

std::unique_ptr<Sampler> make_rns_as_sampler() { return std::make_unique<RnsAsSampler>(kRngRnsAs); }

}  // namespace srns::cpu
