// Datasets in memory, and the files they come from.
//
// Ids are dense and 0-based: users 0..n_users-1, items 0..n_items-1. Raw ids from a log are
// strings, mapped to dense ids in order of first appearance; the maps are kept so results map
// back. Per-user item sets are CSR (`Csr`), rows sorted and free of duplicates, so membership
// is a binary search on both backends.
//
// A split directory (DESIGN §2a) holds train.tsv, val.tsv, test.tsv (user<TAB>item),
// val_neg.tsv / test_neg.tsv (user<TAB>neg_1..neg_N, aligned with val/test rows),
// user_map.tsv / item_map.tsv (dense<TAB>raw), meta.json, and optionally truth.tsv
// (ground-truth false negatives: liked but unobserved pairs, from the synthetic generator).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace srns {

// Bad input: the message names the file and line (or the flag) at fault.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Pair {
  int32_t user;
  int32_t item;
};

// Compressed rows: row r holds cols[offsets[r] .. offsets[r+1]).
struct Csr {
  std::vector<int64_t> offsets{0};
  std::vector<int32_t> cols;

  int32_t rows() const { return static_cast<int32_t>(offsets.size()) - 1; }
  int64_t nnz() const { return static_cast<int64_t>(cols.size()); }
  int64_t row_size(int32_t r) const { return offsets[r + 1] - offsets[r]; }
  const int32_t* row(int32_t r) const { return cols.data() + offsets[r]; }
  bool empty() const { return cols.empty(); }
  // Whether sorted row r holds c (binary search).
  bool contains(int32_t r, int32_t c) const;
  // Builds from pairs: rows 0..n_rows-1, each sorted, duplicates collapsed.
  static Csr from_pairs(const std::vector<Pair>& pairs, int32_t n_rows);
  std::vector<Pair> to_pairs() const;
};

// Rows ranked in evaluation, each with its own sampled negatives (empty for full ranking).
struct EvalSet {
  std::vector<Pair> rows;
  int32_t n_neg = 0;               // negatives per row; 0 when none were sampled
  std::vector<int32_t> negatives;  // rows.size() * n_neg, row-major
  bool empty() const { return rows.empty(); }
  bool has_negatives() const { return n_neg > 0; }
};

// Rows whose own target item is among their negatives. srns never samples such rows; NCF's
// ml-1m.test.negative has 156 (its evaluator ranks the target once, whatever the list holds).
int64_t rows_with_target_negative(const EvalSet& set);

struct Dataset {
  std::string source;    // where it came from (path or "synthetic")
  std::string protocol;  // "loo", "ratio", "ncf", ...
  int32_t n_users = 0;
  int32_t n_items = 0;
  Csr train;    // per-user training items
  EvalSet val;  // may be empty (no validation)
  EvalSet test;
  Csr truth;  // optional ground-truth false negatives per user (empty: unknown)
  std::vector<std::string> user_raw;  // dense id -> raw id (empty: identity)
  std::vector<std::string> item_raw;

  // Checks the invariants every consumer relies on; throws DataError naming what is wrong.
  void validate() const;
};

// ---- interaction logs ------------------------------------------------------------------

enum class LogFormat { kAuto, kMovieLens, kTsv, kCsv, kWhitespace };

struct LogOptions {
  LogFormat format = LogFormat::kAuto;
  int header = -1;   // 1: skip the first line, 0: none, -1: detect (non-numeric 3rd+ field)
  int user_col = 0;  // 0-based columns
  int item_col = 1;
  int rating_col = 2;          // -1: no ratings
  int time_col = 3;            // -1: no timestamps
  double min_rating = -1e300;  // keep rows with rating >= min_rating (implicit positives)
};

// One interaction with raw ids kept as strings.
struct LogRow {
  std::string user, item;
  double rating = 0.0;
  int64_t time = 0;
  int64_t line = 0;  // 1-based line in the file, for messages
};

struct InteractionLog {
  std::string path;
  int columns = 0;  // fields of the first data line
  bool has_time = false;
  std::vector<LogRow> rows;       // after --min-rating, duplicates of (user,item) collapsed
  int64_t dropped_rating = 0;     // rows under min_rating
  int64_t dropped_duplicate = 0;  // repeated (user,item): the latest time is kept
};

InteractionLog read_log(const std::string& path, const LogOptions& options);

// ---- splits ------------------------------------------------------------------------------

enum class SplitProtocol { kLeaveOneOut, kRatio };

struct SplitOptions {
  SplitProtocol protocol = SplitProtocol::kLeaveOneOut;
  double train_share = 0.8;  // ratio split: train / val / test shares (sum 1)
  double val_share = 0.0;
  int32_t eval_negatives = 100;  // sampled negatives per val/test row (0: none)
  uint64_t seed = 1;
  bool allow_no_eval = false;  // accept a split with neither validation nor test rows
};

// Remaps raw ids to dense ids and splits. Leave-one-out by time: a user's last interaction is
// the test row and the second last the validation row (equal times ordered by raw item id,
// numerically where both are numbers, the larger counting as later); users with fewer than 3
// interactions keep all of them in train. Unless options.allow_no_eval, a split left with no
// validation and no test rows is refused (DataError saying why). Ratio: each user's interactions
// are shuffled (seeded) and cut by the shares. Evaluation negatives are sampled without replacement
// from the items the user never interacted with, separately for validation and test.
Dataset split_log(const InteractionLog& log, const SplitOptions& options);

// Samples `n` negatives per row of `set` from items absent from `exclude` row of the user.
void sample_eval_negatives(EvalSet& set, const Csr& exclude, int32_t n_items, int32_t n,
                           uint64_t seed, uint32_t stream_id);

// ---- files -------------------------------------------------------------------------------

// Writes a split directory (creating it; refuses to overwrite existing split files).
void write_split_dir(const Dataset& data, const std::string& dir, const std::string& meta_json);
// Reads one back, checking every line and the counts meta.json records. Negatives holding their
// own row's target are refused (file:line) unless meta.json records exactly as many such rows
// under "target_negatives" (an NCF import made with --allow-target-negatives).
Dataset read_split_dir(const std::string& dir);
// A user_map.tsv / item_map.tsv: `dense<TAB>raw` for dense = 0 .. count-1 (raw empty: identity).
void write_id_map(const std::string& path, const std::vector<std::string>& raw, int32_t count);

// NCF / SRNS pre-split files: train as user<TAB>item[<TAB>...], test rating file, and test
// negatives either in NCF form "(u,i)<TAB>n1..." or SRNS form "u<TAB>n1...". Ids are already
// dense. Validation is empty unless `val_path` is given (SRNS real-data val.tsv), in which case
// it is ranked against the test negatives of the same row, as the official code does. A
// negatives line holding its own row's target is refused (file:line) unless
// `allow_target_negatives`.
Dataset read_presplit(const std::string& train_path, const std::string& test_path,
                      const std::string& test_neg_path, const std::string& val_path,
                      bool allow_target_negatives = false);

// Per-user item sets from a user<TAB>item file with dense ids (false-negative sets, truth).
Csr read_user_items(const std::string& path, int32_t n_users, int32_t n_items);

// Moves one random training pair of every user with at least two into a new validation set
// with n_neg sampled negatives each (seeded); for pre-split data without validation (NCF).
// Throws DataError when the dataset already has validation rows.
void carve_validation(Dataset* data, int32_t n_neg, uint64_t seed);

}  // namespace srns
