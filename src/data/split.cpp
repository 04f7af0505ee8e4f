// From a raw interaction log to a Dataset: dense ids, the split, and evaluation negatives.
//
// Dense ids follow first appearance in the log. Each user's rows are gathered in log order
// (a repeated item keeps its latest row), then either
//   leave-one-out by time: rows ordered by (time, item), where equal times order the raw item
//     ids numerically when both are integers (the larger is later), lexicographically when
//     neither is, and a numeric id before a non-numeric one; last -> test, second last -> val,
//     the rest -> train; users with fewer than 3 rows keep them all in train; or
//   ratio: rows shuffled by Fisher-Yates on Philox stream (seed, kRngSplit, 0, 0, user), then
//     n_train = max(1, round(train_share * n)), n_val = round(val_share * n), test the rest.
// Evaluation negatives of row r are n distinct items outside the user's positives (train, val
// and test), drawn by rejection from stream (seed, kRngEvalNeg, stream_id, 0, r): stream 1 for
// validation, 2 for test, so the two lists are independent.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "srns/data.hpp"
#include "srns/rng.hpp"
#include "text_io.hpp"

namespace srns {
namespace {

constexpr uint32_t kValStream = 1;
constexpr uint32_t kTestStream = 2;

// How a raw item id sorts among equal timestamps.
struct ItemKey {
  bool numeric = false;
  int64_t value = 0;
  const std::string* raw = nullptr;
};

bool item_earlier(const ItemKey& a, const ItemKey& b) {
  if (a.numeric != b.numeric) return a.numeric;
  if (a.numeric && a.value != b.value) return a.value < b.value;
  return *a.raw < *b.raw;
}

void check_options(const SplitOptions& options) {
  if (options.eval_negatives < 0) {
    throw std::invalid_argument("eval_negatives must be >= 0, got " +
                                std::to_string(options.eval_negatives));
  }
  if (options.protocol != SplitProtocol::kRatio) return;
  const double test_share = 1.0 - options.train_share - options.val_share;
  const bool in_unit = options.train_share >= 0.0 && options.train_share <= 1.0 &&
                       options.val_share >= 0.0 && options.val_share <= 1.0;
  if (!in_unit || test_share < -1e-9) {
    throw std::invalid_argument("ratio split shares must lie in [0, 1] and sum to 1: train " +
                                std::to_string(options.train_share) + ", val " +
                                std::to_string(options.val_share) + ", test " +
                                std::to_string(test_share));
  }
}

// Dense ids by first appearance, and each row's (user, item) in dense ids.
struct DenseLog {
  std::vector<std::string> user_raw, item_raw;
  std::vector<Pair> rows;
};

DenseLog densify(const InteractionLog& log) {
  DenseLog dense;
  text::IdInterner users, items;
  dense.rows.reserve(log.rows.size());
  for (const LogRow& row : log.rows)
    dense.rows.push_back({users.intern(row.user), items.intern(row.item)});
  dense.user_raw.reserve(users.size());
  for (int32_t u = 0; u < users.size(); ++u) dense.user_raw.emplace_back(users.key(u));
  dense.item_raw.reserve(items.size());
  for (int32_t i = 0; i < items.size(); ++i) dense.item_raw.emplace_back(items.key(i));
  return dense;
}

// Row indices grouped by user in log order; a repeated (user, item) keeps its latest row.
struct UserRows {
  std::vector<int64_t> offsets;
  std::vector<int64_t> rows;
};

UserRows group_by_user(const InteractionLog& log, const DenseLog& dense) {
  const int32_t n_users = static_cast<int32_t>(dense.user_raw.size());
  const int32_t n_items = static_cast<int32_t>(dense.item_raw.size());
  UserRows grouped;
  grouped.offsets.assign(static_cast<size_t>(n_users) + 1, 0);
  for (const Pair& p : dense.rows) ++grouped.offsets[p.user + 1];
  for (int32_t u = 0; u < n_users; ++u) grouped.offsets[u + 1] += grouped.offsets[u];
  std::vector<int64_t> fill(grouped.offsets.begin(), grouped.offsets.end() - 1);
  grouped.rows.resize(dense.rows.size());
  for (size_t r = 0; r < dense.rows.size(); ++r) {
    grouped.rows[fill[dense.rows[r].user]++] = static_cast<int64_t>(r);
  }

  std::vector<int32_t> owner(n_items, -1);
  std::vector<int64_t> slot(n_items, 0);
  int64_t write = 0;
  for (int32_t u = 0; u < n_users; ++u) {
    const int64_t begin = grouped.offsets[u], end = grouped.offsets[u + 1];
    grouped.offsets[u] = write;
    for (int64_t k = begin; k < end; ++k) {
      const int64_t r = grouped.rows[k];
      const int32_t item = dense.rows[r].item;
      if (owner[item] != u) {
        owner[item] = u;
        slot[item] = write;
        grouped.rows[write++] = r;
      } else if (log.rows[r].time >= log.rows[grouped.rows[slot[item]]].time) {
        grouped.rows[slot[item]] = r;
      }
    }
  }
  grouped.offsets[n_users] = write;
  grouped.rows.resize(write);
  return grouped;
}

std::vector<ItemKey> item_keys(const DenseLog& dense) {
  std::vector<ItemKey> keys(dense.item_raw.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    keys[i].raw = &dense.item_raw[i];
    keys[i].numeric = text::parse_int64(dense.item_raw[i], &keys[i].value);
  }
  return keys;
}

bool by_user_item(const Pair& a, const Pair& b) {
  return a.user != b.user ? a.user < b.user : a.item < b.item;
}

// Orders one user's rows oldest first (equal times by item_earlier).
void order_by_time(int64_t* rows, int64_t n, const InteractionLog& log, const DenseLog& dense,
                   const std::vector<ItemKey>& keys) {
  std::sort(rows, rows + n, [&](int64_t a, int64_t b) {
    if (log.rows[a].time != log.rows[b].time) return log.rows[a].time < log.rows[b].time;
    return item_earlier(keys[dense.rows[a].item], keys[dense.rows[b].item]);
  });
}

// Fisher-Yates shuffle of one user's rows on the user's split stream.
void shuffle_rows(int64_t* rows, int64_t n, uint64_t seed, int32_t user) {
  PhiloxStream stream = make_stream(seed, kRngSplit, 0, 0u, static_cast<uint32_t>(user));
  for (int64_t k = n - 1; k > 0; --k) {
    std::swap(rows[k], rows[stream.below(static_cast<uint32_t>(k + 1))]);
  }
}

// Samples validation and test negatives outside each user's train, val and test items.
void add_eval_negatives(Dataset* data, const std::vector<Pair>& train, const std::string& source,
                        const SplitOptions& options) {
  const int32_t n_neg = options.eval_negatives;
  std::vector<Pair> positives = train;
  positives.insert(positives.end(), data->val.rows.begin(), data->val.rows.end());
  positives.insert(positives.end(), data->test.rows.begin(), data->test.rows.end());
  const Csr exclude = Csr::from_pairs(positives, data->n_users);
  for (const EvalSet* set : {&data->val, &data->test}) {
    for (const Pair& p : set->rows) {
      const int64_t candidates = data->n_items - exclude.row_size(p.user);
      if (candidates < n_neg) {
        throw DataError(source + ": user '" + data->user_raw[p.user] + "' has only " +
                        std::to_string(candidates) + " of " + std::to_string(data->n_items) +
                        " items never interacted with, fewer than the " + std::to_string(n_neg) +
                        " evaluation negatives asked for; use a smaller --eval-negatives");
      }
    }
  }
  if (!data->val.empty()) {
    sample_eval_negatives(data->val, exclude, data->n_items, n_neg, options.seed, kValStream);
  }
  if (!data->test.empty()) {
    sample_eval_negatives(data->test, exclude, data->n_items, n_neg, options.seed, kTestStream);
  }
}

}  // namespace

void sample_eval_negatives(EvalSet& set, const Csr& exclude, int32_t n_items, int32_t n,
                           uint64_t seed, uint32_t stream_id) {
  if (n < 0) throw std::invalid_argument("negative count of evaluation negatives");
  set.negatives.clear();
  set.n_neg = n;
  if (n == 0) return;
  for (const Pair& p : set.rows) {
    if (p.user < 0 || p.user >= exclude.rows()) {
      throw DataError("evaluation row of user " + std::to_string(p.user) +
                      " has no row in the exclusion sets (" + std::to_string(exclude.rows()) +
                      " users)");
    }
    const int64_t candidates = n_items - exclude.row_size(p.user);
    if (candidates < n) {
      throw DataError("user " + std::to_string(p.user) + " has only " + std::to_string(candidates) +
                      " items to draw from, fewer than " + std::to_string(n) +
                      " evaluation negatives; use a smaller --eval-negatives");
    }
  }
  const int64_t n_rows = static_cast<int64_t>(set.rows.size());
  set.negatives.resize(static_cast<size_t>(n_rows) * n);
#pragma omp parallel
  {
    // excluded_for[c] == u: item c is a positive of user u (marked when the user changes);
    // chosen[c] == r: item c is already among row r's negatives.
    std::vector<int32_t> excluded_for(n_items, -1);
    std::vector<int64_t> chosen(n_items, -1);
    int32_t marked_user = -1;
#pragma omp for schedule(static)
    for (int64_t r = 0; r < n_rows; ++r) {
      const int32_t user = set.rows[r].user;
      if (user != marked_user) {
        for (int64_t k = 0; k < exclude.row_size(user); ++k) {
          const int32_t c = exclude.row(user)[k];
          if (c >= 0 && c < n_items) excluded_for[c] = user;
        }
        marked_user = user;
      }
      int32_t* out = set.negatives.data() + r * n;
      PhiloxStream stream = make_stream(seed, kRngEvalNeg, stream_id, 0u, static_cast<uint32_t>(r));
      for (int32_t k = 0; k < n;) {
        const int32_t c = static_cast<int32_t>(stream.below(static_cast<uint32_t>(n_items)));
        if (excluded_for[c] == user || chosen[c] == r) continue;
        chosen[c] = r;
        out[k++] = c;
      }
    }
  }
}

Dataset split_log(const InteractionLog& log, const SplitOptions& options) {
  check_options(options);
  if (log.rows.empty()) throw DataError(log.path + ": no interactions to split");
  const bool loo = options.protocol == SplitProtocol::kLeaveOneOut;
  if (loo && !log.has_time) {
    throw DataError(log.path +
                    ": leave-one-out by time needs timestamps, and this log has none; give the "
                    "time column or use the ratio protocol");
  }
  DenseLog dense = densify(log);
  UserRows grouped = group_by_user(log, dense);
  const std::vector<ItemKey> keys = item_keys(dense);

  Dataset data;
  data.source = log.path;
  data.protocol = loo ? "loo" : "ratio";
  data.n_users = static_cast<int32_t>(dense.user_raw.size());
  data.n_items = static_cast<int32_t>(dense.item_raw.size());
  std::vector<Pair> train;
  train.reserve(grouped.rows.size());
  for (int32_t u = 0; u < data.n_users; ++u) {
    int64_t* rows = grouped.rows.data() + grouped.offsets[u];
    const int64_t n = grouped.offsets[u + 1] - grouped.offsets[u];
    int64_t n_train = n, n_val = 0;
    if (loo) {
      order_by_time(rows, n, log, dense, keys);
      if (n >= 3) {
        n_train = n - 2;
        n_val = 1;
      }
    } else {
      shuffle_rows(rows, n, options.seed, u);
      const auto share_of = [n](double share) {
        return static_cast<int64_t>(std::llround(share * static_cast<double>(n)));
      };
      n_train = std::min(std::max<int64_t>(1, share_of(options.train_share)), n);
      n_val = std::min(share_of(options.val_share), n - n_train);
    }
    for (int64_t k = 0; k < n; ++k) {
      const Pair p = dense.rows[rows[k]];
      if (k < n_train) {
        train.push_back(p);
      } else if (k < n_train + n_val) {
        data.val.rows.push_back(p);
      } else {
        data.test.rows.push_back(p);
      }
    }
  }
  if (data.val.empty() && data.test.empty() && !options.allow_no_eval) {
    throw DataError(
        log.path + ": the split would have no validation and no test rows: " +
        (loo ? "all " + std::to_string(data.n_users) +
                   " users have fewer than 3 interactions, and leave-one-out keeps such users "
                   "wholly in train"
             : std::string("the --ratio shares round every user's held-out part to 0 rows")) +
        ". Nothing could be evaluated; use --train-only to write a train-only split anyway");
  }
  std::sort(data.val.rows.begin(), data.val.rows.end(), by_user_item);
  std::sort(data.test.rows.begin(), data.test.rows.end(), by_user_item);
  data.train = Csr::from_pairs(train, data.n_users);
  data.user_raw = std::move(dense.user_raw);
  data.item_raw = std::move(dense.item_raw);
  if (options.eval_negatives > 0) add_eval_negatives(&data, train, log.path, options);
  data.validate();
  return data;
}

}  // namespace srns
