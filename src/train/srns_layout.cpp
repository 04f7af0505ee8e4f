// SRNS state sizes and the history layout choice (srns_layout.hpp).
#include "train/srns_layout.hpp"

#include <unistd.h>

#include <cstdio>
#include <stdexcept>

namespace srns {

SrnsLayout plan_srns_layout(const Dataset& data, const TrainingSet& set, const TrainConfig& config,
                            bool with_history) {
  const SrnsConfig& c = config.srns;
  SrnsLayout l;
  l.history = with_history;
  l.half = with_history && c.history_precision == HistoryPrecision::kHalf;
  l.n_users = data.n_users;
  l.n_items = data.n_items;
  l.s1 = c.s1;
  l.window = c.window;
  l.pool_size = c.pool_size;
  l.n_train = data.train.nnz();
  l.n_tracked = l.n_train + set.fn_sets.nnz();
  if (c.history == HistoryMode::kDense) {
    l.dense = true;
  } else if (c.history == HistoryMode::kPooled) {
    l.dense = false;
  } else {
    l.dense = static_cast<int64_t>(data.n_items) <= static_cast<int64_t>(c.window) * c.pool_size;
  }
  return l;
}

SrnsView make_srns_view(const Dataset& data, const TrainingSet& set, const TrainConfig& config,
                        const SrnsLayout& layout) {
  SrnsView v{};
  v.n_users = data.n_users;
  v.n_items = data.n_items;
  v.dim = config.model.dim;
  v.s1 = config.srns.s1;
  v.s2 = config.srns.s2;
  v.window = config.srns.window;
  v.pool_size = config.srns.pool_size;
  v.fn_num = set.fn_sets.empty() ? 0 : config.srns.fn_num;
  v.seed = config.seed;
  v.inv_tau = 1.0f / config.srns.tau;
  v.dense = layout.dense;
  v.half = layout.half;
  v.raw_variance = config.srns.raw_variance;
  v.train_off = data.train.offsets.data();
  v.train_cols = data.train.cols.data();
  v.fn_off = set.fn_sets.empty() ? nullptr : set.fn_sets.offsets.data();
  v.fn_cols = set.fn_sets.empty() ? nullptr : set.fn_sets.cols.data();
  v.n_train = layout.n_train;
  v.n_tracked = layout.n_tracked;
  return v;
}

std::string format_bytes(int64_t bytes) {
  char buf[64];
  const double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.2f GiB", b / (1024.0 * 1024 * 1024));
  } else if (b >= 1024.0 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.1f MiB", b / (1024.0 * 1024));
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f KiB", b / 1024.0);
  }
  return buf;
}

void check_host_memory(const SrnsLayout& layout, int64_t scratch) {
  const int64_t pages = sysconf(_SC_PHYS_PAGES);
  const int64_t page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return;
  const int64_t total = pages * page;
  const int64_t need = layout.bytes() + scratch;
  if (need > total * 9 / 10) {
    const std::string what = !layout.history ? "no score history"
                             : layout.dense  ? "dense score history"
                                             : "pooled score history";
    const bool can_halve = layout.history && !layout.half;
    throw std::runtime_error("the SRNS state needs " + format_bytes(need) + " (" + what +
                             ") but this machine has " + format_bytes(total) +
                             " of memory; lower --pool-size" +
                             (layout.history ? std::string(" or --window") : std::string()) +
                             (layout.history && layout.dense ? ", or use --history pooled" : "") +
                             (can_halve ? ", or --history-precision half" : ""));
  }
}

}  // namespace srns
