// A validation set carved out of the training pairs of a pre-split dataset (NCF's ML-1M ships
// train and test only): for every user with at least two training pairs, one of them, drawn
// uniformly with the user's own Philox stream, moves to validation and gets its own sampled
// negatives (items outside the user's train, validation and test positives). Users with one
// training pair keep it.
#include <string>
#include <vector>

#include "srns/data.hpp"
#include "srns/rng.hpp"

namespace srns {
namespace {

constexpr uint32_t kCarveStream = 7;      // the draw of each user's validation item
constexpr uint32_t kCarvedNegStream = 3;  // its negatives (split.cpp uses 1 and 2)

}  // namespace

void carve_validation(Dataset* data, int32_t n_neg, uint64_t seed) {
  if (!data->val.empty()) {
    throw DataError(data->source + ": the split already has " +
                    std::to_string(data->val.rows.size()) +
                    " validation rows; --val-from-train carves one only where there is none");
  }
  std::vector<Pair> train, val;
  for (int32_t u = 0; u < data->n_users; ++u) {
    const int64_t len = data->train.row_size(u);
    int64_t pick = -1;
    if (len >= 2) {
      PhiloxStream s = make_stream(seed, kRngSplit, -1, kCarveStream, static_cast<uint32_t>(u));
      pick = s.below(static_cast<uint32_t>(len));
      val.push_back({u, data->train.row(u)[pick]});
    }
    for (int64_t x = 0; x < len; ++x) {
      if (x != pick) train.push_back({u, data->train.row(u)[x]});
    }
  }
  data->train = Csr::from_pairs(train, data->n_users);
  data->val.rows = std::move(val);
  std::vector<Pair> positives = train;
  positives.insert(positives.end(), data->val.rows.begin(), data->val.rows.end());
  positives.insert(positives.end(), data->test.rows.begin(), data->test.rows.end());
  sample_eval_negatives(data->val, Csr::from_pairs(positives, data->n_users), data->n_items, n_neg,
                        seed, kCarvedNegStream);
  data->protocol += " + validation carved from train";
  data->validate();
}

}  // namespace srns
