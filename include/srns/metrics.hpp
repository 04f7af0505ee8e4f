// Ranking metrics from ranks.
//
// A backend reports, for every target, how many competing candidates score strictly higher
// (`greater`) and exactly equal (`equal`). The 0-based rank is greater + equal under
// pessimistic ties (default: a constant model scores zero) or greater alone under optimistic
// ties (the official SRNS evaluator). With G the user's (or row's) targets and k a cut-off:
//   Recall@k = hits@k / min(k, |G|)
//   NDCG@k   = sum over targets with rank < k of 1/log2(rank+2), divided by
//              sum_{r < min(k,|G|)} 1/log2(r+2)
// Metrics are averaged over queries (a sampled row, or a user under full ranking).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "srns/config.hpp"

namespace srns {

struct RankCount {
  int32_t greater = 0;
  int32_t equal = 0;
};

// Metrics keyed like "ndcg@1", "recall@3".
using Metrics = std::map<std::string, double>;

// query_offsets: targets of query q are ranks[query_offsets[q] .. query_offsets[q+1]).
Metrics compute_metrics(const std::vector<RankCount>& ranks,
                        const std::vector<int64_t>& query_offsets, const std::vector<int>& ks,
                        Ties ties);

// Parses "ndcg@10" / "recall@1"; throws std::invalid_argument otherwise.
void parse_metric_name(const std::string& name, std::string* kind, int* k);

}  // namespace srns
