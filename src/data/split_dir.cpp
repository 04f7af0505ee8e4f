// Split directories (DESIGN §2a): a Dataset written to, and read back from, plain files.
//
//   train.tsv, val.tsv, test.tsv   user<TAB>item, dense ids (val/test rows in Dataset order)
//   val_neg.tsv, test_neg.tsv      user<TAB>neg_1<TAB>...<TAB>neg_N, line k = val/test row k
//                                  (absent: that set is ranked against all items)
//   user_map.tsv, item_map.tsv     dense<TAB>raw, dense = 0, 1, 2, ... in order
//   meta.json                      written verbatim from the caller; "protocol" is read back
//   truth.tsv                      user<TAB>item ground-truth false negatives (optional)
// Writing never replaces an existing file. Reading takes the counts from the maps when they
// exist, else max id + 1 over every file, and checks every line (DataError "file:line").
#include <algorithm>
#include <filesystem>
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

void write_map(const std::string& path, const std::vector<std::string>& raw, int32_t count) {
  text::FileWriter out(path);
  for (int32_t id = 0; id < count; ++id) {
    out.put_int(id);
    out.put('\t');
    if (raw.empty()) {
      out.put_int(id);
    } else {
      if (raw[id].find_first_of("\t\r\n") != std::string::npos) {
        throw DataError(path + ": raw id '" + raw[id] + "' of " + std::to_string(id) +
                        " holds a tab or line break and cannot be written");
      }
      out.put(raw[id]);
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
void read_negatives(const std::string& path, int32_t item_limit, EvalSet* set, int32_t* max_item) {
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
    for (int32_t k = 1; k <= count; ++k) {
      if (ids[k] >= item_limit) {
        throw DataError(at + ": item " + std::to_string(ids[k]) + " out of range (" +
                        std::to_string(item_limit) + " items)");
      }
      if (ids[k] > *max_item) *max_item = ids[k];
      set->negatives.push_back(ids[k]);
    }
    ++row;
  }
  if (row != set->rows.size()) {
    throw DataError(path + ": " + std::to_string(row) + " lines for " +
                    std::to_string(set->rows.size()) + " evaluation rows");
  }
}

std::string read_protocol(const std::string& path) {
  if (!fs::exists(path)) return "unknown";
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(text::read_whole_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw DataError(path + ": not valid JSON: " + e.what());
  }
  if (meta.is_object() && meta.contains("protocol") && meta["protocol"].is_string()) {
    return meta["protocol"].get<std::string>();
  }
  return "unknown";
}

}  // namespace

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
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw DataError("cannot create directory " + dir + ": " + ec.message());

  write_csr(join(dir, "train.tsv"), data.train);
  write_pairs(join(dir, "val.tsv"), data.val.rows);
  write_pairs(join(dir, "test.tsv"), data.test.rows);
  if (data.val.has_negatives()) write_negatives(join(dir, "val_neg.tsv"), data.val);
  if (data.test.has_negatives()) write_negatives(join(dir, "test_neg.tsv"), data.test);
  write_map(join(dir, "user_map.tsv"), data.user_raw, data.n_users);
  write_map(join(dir, "item_map.tsv"), data.item_raw, data.n_items);
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
  if (fs::exists(join(dir, "user_map.tsv"))) data.user_raw = read_map(join(dir, "user_map.tsv"));
  if (fs::exists(join(dir, "item_map.tsv"))) data.item_raw = read_map(join(dir, "item_map.tsv"));
  constexpr int32_t kNoLimit = std::numeric_limits<int32_t>::max();
  const int32_t user_limit =
      data.user_raw.empty() ? kNoLimit : static_cast<int32_t>(data.user_raw.size());
  const int32_t item_limit =
      data.item_raw.empty() ? kNoLimit : static_cast<int32_t>(data.item_raw.size());

  int32_t max_user = -1, max_item = -1;
  auto read_pairs = [&](const char* name) {
    text::PairFile file = text::read_pair_file(join(dir, name), user_limit, item_limit, false);
    max_user = std::max(max_user, file.max_user);
    max_item = std::max(max_item, file.max_item);
    return std::move(file.pairs);
  };
  const std::vector<Pair> train = read_pairs("train.tsv");
  if (fs::exists(join(dir, "val.tsv"))) data.val.rows = read_pairs("val.tsv");
  data.test.rows = read_pairs("test.tsv");
  std::vector<Pair> truth;
  const bool has_truth = fs::exists(join(dir, "truth.tsv"));
  if (has_truth) truth = read_pairs("truth.tsv");
  if (fs::exists(join(dir, "val_neg.tsv"))) {
    read_negatives(join(dir, "val_neg.tsv"), item_limit, &data.val, &max_item);
  }
  if (fs::exists(join(dir, "test_neg.tsv"))) {
    read_negatives(join(dir, "test_neg.tsv"), item_limit, &data.test, &max_item);
  }

  data.n_users = data.user_raw.empty() ? max_user + 1 : user_limit;
  data.n_items = data.item_raw.empty() ? max_item + 1 : item_limit;
  if (data.n_users <= 0 || data.n_items <= 0) {
    throw DataError("split directory " + dir + " holds no interactions");
  }
  data.train = Csr::from_pairs(train, data.n_users);
  if (has_truth) data.truth = Csr::from_pairs(truth, data.n_users);
  data.protocol = read_protocol(join(dir, "meta.json"));
  data.validate();
  return data;
}

}  // namespace srns
