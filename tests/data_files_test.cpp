// Split directories (write/read round trip, refusal to overwrite, malformed files), NCF/SRNS
// pre-split files and per-user item files.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "data_test_util.hpp"
#include "srns/data.hpp"
#include "test_util.hpp"

namespace srns {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::TempDir;
using testing::write_file;

// A small split with raw ids, negatives on both sets and a truth set.
Dataset small_split() {
  InteractionLog log;
  log.path = "small.log";
  log.has_time = true;
  for (int u = 0; u < 8; ++u) {
    for (int k = 0; k < 5; ++k) {
      log.rows.push_back({"user" + std::to_string(u), "item" + std::to_string((u * 2 + k) % 30),
                          1.0, 1000 + k, 0});
    }
  }
  SplitOptions options;
  options.eval_negatives = 6;
  options.seed = 5;
  Dataset data = split_log(log, options);
  data.truth = Csr::from_pairs({{0, 15}, {3, 16}, {3, 17}}, data.n_users);
  return data;
}

void expect_same_pairs(const std::vector<Pair>& a, const std::vector<Pair>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    EXPECT_EQ(a[k].user, b[k].user) << "row " << k;
    EXPECT_EQ(a[k].item, b[k].item) << "row " << k;
  }
}

void expect_same_eval(const EvalSet& a, const EvalSet& b) {
  expect_same_pairs(a.rows, b.rows);
  EXPECT_EQ(a.n_neg, b.n_neg);
  EXPECT_EQ(a.negatives, b.negatives);
}

TEST(SplitDir, RoundTrip) {
  TempDir tmp;
  const Dataset data = small_split();
  const std::string dir = tmp.file("split/nested");
  write_split_dir(data, dir, R"({"protocol": "loo", "seed": 5})");
  for (const char* name : {"train.tsv", "val.tsv", "test.tsv", "val_neg.tsv", "test_neg.tsv",
                           "user_map.tsv", "item_map.tsv", "meta.json", "truth.tsv"}) {
    EXPECT_TRUE(fs::exists(fs::path(dir) / name)) << name;
  }
  EXPECT_EQ(read_file(dir + "/meta.json"), R"({"protocol": "loo", "seed": 5})");
  EXPECT_EQ(read_file(dir + "/user_map.tsv").substr(0, 8), "0\tuser0\n");

  const Dataset back = read_split_dir(dir);
  EXPECT_EQ(back.source, dir);
  EXPECT_EQ(back.protocol, "loo");
  EXPECT_EQ(back.n_users, data.n_users);
  EXPECT_EQ(back.n_items, data.n_items);
  EXPECT_EQ(back.train.offsets, data.train.offsets);
  EXPECT_EQ(back.train.cols, data.train.cols);
  expect_same_eval(back.val, data.val);
  expect_same_eval(back.test, data.test);
  EXPECT_EQ(back.truth.offsets, data.truth.offsets);
  EXPECT_EQ(back.truth.cols, data.truth.cols);
  EXPECT_EQ(back.user_raw, data.user_raw);
  EXPECT_EQ(back.item_raw, data.item_raw);
}

TEST(SplitDir, FullRankingSplitHasNoNegativeFiles) {
  TempDir tmp;
  Dataset data = small_split();
  data.val = EvalSet();
  data.test.n_neg = 0;
  data.test.negatives.clear();
  data.truth = Csr();
  data.user_raw.clear();
  write_split_dir(data, tmp.path(), "{}");
  EXPECT_FALSE(fs::exists(tmp.file("val_neg.tsv")));
  EXPECT_FALSE(fs::exists(tmp.file("test_neg.tsv")));
  EXPECT_FALSE(fs::exists(tmp.file("truth.tsv")));
  EXPECT_EQ(read_file(tmp.file("user_map.tsv")).substr(0, 8), "0\t0\n1\t1\n");
  const Dataset back = read_split_dir(tmp.path());
  EXPECT_TRUE(back.val.empty());
  EXPECT_FALSE(back.test.has_negatives());
  EXPECT_EQ(back.truth.rows(), 0);
  EXPECT_EQ(back.protocol, "unknown");
}

TEST(SplitDir, RefusesToOverwrite) {
  TempDir tmp;
  write_file(tmp.file("test.tsv"), "mine\n");
  EXPECT_DATA_ERROR(write_split_dir(small_split(), tmp.path(), "{}"), "refusing to overwrite");
  EXPECT_EQ(read_file(tmp.file("test.tsv")), "mine\n");
  EXPECT_FALSE(fs::exists(tmp.file("train.tsv")));
  TempDir again;
  write_split_dir(small_split(), again.path(), "{}");
  EXPECT_DATA_ERROR(write_split_dir(small_split(), again.path(), "{}"), "train.tsv");
}

// A raw id that cannot be written (a tab inside a CSV field) stops the split before any file.
TEST(SplitDir, UnwritableRawIdWritesNothing) {
  TempDir tmp;
  Dataset data = small_split();
  data.item_raw[2] = "bad\tid";
  EXPECT_DATA_ERROR(write_split_dir(data, tmp.file("split"), "{}"),
                    "item_map.tsv: raw id 'bad\tid' of 2 holds a tab or line break");
  EXPECT_FALSE(fs::exists(tmp.file("split")));
}

TEST(SplitDir, CountsFromIdsWithoutMaps) {
  TempDir tmp;
  write_file(tmp.file("train.tsv"), "0\t1\n2\t3\n");
  write_file(tmp.file("test.tsv"), "1\t0\n");
  write_file(tmp.file("test_neg.tsv"), "1\t2\t7\n");
  const Dataset data = read_split_dir(tmp.path());
  EXPECT_EQ(data.n_users, 3);
  EXPECT_EQ(data.n_items, 8);
  EXPECT_TRUE(data.val.empty());
  EXPECT_EQ(data.test.n_neg, 2);
  EXPECT_TRUE(data.user_raw.empty());
}

TEST(SplitDir, MissingAndMalformedFiles) {
  TempDir tmp;
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()), "not a split directory");
  write_file(tmp.file("train.tsv"), "0\t1\n0\tx\n");
  write_file(tmp.file("test.tsv"), "0\t2\n1\t2\n");
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()), "train.tsv:2: 'x' is not a non-negative");
  write_file(tmp.file("train.tsv"), "0\t1\n1\t1\t4\n");
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()), "train.tsv:2: expected user<TAB>item");
  write_file(tmp.file("train.tsv"), "0\t1\n1\t1\n");
  write_file(tmp.file("test_neg.tsv"), "0\t3\t4\n0\t3\t4\n");
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()), "test_neg.tsv:2: user 0 does not match user 1");
  write_file(tmp.file("test_neg.tsv"), "0\t3\t4\n1\t3\n");
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()), "test_neg.tsv:2: expected 2 negatives, found 1");
  write_file(tmp.file("test_neg.tsv"), "0\t3\t4\n");
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()), "1 lines for 2 evaluation rows");
  write_file(tmp.file("test_neg.tsv"), "0\t3\t4\n1\t5\t6\n");
  write_file(tmp.file("item_map.tsv"), "0\ta\n1\tb\n2\tc\n");
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()), "test_neg.tsv:1: item 3 out of range (3 items)");
  write_file(tmp.file("item_map.tsv"), "0\ta\n2\tb\n");
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()), "item_map.tsv:2: dense id 2 out of order");
  fs::remove(tmp.file("item_map.tsv"));
  write_file(tmp.file("meta.json"), "{not json");
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()), "meta.json: not valid JSON");
}

// The counts `srns split` records in meta.json for `data`.
std::string meta_of(const Dataset& data) {
  return "{\"protocol\": \"loo\", \"users\": " + std::to_string(data.n_users) +
         ", \"items\": " + std::to_string(data.n_items) +
         ", \"train\": " + std::to_string(data.train.nnz()) +
         ", \"val\": " + std::to_string(data.val.rows.size()) +
         ", \"test\": " + std::to_string(data.test.rows.size()) + "}";
}

// A file cut short, a count that disagrees with meta.json, an empty training file: refused
// with the file named, never trained on.
TEST(SplitDir, CountsCheckedAgainstMetaJson) {
  TempDir tmp;
  Dataset data = small_split();
  data.truth = Csr();
  write_split_dir(data, tmp.path(), meta_of(data));
  EXPECT_NO_THROW(read_split_dir(tmp.path()));
  const std::string train = read_file(tmp.file("train.tsv"));
  // Cut mid-line, where the partial last line may still parse as a pair.
  write_file(tmp.file("train.tsv"), train.substr(0, train.size() - 2));
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()),
                    "train.tsv: the last line has no line end: the file was cut short");
  // Cut at a line end: the count gives it away.
  write_file(tmp.file("train.tsv"), train.substr(0, train.rfind('\n', train.size() - 2) + 1));
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()),
                    "train.tsv holds " + std::to_string(data.train.nnz() - 1) +
                        " distinct pairs but " + tmp.file("meta.json") +
                        " records \"train\": " + std::to_string(data.train.nnz()));
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()), "changed after the split was written");
  write_file(tmp.file("train.tsv"), "");
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()), "train.tsv: no training pairs (the file is empty)");
  write_file(tmp.file("train.tsv"), train);
  const std::string test = read_file(tmp.file("test.tsv"));
  write_file(tmp.file("test.tsv"), test.substr(0, test.find('\n') + 1));
  write_file(tmp.file("test_neg.tsv"),
             read_file(tmp.file("test_neg.tsv"))
                 .substr(0, read_file(tmp.file("test_neg.tsv")).find('\n') + 1));
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()), "test.tsv holds 1 rows but");
  write_file(tmp.file("meta.json"), "{\"users\": 99}");
  EXPECT_DATA_ERROR(
      read_split_dir(tmp.path()),
      "user_map.tsv has 8 users but " + tmp.file("meta.json") + " records \"users\": 99");
  write_file(tmp.file("meta.json"), "{\"train\": -4}");
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()), "meta.json: \"train\" must be a count");
}

// One stray id must not size the tables: without a map the count comes from meta.json, and
// without that from the largest id, which must then be dense.
TEST(SplitDir, StrayIdSizesNothing) {
  TempDir tmp;
  write_file(tmp.file("train.tsv"), "0\t1\n1\t2000000000\n1\t0\n");
  write_file(tmp.file("test.tsv"), "0\t0\n");
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()),
                    "train.tsv:2: item 2000000000 is far beyond the 4 item ids read; with no "
                    "item_map.tsv and no \"items\" in meta.json the item count is taken from the "
                    "largest id, so ids must be dense");
  write_file(tmp.file("meta.json"), "{\"items\": 3}");
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()),
                    "train.tsv:2: item 2000000000 out of range (3 items)");
  write_file(tmp.file("train.tsv"), "0\t1\n1\t2\n1\t0\n");
  EXPECT_EQ(read_split_dir(tmp.path()).n_items, 3);
}

// srns never samples a row's own target as its negative; such a list is refused unless
// meta.json records exactly that many rows (an NCF import with --allow-target-negatives).
TEST(SplitDir, NegativeEqualToItsTarget) {
  TempDir tmp;
  write_file(tmp.file("train.tsv"), "0\t1\n1\t2\n");
  write_file(tmp.file("test.tsv"), "0\t3\n1\t4\n");
  write_file(tmp.file("test_neg.tsv"), "0\t5\t6\n1\t4\t6\n");
  EXPECT_DATA_ERROR(read_split_dir(tmp.path()),
                    "test_neg.tsv:2: negative 4 is the row's own target (user 1, item 4 of "
                    "evaluation row 2): 1 evaluation rows hold their own target among their "
                    "negatives, but meta.json records 0");
  write_file(tmp.file("meta.json"), "{\"target_negatives\": 1}");
  EXPECT_EQ(rows_with_target_negative(read_split_dir(tmp.path()).test), 1);
}

TEST(Presplit, StrayIdTargetNegativeAndEmptyFiles) {
  TempDir tmp;
  write_file(tmp.file("train.tsv"), "0\t1\n1\t2\n");
  write_file(tmp.file("test.tsv"), "0\t3\n1\t2000000000\n");
  EXPECT_DATA_ERROR(read_presplit(tmp.file("train.tsv"), tmp.file("test.tsv"), "", ""),
                    "test.tsv:2: item 2000000000 is far beyond the 4 item ids read; pre-split "
                    "files have no id maps");
  write_file(tmp.file("test.tsv"), "0\t3\n1\t4\n");
  write_file(tmp.file("neg.tsv"), "(0,3)\t5\t6\n(1,4)\t4\t6\n");
  EXPECT_DATA_ERROR(
      read_presplit(tmp.file("train.tsv"), tmp.file("test.tsv"), tmp.file("neg.tsv"), ""),
      "neg.tsv:2: negative 4 is the row's own target (test row 2: user 1, item 4)");
  EXPECT_EQ(rows_with_target_negative(read_presplit(tmp.file("train.tsv"), tmp.file("test.tsv"),
                                                    tmp.file("neg.tsv"), "", true)
                                          .test),
            1);
  write_file(tmp.file("empty.tsv"), "");
  EXPECT_DATA_ERROR(read_presplit(tmp.file("empty.tsv"), tmp.file("test.tsv"), "", ""),
                    "empty.tsv: no training pairs");
  EXPECT_DATA_ERROR(read_presplit(tmp.file("train.tsv"), tmp.file("empty.tsv"), "", ""),
                    "empty.tsv: no test rows");
}

TEST(Presplit, NcfForm) {
  TempDir tmp;
  write_file(tmp.file("train.rating"), "0\t1\t5\t100\n0\t2\t4\t101\n1\t1\t3\t102\n");
  write_file(tmp.file("test.rating"), "0\t3\t5\t200\n1\t0\t4\t201\n");
  write_file(tmp.file("test.negative"), "(0,3)\t4\t5\t6\n(1,0)\t2\t3\t9\n");
  const Dataset data = read_presplit(tmp.file("train.rating"), tmp.file("test.rating"),
                                     tmp.file("test.negative"), "");
  EXPECT_EQ(data.protocol, "presplit");
  EXPECT_EQ(data.n_users, 2);
  EXPECT_EQ(data.n_items, 10);
  EXPECT_EQ(data.train.nnz(), 3);
  EXPECT_EQ(data.test.n_neg, 3);
  EXPECT_EQ(data.test.negatives, (std::vector<int32_t>{4, 5, 6, 2, 3, 9}));
  EXPECT_TRUE(data.val.empty());

  write_file(tmp.file("bad.negative"), "(0,3)\t4\t5\t6\n(1,1)\t2\t3\t9\n");
  EXPECT_DATA_ERROR(read_presplit(tmp.file("train.rating"), tmp.file("test.rating"),
                                  tmp.file("bad.negative"), ""),
                    "bad.negative:2: row is for (user 1, item 1)");
  write_file(tmp.file("short.negative"), "(0,3)\t4\t5\t6\n(1,0)\t2\t3\n");
  EXPECT_DATA_ERROR(read_presplit(tmp.file("train.rating"), tmp.file("test.rating"),
                                  tmp.file("short.negative"), ""),
                    "short.negative:2: 2 negatives, but the first line has 3");
}

TEST(Presplit, SrnsFormWithValidationSharingNegatives) {
  TempDir tmp;
  write_file(tmp.file("train.tsv"), "0\t0\n1\t1\n1\t2\n");
  write_file(tmp.file("val.tsv"), "0\t3\n1\t4\n");
  write_file(tmp.file("test.tsv"), "0\t5\n1\t6\n");
  write_file(tmp.file("test_neg.tsv"), "0\t7\t8\n1\t7\t9\n");
  const Dataset data = read_presplit(tmp.file("train.tsv"), tmp.file("test.tsv"),
                                     tmp.file("test_neg.tsv"), tmp.file("val.tsv"));
  EXPECT_EQ(data.n_items, 10);
  EXPECT_EQ(data.val.rows.size(), 2u);
  EXPECT_EQ(data.val.n_neg, 2);
  EXPECT_EQ(data.val.negatives, data.test.negatives);

  write_file(tmp.file("val_bad.tsv"), "1\t3\n0\t4\n");
  EXPECT_DATA_ERROR(read_presplit(tmp.file("train.tsv"), tmp.file("test.tsv"),
                                  tmp.file("test_neg.tsv"), tmp.file("val_bad.tsv")),
                    "val_bad.tsv: row 1 is user 1 but test row 1 is user 0");
  write_file(tmp.file("neg_bad.tsv"), "0\t7\t8\n0\t7\t9\n");
  EXPECT_DATA_ERROR(
      read_presplit(tmp.file("train.tsv"), tmp.file("test.tsv"), tmp.file("neg_bad.tsv"), ""),
      "neg_bad.tsv:2:");
}

TEST(ReadUserItems, BuildsRowsAndChecksRange) {
  TempDir tmp;
  write_file(tmp.file("fn.tsv"), "2\t4\n0\t1\n2\t3\n");
  const Csr csr = read_user_items(tmp.file("fn.tsv"), 3, 5);
  EXPECT_EQ(csr.rows(), 3);
  EXPECT_EQ(csr.offsets, (std::vector<int64_t>{0, 1, 1, 3}));
  EXPECT_EQ(csr.cols, (std::vector<int32_t>{1, 3, 4}));
  EXPECT_DATA_ERROR(read_user_items(tmp.file("fn.tsv"), 3, 4), "fn.tsv:1: item 4 out of range");
  EXPECT_DATA_ERROR(read_user_items(tmp.file("fn.tsv"), 2, 5), "fn.tsv:1: user 2 out of range");
  EXPECT_DATA_ERROR(read_user_items(tmp.file("none.tsv"), 2, 5), "none.tsv");
}

TEST(PresplitShared, SrnsSyntheticMovieLens100K) {
  SRNS_REQUIRE_SHARED("srns-syn/ml-100k/train.tsv", train);
  const std::string dir = fs::path(train).parent_path().string();
  const Dataset data = read_presplit(train, dir + "/test.tsv", "", "");
  EXPECT_EQ(data.n_users, 942);
  EXPECT_EQ(data.n_items, 1447);
  EXPECT_EQ(data.train.nnz(), 44140);
  EXPECT_EQ(data.test.rows.size(), 11235u);
  EXPECT_FALSE(data.test.has_negatives());
  const Csr fn = read_user_items(dir + "/fn_sigma_10.tsv", data.n_users, data.n_items);
  EXPECT_EQ(fn.nnz(), 5509);
}

TEST(PresplitShared, NcfMovieLens1M) {
  SRNS_REQUIRE_SHARED("ncf/ml-1m.train.pairs.tsv", train);
  const std::string dir = fs::path(train).parent_path().string();
  // NCF's negatives hold the row's own test item 156 times: refused unless asked for.
  EXPECT_DATA_ERROR(
      read_presplit(train, dir + "/ml-1m.test.rating", dir + "/ml-1m.test.negative", ""),
      "ml-1m.test.negative:13: negative 844 is the row's own target (test row 13: user 12, "
      "item 844)");
  const Dataset data =
      read_presplit(train, dir + "/ml-1m.test.rating", dir + "/ml-1m.test.negative", "", true);
  EXPECT_EQ(data.n_users, 6040);
  EXPECT_EQ(data.n_items, 3706);
  EXPECT_EQ(data.train.nnz(), 994169);
  EXPECT_EQ(data.test.rows.size(), 6040u);
  EXPECT_EQ(data.test.n_neg, 99);
  EXPECT_EQ(rows_with_target_negative(data.test), 156);
}

}  // namespace
}  // namespace srns
