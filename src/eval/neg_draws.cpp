// Sampled metrics over several negative draws (trainer.hpp: evaluate_over_draws).
//
// A sampled metric depends on which negatives were drawn for each row: two models within a
// standard deviation of the draw can swap places on another draw. Draw 0 is the split's own
// negatives (what `evaluate` ranks); draw d = 1 .. K-1 gives every row as many fresh negatives,
// sampled without replacement from the items the user has in none of train, validation and test
// (split.cpp's sample_eval_negatives), on the Philox stream
//   (seed = --neg-seed, purpose kRngEvalNeg, stream 16 + 2d + (test ? 1 : 0), row)
// so the draws depend on neither the model nor the training seed, and every model of a split
// is ranked against the same K draws (paired comparisons). Reported: per metric the mean and
// the sample sd (n - 1) over the K draws, and each draw's metrics.
#include <cmath>
#include <stdexcept>

#include "srns/trainer.hpp"

namespace srns {

MetricsOverDraws evaluate_over_draws(Backend& backend, const Dataset& data, const EvalConfig& eval,
                                     bool test) {
  const EvalSet& split = test ? data.test : data.val;
  if (!split.has_negatives() || eval.mode == EvalMode::kFull) {
    throw std::invalid_argument(
        "--neg-draws needs sampled evaluation: the split's rows must have sampled negatives");
  }
  if (eval.neg_draws < 1) throw std::invalid_argument("--neg-draws must be at least 1");
  EvalConfig sampled = eval;
  sampled.mode = EvalMode::kSampled;
  MetricsOverDraws out;
  out.draws = eval.neg_draws;
  out.seed = eval.neg_seed;
  out.per_draw.push_back(evaluate(backend, data, sampled, test, nullptr));
  if (eval.neg_draws > 1) {
    std::vector<Pair> known = data.train.to_pairs();
    known.insert(known.end(), data.val.rows.begin(), data.val.rows.end());
    known.insert(known.end(), data.test.rows.begin(), data.test.rows.end());
    const Csr exclude = Csr::from_pairs(known, data.n_users);
    for (int d = 1; d < eval.neg_draws; ++d) {
      Dataset fresh;
      fresh.n_users = data.n_users;
      fresh.n_items = data.n_items;
      EvalSet& set = test ? fresh.test : fresh.val;
      set.rows = split.rows;
      sample_eval_negatives(set, exclude, data.n_items, split.n_neg, eval.neg_seed,
                            16u + 2u * static_cast<uint32_t>(d) + (test ? 1u : 0u));
      out.per_draw.push_back(evaluate(backend, fresh, sampled, test, nullptr));
    }
  }
  for (const auto& [name, value] : out.per_draw.front()) {
    double sum = 0;
    for (const Metrics& m : out.per_draw) sum += m.at(name);
    const double mean = sum / out.draws;
    double sq = 0;
    for (const Metrics& m : out.per_draw) sq += (m.at(name) - mean) * (m.at(name) - mean);
    out.mean[name] = mean;
    out.sd[name] = out.draws > 1 ? std::sqrt(sq / (out.draws - 1)) : 0.0;
  }
  return out;
}

}  // namespace srns
