// Evaluation of the backend's current model on the validation or test set (trainer.hpp).
// Sampled mode ranks each row against its saved negatives (one query per row); full mode
// ranks each user's targets against every item outside the user's training set and, for
// test, validation set (one query per user).
#include <stdexcept>

#include "srns/trainer.hpp"

namespace srns {

EvalMode eval_mode_for(const EvalConfig& eval, const EvalSet& set, bool test) {
  if (eval.mode == EvalMode::kAuto) {
    return set.has_negatives() ? EvalMode::kSampled : EvalMode::kFull;
  }
  if (eval.mode == EvalMode::kSampled && !set.has_negatives()) {
    throw std::invalid_argument(
        std::string("--eval sampled needs sampled negatives for the ") +
        (test ? "test" : "validation") + " rows (" + (test ? "test_neg.tsv" : "val_neg.tsv") +
        "); make the split with `srns split --eval-negatives N` or use --eval full");
  }
  return eval.mode;
}

Metrics evaluate(Backend& backend, const Dataset& data, const EvalConfig& eval, bool test,
                 std::string* mode_used) {
  const EvalSet& set = test ? data.test : data.val;
  const EvalMode mode = eval_mode_for(eval, set, test);
  if (mode_used) *mode_used = to_string(mode);
  if (set.empty()) return {};
  if (mode == EvalMode::kSampled) {
    const std::vector<RankCount> ranks = backend.rank_sampled(set);
    std::vector<int64_t> offsets(ranks.size() + 1);
    for (size_t q = 0; q < offsets.size(); ++q) offsets[q] = static_cast<int64_t>(q);
    return compute_metrics(ranks, offsets, eval.ks, eval.ties);
  }
  const Csr targets = Csr::from_pairs(set.rows, data.n_users);
  const Csr exclude =
      test && !data.val.empty() ? Csr::from_pairs(data.val.rows, data.n_users) : Csr();
  const std::vector<RankCount> ranks = backend.rank_full(targets, exclude);
  return compute_metrics(ranks, targets.offsets, eval.ks, eval.ties);
}

}  // namespace srns
