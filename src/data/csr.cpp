// Per-user item sets in compressed rows (Csr) and the invariants of a Dataset.
//
// Csr::from_pairs is a two-pass counting sort (by column, then stably by row) followed by
// deduplication: O(N + rows + columns) for N pairs, and the rows come out sorted and free of
// duplicates, as every consumer (binary-search membership on both backends) assumes.
#include <algorithm>
#include <string>

#include "srns/data.hpp"
#include "srns/draws.hpp"

namespace srns {
namespace {

std::string user_name(const Dataset& data, int32_t user) {
  std::string name = "user " + std::to_string(user);
  if (static_cast<size_t>(user) < data.user_raw.size()) {
    name += " (raw id '" + data.user_raw[user] + "')";
  }
  return name;
}

// Offsets well formed, rows sorted without duplicates, columns in [0, n_cols).
void check_csr(const Csr& csr, int32_t n_cols, const std::string& what) {
  if (csr.offsets.empty() || csr.offsets.front() != 0 ||
      csr.offsets.back() != static_cast<int64_t>(csr.cols.size())) {
    throw DataError(what + ": malformed offsets");
  }
  for (int32_t r = 0; r < csr.rows(); ++r) {
    if (csr.offsets[r + 1] < csr.offsets[r]) throw DataError(what + ": offsets decrease");
    const int32_t* row = csr.row(r);
    for (int64_t k = 0; k < csr.row_size(r); ++k) {
      if (row[k] < 0 || row[k] >= n_cols) {
        throw DataError(what + ": row " + std::to_string(r) + " holds item " +
                        std::to_string(row[k]) + ", outside [0, " + std::to_string(n_cols) + ")");
      }
      if (k > 0 && row[k] <= row[k - 1]) {
        throw DataError(what + ": row " + std::to_string(r) + " is not sorted or repeats " +
                        std::to_string(row[k]));
      }
    }
  }
}

void check_eval_set(const EvalSet& set, const Dataset& data, const std::string& what) {
  for (size_t k = 0; k < set.rows.size(); ++k) {
    const Pair& p = set.rows[k];
    if (p.user < 0 || p.user >= data.n_users || p.item < 0 || p.item >= data.n_items) {
      throw DataError(what + " row " + std::to_string(k) + ": (user " + std::to_string(p.user) +
                      ", item " + std::to_string(p.item) + ") outside " +
                      std::to_string(data.n_users) + " users x " + std::to_string(data.n_items) +
                      " items");
    }
  }
  if (set.n_neg < 0) throw DataError(what + ": negative count " + std::to_string(set.n_neg));
  const size_t expected = set.rows.size() * static_cast<size_t>(set.n_neg);
  if (set.negatives.size() != expected) {
    throw DataError(what + ": " + std::to_string(set.negatives.size()) + " negatives for " +
                    std::to_string(set.rows.size()) + " rows x " + std::to_string(set.n_neg));
  }
  for (size_t k = 0; k < set.negatives.size(); ++k) {
    if (set.negatives[k] < 0 || set.negatives[k] >= data.n_items) {
      throw DataError(what + " row " + std::to_string(k / set.n_neg) + ": negative item " +
                      std::to_string(set.negatives[k]) + " outside [0, " +
                      std::to_string(data.n_items) + ")");
    }
  }
}

}  // namespace

int64_t rows_with_target_negative(const EvalSet& set) {
  int64_t rows = 0;
  for (size_t r = 0; r < set.rows.size(); ++r) {
    const int32_t* negs = set.negatives.data() + r * set.n_neg;
    rows += std::find(negs, negs + set.n_neg, set.rows[r].item) != negs + set.n_neg;
  }
  return rows;
}

bool Csr::contains(int32_t r, int32_t c) const {
  if (r < 0 || r >= rows()) return false;
  return sorted_contains(row(r), row_size(r), c);
}

Csr Csr::from_pairs(const std::vector<Pair>& pairs, int32_t n_rows) {
  if (n_rows < 0) throw DataError("Csr::from_pairs: negative row count");
  int32_t max_col = -1;
  for (const Pair& p : pairs) {
    if (p.user < 0 || p.user >= n_rows || p.item < 0) {
      throw DataError("pair (user " + std::to_string(p.user) + ", item " + std::to_string(p.item) +
                      ") outside " + std::to_string(n_rows) + " rows or negative");
    }
    max_col = std::max(max_col, p.item);
  }
  // Pass 1: rows of the pairs grouped by column (counting sort on the item).
  std::vector<int64_t> col_offsets(static_cast<size_t>(max_col) + 2, 0);
  for (const Pair& p : pairs) ++col_offsets[p.item + 1];
  for (int32_t c = 0; c <= max_col; ++c) col_offsets[c + 1] += col_offsets[c];
  std::vector<int32_t> rows_by_col(pairs.size());
  {
    std::vector<int64_t> fill(col_offsets.begin(), col_offsets.end() - 1);
    for (const Pair& p : pairs) rows_by_col[fill[p.item]++] = p.user;
  }
  // Pass 2: stable counting sort on the row, walking columns in increasing order, so every row
  // comes out sorted.
  Csr csr;
  csr.offsets.assign(static_cast<size_t>(n_rows) + 1, 0);
  for (const Pair& p : pairs) ++csr.offsets[p.user + 1];
  for (int32_t r = 0; r < n_rows; ++r) csr.offsets[r + 1] += csr.offsets[r];
  std::vector<int32_t> cols(pairs.size());
  std::vector<int64_t> fill(csr.offsets.begin(), csr.offsets.end() - 1);
  for (int32_t c = 0; c <= max_col; ++c) {
    for (int64_t k = col_offsets[c]; k < col_offsets[c + 1]; ++k) cols[fill[rows_by_col[k]]++] = c;
  }
  // Collapse repeats, compacting in place (writes never pass reads).
  int64_t write = 0;
  for (int32_t r = 0; r < n_rows; ++r) {
    const int64_t begin = csr.offsets[r], end = csr.offsets[r + 1];
    csr.offsets[r] = write;
    for (int64_t k = begin; k < end; ++k) {
      if (k == begin || cols[k] != cols[k - 1]) cols[write++] = cols[k];
    }
  }
  csr.offsets[n_rows] = write;
  cols.resize(write);
  cols.shrink_to_fit();
  csr.cols = std::move(cols);
  return csr;
}

std::vector<Pair> Csr::to_pairs() const {
  std::vector<Pair> pairs;
  pairs.reserve(cols.size());
  for (int32_t r = 0; r < rows(); ++r) {
    for (int64_t k = offsets[r]; k < offsets[r + 1]; ++k) pairs.push_back({r, cols[k]});
  }
  return pairs;
}

void Dataset::validate() const {
  if (n_users <= 0) {
    throw DataError("dataset has no users (n_users " + std::to_string(n_users) + ")");
  }
  if (n_items <= 0) {
    throw DataError("dataset has no items (n_items " + std::to_string(n_items) + ")");
  }
  if (train.rows() != n_users) {
    throw DataError("train has " + std::to_string(train.rows()) + " rows for " +
                    std::to_string(n_users) + " users");
  }
  check_csr(train, n_items, "train");
  check_eval_set(val, *this, "val");
  check_eval_set(test, *this, "test");
  if (truth.rows() != 0 && truth.rows() != n_users) {
    throw DataError("truth has " + std::to_string(truth.rows()) + " rows for " +
                    std::to_string(n_users) + " users");
  }
  check_csr(truth, n_items, "truth");
  if (!user_raw.empty() && user_raw.size() != static_cast<size_t>(n_users)) {
    throw DataError("user map has " + std::to_string(user_raw.size()) + " entries for " +
                    std::to_string(n_users) + " users");
  }
  if (!item_raw.empty() && item_raw.size() != static_cast<size_t>(n_items)) {
    throw DataError("item map has " + std::to_string(item_raw.size()) + " entries for " +
                    std::to_string(n_items) + " items");
  }
  // The uniform sampler draws an item outside the user's training row, so one must exist.
  for (int32_t u = 0; u < n_users; ++u) {
    if (train.row_size(u) >= n_items) {
      throw DataError(user_name(*this, u) + " has all " + std::to_string(n_items) +
                      " items in train: no negative item can be sampled for this user");
    }
  }
}

}  // namespace srns
