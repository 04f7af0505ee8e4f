// A pair's loss and gradient row as the CPU writes it into a StepOutput sized by
// size_for_pair_rows (cpu_ops.hpp): the scorer's pair_gradient (scorer.hpp), except that the
// MLP writes its head as the pair's factor record (MlpScorer::pair_gradient_factored): its
// [user | pos | neg] floats are pair_gradient's, and its head row is recovered bit for bit by
// expand_factors or summed over the batch by mlp_head_sums.
//   pair_row          with the pair's scores r_pos, r_neg given (the caller scored it)
//   score_pair_row    scoring the pair first (score_one), or, for the MLP, by the gradient's
//                     own tower passes (the same r_pos, r_neg as score())
#pragma once
#include "cpu/score_many.hpp"
#include "srns/mlp_scorer.hpp"

namespace srns::cpu {

template <class Scorer>
float pair_row(const Scorer& sc, const float* p, const float* qi, const float* qj, int loss_kind,
               float reg, float r_pos, float r_neg, float* row) {
  return sc.pair_gradient(p, qi, qj, loss_kind, reg, r_pos, r_neg, row);
}
inline float pair_row(const MlpScorer& sc, const float* p, const float* qi, const float* qj,
                      int loss_kind, float reg, float r_pos, float r_neg, float* row) {
  return sc.pair_gradient_factored(p, qi, qj, loss_kind, reg, r_pos, r_neg, row,
                                   row + 3 * static_cast<int64_t>(sc.dim));
}

template <class Scorer>
float score_pair_row(const Scorer& sc, const float* p, const float* qi, const float* qj,
                     int loss_kind, float reg, float* row) {
  float ctx[kMaxDim];
  sc.user_context(p, ctx);
  const float r_pos = score_one(sc, ctx, qi);
  const float r_neg = score_one(sc, ctx, qj);
  return pair_row(sc, p, qi, qj, loss_kind, reg, r_pos, r_neg, row);
}
inline float score_pair_row(const MlpScorer& sc, const float* p, const float* qi, const float* qj,
                            int loss_kind, float reg, float* row) {
  return sc.pair_gradient_scoring_factored(p, qi, qj, loss_kind, reg, row,
                                           row + 3 * static_cast<int64_t>(sc.dim));
}

}  // namespace srns::cpu
