// NCF / SRNS pre-split files, whose ids are already dense and 0-based.
//
//   train       user<TAB>item[<TAB>...]        (NCF's rating and timestamp columns ignored)
//   test        user<TAB>item[<TAB>...]        one evaluation row per line
//   test_neg    (user,item)<TAB>n_1<TAB>...     NCF form, or
//               user<TAB>n_1<TAB>...            SRNS form; line k belongs to test row k
//   val         user<TAB>item                  optional (SRNS real data): row k is ranked against
//                                              test row k's negatives, as the official code does
// n_users and n_items are max id + 1 over all files, negatives included (an id far beyond the ids
// read is refused: text::dense_count). Also the user<TAB>item reader for per-user item sets
// (false-negative sets, ground truth).
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "srns/data.hpp"
#include "text_io.hpp"

namespace srns {
namespace {

using text::where;

constexpr int32_t kNoLimit = std::numeric_limits<int32_t>::max();

// Parses "(u,i)" into ids; false when the field is not of that form.
bool parse_ncf_key(std::string_view field, int32_t* user, int32_t* item) {
  if (field.size() < 5 || field.front() != '(' || field.back() != ')') return false;
  const std::string_view inside = field.substr(1, field.size() - 2);
  const size_t comma = inside.find(',');
  if (comma == std::string_view::npos) return false;
  return text::parse_int32(text::trim(inside.substr(0, comma)), user) &&
         text::parse_int32(text::trim(inside.substr(comma + 1)), item) && *user >= 0 && *item >= 0;
}

// Reads negatives aligned with `set.rows` in either form, noting their items in `items`. A line
// holding its row's own target is refused unless `allow_target`.
void read_test_negatives(const std::string& path, EvalSet* set, text::IdSpan* items,
                         bool allow_target) {
  const std::string text = text::read_whole_file(path);
  text::LineCursor lines(text);
  std::string_view line;
  std::vector<int32_t> ids;
  size_t row = 0;
  while (lines.next(&line)) {
    if (text::is_blank(line)) continue;
    const std::string at = where(path, lines.number());
    const std::string_view body = text::trim(line);
    int32_t user = -1, item = -1;
    bool ncf_form = body.front() == '(';
    if (ncf_form) {
      const size_t end = body.find_first_of("\t ");
      if (!parse_ncf_key(body.substr(0, end), &user, &item)) {
        throw DataError(at + ": expected (user,item) at the start of the line");
      }
      text::parse_id_fields(end == std::string_view::npos ? std::string_view() : body.substr(end),
                            path, lines.number(), &ids);
    } else {
      text::parse_id_fields(body, path, lines.number(), &ids);
      if (ids.empty()) throw DataError(at + ": expected user<TAB>neg_1<TAB>...");
      user = ids.front();
      ids.erase(ids.begin());
    }
    if (row >= set->rows.size()) {
      throw DataError(at + ": more negative lines than the " + std::to_string(set->rows.size()) +
                      " test rows");
    }
    const Pair& expected = set->rows[row];
    if (user != expected.user || (ncf_form && item != expected.item)) {
      throw DataError(at + ": row is for (user " + std::to_string(user) +
                      (ncf_form ? ", item " + std::to_string(item) : std::string()) +
                      ") but test row " + std::to_string(row + 1) + " is (user " +
                      std::to_string(expected.user) + ", item " + std::to_string(expected.item) +
                      ")");
    }
    const int32_t count = static_cast<int32_t>(ids.size());
    if (row == 0) {
      if (count < 1) throw DataError(at + ": no negatives on the line");
      set->n_neg = count;
      set->negatives.reserve(set->rows.size() * count);
    }
    if (count != set->n_neg) {
      throw DataError(at + ": " + std::to_string(count) + " negatives, but the first line has " +
                      std::to_string(set->n_neg));
    }
    for (const int32_t id : ids) {
      if (id == expected.item && !allow_target) {
        throw DataError(at + ": negative " + std::to_string(id) +
                        " is the row's own target (test row " + std::to_string(row + 1) +
                        ": user " + std::to_string(expected.user) + ", item " +
                        std::to_string(expected.item) +
                        "). NCF's own ml-1m.test.negative has 156 such rows; to keep them as "
                        "they are, pass --allow-target-negatives (and --ties optimistic ranks "
                        "the target as NCF's evaluator did)");
      }
      items->see(id, path, lines.number(), 1);
    }
    set->negatives.insert(set->negatives.end(), ids.begin(), ids.end());
    ++row;
  }
  if (row != set->rows.size()) {
    throw DataError(path + ": " + std::to_string(row) + " negative lines for " +
                    std::to_string(set->rows.size()) + " test rows");
  }
}

}  // namespace

Dataset read_presplit(const std::string& train_path, const std::string& test_path,
                      const std::string& test_neg_path, const std::string& val_path,
                      bool allow_target_negatives) {
  text::IdSpan users, items;
  const auto read_pairs = [&](const std::string& path) {
    text::PairFile file = text::read_pair_file(path, kNoLimit, kNoLimit, true);
    const int64_t n = static_cast<int64_t>(file.pairs.size());
    users.see(file.max_user, path, file.max_user_line, n);
    items.see(file.max_item, path, file.max_item_line, n);
    return std::move(file.pairs);
  };
  const std::vector<Pair> train = read_pairs(train_path);
  Dataset data;
  data.source = train_path;
  data.protocol = "presplit";
  data.test.rows = read_pairs(test_path);
  if (train.empty()) throw DataError(train_path + ": no training pairs");
  if (data.test.rows.empty()) throw DataError(test_path + ": no test rows");
  if (!test_neg_path.empty())
    read_test_negatives(test_neg_path, &data.test, &items, allow_target_negatives);
  if (!val_path.empty()) {
    data.val.rows = read_pairs(val_path);
    if (data.test.has_negatives()) {
      // Validation shares the test negatives row by row, so the rows must pair up.
      if (data.val.rows.size() != data.test.rows.size()) {
        throw DataError(val_path + ": " + std::to_string(data.val.rows.size()) +
                        " rows, but the test file " + test_path + " has " +
                        std::to_string(data.test.rows.size()) +
                        " (validation rows share the test negatives row by row)");
      }
      for (size_t k = 0; k < data.val.rows.size(); ++k) {
        if (data.val.rows[k].user != data.test.rows[k].user) {
          throw DataError(val_path + ": row " + std::to_string(k + 1) + " is user " +
                          std::to_string(data.val.rows[k].user) + " but test row " +
                          std::to_string(k + 1) + " is user " +
                          std::to_string(data.test.rows[k].user));
        }
      }
      data.val.n_neg = data.test.n_neg;
      data.val.negatives = data.test.negatives;
    }
  }
  const std::string why = "pre-split files have no id maps, so";
  data.n_users = text::dense_count(users, "user", why);
  data.n_items = text::dense_count(items, "item", why);
  data.train = Csr::from_pairs(train, data.n_users);
  data.validate();
  return data;
}

Csr read_user_items(const std::string& path, int32_t n_users, int32_t n_items) {
  text::PairFile file = text::read_pair_file(path, n_users, n_items, false);
  return Csr::from_pairs(file.pairs, n_users);
}

}  // namespace srns
