// Split directories (DESIGN §2a): a Dataset written to, and read back from, plain files.
//
//   train.tsv, val.tsv, test.tsv   user<TAB>item, dense ids (val/test rows in Dataset order)
//   val_neg.tsv, test_neg.tsv      user<TAB>neg_1<TAB>...<TAB>neg_N, line k = val/test row k
//                                  (absent: that set is ranked against all items)
//   user_map.tsv, item_map.tsv     dense<TAB>raw, dense = 0, 1, 2, ... in order
//   meta.json                      written verbatim from the caller; read back: "protocol" and
//                                  the counts "users", "items", "train", "val", "test", "truth"
//   truth.tsv                      user<TAB>item ground-truth false negatives (optional)
// Writing never replaces an existing file. Reading takes the user and item counts from the maps,
// else from meta.json, else from the largest id (refused when it is far beyond the ids read, so
// no allocation is sized by a stray id); checks every line (DataError "file:line"), a negative
// equal to its row's target, and the files' row counts against meta.json (a file cut short).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "srns/data.hpp"
#include "text_io.hpp"

namespace srns {
namespace {

namespace fs = std::filesystem;
using text::where;

std::string join(const std::string& dir, const char* name) {
  return (fs::path(dir) / name).string();
}

void write_pairs(const std::string& path, const std::vector<Pair>& rows) {
  text::FileWriter out(path);
  for (const Pair& p : rows) {
    out.put_int(p.user);
    out.put('\t');
    out.put_int(p.item);
    out.put('\n');
  }
  out.close();
}

void write_csr(const std::string& path, const Csr& csr) {
  text::FileWriter out(path);
  for (int32_t u = 0; u < csr.rows(); ++u) {
    for (int64_t k = csr.offsets[u]; k < csr.offsets[u + 1]; ++k) {
      out.put_int(u);
      out.put('\t');
      out.put_int(csr.cols[k]);
      out.put('\n');
    }
  }
  out.close();
}

void write_negatives(const std::string& path, const EvalSet& set) {
  text::FileWriter out(path);
  for (size_t r = 0; r < set.rows.size(); ++r) {
    out.put_int(set.rows[r].user);
    for (int32_t k = 0; k < set.n_neg; ++k) {
      out.put('\t');
      out.put_int(set.negatives[r * set.n_neg + k]);
    }
    out.put('\n');
  }
  out.close();
}

// dense<TAB>raw lines with dense = 0, 1, 2, ... in order.
std::vector<std::string> read_map(const std::string& path) {
  const std::string text = text::read_whole_file(path);
  std::vector<std::string> raw;
  text::LineCursor lines(text);
  std::string_view line;
  while (lines.next(&line)) {
    if (text::is_blank(line)) continue;
    const size_t tab = line.find('\t');
    int32_t dense = -1;
    if (tab == std::string_view::npos ||
        !text::parse_int32(text::trim(line.substr(0, tab)), &dense) || tab + 1 >= line.size()) {
      throw DataError(where(path, lines.number()) + ": expected dense<TAB>raw");
    }
    if (dense != static_cast<int32_t>(raw.size())) {
      throw DataError(where(path, lines.number()) + ": dense id " + std::to_string(dense) +
                      " out of order, expected " + std::to_string(raw.size()));
    }
    raw.emplace_back(line.substr(tab + 1));
  }
  return raw;
}

// Negatives aligned with `set.rows`: line k starts with row k's user.
// `first_target` receives "file:line: ..." of the first line holding its row's own target.
void read_negatives(const std::string& path, int32_t item_limit, EvalSet* set, text::IdSpan* items,
                    std::string* first_target) {
  const std::string text = text::read_whole_file(path);
  text::LineCursor lines(text);
  std::string_view line;
  std::vector<int32_t> ids;
  size_t row = 0;
  set->n_neg = 0;
  set->negatives.clear();
  while (lines.next(&line)) {
    if (text::is_blank(line)) continue;
    text::parse_id_fields(line, path, lines.number(), &ids);
    const std::string at = where(path, lines.number());
    if (row >= set->rows.size()) {
      throw DataError(at + ": more lines than the " + std::to_string(set->rows.size()) +
                      " evaluation rows they belong to");
    }
    const int32_t count = static_cast<int32_t>(ids.size()) - 1;
    if (row == 0) {
      if (count < 1) throw DataError(at + ": expected user<TAB>neg_1<TAB>...; no negatives");
      set->n_neg = count;
      set->negatives.reserve(set->rows.size() * count);
    }
    if (count != set->n_neg) {
      throw DataError(at + ": expected " + std::to_string(set->n_neg) + " negatives, found " +
                      std::to_string(count));
    }
    if (ids[0] != set->rows[row].user) {
      throw DataError(at + ": user " + std::to_string(ids[0]) + " does not match user " +
                      std::to_string(set->rows[row].user) + " of evaluation row " +
                      std::to_string(row + 1));
    }
    const Pair target = set->rows[row];
    for (int32_t k = 1; k <= count; ++k) {
      if (ids[k] >= item_limit) {
        throw DataError(at + ": item " + std::to_string(ids[k]) + " out of range (" +
                        std::to_string(item_limit) + " items)");
      }
      if (ids[k] == target.item && first_target->empty()) {
        *first_target = at + ": negative " + std::to_string(ids[k]) +
                        " is the row's own target (user " + std::to_string(target.user) +
                        ", item " + std::to_string(target.item) + " of evaluation row " +
                        std::to_string(row + 1) + ")";
      }
      items->see(ids[k], path, lines.number(), 1);
      set->negatives.push_back(ids[k]);
    }
    ++row;
  }
  if (row != set->rows.size()) {
    throw DataError(path + ": " + std::to_string(row) + " lines for " +
                    std::to_string(set->rows.size()) + " evaluation rows");
  }
}

// What a split's meta.json records; -1 where a count is absent.
struct Meta {
  std::string protocol = "unknown";
  int64_t users = -1, items = -1, train = -1, val = -1, test = -1, truth = -1;
  int64_t target_negatives = 0;  // rows whose negatives hold their target (NCF imports)
};

Meta read_meta(const std::string& path) {
  Meta meta;
  if (!fs::exists(path)) return meta;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text::read_whole_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw DataError(path + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw DataError(path + ": expected a JSON object");
  if (j.contains("protocol") && j["protocol"].is_string()) meta.protocol = j["protocol"];
  const auto count_of = [&](const char* key, uint64_t limit) -> int64_t {
    if (!j.contains(key)) return -1;
    const nlohmann::json& v = j[key];
    if (!v.is_number_unsigned() || v.get<uint64_t>() > limit) {
      throw DataError(path + ": \"" + key + "\" must be a count (an integer from 0 to " +
                      std::to_string(limit) + "), got " + v.dump());
    }
    return v.get<int64_t>();
  };
  constexpr uint64_t kMaxIds = std::numeric_limits<int32_t>::max();
  constexpr uint64_t kMaxRows = std::numeric_limits<int64_t>::max();
  meta.users = count_of("users", kMaxIds);
  meta.items = count_of("items", kMaxIds);
  meta.train = count_of("train", kMaxRows);
  meta.val = count_of("val", kMaxRows);
  meta.test = count_of("test", kMaxRows);
  meta.truth = count_of("truth", kMaxRows);
  meta.target_negatives = std::max<int64_t>(0, count_of("target_negatives", kMaxRows));
  return meta;
}

// Raw ids go into dense<TAB>raw lines: a tab or line break in one cannot be written.
void check_raw_ids(const std::string& path, const std::vector<std::string>& raw) {
  for (size_t id = 0; id < raw.size(); ++id) {
    if (raw[id].find_first_of("\t\r\n") != std::string::npos) {
      throw DataError(path + ": raw id '" + raw[id] + "' of " + std::to_string(id) +
                      " holds a tab or line break and cannot be written");
    }
  }
}

// A count read from the split's files against the one meta.json records.
void check_count(const std::string& dir, const char* what, int64_t found, int64_t recorded,
                 const char* key, const char* rows) {
  if (recorded < 0 || found == recorded) return;
  throw DataError(join(dir, what) + " holds " + std::to_string(found) + " " + rows + " but " +
                  join(dir, "meta.json") + " records \"" + key + "\": " + std::to_string(recorded) +
                  ": the file was cut short or changed after the split was written; write the "
                  "split again");
}

// Every line srns writes ends with a line end, so a split file whose last byte is not one was cut
// short mid-line, even where the partial line still parses.
void check_not_cut(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in || in.tellg() <= 0) return;
  in.seekg(-1, std::ios::end);
  if (in.get() != '\n') {
    throw DataError(path +
                    ": the last line has no line end: the file was cut short (srns ends "
                    "every line it writes); write the split again");
  }
}

// The user or item count of a split: its map's length, else meta.json's count (they must
// agree when both exist), else inferred from the largest id, which must then be dense: an id far
// beyond the ids read is refused rather than sized into memory.
int32_t entity_count(const std::string& dir, const char* kind, const char* map_name,
                     size_t map_size, int64_t recorded, const text::IdSpan& ids) {
  const std::string key = std::string(kind) + "s";
  if (map_size > 0) {
    if (recorded >= 0 && recorded != static_cast<int64_t>(map_size)) {
      throw DataError(join(dir, map_name) + " has " + std::to_string(map_size) + " " + key +
                      " but " + join(dir, "meta.json") + " records \"" + key +
                      "\": " + std::to_string(recorded));
    }
    return static_cast<int32_t>(map_size);
  }
  if (recorded >= 0) return static_cast<int32_t>(recorded);
  return text::dense_count(
      ids, kind, std::string("with no ") + map_name + " and no \"" + key + "\" in meta.json");
}

}  // namespace

void write_id_map(const std::string& path, const std::vector<std::string>& raw, int32_t count) {
  check_raw_ids(path, raw);
  text::FileWriter out(path);
  for (int32_t id = 0; id < count; ++id) {
    out.put_int(id);
    out.put('\t');
    if (raw.empty()) {
      out.put_int(id);
    } else {
      out.put(raw[id]);
    }
    out.put('\n');
  }
  out.close();
}

void write_split_dir(const Dataset& data, const std::string& dir, const std::string& meta_json) {
  data.validate();
  std::vector<const char*> names = {"train.tsv",    "val.tsv",      "test.tsv",
                                    "user_map.tsv", "item_map.tsv", "meta.json"};
  if (data.val.has_negatives()) names.push_back("val_neg.tsv");
  if (data.test.has_negatives()) names.push_back("test_neg.tsv");
  if (!data.truth.empty()) names.push_back("truth.tsv");
  for (const char* name : names) {
    if (fs::exists(join(dir, name))) {
      throw DataError("refusing to overwrite " + join(dir, name) +
                      ": write the split to a new directory");
    }
  }
  // Everything that can refuse the data does so before the first file is written.
  check_raw_ids(join(dir, "user_map.tsv"), data.user_raw);
  check_raw_ids(join(dir, "item_map.tsv"), data.item_raw);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw DataError("cannot create directory " + dir + ": " + ec.message());

  write_csr(join(dir, "train.tsv"), data.train);
  write_pairs(join(dir, "val.tsv"), data.val.rows);
  write_pairs(join(dir, "test.tsv"), data.test.rows);
  if (data.val.has_negatives()) write_negatives(join(dir, "val_neg.tsv"), data.val);
  if (data.test.has_negatives()) write_negatives(join(dir, "test_neg.tsv"), data.test);
  write_id_map(join(dir, "user_map.tsv"), data.user_raw, data.n_users);
  write_id_map(join(dir, "item_map.tsv"), data.item_raw, data.n_items);
  if (!data.truth.empty()) write_csr(join(dir, "truth.tsv"), data.truth);
  text::FileWriter meta(join(dir, "meta.json"));
  meta.put(meta_json);
  meta.close();
}

Dataset read_split_dir(const std::string& dir) {
  if (!fs::is_regular_file(join(dir, "train.tsv"))) {
    throw DataError("not a split directory: " + dir + " (no train.tsv)");
  }
  if (!fs::is_regular_file(join(dir, "test.tsv"))) {
    throw DataError("split directory " + dir + " has no test.tsv");
  }
  Dataset data;
  data.source = dir;
  const Meta meta = read_meta(join(dir, "meta.json"));
  data.protocol = meta.protocol;
  if (meta.train >= 0) {  // written by srns split or srns gen
    for (const char* name : {"train.tsv", "val.tsv", "test.tsv", "val_neg.tsv", "test_neg.tsv",
                             "user_map.tsv", "item_map.tsv", "truth.tsv"}) {
      check_not_cut(join(dir, name));
    }
  }
  if (fs::exists(join(dir, "user_map.tsv"))) data.user_raw = read_map(join(dir, "user_map.tsv"));
  if (fs::exists(join(dir, "item_map.tsv"))) data.item_raw = read_map(join(dir, "item_map.tsv"));
  // Ids are checked against the maps' or meta.json's counts while reading, when known.
  const auto limit = [](size_t map_size, int64_t recorded) {
    return map_size > 0    ? static_cast<int32_t>(map_size)
           : recorded >= 0 ? static_cast<int32_t>(recorded)
                           : std::numeric_limits<int32_t>::max();
  };
  const int32_t user_limit = limit(data.user_raw.size(), meta.users);
  const int32_t item_limit = limit(data.item_raw.size(), meta.items);

  text::IdSpan users, items;
  auto read_pairs = [&](const char* name) {
    const std::string path = join(dir, name);
    text::PairFile file = text::read_pair_file(path, user_limit, item_limit, false);
    const int64_t n = static_cast<int64_t>(file.pairs.size());
    users.see(file.max_user, path, file.max_user_line, n);
    items.see(file.max_item, path, file.max_item_line, n);
    return std::move(file.pairs);
  };
  const std::vector<Pair> train = read_pairs("train.tsv");
  if (train.empty()) {
    throw DataError(join(dir, "train.tsv") + ": no training pairs (the file is empty)");
  }
  if (fs::exists(join(dir, "val.tsv"))) data.val.rows = read_pairs("val.tsv");
  data.test.rows = read_pairs("test.tsv");
  std::vector<Pair> truth;
  const bool has_truth = fs::exists(join(dir, "truth.tsv"));
  if (has_truth) truth = read_pairs("truth.tsv");
  std::string first_target;
  if (fs::exists(join(dir, "val_neg.tsv"))) {
    read_negatives(join(dir, "val_neg.tsv"), item_limit, &data.val, &items, &first_target);
  }
  if (fs::exists(join(dir, "test_neg.tsv"))) {
    read_negatives(join(dir, "test_neg.tsv"), item_limit, &data.test, &items, &first_target);
  }
  const int64_t target_rows =
      rows_with_target_negative(data.val) + rows_with_target_negative(data.test);
  if (target_rows != meta.target_negatives) {
    throw DataError(
        (first_target.empty() ? join(dir, "meta.json") : first_target) + ": " +
        std::to_string(target_rows) +
        " evaluation rows hold their own target among their "
        "negatives, but meta.json records " +
        std::to_string(meta.target_negatives) +
        " (\"target_negatives\"). srns never samples such negatives; only an NCF import made "
        "with --allow-target-negatives records them");
  }

  data.n_users = entity_count(dir, "user", "user_map.tsv", data.user_raw.size(), meta.users, users);
  data.n_items = entity_count(dir, "item", "item_map.tsv", data.item_raw.size(), meta.items, items);
  if (data.n_users <= 0 || data.n_items <= 0) {
    throw DataError("split directory " + dir + " holds no interactions");
  }
  data.train = Csr::from_pairs(train, data.n_users);
  check_count(dir, "train.tsv", data.train.nnz(), meta.train, "train", "distinct pairs");
  check_count(dir, "val.tsv", static_cast<int64_t>(data.val.rows.size()), meta.val, "val", "rows");
  check_count(dir, "test.tsv", static_cast<int64_t>(data.test.rows.size()), meta.test, "test",
              "rows");
  if (has_truth) {
    data.truth = Csr::from_pairs(truth, data.n_users);
    check_count(dir, "truth.tsv", data.truth.nnz(), meta.truth, "truth", "distinct pairs");
  }
  data.validate();
  return data;
}

}  // namespace srns
