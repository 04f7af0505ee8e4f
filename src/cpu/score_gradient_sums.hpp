// Sums of score gradients over a catalogue on the CPU: a generator's REINFORCE gradient
// (IRGAN, samplers/irgan.hpp) reaches every item of every user of the batch through
// coefficients coef[x][i] = dL/dr(u_x, i):
//   item i:          sum over x, in x order, of coef[x][i] dr(u_x, i)/dq_i
//   user x (head):   sum over i, in i order, of coef[x][i] dr(u_x, i)/dp_u   (and /dhead)
// each a running sum from +0 that skips zero coefficients, one add_score_gradient per term
// (scorer.hpp) as the generic forms below do.
//
// GMF (and MF) is linear in each factor, dr/dq_i = p_u ⊙ beta (the user context c_u),
// dr/dp_u = beta ⊙ q_i, dr/dbeta = p_u ⊙ q_i, so its sums are blocked for the vector units
// with the same operations per element, bit for bit (tests/catalogue_gradients_test.cpp):
//   items: out[i] + d (c[f]) for sixteen lanes of F, several items' running sums held in
//          registers while the groups stream past (each sum still in x order);
//   users: two users' and heads' running sums held in registers over the items, which they
//          load once.
// Widths other than 16, 32 and 64, and other scorers, take the generic forms.
#pragma once
#include <cstdint>

#include "cpu/simd16.hpp"
#include "srns/scorer.hpp"

namespace srns::cpu {

namespace gradient_sums_detail {

using simd::F16;
using simd::load;
using simd::store;

// Items [i0, i1) of out (rows of dim = 16 NV floats, +0 on entry): NB items' running sums in
// registers at a time, the groups' contexts ctx[x] streaming past.
template <int NV>
void gmf_item_sums(const float* coef, int64_t ld, int32_t n_groups, const float* ctx, int32_t i0,
                   int32_t i1, float* out) {
  constexpr int NB = 16 / NV;
  constexpr int dim = 16 * NV;
  int32_t i = i0;
  for (; i + NB <= i1; i += NB) {
    F16 acc[NB][NV] = {};
    for (int32_t x = 0; x < n_groups; ++x) {
      const float* c = ctx + static_cast<int64_t>(x) * dim;
      F16 cv[NV];
      for (int v = 0; v < NV; ++v) cv[v] = load(c + 16 * v);
      const float* d = coef + x * ld + i;
      // The rows stride ld, which no hardware prefetcher follows: the first pass over the
      // block fetches the block's lines of a row 16 groups ahead (the later passes find them).
      if (i == i0 && x + 16 < n_groups) {
        for (int32_t l = i0; l < i1; l += 16) __builtin_prefetch(coef + (x + 16) * ld + l);
      }
      for (int b = 0; b < NB; ++b) {
        if (d[b] == 0.0f) continue;
        for (int v = 0; v < NV; ++v) acc[b][v] = acc[b][v] + d[b] * cv[v];
      }
    }
    for (int b = 0; b < NB; ++b) {
      for (int v = 0; v < NV; ++v)
        store(out + static_cast<int64_t>(i + b) * dim + 16 * v, acc[b][v]);
    }
  }
  for (; i < i1; ++i) {  // the tail, one item at a time
    F16 acc[NV] = {};
    for (int32_t x = 0; x < n_groups; ++x) {
      const float d = coef[x * ld + i];
      if (d == 0.0f) continue;
      for (int v = 0; v < NV; ++v) acc[v] = acc[v] + d * load(ctx + int64_t{x} * dim + 16 * v);
    }
    for (int v = 0; v < NV; ++v) store(out + static_cast<int64_t>(i) * dim + 16 * v, acc[v]);
  }
}

// Two users' sums over the items, sharing each item's loads and beta ⊙ q_i:
// user_k += d_k (beta ⊙ q_i), head_k += d_k (p_k ⊙ q_i), k = 0, 1. With `two` false, index 1
// repeats index 0 and only user 0 is summed and written.
template <int NV>
void gmf_user_sums(const float* const coef[2], int32_t n_items, const float* items,
                   const float* const p[2], const float* beta, float* const user[2],
                   float* const head[2], bool two) {
  constexpr int dim = 16 * NV;
  F16 pv[2][NV], bv[NV], au[2][NV], ah[2][NV];
  for (int v = 0; v < NV; ++v) {
    bv[v] = load(beta + 16 * v);
    for (int k = 0; k < 2; ++k) {
      pv[k][v] = load(p[k] + 16 * v);
      au[k][v] = load(user[k] + 16 * v);
      ah[k][v] = load(head[k] + 16 * v);
    }
  }
  for (int32_t i = 0; i < n_items; ++i) {
    const float d0 = coef[0][i], d1 = two ? coef[1][i] : 0.0f;
    const float* q = items + static_cast<int64_t>(i) * dim;
    for (int v = 0; v < NV; ++v) {
      const F16 qv = load(q + 16 * v);
      const F16 bq = bv[v] * qv;
      if (d0 != 0.0f) {
        au[0][v] = au[0][v] + d0 * bq;
        ah[0][v] = ah[0][v] + d0 * (pv[0][v] * qv);
      }
      if (d1 != 0.0f) {
        au[1][v] = au[1][v] + d1 * bq;
        ah[1][v] = ah[1][v] + d1 * (pv[1][v] * qv);
      }
    }
  }
  for (int k = 0; k < (two ? 2 : 1); ++k) {
    for (int v = 0; v < NV; ++v) {
      store(user[k] + 16 * v, au[k][v]);
      store(head[k] + 16 * v, ah[k][v]);
    }
  }
}

}  // namespace gradient_sums_detail

// out[i] (i in [i0, i1), rows of F floats, zero on entry) = sum over groups x, in order, of
// coef[x * ld + i] dr(u_x, i)/dq_i; users[x] is group x's user, ctx[x] its user context (F
// floats; GMF's blocked form reads it, the generic one the user's row).
template <class Scorer>
void item_gradient_sums(const Scorer& sc, const ModelView& m, const int32_t* users,
                        const float* /*ctx*/, const float* coef, int64_t ld, int32_t n_groups,
                        int32_t i0, int32_t i1, float* out) {
  for (int32_t x = 0; x < n_groups; ++x) {
    const float* p = m.user_row(users[x]);
    const float* d = coef + x * ld;
    for (int32_t i = i0; i < i1; ++i) {
      if (d[i] == 0.0f) continue;
      sc.add_score_gradient(p, m.item_row(i), d[i], nullptr, out + int64_t{i} * m.dim, nullptr);
    }
  }
}

inline void item_gradient_sums(const GmfScorer& sc, const ModelView& m, const int32_t* users,
                               const float* ctx, const float* coef, int64_t ld, int32_t n_groups,
                               int32_t i0, int32_t i1, float* out) {
  using namespace gradient_sums_detail;
  switch (m.dim) {
    case 16:
      return gmf_item_sums<1>(coef, ld, n_groups, ctx, i0, i1, out);
    case 32:
      return gmf_item_sums<2>(coef, ld, n_groups, ctx, i0, i1, out);
    case 64:
      return gmf_item_sums<4>(coef, ld, n_groups, ctx, i0, i1, out);
    default:
      item_gradient_sums<GmfScorer>(sc, m, users, ctx, coef, ld, n_groups, i0, i1, out);
  }
}

// For groups x in [x0, x1): user + x F (F floats) and head + x H (H floats) += sum over items
// i < n_items, in order, of coef[x * ld + i] dr(u_x, i)/dp_u and dr(u_x, i)/dhead, u_x =
// users[x].
template <class Scorer>
void user_gradient_sums(const Scorer& sc, const ModelView& m, int32_t n_items, const int32_t* users,
                        const float* coef, int64_t ld, int32_t x0, int32_t x1, float* user,
                        float* head) {
  for (int32_t x = x0; x < x1; ++x) {
    const float* p = m.user_row(users[x]);
    const float* d = coef + x * ld;
    float* out = user + int64_t{x} * m.dim;
    float* h = head + int64_t{x} * m.head_size;
    for (int32_t i = 0; i < n_items; ++i) {
      if (d[i] != 0.0f) sc.add_score_gradient(p, m.item_row(i), d[i], out, nullptr, h);
    }
  }
}

inline void user_gradient_sums(const GmfScorer& sc, const ModelView& m, int32_t n_items,
                               const int32_t* users, const float* coef, int64_t ld, int32_t x0,
                               int32_t x1, float* user, float* head) {
  using namespace gradient_sums_detail;
  const int dim = m.dim;
  if (dim != 16 && dim != 32 && dim != 64) {
    return user_gradient_sums<GmfScorer>(sc, m, n_items, users, coef, ld, x0, x1, user, head);
  }
  for (int32_t x = x0; x < x1; x += 2) {
    const bool two = x + 1 < x1;
    const int32_t y = two ? x + 1 : x;
    const float* c[2] = {coef + x * ld, coef + y * ld};
    const float* p[2] = {m.user_row(users[x]), m.user_row(users[y])};
    float* u[2] = {user + int64_t{x} * dim, user + int64_t{y} * dim};
    float* h[2] = {head + int64_t{x} * dim, head + int64_t{y} * dim};
    if (dim == 16) gmf_user_sums<1>(c, n_items, m.item, p, sc.beta, u, h, two);
    if (dim == 32) gmf_user_sums<2>(c, n_items, m.item, p, sc.beta, u, h, two);
    if (dim == 64) gmf_user_sums<4>(c, n_items, m.item, p, sc.beta, u, h, two);
  }
}

}  // namespace srns::cpu
