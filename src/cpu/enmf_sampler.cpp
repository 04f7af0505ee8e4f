// cpu::EnmfSampler: ENMF-U, the non-sampling objective (samplers/enmf.hpp), the reference for
// kernels/enmf_sampler.cu. It draws no negatives: each batch of users gives its summed row
// gradients directly (every batch user's row, every item row, the head), which the batch loop
// hands to the optimiser. Gram matrices and the sums over a user's items are in double; the
// rest in float as the model.
#include <algorithm>
#include <stdexcept>

#include "cpu/cpu_ops.hpp"
#include "cpu/sampler.hpp"
#include "srns/samplers/enmf.hpp"

namespace srns::cpu {
namespace {

class EnmfSampler : public Sampler {
 public:
  void setup(const SamplerSetup& s, const ModelView& /*model*/) override {
    set_ = s.set;
    seed_ = s.config->seed;
    threads_ = s.threads;
    batch_ = s.config->batch_size;
    reg_ = s.config->optim.reg;
    c0_ = static_cast<float>(sampler_option(*s.config, "enmf-c0"));
    keep_ = static_cast<float>(sampler_option(*s.config, "enmf-keep"));
    order_ = enmf_user_order(seed_, 0, set_->data->train.offsets);
  }
  void begin_epoch(int t, const ModelView& /*model*/) override {
    epoch_ = t;
    order_ = enmf_user_order(seed_, t, set_->data->train.offsets);
  }
  void select(const Batch&, const ModelView&, int32_t*) override {
    throw std::logic_error("ENMF draws no negatives (its batches give row gradients)");
  }
  int64_t batches(int64_t /*pair_batches*/) const override {
    return (static_cast<int64_t>(order_.size()) + batch_ - 1) / batch_;
  }
  BatchLoss batch_row_gradients(int64_t b, const ModelView& m, RowGradients* g) override;

 private:
  const TrainingSet* set_ = nullptr;
  uint64_t seed_ = 0;
  int threads_ = 1;
  int epoch_ = 0;
  int32_t batch_ = 1;
  float reg_ = 0, c0_ = 0, keep_ = 1;
  std::vector<int32_t> order_;  // the epoch's users with training items
};

BatchLoss EnmfSampler::batch_row_gradients(int64_t b, const ModelView& m, RowGradients* g) {
  const Csr& train = set_->data->train;
  const int32_t n_items = set_->data->n_items;
  const int dim = m.dim;
  const int64_t begin = b * batch_;
  const int64_t end = std::min<int64_t>(begin + batch_, static_cast<int64_t>(order_.size()));
  std::vector<int32_t> users(order_.begin() + begin, order_.begin() + end);
  std::sort(users.begin(), users.end());  // RowGradients rows ascend
  const int64_t nb = static_cast<int64_t>(users.size());
  // a_u = h ⊙ m_u ⊙ p_u for the batch users.
  std::vector<float> mask(nb * dim), a(nb * dim);
  for (int64_t k = 0; k < nb; ++k) {
    const float* p = m.user_row(users[k]);
    for (int f = 0; f < dim; ++f) {
      mask[k * dim + f] = enmf_mask(seed_, epoch_, b, users[k], f, keep_);
      a[k * dim + f] = m.head[f] * (mask[k * dim + f] * p[f]);
    }
  }
  // Gram matrices S^Q (all items) and S^A (batch users), F x F.
  std::vector<double> sq(static_cast<size_t>(dim) * dim, 0.0), sa(sq.size(), 0.0);
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (int f = 0; f < dim; ++f) {
    for (int h = 0; h < dim; ++h) {
      double q = 0.0, u = 0.0;
      for (int32_t i = 0; i < n_items; ++i) {
        q += static_cast<double>(m.item_row(i)[f]) * m.item_row(i)[h];
      }
      for (int64_t k = 0; k < nb; ++k) u += static_cast<double>(a[k * dim + f]) * a[k * dim + h];
      sq[f * dim + h] = q;
      sa[f * dim + h] = u;
    }
  }
  BatchLoss out;
  for (size_t x = 0; x < sq.size(); ++x) out.loss += c0_ * sa[x] * sq[x];
  g->user_rows = users;
  g->user_grad.assign(nb * dim, 0.0f);
  g->item_rows.resize(n_items);
  for (int32_t i = 0; i < n_items; ++i) g->item_rows[i] = i;
  g->item_grad.assign(static_cast<size_t>(n_items) * dim, 0.0f);
  std::vector<double> head(dim, 0.0), item(static_cast<size_t>(n_items) * dim, 0.0);
  // Users, in ascending order: their positives (which also feed the items) and the Gram term.
  std::vector<double> da(dim);
  for (int64_t k = 0; k < nb; ++k) {
    const int32_t u = users[k];
    const float* au = a.data() + k * dim;
    const float* p = m.user_row(u);
    std::fill(da.begin(), da.end(), 0.0);
    for (int64_t e = train.offsets[u]; e < train.offsets[u + 1]; ++e) {
      const int32_t i = train.cols[e];
      const float* q = m.item_row(i);
      const EnmfPositive pos = enmf_positive(dot_lanes(au, q, dim), c0_);
      double sq_q = 0.0;
      for (int f = 0; f < dim; ++f) {
        da[f] += static_cast<double>(pos.e) * q[f];
        item[static_cast<size_t>(i) * dim + f] +=
            static_cast<double>(pos.e) * au[f] + static_cast<double>(reg_) * q[f];
        sq_q += static_cast<double>(q[f]) * q[f];
      }
      out.loss += pos.loss + 0.5 * reg_ * sq_q;
      ++out.pairs;
    }
    double sq_p = 0.0;
    for (int f = 0; f < dim; ++f) {
      double sqa = 0.0;
      for (int h = 0; h < dim; ++h) sqa += sq[f * dim + h] * au[h];
      da[f] += 2.0 * c0_ * sqa;
      g->user_grad[k * dim + f] = static_cast<float>(m.head[f] * mask[k * dim + f] * da[f] +
                                                     static_cast<double>(reg_) * p[f]);
      head[f] += static_cast<double>(mask[k * dim + f] * p[f]) * da[f];
      sq_p += static_cast<double>(p[f]) * p[f];
    }
    out.loss += 0.5 * reg_ * sq_p;
  }
  // Every item's Gram term: 2 c0 S^A q_i.
#pragma omp parallel for num_threads(threads_) schedule(static)
  for (int32_t i = 0; i < n_items; ++i) {
    const float* q = m.item_row(i);
    for (int f = 0; f < dim; ++f) {
      double saq = 0.0;
      for (int h = 0; h < dim; ++h) saq += sa[f * dim + h] * q[h];
      const size_t x = static_cast<size_t>(i) * dim + f;
      g->item_grad[x] = static_cast<float>(item[x] + 2.0 * c0_ * saq);
    }
  }
  g->head_grad.assign(m.head_size, 0.0f);
  for (int f = 0; f < dim; ++f) g->head_grad[f] = static_cast<float>(head[f]);
  return out;
}

}  // namespace

std::unique_ptr<Sampler> make_enmf_sampler() { return std::make_unique<EnmfSampler>(); }

}  // namespace srns::cpu
