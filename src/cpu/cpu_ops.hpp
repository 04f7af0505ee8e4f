// The CPU backend's ops, one per file, each the reference for its CUDA twin of the same name:
//   epoch_order.cpp       the epoch's pair order (src/train)      kernels/epoch_order.cu
//   epoch_pairs.cpp       the epoch's pairs in training order     kernels/epoch_pairs.cu
//   batch_groups.cpp      a batch's pairs grouped by user         kernels/batch_groups.cu
//   pair_gradients.cpp    loss and gradient row of every pair     kernels/pair_gradients.cu
//   reduce_gradients.cpp  per-row sums in pair order              kernels/reduce_gradients.cu
//   optimizer_step.cpp    Adam (dense, lazy), SGD                 kernels/optimizer_step.cu
//   hogwild_step.cpp      lock-free per-pair SGD (--hogwild)      (CPU only)
//   deferred_adam.cpp     dense Adam's rows stepped when read     (CPU only; same numbers)
//   sample_pools.cpp      SRNS candidate pools                    kernels/sample_pools.cu
//   init_memory.cpp       SRNS initial memory                     kernels/init_memory.cu
//   extension_draws.cpp   SRNS refresh draws, a window ahead      (CPU only; same numbers)
//   srns_step.cpp         SRNS negatives and memory refresh       kernels/srns_step.cu
//   score_matrix.cpp      whole score matrices                    kernels/score_matrix.cu
//   record_history.cpp    scores of pools and tracked pairs       kernels/record_history.cu
//   rank.cpp              evaluation ranking                      kernels/rank.cu
// The samplers' own ops live with their units (src/cpu/*_sampler.cpp, kernels/*_sampler.cu).
// Every op scores through the scorer policy of the model it is given (scorer.hpp).
#pragma once
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "cpu/sampler.hpp"
#include "cpu/simd16.hpp"
#include "srns/backend.hpp"
#include "srns/math.hpp"
#include "srns/model.hpp"
#include "srns/samplers/srns.hpp"
#include "srns/score_out.hpp"
#include "srns/scorer.hpp"

namespace srns::cpu {

using srns::view_of;  // the view of a host model (model.hpp)

// The epoch's pairs in training order: pair (CSR index), user and item at each position.
struct EpochPairs {
  std::vector<int64_t> pair;
  std::vector<int32_t> user, item;
  // Batch b of size B (the last may be short).
  Batch batch(int64_t b, int32_t batch_size) const {
    const int64_t begin = b * batch_size;
    const int64_t left = static_cast<int64_t>(pair.size()) - begin;
    const int32_t size = static_cast<int32_t>(left < batch_size ? left : batch_size);
    return {b, size, pair.data() + begin, user.data() + begin, item.data() + begin};
  }
};

void epoch_pairs(std::vector<int64_t> order, const int32_t* pair_user, const int32_t* train_cols,
                 EpochPairs* out, int threads = 1);
// The same from the order already in out->pair (the backend's buffers, reused every epoch).
void fill_epoch_pairs(const int32_t* pair_user, const int32_t* train_cols, EpochPairs* out,
                      int threads);

// A batch's slots grouped by user: slot[begin[g] .. begin[g + 1]) are the slots k of group g
// in increasing k, groups by increasing user; begin has one entry per group plus the end.
struct BatchGroups {
  std::vector<int32_t> slot;
  std::vector<int32_t> begin;
  std::vector<int32_t> scratch;  // batch_groups' sorting buffer
  int32_t groups() const { return static_cast<int32_t>(begin.size()) - 1; }
};

void batch_groups(const Batch& batch, BatchGroups* out);

// Per-pair outputs of a batch: the loss (with its L2 term) and the gradient row
// grad[k * stride .. (k+1) * stride) of pair k: [user F | pos F | neg F | head], the head as its
// H floats (scorer.hpp), or, with head_factored (the MLP, from pair_row.hpp's writers), as the
// pair's factor record (MlpScorer::factor_size: about 550 floats instead of 6,800 for
// 64,32,16), from which reduce_gradients sums the head with the same terms in the same order
// (mlp_head_sums.cpp).
struct StepOutput {
  std::vector<float> loss;
  std::vector<float> grad;
  int64_t stride = 0;
  bool head_factored = false;

  // Room for the `pairs` pairs of a batch of `model` with H-float heads (grad_stride floats).
  void size_for(int32_t pairs, const ModelView& model) { size(pairs, model.grad_stride(), false); }
  // Room for the rows pair_row.hpp writes: the MLP's head as factors, other scorers' as rows.
  void size_for_pair_rows(int32_t pairs, const ModelView& model);
  float* row(int64_t k) { return grad.data() + k * stride; }
  const float* row(int64_t k) const { return grad.data() + k * stride; }
  // The first `pairs` rows with H-float heads (factors expanded: pair_gradient's rows bit for
  // bit), grad_stride floats each.
  std::vector<float> full_rows(int32_t pairs, const ModelView& model) const;

 private:
  void size(int32_t pairs, int64_t row_floats, bool factored) {
    loss.resize(pairs);
    stride = row_floats;
    head_factored = factored;
    grad.resize(static_cast<size_t>(pairs) * stride);
  }
};

// Loss and gradient row of every pair (u_k, i_k, negative[k]) with fresh scores.
void pair_gradients(const ModelView& model, const Batch& batch, const int32_t* negative,
                    int loss_kind, float reg, StepOutput* out, int threads);

// Rows touched by a batch and their summed gradients, each row's sum in a fixed order (pair,
// then role).
struct RowGradients {
  std::vector<int32_t> user_rows, item_rows;  // unique rows, in order of first appearance
  std::vector<float> user_grad, item_grad;    // rows x F, aligned with the row lists
  std::vector<float> head_grad;               // H
  // row -> its position in user_rows / item_rows, or -1 (rows past the end: -1 too).
  std::vector<int32_t> user_slot, item_slot;
  std::vector<float> zeros;  // F zeros: the start of a row's sum

  int32_t user_slot_of(int64_t row) const { return slot_of(user_slot, row); }
  int32_t item_slot_of(int64_t row) const { return slot_of(item_slot, row); }

 private:
  static int32_t slot_of(const std::vector<int32_t>& s, int64_t row) {
    return row < static_cast<int64_t>(s.size()) ? s[row] : -1;
  }
};

// The MLP head's gradient summed over the first n pairs of a head_factored output, in pair
// order (mlp_head_sums.cpp): the same floats as summing the expanded rows.
void mlp_head_sums(const ModelView& model, const StepOutput& out, int32_t n, float* head,
                   int threads);

// Two or more threads: the user and item tables summed at once (same sums).
void reduce_gradients(const Batch& batch, const int32_t* negative, const StepOutput& out,
                      const ModelView& model, RowGradients* g, int threads = 1);

// Points g's row-to-slot maps at its row lists, for sums built elsewhere (the GAN generators'
// RowSums): user_slot[user_rows[k]] = k, -1 for rows not listed; the same for items.
void map_row_slots(RowGradients* g, int32_t n_users, int32_t n_items);

// adam_update on sixteen lanes held in registers (simd16.hpp: each lane the same operations in
// the same order, so the same floats as one element at a time). The dense pass (adam_row) and the
// deferred catch-up (deferred_adam.cpp) both step through it.
inline void adam_lanes(simd::F16* w, simd::F16* m, simd::F16* v, simd::F16 g, const AdamStep& s) {
  *m = s.beta1 * *m + (1.0f - s.beta1) * g;
  *v = s.beta2 * *v + (1.0f - s.beta2) * (g * g);
  *w = *w - s.lr_t * *m / (simd::sqrt(*v) + s.eps);
}

// Adam on one row of F elements: sixteen lanes at a time (adam_lanes), the tail element by
// element. Written out rather than left to the auto-vectoriser, whose loop paid a set-up and a
// remainder path per row: on ML-1M's 32-float rows they cost more than the arithmetic.
inline void adam_row(float* __restrict w, float* __restrict m, float* __restrict v,
                     const float* __restrict g, int32_t dim, const AdamStep& s) {
  int32_t f = 0;
  for (; f + 16 <= dim; f += 16) {
    simd::F16 lw = simd::load(w + f), lm = simd::load(m + f), lv = simd::load(v + f);
    adam_lanes(&lw, &lm, &lv, simd::load(g + f), s);
    simd::store(m + f, lm);
    simd::store(v + f, lv);
    simd::store(w + f, lw);
  }
  for (; f < dim; ++f) adam_update(&w[f], &m[f], &v[f], g[f], s);
}

// Dense Adam with deferred rows (deferred_adam.cpp): the same numbers as stepping every row
// every step, with less memory traffic. A row no batch reads gets g = 0 from Adam every step
// (m and v decay, w moves by lr_t m / (sqrt(v) + eps)); a deferred table applies a row's steps
// only when something is about to read the row. Row r holds the result of steps 1..at[r], and,
// where pending[r], the summed gradient of step at[r] + 1 waits in grad; adam_catch_up applies
// steps at[r]+1..step in order (the first with the pending gradient, the others with g = +0),
// each with its own step's scalars and adam_update's own arithmetic, so the row ends bit for
// bit where the dense pass would have left it, from one visit instead of one pass per step.
// The optimiser only parks a touched row's gradient (the batch loop caught the row up before
// the batch read it).
struct DeferredRows {
  std::vector<int64_t> at;       // empty: the table is stepped densely
  std::vector<uint8_t> pending;  // 1: step at[r] + 1's gradient waits in grad
  std::vector<float> grad;       // rows x F

  bool on() const { return !at.empty(); }
};

struct DeferredAdam {
  DeferredRows user, item;
  std::vector<AdamStep> scalars;  // scalars of steps first, first + 1, ...
  int64_t first = 1;

  bool any() const { return user.on() || item.on(); }
  const AdamStep& of_step(int64_t step) const { return scalars[step - first]; }
};

struct OptimState {
  std::vector<float> user_m, user_v, item_m, item_v, head_m, head_v;
  std::vector<float> zeros;  // dense Adam: the gradient row of an untouched row (F zeros)
  int64_t step = 0;
  DeferredAdam deferred;
};

// Defers the rows of the user table and/or the item table (DeferredAdam), every row current at
// the state's step. Dense Adam only; called again (after loading a checkpoint) it starts over.
void defer_adam_rows(const Model& model, bool users, bool items, OptimState* state);

// Catches up the listed rows (repeats allowed) of the user or item table, where deferred, to
// the state's step: before anything reads them. Several lists share one parallel region.
struct CatchUpRows {
  const int32_t* rows;
  int64_t n;
  bool user_table;
};
void adam_catch_up(std::initializer_list<CatchUpRows> lists, Model* model, OptimState* state,
                   int threads);

// Catches up every row of the deferred tables: the whole model current (epoch end).
void adam_catch_up_all(Model* model, OptimState* state, int threads);

// --hogwild: SGD applied pair by pair, lock-free across threads (hogwild_step.cpp; not
// reproducible). One batch whose negatives are chosen; returns the batch's summed loss.
double hogwild_sgd_step(Model* model, const Batch& batch, const int32_t* negative, int loss_kind,
                        float reg, float lr, int threads);

// The same for a whole epoch in one parallel region: the threads take batches, select their
// negatives with `sampler` (which must have batches_independent()) and update pair by pair.
struct HogwildEpoch {
  double loss = 0.0;
  int64_t pairs = 0, batches = 0, false_negatives = 0;
  int64_t first_nonfinite_batch = -1;
};
HogwildEpoch hogwild_sgd_epoch(Model* model, const EpochPairs& pairs, int64_t n_batches,
                               int32_t batch_size, Sampler* sampler, const Csr& truth,
                               int loss_kind, float reg, float lr, int threads);

// Adam's scalars of step `step` (1-based): lr_t = lr sqrt(1 - b2^t) / (1 - b1^t), in double,
// then rounded once. The CUDA optimiser computes the same from its device step counter.
AdamStep adam_scalars(const OptimConfig& config, int64_t step);

// One optimiser step on the model from the batch's summed gradients; the head moves only
// where the scorer trains it (scorer.hpp: head_trained).
void optimizer_step(const OptimConfig& config, const RowGradients& g, Model* model,
                    OptimState* state, int threads);

// out(u - u0, i) = r(u, i) for u in [u0, u0 + n_users), i in [0, n_items) (score_out.hpp).
void score_matrix(const ModelView& model, int32_t u0, int32_t n_users, int32_t n_items,
                  const ScoreOut& out, int threads);

// out(k, 0) = r(users[k], items[k]) for k < n.
void score_pairs(const ModelView& model, int64_t n, const int32_t* users, const int32_t* items,
                 const ScoreOut& out, int threads);

// out(u, v) = r(u, pool[u][v]) for every user.
void score_pool(const ModelView& model, int32_t n_users, int32_t pool_size, const int32_t* pool,
                const ScoreOut& out, int threads);

// The pair loss a step also computes when asked: every pair's loss and gradient row into
// out->loss[k], out->grad[k * grad_stride ..] (sized by the caller), as pair_gradients would.
struct PairLossOut {
  int kind;
  float reg;
  StepOutput* out;
};

// The memory refresh's extension draws (samplers/srns.hpp: refresh_candidates) of a window of
// batches, drawn before the batches' steps (extension_draws.cpp), with the batches' user
// groups. Group g of window batch b has the first E words of its stream (seed, kRngExtend,
// epoch, batch, user) as pool slots, then the items at those slots: run(b, g)[0 .. E) and
// [E .. 2E), as uint16_t where every slot and item fits (narrow), else int32_t. E = 0 where
// the window's epoch does not refresh.
struct ExtensionDraws {
  int epoch = -1;
  int32_t words = 0;  // E
  bool narrow = false;
  bool allow_narrow = true;         // false: int32_t runs whatever fits (for tests of that path)
  std::vector<Batch> batches;       // the window
  std::vector<BatchGroups> groups;  // per window batch
  std::vector<int64_t> group0;      // window index of each batch's group 0, then the total
  std::vector<uint16_t> runs16;     // [group][2E], narrow
  std::vector<int32_t> runs32;      // [group][2E], otherwise
  std::vector<int64_t> user_first;  // scratch: groups by user
  std::vector<int32_t> by_user, group_batch;

  // Window batch w holding `batch` (the same pairs, from the same buffers), or -1.
  int64_t find(int epoch_of_batch, const Batch& batch) const;
  const void* run(int64_t w, int32_t g) const {
    const int64_t at = (group0[w] + g) * 2 * static_cast<int64_t>(words);
    return narrow ? static_cast<const void*>(runs16.data() + at) : runs32.data() + at;
  }
  // Bytes of one group's run.
  int64_t run_bytes() const { return int64_t{2} * words * (narrow ? 2 : 4); }
};

// E for a refresh of S2 draws: the S2 words and slack for repeats, in whole Philox blocks.
int extension_words(int s2);
// Bytes of one group's run: 2E values of 2 bytes where pool slots and items fit (V, I at most
// 65536), else 4.
int64_t extension_run_bytes(int s2, int32_t pool_size, int32_t n_items);

// The draws of `n` batches of epoch `epoch` (pool v.pool current), the refresh's (with_draws)
// or only the groups.
void draw_extensions(const SrnsView& v, int epoch, const Batch* batches, int64_t n, bool with_draws,
                     int threads, ExtensionDraws* out);

// SRNS's batch step: negative[k] for every pair of the batch (eq. 4, or uniform from memory)
// and, when p.refresh, every batch user's memory row refreshed in place (eq. 3). With `loss`
// (eq. 4 only), also the pairs' losses and gradients, from the selection's own scores.
// `draws` is a window holding the batch (window batch w), drawn for p.epoch;
// `memory_items` [U][S1] the items of the memory's entries (memory_items()), kept in step.
void srns_step(const SrnsView& v, const SrnsStepParams& p, const Batch& batch,
               const ExtensionDraws& draws, int64_t w, const ModelView& model, int32_t* memory,
               int32_t* memory_items, int32_t* negative, int threads,
               const PairLossOut* loss = nullptr);

// SRNS's initial memory [U][S1] (samplers/srns.hpp: init_memory_row).
void init_memory(const SrnsView& view, int32_t* memory, int threads);

// items[u][k] = view.entry_item(u, k, memory[u][k]) for every user: what the memory's entries
// hold in the current pool.
void memory_items(const SrnsView& view, const int32_t* memory, int32_t* items, int threads);

// Pool p of every user into pool[U][V] (samplers/srns.hpp: pool_chunk).
void sample_pools(uint64_t seed, int64_t p, int32_t n_users, int32_t n_items, int32_t pool_size,
                  const int64_t* train_off, const int32_t* train_cols, int32_t* pool, int threads);

std::vector<RankCount> rank_sampled(const ModelView& model, const EvalSet& set, int threads);
std::vector<RankCount> rank_full(const ModelView& model, int32_t n_items, const Csr& train,
                                 const Csr& targets, const Csr& exclude, int threads);

}  // namespace srns::cpu
