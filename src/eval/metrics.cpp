// Recall@k and NDCG@k from per-target rank counts (metrics.hpp states the formulas).
#include "srns/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace srns {

void parse_metric_name(const std::string& name, std::string* kind, int* k) {
  const size_t at = name.find('@');
  const std::string head = name.substr(0, at);
  if (at == std::string::npos || (head != "recall" && head != "ndcg")) {
    throw std::invalid_argument("unknown metric '" + name + "' (expected recall@K or ndcg@K)");
  }
  const std::string digits = name.substr(at + 1);
  try {
    size_t used = 0;
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
      throw std::invalid_argument("k");
    }
    *k = std::stoi(digits, &used);
    if (*k <= 0) throw std::invalid_argument("k");
  } catch (const std::exception&) {
    throw std::invalid_argument("metric '" + name + "' needs a positive cut-off after '@'");
  }
  *kind = head;
}

Metrics compute_metrics(const std::vector<RankCount>& ranks,
                        const std::vector<int64_t>& query_offsets, const std::vector<int>& ks,
                        Ties ties) {
  const int64_t n_queries = static_cast<int64_t>(query_offsets.size()) - 1;
  std::vector<double> recall(ks.size(), 0.0), ndcg(ks.size(), 0.0);
  std::vector<int64_t> query_ranks;
  for (int64_t q = 0; q < n_queries; ++q) {
    const int64_t begin = query_offsets[q], end = query_offsets[q + 1];
    const int64_t n_targets = end - begin;
    if (n_targets == 0) continue;
    query_ranks.clear();
    for (int64_t t = begin; t < end; ++t) {
      const RankCount& r = ranks[t];
      query_ranks.push_back(ties == Ties::kOptimistic ? r.greater : r.greater + r.equal);
    }
    for (size_t c = 0; c < ks.size(); ++c) {
      const int64_t k = ks[c];
      double hits = 0.0, dcg = 0.0, idcg = 0.0;
      for (int64_t rank : query_ranks) {
        if (rank < k) {
          hits += 1.0;
          dcg += 1.0 / std::log2(static_cast<double>(rank) + 2.0);
        }
      }
      const int64_t ideal = std::min<int64_t>(k, n_targets);
      for (int64_t r = 0; r < ideal; ++r) idcg += 1.0 / std::log2(static_cast<double>(r) + 2.0);
      recall[c] += hits / static_cast<double>(ideal);
      ndcg[c] += dcg / idcg;
    }
  }
  int64_t counted = 0;
  for (int64_t q = 0; q < n_queries; ++q) counted += query_offsets[q + 1] > query_offsets[q];
  Metrics out;
  for (size_t c = 0; c < ks.size(); ++c) {
    const std::string k = std::to_string(ks[c]);
    out["recall@" + k] = counted ? recall[c] / static_cast<double>(counted) : 0.0;
    out["ndcg@" + k] = counted ? ndcg[c] / static_cast<double>(counted) : 0.0;
  }
  return out;
}

}  // namespace srns
