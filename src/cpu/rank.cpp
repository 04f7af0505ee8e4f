// Evaluation ranking on the CPU (reference for kernels/rank.cu).
//
// Sampled: a row's target against its N negatives: greater = #{n : r_n > r_t},
// equal = #{n : r_n == r_t}. Full: a user's candidates are all items outside the training
// row and the exclude row; each target is counted against the candidates other than itself.
// The user's candidate scores are sorted once, so each target costs two binary searches.
// Scores come sixteen items at a time (score_many.hpp), bit for bit the scorer's score().
#include <algorithm>
#include <vector>

#include "cpu/cpu_ops.hpp"
#include "cpu/score_many.hpp"

namespace srns::cpu {

std::vector<RankCount> rank_sampled(const ModelView& model, const EvalSet& set, int threads) {
  const int64_t n_rows = static_cast<int64_t>(set.rows.size());
  std::vector<RankCount> out(n_rows);
  with_scorer(model, [&](const auto& sc) {
#pragma omp parallel num_threads(threads)
    {
      std::vector<float> scores(set.n_neg);
#pragma omp for schedule(static)
      for (int64_t r = 0; r < n_rows; ++r) {
        const Pair row = set.rows[r];
        float ctx[kMaxDim];
        sc.user_context(model.user_row(row.user), ctx);
        const float target = score_one(sc, ctx, model.item_row(row.item));
        score_items(sc, ctx, model, set.negatives.data() + r * set.n_neg, set.n_neg, scores.data());
        RankCount c;
        for (int32_t n = 0; n < set.n_neg; ++n) {
          c.greater += scores[n] > target;
          c.equal += scores[n] == target;
        }
        out[r] = c;
      }
    }
  });
  return out;
}

std::vector<RankCount> rank_full(const ModelView& model, int32_t n_items, const Csr& train,
                                 const Csr& targets, const Csr& exclude, int threads) {
  const int32_t n_users = targets.rows();
  std::vector<RankCount> out(targets.nnz());
  with_scorer(model, [&](const auto& sc) {
#pragma omp parallel num_threads(threads)
    {
      std::vector<float> all(n_items), cand;
      std::vector<uint8_t> excluded(n_items, 0);
#pragma omp for schedule(dynamic, 16)
      for (int32_t u = 0; u < n_users; ++u) {
        if (targets.row_size(u) == 0) continue;
        float ctx[kMaxDim];
        sc.user_context(model.user_row(u), ctx);
        score_range(sc, ctx, model, 0, n_items, all.data());
        const bool has_exclude = u < exclude.rows();
        for (int64_t x = 0; x < train.row_size(u); ++x) excluded[train.row(u)[x]] = 1;
        if (has_exclude) {
          for (int64_t x = 0; x < exclude.row_size(u); ++x) excluded[exclude.row(u)[x]] = 1;
        }
        cand.clear();
        for (int32_t i = 0; i < n_items; ++i) {
          if (!excluded[i]) cand.push_back(all[i]);
        }
        std::sort(cand.begin(), cand.end());
        for (int64_t t = targets.offsets[u]; t < targets.offsets[u + 1]; ++t) {
          const int32_t item = targets.cols[t];
          const float s = all[item];
          const auto lo = std::lower_bound(cand.begin(), cand.end(), s);
          const auto hi = std::upper_bound(cand.begin(), cand.end(), s);
          RankCount c;
          c.greater = static_cast<int32_t>(cand.end() - hi);
          c.equal = static_cast<int32_t>(hi - lo) - (excluded[item] ? 0 : 1);
          out[t] = c;
        }
        for (int64_t x = 0; x < train.row_size(u); ++x) excluded[train.row(u)[x]] = 0;
        if (has_exclude) {
          for (int64_t x = 0; x < exclude.row_size(u); ++x) excluded[exclude.row(u)[x]] = 0;
        }
      }
    }
  });
  return out;
}

}  // namespace srns::cpu
