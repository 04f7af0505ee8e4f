// The MLP head's batch gradient from the pairs' factor records (cpu_ops.hpp: StepOutput with
// head_factored; MlpScorer::factor_size for the record), and the rows those records stand for.
//
// Element e of the head's sum is 0 + t_0[e] + t_1[e] + ... over the batch's pairs in order,
// t_n[e] = mlp_head_term(delta^P[o], x^P[j], delta^N[o], x^N[j]) of pair n's record (a bias:
// delta^P[o] + delta^N[o]): the terms pair_gradient writes into a head row and the order in
// which reduce_gradients sums rows, so the sum is the one over expanded rows bit for bit. It is
// computed without the rows: a pair's head row is about 6,800 floats for 64,32,16, its record
// about 550, so the rows' 27 MB per 1,000-pair batch were written and read back through memory.
// Work is split by (layer, block of kUnits units): the block's weight sums stay in registers
// (columns 16, 32 or 64 wide: the widths of the studies' towers) or a local buffer (others)
// while the pairs stream past.
#include <algorithm>

#include "cpu/cpu_ops.hpp"
#include "cpu/simd16.hpp"
#include "srns/mlp_scorer.hpp"

namespace srns::cpu {
namespace {

constexpr int kUnits = 8;
constexpr int kMaxColumns = kMaxDim > kMaxMlpWidth ? kMaxDim : kMaxMlpWidth;

// A layer's input columns [first, first + width) and where each tower's inputs for them are
// in a record: layer 0 has two (the user half: p_u for both towers; the item half: q_i, q_j),
// every other layer one.
struct Columns {
  int first, width;
  int64_t x_pos, x_neg;
};

int layer_columns(const MlpScorer& sc, int k, Columns* c) {
  if (k == 0) {
    c[0] = {0, sc.dim, 0, 0};
    c[1] = {sc.dim, sc.dim, sc.dim, 2 * static_cast<int64_t>(sc.dim)};
    return 2;
  }
  const int in = sc.in_width(k);
  c[0] = {0, in, sc.factor_inputs(k), sc.factor_inputs(k) + in};
  return 1;
}

// The sums of units [o0, o1) over columns c with the accumulators in registers: the columns in
// V sixteen-lane vectors, U units at a time (U V <= 16 vectors; the same terms, in the same
// order, as the scalar loop below).
template <int V, int U>
void unit_block_lanes(const StepOutput& out, int32_t n, const Columns& c, int64_t rec,
                      int64_t d_pos, int64_t d_neg, int o0, int o1, float* g_w, int64_t ld) {
  using simd::F16;
  for (int u0 = o0; u0 < o1; u0 += U) {
    const int m = o1 - u0 < U ? o1 - u0 : U;
    F16 acc[U][V] = {};
    for (int32_t x = 0; x < n; ++x) {
      const float* row = out.row(x);
      F16 xp[V], xn[V];
      for (int v = 0; v < V; ++v) {
        xp[v] = simd::load(row + rec + c.x_pos + 16 * v);
        xn[v] = simd::load(row + rec + c.x_neg + 16 * v);
      }
      for (int u = 0; u < U; ++u) {
        if (u >= m) break;
        const float dp = row[d_pos + u0 + u], dn = row[d_neg + u0 + u];
        for (int v = 0; v < V; ++v) acc[u][v] = acc[u][v] + (dp * xp[v] + dn * xn[v]);
      }
    }
    for (int u = 0; u < m; ++u) {
      for (int v = 0; v < V; ++v) simd::store(g_w + (u0 + u) * ld + c.first + 16 * v, acc[u][v]);
    }
  }
}

// Units [o0, o1) of layer k: their weight rows' and biases' sums over the n pairs.
void unit_block_sums(const MlpScorer& sc, const StepOutput& out, int32_t n, int k, int o0, int o1,
                     float* head) {
  const int64_t rec = 3 * static_cast<int64_t>(sc.dim);  // the record's place in a row
  const int units = sc.layer_units(k), in = sc.in_width(k);
  const int64_t d_pos = rec + sc.factor_deltas(k), d_neg = d_pos + units;
  float* g_w = head + sc.layer_offset(k);
  Columns cols[2];
  const int n_cols = layer_columns(sc, k, cols);
  for (int c = 0; c < n_cols; ++c) {
    const int w = cols[c].width;
    const auto lanes = w == 64   ? unit_block_lanes<4, 4>
                       : w == 32 ? unit_block_lanes<2, 8>
                       : w == 16 ? unit_block_lanes<1, 8>
                                 : nullptr;
    if (lanes) {
      lanes(out, n, cols[c], rec, d_pos, d_neg, o0, o1, g_w, in);
      continue;
    }
    float acc[kUnits][kMaxColumns];
    for (int o = 0; o < o1 - o0; ++o) std::fill(acc[o], acc[o] + w, 0.0f);
    for (int32_t x = 0; x < n; ++x) {
      const float* row = out.row(x);
      const float* xp = row + rec + cols[c].x_pos;
      const float* xn = row + rec + cols[c].x_neg;
      for (int o = o0; o < o1; ++o) {
        const float dp = row[d_pos + o], dn = row[d_neg + o];
        float* a = acc[o - o0];
        for (int j = 0; j < w; ++j) a[j] = a[j] + mlp_head_term(dp, xp[j], dn, xn[j]);
      }
    }
    for (int o = o0; o < o1; ++o) {
      std::copy(acc[o - o0], acc[o - o0] + w, g_w + static_cast<int64_t>(o) * in + cols[c].first);
    }
  }
  float* g_b = g_w + static_cast<int64_t>(units) * in;
  for (int o = o0; o < o1; ++o) {
    float s = 0.0f;
    for (int32_t x = 0; x < n; ++x) {
      const float* row = out.row(x);
      s = s + (row[d_pos + o] + row[d_neg + o]);
    }
    g_b[o] = s;
  }
}

}  // namespace

void StepOutput::size_for_pair_rows(int32_t pairs, const ModelView& model) {
  if (model.kind != ModelKind::kMlp) return size_for(pairs, model);
  size(pairs, 3 * static_cast<int64_t>(model.dim) + MlpScorer(model).factor_size(), true);
}

std::vector<float> StepOutput::full_rows(int32_t pairs, const ModelView& model) const {
  if (!head_factored) return std::vector<float>(grad.begin(), grad.begin() + pairs * stride);
  const MlpScorer sc(model);
  const int64_t full = model.grad_stride();
  const int64_t user_item = 3 * static_cast<int64_t>(model.dim);
  std::vector<float> rows(static_cast<size_t>(pairs) * full);
  for (int32_t k = 0; k < pairs; ++k) {
    float* to = rows.data() + k * full;
    std::copy(row(k), row(k) + user_item, to);
    sc.expand_factors(row(k) + user_item, to + user_item);
  }
  return rows;
}

void mlp_head_sums(const ModelView& model, const StepOutput& out, int32_t n, float* head,
                   int threads) {
  const MlpScorer sc(model);
  struct Task {
    int k, o0, o1;
  };
  std::vector<Task> tasks;
  for (int k = 0; k <= sc.shape.depth; ++k) {
    for (int o = 0; o < sc.layer_units(k); o += kUnits) {
      tasks.push_back({k, o, std::min(o + kUnits, sc.layer_units(k))});
    }
  }
  const int n_tasks = static_cast<int>(tasks.size());
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (int t = 0; t < n_tasks; ++t) {
    unit_block_sums(sc, out, n, tasks[t].k, tasks[t].o0, tasks[t].o1, head);
  }
}

}  // namespace srns::cpu
