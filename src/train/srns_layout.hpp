// Sizes of the SRNS state (pools, memory, score history) and the choice between the dense
// and pooled history layouts (sampler.hpp), shared by both backends.
#pragma once
#include <cstdint>
#include <string>

#include "srns/backend.hpp"
#include "srns/samplers/srns.hpp"

namespace srns {

struct SrnsLayout {
  bool history = true;  // a score history is kept (SRNS); random-from-memory keeps none
  bool dense = false;
  bool half = false;  // history values are binary16 (2 bytes), else float (4)
  int32_t n_users = 0, n_items = 0, s1 = 0, window = 0, pool_size = 0;
  int64_t n_train = 0;    // training pairs (tracked items come first)
  int64_t n_tracked = 0;  // training pairs + false-negative set entries

  int64_t pool_elems() const { return static_cast<int64_t>(n_users) * pool_size; }
  // Scores of one record: U x I (dense), or the W pools' U x V (pooled). The history holds W
  // records, interleaved ([U][I][W] or [W][U][V][W], srns.hpp).
  int64_t record_elems() const {
    if (!history) return 0;
    return dense ? static_cast<int64_t>(n_users) * n_items : window * pool_elems();
  }
  int64_t hist_elems() const { return window * record_elems(); }
  int64_t tracked_elems() const { return history && !dense ? window * n_tracked : 0; }
  int64_t value_bytes() const { return half ? 2 : 4; }
  // The pooled history keeps the pipeline's W + 1 pools; otherwise only the current one.
  int64_t pools_stored() const { return history && !dense ? window + 1 : 1; }
  // Bytes of all SRNS state: pools, memory, history.
  int64_t bytes() const {
    return 4 * (pools_stored() * pool_elems() + static_cast<int64_t>(n_users) * s1) +
           value_bytes() * (hist_elems() + tracked_elems());
  }
};

// Picks the layout: dense when forced, or (auto) when I <= W*V, i.e. scoring every (u, i)
// costs no more than scoring the W pools of every user. Without history only pools and
// memory are kept.
SrnsLayout plan_srns_layout(const Dataset& data, const TrainingSet& set, const TrainConfig& config,
                            bool with_history);

// The view's sizes and CSR pointers (host); pool and history pointers are left for the
// backend to fill.
SrnsView make_srns_view(const Dataset& data, const TrainingSet& set, const TrainConfig& config,
                        const SrnsLayout& layout);

// Throws std::runtime_error with needed vs available bytes when the SRNS state (and `scratch`
// bytes a backend keeps beside it) cannot fit in this machine's memory.
void check_host_memory(const SrnsLayout& layout, int64_t scratch = 0);

std::string format_bytes(int64_t bytes);

}  // namespace srns
