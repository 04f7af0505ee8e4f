// Host preparation of what a backend trains on: the false-negative share injected into SRNS
// memory and the truth set behind the label error ratio.
#include <algorithm>

#include "srns/rng.hpp"
#include "srns/sampler.hpp"
#include "srns/trainer.hpp"

namespace srns {
namespace {

// Union of two per-user sets (either may have no rows).
Csr merge_sets(const Csr& a, const Csr& b, int32_t n_users) {
  std::vector<Pair> pairs = a.to_pairs();
  const std::vector<Pair> more = b.to_pairs();
  pairs.insert(pairs.end(), more.begin(), more.end());
  return Csr::from_pairs(pairs, n_users);
}

// A seeded random share `sigma` (rounded) of each user's set.
Csr sigma_share(const Csr& sets, float sigma, uint64_t seed) {
  std::vector<Pair> kept;
  std::vector<int32_t> row;
  for (int32_t u = 0; u < sets.rows(); ++u) {
    row.assign(sets.row(u), sets.row(u) + sets.row_size(u));
    const int64_t keep = static_cast<int64_t>(sigma * static_cast<double>(row.size()) + 0.5);
    PhiloxStream s = make_stream(seed, kRngFnSubset, -1, 0u, static_cast<uint32_t>(u));
    for (int64_t x = 0; x < keep; ++x) {  // partial Fisher-Yates
      const int64_t pick = x + s.below(static_cast<uint32_t>(row.size() - x));
      std::swap(row[x], row[pick]);
      kept.push_back({u, row[x]});
    }
  }
  return Csr::from_pairs(kept, sets.rows());
}

}  // namespace

TrainingSet prepare_training_set(const Dataset& data, const TrainConfig& config) {
  TrainingSet set;
  set.data = &data;
  set.truth = data.truth;
  if (!config.srns.fn_file.empty()) {
    const Csr fn = read_user_items(config.srns.fn_file, data.n_users, data.n_items);
    set.truth = set.truth.empty() ? fn : merge_sets(set.truth, fn, data.n_users);
    const SamplerInfo* info = find_sampler(config.sampler);
    if (info && info->srns_memory && config.srns.fn_num > 0) {
      set.fn_sets = sigma_share(fn, config.srns.sigma, config.seed);
    }
  }
  return set;
}

}  // namespace srns
