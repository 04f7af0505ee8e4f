// cpu::IrganSampler: IRGAN (pairwise form) on the CPU (samplers/irgan.hpp), the reference for
// kernels/irgan_sampler.cu. Per batch, select():
//   1. the pairs grouped by user (batch_groups); per group g (threads split the groups):
//      G's scores of all I items (score_many.hpp), the masked softmax weights (positives 0)
//      with their running sums, each of the group's pairs draws its negative by inverse CDF
//      (a binary search of the sums, catalogue_softmax.hpp), D's reward of the draw; then the
//      group's row of REINFORCE coefficients coef[g][c] = dL_G / dr_G(u_g, c) over the catalogue
//   2. G's item gradient, threads splitting the items: sum over groups (in group order) of
//      coef[g][i] dr_G(u_g, i)/dq_i, plus the L2 of the drawn items
//   3. G's user and head gradient, threads splitting the groups: sum over items of
//      coef[g][i] dr_G(u_g, i)/dp_u (and /dhead), plus the L2 of the user per pair
//      (2 and 3: score_gradient_sums.hpp, GMF's blocked for the vector units)
//   4. one Adam step of G (cpu::Generator)
// Every sum runs in a fixed order, so the result does not depend on the thread count.
// State: the generator; per batch coef [groups][I] floats (the footprint's largest part: B I).
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "cpu/catalogue_softmax.hpp"
#include "cpu/cpu_ops.hpp"
#include "cpu/generator.hpp"
#include "cpu/score_gradient_sums.hpp"
#include "cpu/score_many.hpp"
#include "srns/samplers/irgan.hpp"

namespace srns::cpu {
namespace {

class IrganSampler : public GanSampler {
 public:
  std::string describe() const override {
    return mix_ > 0 ? "generator over the catalogue, importance sampling"
                    : "generator over the catalogue";
  }
  void setup(const SamplerSetup& s, const ModelView& model) override {
    set_ = s.set;
    seed_ = s.config->seed;
    threads_ = s.threads;
    settings_ = gan_settings(*s.config);
    mix_ = static_cast<float>(sampler_option(*s.config, "irgan-mix"));
    generator_.setup(model, s.set->data->n_users, s.set->data->n_items, settings_.lr, s.threads);
    const int32_t n_items = s.set->data->n_items;
    if (mix_ > 0) masked_.assign(static_cast<size_t>(threads_) * n_items, 0.0f);
    prefix_.assign(static_cast<size_t>(threads_) * n_items, 0.0f);
    grads_.item_rows.resize(n_items);
    for (int32_t i = 0; i < n_items; ++i) grads_.item_rows[i] = i;
  }
  void select(const Batch& batch, const ModelView& model, int32_t* negative) override;
  int64_t footprint() const override {
    return generator_.bytes() +
           4 * static_cast<int64_t>(coef_.size() + masked_.size() + prefix_.size());
  }

 private:
  void draw_group(const ModelView& model, const Batch& batch, int32_t g, float* masked,
                  float* prefix, int32_t* negative);
  void step_generator(const Batch& batch);

  const TrainingSet* set_ = nullptr;
  uint64_t seed_ = 0;
  int threads_ = 1;
  GanSettings settings_;
  float mix_ = 0;
  BatchGroups groups_;
  std::vector<float> coef_;    // [groups][I]: scores, then weights, then coefficients
  std::vector<float> masked_;  // [threads][I] masked weights (--irgan-mix only)
  // Per pair, in group order (groups_.slot): the item its G term is about (j, or j') and its
  // advantage (R, or the importance-weighted R').
  std::vector<int32_t> learned_;
  std::vector<float> advantage_;
  std::vector<int32_t> users_, drawn_;  // group users; per item, the pairs that learn about it
  std::vector<float> heads_;            // [groups][H]
  std::vector<float> ctx_;              // [groups][context]: G's user contexts
  std::vector<float> prefix_;           // [threads][I]: the draw softmax's running sums
  RowGradients grads_;
};

// Group g: its pairs' negatives and its row of coefficients (file comment, step 1).
void IrganSampler::draw_group(const ModelView& model, const Batch& batch, int32_t g, float* masked,
                              float* prefix, int32_t* negative) {
  const ModelView gen_view = generator_.view();
  const Csr& train = set_->data->train;
  const int32_t n_items = set_->data->n_items;
  const float inv_tau = 1.0f / settings_.tau;
  const int32_t u = batch.user[groups_.slot[groups_.begin[g]]];
  const int32_t* row = train.row(u);
  const int64_t len = train.row_size(u);
  float* w = coef_.data() + static_cast<int64_t>(g) * n_items;
  with_scorer(gen_view, [&](const auto& gen) {
    float ctx[kMaxDim];
    gen.user_context(gen_view.user_row(u), ctx);
    score_range(gen, ctx, gen_view, 0, n_items, w);  // score() of every item, 16 at a time
  });
  // D's negatives come from the masked weights; G learns from `w`'s distribution: the same
  // masked one, or p_all with --irgan-mix.
  float* draw_w = mix_ > 0 ? masked : w;
  if (mix_ > 0) std::copy(w, w + n_items, masked);
  for (int64_t x = 0; x < len; ++x) draw_w[row[x]] = -INFINITY;
  const float draw_total = softmax_weights_prefix(draw_w, n_items, inv_tau, draw_w, prefix);
  const float total = mix_ > 0 ? softmax_weights(w, n_items, inv_tau, w) : draw_total;
  with_scorer(model, [&](const auto& rec) {
    float ctx[kMaxDim];
    rec.user_context(model.user_row(u), ctx);
    for (int32_t x = groups_.begin[g]; x < groups_.begin[g + 1]; ++x) {
      const int32_t k = groups_.slot[x];
      PhiloxStream s = irgan_pair_stream(seed_, epoch_, batch.index, k);
      negative[k] = cdf_pick_prefix(draw_w, prefix, n_items, s.open01() * draw_total);
      if (mix_ > 0) {
        const float u1 = s.open01(), u2 = s.open01();
        const int32_t j = mixture_draw(u1, u2, mix_, w, n_items, total, row, len);
        learned_[x] = j;
        advantage_[x] = importance_weight(w[j] / total, sorted_contains(row, len, j), mix_, len) *
                        irgan_point_reward(rec.score(ctx, model.item_row(j)));
      } else {
        learned_[x] = negative[k];
        advantage_[x] = irgan_pair_reward(rec.score(ctx, model.item_row(batch.item[k])),
                                          rec.score(ctx, model.item_row(negative[k])));
      }
    }
  });
  const float inv_total = total > 0.0f ? 1.0f / total : 0.0f;
  for (int32_t i = 0; i < n_items; ++i) w[i] = w[i] * inv_total;
  const int32_t first = groups_.begin[g];
  softmax_reinforce_row(w, n_items, inv_tau, learned_.data() + first, advantage_.data() + first,
                        groups_.begin[g + 1] - first);
}

void IrganSampler::select(const Batch& batch, const ModelView& model, int32_t* negative) {
  const int32_t n_items = set_->data->n_items;
  batch_groups(batch, &groups_);
  coef_.resize(static_cast<size_t>(groups_.groups()) * n_items);
  learned_.resize(batch.size);
  advantage_.resize(batch.size);
#pragma omp parallel for num_threads(threads_) schedule(dynamic)
  for (int32_t g = 0; g < groups_.groups(); ++g) {
    const int64_t at = static_cast<int64_t>(omp_get_thread_num()) * n_items;
    draw_group(model, batch, g, mix_ > 0 ? masked_.data() + at : nullptr, prefix_.data() + at,
               negative);
  }
  step_generator(batch);
}

// Steps 2 to 4 of the file comment.
void IrganSampler::step_generator(const Batch& batch) {
  const ModelView g = generator_.view();
  const int32_t dim = g.dim, n_items = set_->data->n_items, n_groups = groups_.groups();
  const int32_t head = g.head_size;
  const float reg = settings_.reg;
  drawn_.assign(n_items, 0);
  for (int32_t x = 0; x < batch.size; ++x) ++drawn_[learned_[x]];
  users_.resize(n_groups);
  for (int32_t x = 0; x < n_groups; ++x) users_[x] = batch.user[groups_.slot[groups_.begin[x]]];
  grads_.user_rows = users_;
  grads_.user_grad.assign(static_cast<size_t>(n_groups) * dim, 0.0f);
  grads_.item_grad.assign(static_cast<size_t>(n_items) * dim, 0.0f);
  heads_.assign(static_cast<size_t>(n_groups) * head, 0.0f);
  with_scorer(g, [&](const auto& gen) {
    const int n_ctx = gen.context_size();
    ctx_.resize(static_cast<size_t>(n_groups) * n_ctx);
    for (int32_t x = 0; x < n_groups; ++x) {
      gen.user_context(g.user_row(users_[x]), ctx_.data() + static_cast<int64_t>(x) * n_ctx);
    }
    // Items in blocks, each block swept group by group (score_gradient_sums.hpp).
    constexpr int32_t kItemBlock = 64;
    const int32_t n_blocks = (n_items + kItemBlock - 1) / kItemBlock;
#pragma omp parallel for num_threads(threads_) schedule(static)
    for (int32_t blk = 0; blk < n_blocks; ++blk) {
      const int32_t i0 = blk * kItemBlock, i1 = std::min(n_items, i0 + kItemBlock);
      item_gradient_sums(gen, g, users_.data(), ctx_.data(), coef_.data(), n_items, n_groups, i0,
                         i1, grads_.item_grad.data());
      for (int32_t i = i0; i < i1; ++i) {
        if (drawn_[i] == 0) continue;
        float* out = grads_.item_grad.data() + static_cast<int64_t>(i) * dim;
        const float* q = g.item_row(i);
        const float l2 = reg * static_cast<float>(drawn_[i]);
        for (int32_t f = 0; f < dim; ++f) out[f] = out[f] + l2 * q[f];
      }
    }
#pragma omp parallel for num_threads(threads_) schedule(static)
    for (int32_t x0 = 0; x0 < n_groups; x0 += 2) {  // GMF sums two users at a time
      const int32_t x1 = std::min(n_groups, x0 + 2);
      user_gradient_sums(gen, g, n_items, users_.data(), coef_.data(), n_items, x0, x1,
                         grads_.user_grad.data(), heads_.data());
      for (int32_t x = x0; x < x1; ++x) {
        const float* p = g.user_row(users_[x]);
        float* out = grads_.user_grad.data() + static_cast<int64_t>(x) * dim;
        const float l2 = reg * static_cast<float>(groups_.begin[x + 1] - groups_.begin[x]);
        for (int32_t f = 0; f < dim; ++f) out[f] = out[f] + l2 * p[f];
      }
    }
  });
  grads_.head_grad.assign(head, 0.0f);
  for (int32_t x = 0; x < n_groups; ++x) {
    for (int32_t f = 0; f < head; ++f) {
      grads_.head_grad[f] = grads_.head_grad[f] + heads_[static_cast<int64_t>(x) * head + f];
    }
  }
  generator_.step(&grads_);
}

}  // namespace

std::unique_ptr<Sampler> make_irgan_sampler() { return std::make_unique<IrganSampler>(); }

}  // namespace srns::cpu
