// Dense Adam's deferred rows (cpu_ops.hpp: DeferredAdam): the zero-gradient steps a row missed
// while nothing read it, applied just before something does.
//
// Why: the dense pass reads and writes w, m and v of every row every step (12 bytes an
// element; 3.7 MB a step for ML-1M at F = 32, more than a core's L2), while a batch of B pairs
// reads only its own users' rows (about 0.8 B of 6,040 on ML-1M). A user row missed k steps
// since it was last read takes its k zero-gradient updates in one visit, from L1, instead of
// k passes over memory. The arithmetic is the dense pass's, in the same order: for each missed
// step t = at+1 .. step, adam_update(w, m, v, g = +0, scalars of t) per element.
#include <omp.h>

#include "cpu/cpu_ops.hpp"
#include "cpu/simd16.hpp"

namespace srns::cpu {
namespace {

// Rows a parallel catch-up needs before it beats one thread.
constexpr int64_t kParallelMinRows = 64;

struct DeferredTable {
  float* w;
  float* m;
  float* v;
  std::vector<int64_t>* at;
};

DeferredTable table_of(Model* model, OptimState* s, bool user) {
  if (user) return {model->user.data(), s->user_m.data(), s->user_v.data(), &s->deferred.user_at};
  return {model->item.data(), s->item_m.data(), s->item_v.data(), &s->deferred.item_at};
}

// Row r of t from the step it holds to `step`. Sixteen elements at a time, each kept in a
// register across the missed steps: adam_update with g = +0, lane by lane the same operations
// in the same order (simd16.hpp), so the same floats as adam_row.
void catch_up_row(const DeferredTable& t, int64_t r, int32_t dim, const OptimState& s) {
  int64_t& at = (*t.at)[r];
  const int64_t o = r * dim;
  const DeferredAdam& d = s.deferred;
  if (dim % 16 != 0) {
    for (int64_t k = at + 1; k <= s.step; ++k) {
      adam_row(t.w + o, t.m + o, t.v + o, s.zeros.data(), dim, d.of_step(k));
    }
    at = s.step;
    return;
  }
  const float g = 0.0f;
  for (int32_t f = 0; f < dim; f += 16) {
    simd::F16 w = simd::load(t.w + o + f), m = simd::load(t.m + o + f),
              v = simd::load(t.v + o + f);
    for (int64_t k = at + 1; k <= s.step; ++k) {
      const AdamStep& a = d.of_step(k);
      m = a.beta1 * m + (1.0f - a.beta1) * g;
      v = a.beta2 * v + (1.0f - a.beta2) * (g * g);
      w = w - a.lr_t * m / (simd::sqrt(v) + a.eps);
    }
    simd::store(t.w + o + f, w);
    simd::store(t.m + o + f, m);
    simd::store(t.v + o + f, v);
  }
  at = s.step;
}

}  // namespace

void defer_adam_rows(const Model& model, bool users, bool items, OptimState* state) {
  DeferredAdam& d = state->deferred;
  d.user_at.assign(users ? model.n_users : 0, state->step);
  d.item_at.assign(items ? model.n_items : 0, state->step);
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
      if (t.at->empty()) continue;
      for (int64_t k = 0; k < l.n; ++k) {
        const int32_t r = l.rows[k];
        if (r % nt != id || (*t.at)[r] == step) continue;
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
    const int64_t n = static_cast<int64_t>(t.at->size());
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t r = 0; r < n; ++r) catch_up_row(t, r, dim, *state);
  }
  d.scalars.clear();
  d.first = state->step + 1;
}

}  // namespace srns::cpu
