// The CPU backend's ops, one per file, each the reference for its CUDA twin in kernels/:
//   sample_pools.cpp      pools of candidate items            kernels/sample_pools.cu
//   srns_step.cpp         SRNS select + refresh + gradients    kernels/srns_step.cu
//   uniform_step.cpp      uniform negative + gradients         kernels/uniform_step.cu
//   reduce_gradients.cpp  per-row sums in pair order           kernels/reduce_gradients.cu
//   optimizer_step.cpp    Adam (dense, lazy), SGD              kernels/optimizer_step.cu
//   record_history.cpp    score history of an epoch            kernels/record_history.cu
//   rank.cpp              evaluation ranking                   kernels/rank.cu
#pragma once
#include <cstdint>
#include <vector>

#include "srns/backend.hpp"
#include "srns/math.hpp"
#include "srns/sampler.hpp"

namespace srns::cpu {

// A batch of training pairs: CSR index e, user and item of each.
struct Batch {
  int64_t index = 0;  // batch number within the epoch
  int32_t size = 0;
  const int64_t* pair = nullptr;  // e per pair
  const int32_t* user = nullptr;
  const int32_t* item = nullptr;
  const uint8_t* owner = nullptr;  // 1 for the first pair of its user in the batch
};

// Per-pair outputs of a step: the negative, the loss, the gradient contributions
// (grad[k] = [user F | pos F | neg F | beta F]).
struct StepOutput {
  std::vector<int32_t> negative;
  std::vector<float> loss;
  std::vector<float> grad;
};

struct ModelView {
  int32_t dim;
  const float* user;
  const float* item;
  const float* beta;
};

struct StepParams {
  int epoch;
  float alpha_t;
  bool refresh;        // refresh memories in this batch (--update-every)
  bool random_select;  // NSCaching ablation: uniform entry from memory
  int loss;
  float reg;
  uint64_t seed;
  int32_t n_items;
  const int64_t* train_off;
  const int32_t* train_cols;
  const int64_t* truth_off;  // null: no truth set
  const int32_t* truth_cols;
};

// The epoch's step parameters (the train CSR pointers are the caller's: host or device).
inline StepParams make_step_params(const TrainConfig& c, int epoch, int32_t n_items,
                                   const int64_t* train_off, const int32_t* train_cols) {
  StepParams p{};
  p.epoch = epoch;
  p.alpha_t = alpha_at(c.srns.schedule, c.srns.alpha, epoch, c.srns.t0);
  p.refresh = epoch % c.srns.update_every == 0;
  p.random_select = c.srns.selection == Selection::kRandom;
  p.loss = c.loss;
  p.reg = c.optim.reg;
  p.seed = c.seed;
  p.n_items = n_items;
  p.train_off = train_off;
  p.train_cols = train_cols;
  return p;
}

// SRNS: for each pair select j from the user's memory (eq. 4), write the owner's refreshed
// memory row to staged[k * S1], and the gradient contributions.
void srns_step(const SrnsView& view, const ModelView& model, const StepParams& params,
               const Batch& batch, const int32_t* memory, int32_t* staged, StepOutput* out,
               int threads);

// Uniform: j uniform among the items the user has no training interaction with.
void uniform_step(const ModelView& model, const StepParams& params, const Batch& batch,
                  StepOutput* out, int threads);

// Shared tail of both steps: loss and gradient contributions of pair k against negative j.
void pair_gradient(const ModelView& model, const StepParams& params, int32_t u, int32_t i,
                   int32_t j, float r_pos, float r_neg, float* grad, float* loss);

// Rows touched by a batch and their summed gradients, in a fixed order (pair, then role).
struct RowGradients {
  std::vector<int32_t> user_rows, item_rows;  // unique rows, ascending
  std::vector<float> user_grad, item_grad;    // rows x F, aligned with the row lists
  std::vector<float> beta_grad;               // F
};

void reduce_gradients(const Batch& batch, const StepOutput& out, int32_t dim, RowGradients* g,
                      int threads);

struct OptimState {
  std::vector<float> user_m, user_v, item_m, item_v, beta_m, beta_v;
  std::vector<int32_t> user_slot, item_slot;  // dense Adam: row -> position in the batch, or -1
  int64_t step = 0;
};

// Adam's host-derived scalars of step `step` (1-based): lr_t = lr sqrt(1 - b2^t) / (1 - b1^t),
// in double, then rounded once. Both backends use it.
AdamStep adam_scalars(const OptimConfig& config, int64_t step);

// One optimiser step on the model from the batch's summed gradients.
void optimizer_step(const OptimConfig& config, bool train_beta, const RowGradients& g, Model* model,
                    OptimState* state, int threads);

// Dense history: hist_record[u][i] = r(u, i) for every user and item.
void score_all(const ModelView& model, int32_t n_users, int32_t n_items, float* hist_record,
               int threads);

// Scores of (users of `rows`, items) pairs: out[k] = r(user[k], item[k]) for k < n.
void score_pairs(const ModelView& model, int64_t n, const int32_t* users, const int32_t* items,
                 float* out, int threads);

// Pool p of every user into pool[U][V].
void sample_pools(uint64_t seed, int64_t p, int32_t n_users, int32_t n_items, int32_t pool_size,
                  const int64_t* train_off, const int32_t* train_cols, int32_t* pool, int threads);

// Scores of user u's pool row: out[v] = r(u, pool[u][v]) for all users.
void score_pool(const ModelView& model, int32_t n_users, int32_t pool_size, const int32_t* pool,
                float* out, int threads);

std::vector<RankCount> rank_sampled(const ModelView& model, const EvalSet& set, int threads);
std::vector<RankCount> rank_full(const ModelView& model, int32_t n_items, const Csr& train,
                                 const Csr& targets, const Csr& exclude, int threads);

}  // namespace srns::cpu
