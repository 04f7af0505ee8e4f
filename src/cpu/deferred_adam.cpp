// Dense Adam's deferred rows (cpu_ops.hpp: DeferredAdam): a row's Adam steps applied in one
// visit just before something reads it.
//
// Why: the dense pass reads and writes w, m and v of every row every step (12 bytes an
// element; 3.7 MB a step for ML-1M at F = 32, 38 MB for 100k users), while a batch of B pairs
// reads only its own users' rows (about 0.8 B of 6,040 on ML-1M). A user row last read k steps
// ago takes its k steps (the first with the gradient its batch parked, the rest with g = +0)
// from registers, instead of k passes over memory. The arithmetic is the dense pass's, in the
// same order: for each step t = at+1 .. step, adam_update(w, m, v, g, scalars of t) per
// element. The square roots and divisions are the same in number: where the tables fit in
// cache (ML-1M) they, not memory, bound the optimiser, and deferring gains little.
#include <omp.h>

#include "cpu/cpu_ops.hpp"
#include "cpu/simd16.hpp"

namespace srns::cpu {
namespace {

// Rows a parallel catch-up needs before it beats one thread.
constexpr int64_t kParallelMinRows = 64;
// Rows of a list fetched ahead of their catch-up.
constexpr int64_t kPrefetchRows = 8;

struct DeferredTable {
  float* w;
  float* m;
  float* v;
  DeferredRows* rows;
};

DeferredTable table_of(Model* model, OptimState* s, bool user) {
  if (user) return {model->user.data(), s->user_m.data(), s->user_v.data(), &s->deferred.user};
  return {model->item.data(), s->item_m.data(), s->item_v.data(), &s->deferred.item};
}

// The lines of row r's w, m, v and parked gradient.
void prefetch_row(const DeferredTable& t, int64_t r, int32_t dim) {
  const int64_t o = r * dim;
  for (int32_t f = 0; f < dim; f += 16) {
    __builtin_prefetch(t.w + o + f, 1);
    __builtin_prefetch(t.m + o + f, 1);
    __builtin_prefetch(t.v + o + f, 1);
    __builtin_prefetch(t.rows->grad.data() + o + f);
  }
}

// Steps from..to of C sixteen-element chunks of a row (w, m, v, and g0, the first step's
// gradient, at the chunks' start), kept in registers across the steps: adam_lanes, with g0 at
// step `from` and +0 after it, so the same floats as adam_row. The C chunks are independent
// chains: their square roots and divisions overlap.
template <int C>
void catch_up_chunks(float* w, float* m, float* v, const float* g0, const DeferredAdam& d,
                     int64_t from, int64_t to) {
  simd::F16 cw[C], cm[C], cv[C], g[C];
  for (int c = 0; c < C; ++c) {
    cw[c] = simd::load(w + 16 * c);
    cm[c] = simd::load(m + 16 * c);
    cv[c] = simd::load(v + 16 * c);
    g[c] = simd::load(g0 + 16 * c);
  }
  for (int64_t k = from; k <= to; ++k) {
    const AdamStep& a = d.of_step(k);
    for (int c = 0; c < C; ++c) {
      adam_lanes(&cw[c], &cm[c], &cv[c], g[c], a);
      g[c] = simd::F16{};
    }
  }
  for (int c = 0; c < C; ++c) {
    simd::store(w + 16 * c, cw[c]);
    simd::store(m + 16 * c, cm[c]);
    simd::store(v + 16 * c, cv[c]);
  }
}

// Row r of t from the step it holds to the state's step.
void catch_up_row(const DeferredTable& t, int64_t r, int32_t dim, const OptimState& s) {
  DeferredRows& rows = *t.rows;
  int64_t& at = rows.at[r];
  const int64_t o = r * dim;
  const DeferredAdam& d = s.deferred;
  const float* g0 = rows.pending[r] ? rows.grad.data() + o : s.zeros.data();
  if (at < s.step && dim % 16 == 0) {
    for (int32_t f = 0; f < dim; f += 64) {
      float* const w = t.w + o + f;
      float* const m = t.m + o + f;
      float* const v = t.v + o + f;
      switch ((dim - f) / 16) {
        case 1:
          catch_up_chunks<1>(w, m, v, g0 + f, d, at + 1, s.step);
          break;
        case 2:
          catch_up_chunks<2>(w, m, v, g0 + f, d, at + 1, s.step);
          break;
        case 3:
          catch_up_chunks<3>(w, m, v, g0 + f, d, at + 1, s.step);
          break;
        default:
          catch_up_chunks<4>(w, m, v, g0 + f, d, at + 1, s.step);
          break;
      }
    }
  } else {
    for (int64_t k = at + 1; k <= s.step; ++k) {
      adam_row(t.w + o, t.m + o, t.v + o, k == at + 1 ? g0 : s.zeros.data(), dim, d.of_step(k));
    }
  }
  at = s.step;
  rows.pending[r] = 0;
}

}  // namespace

void defer_adam_rows(const Model& model, bool users, bool items, OptimState* state) {
  DeferredAdam& d = state->deferred;
  const auto start = [&](bool on, int32_t rows, DeferredRows* t) {
    t->at.assign(on ? rows : 0, state->step);
    t->pending.assign(on ? rows : 0, 0);
    t->grad.assign(on ? static_cast<size_t>(rows) * model.dim : 0, 0.0f);
  };
  start(users, model.n_users, &d.user);
  start(items, model.n_items, &d.item);
  d.scalars.clear();
  d.first = state->step + 1;
  if (static_cast<int32_t>(state->zeros.size()) != model.dim) state->zeros.assign(model.dim, 0.0f);
}

void adam_catch_up(std::initializer_list<CatchUpRows> lists, Model* model, OptimState* state,
                   int threads) {
  int64_t n = 0;
  for (const CatchUpRows& l : lists) n += l.n;
  const int32_t dim = model->dim;
  const int64_t step = state->step;
  // Thread k takes the rows r with r mod threads = k: a repeated row stays on one thread, which
  // steps it once (its `at` is then current) and skips its repeats.
#pragma omp parallel num_threads(threads) if (n >= kParallelMinRows)
  {
    const int64_t nt = omp_get_num_threads(), id = omp_get_thread_num();
    for (const CatchUpRows& l : lists) {
      const DeferredTable t = table_of(model, state, l.user_table);
      if (!t.rows->on()) continue;
      for (int64_t k = 0; k < l.n; ++k) {
        // Rows come in batch order, scattered over tables larger than L2: this thread's rows
        // are fetched a few ahead, or each row's chain would wait for its own misses.
        if (k + kPrefetchRows < l.n && l.rows[k + kPrefetchRows] % nt == id) {
          prefetch_row(t, l.rows[k + kPrefetchRows], dim);
        }
        const int32_t r = l.rows[k];
        if (r % nt != id || t.rows->at[r] == step) continue;
        catch_up_row(t, r, dim, *state);
      }
    }
  }
}

void adam_catch_up_all(Model* model, OptimState* state, int threads) {
  DeferredAdam& d = state->deferred;
  if (!d.any()) return;
  const int32_t dim = model->dim;
  for (const bool user : {true, false}) {
    const DeferredTable t = table_of(model, state, user);
    const int64_t n = static_cast<int64_t>(t.rows->at.size());
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t r = 0; r < n; ++r) catch_up_row(t, r, dim, *state);
  }
  d.scalars.clear();
  d.first = state->step + 1;
}

}  // namespace srns::cpu
