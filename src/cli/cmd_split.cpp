// `srns split`: an interaction log (or NCF/SRNS pre-split files) -> a split directory.
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "cli/cli_common.hpp"
#include "cli/commands.hpp"
#include "srns/data.hpp"

namespace srns::cli {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

const char* kSplitExamples = R"(
Input: one interaction per line, `user item [rating] [timestamp]`, separated by tab, comma,
whitespace or `::` (MovieLens); raw ids may be any strings and are mapped to dense ids
(user_map.tsv / item_map.tsv keep the mapping). Repeated (user, item) pairs collapse into one.

Protocols:
  loo    leave-one-out by time: each user's last interaction is the test row, the second last
         the validation row (equal times: the larger raw item id counts as later); users with
         fewer than 3 interactions stay in train.
  ratio  per-user random split by --ratio (train:test or train:val:test).
Each validation and test row gets --eval-negatives items the user never interacted with,
sampled separately for validation and test (sampled-ranking evaluation).

Examples:
  srns split --input ml-100k/u.data --min-rating 4 --out ml100k
  srns split --input ratings.dat --min-rating 4 --eval-negatives 100 --out ml1m
  srns split --input log.csv --header yes --user-col 2 --item-col 1 --time-col 4 --out mylog
  srns split --input clicks.tsv --protocol ratio --ratio 8:1:1 --rating-col 0 --out clicks
  srns split --format ncf --train ml-1m.train.rating --test ml-1m.test.rating \
             --test-negatives ml-1m.test.negative --out ncf-ml1m
  srns split --format ncf --train ml-1m.train.pairs.tsv --test ml-1m.test.rating \
             --test-negatives ml-1m.test.negative --val-from-train --eval-negatives 99 \
             --out ncf-ml1m-val       # NCF's ML-1M with a validation set carved out of train
)";

}  // namespace

int cmd_split(int argc, char** argv) {
  cxxopts::Options options("srns split", "Split an interaction log into train/val/test files.");
  options.set_width(100).add_options()("h,help", "Show this help");
  options.add_options("Input")("input", "Interaction log",
                               cxxopts::value<std::string>()->default_value(""))(
      "format", "auto, movielens, tsv, csv, ws (whitespace), or ncf (pre-split files)",
      cxxopts::value<std::string>()->default_value("auto"))(
      "header", "auto, yes or no", cxxopts::value<std::string>()->default_value("auto"))(
      "user-col", "Column of the user id (1-based)",
      cxxopts::value<std::string>()->default_value("1"))(
      "item-col", "Column of the item id (1-based)",
      cxxopts::value<std::string>()->default_value("2"))(
      "rating-col", "Column of the rating (0: none)",
      cxxopts::value<std::string>()->default_value("3"))(
      "time-col", "Column of the timestamp (0: none)",
      cxxopts::value<std::string>()->default_value("4"))(
      "min-rating", "Keep interactions rated at least this (implicit positives)",
      cxxopts::value<std::string>())("train", "ncf: training file",
                                     cxxopts::value<std::string>()->default_value(""))(
      "test", "ncf: test rating file", cxxopts::value<std::string>()->default_value(""))(
      "test-negatives", "ncf: test negatives file (none: full-ranking evaluation)",
      cxxopts::value<std::string>()->default_value(""))(
      "val", "ncf: optional validation file (SRNS real-data val.tsv)",
      cxxopts::value<std::string>()->default_value(""))(
      "allow-target-negatives",
      "ncf: keep negatives lines that hold their row's own test item (NCF's ml-1m has 156)")(
      "val-from-train",
      "ncf: carve a validation set out of train, one random training item per user (users "
      "with at least two), each with its own --eval-negatives sampled negatives");
  options.add_options("Split")("protocol", "loo (leave-one-out by time) or ratio",
                               cxxopts::value<std::string>()->default_value("loo"))(
      "ratio", "ratio protocol weights, train:test or train:val:test",
      cxxopts::value<std::string>()->default_value("8:1:1"))(
      "eval-negatives", "Sampled negatives per validation/test row (0: none, full ranking)",
      cxxopts::value<std::string>()->default_value("100"))(
      "seed", "Seed of the split and the negatives",
      cxxopts::value<std::string>()->default_value("1"))(
      "out", "Split directory to create (existing split files are never overwritten)",
      cxxopts::value<std::string>())(
      "train-only", "Allow a split without validation and test rows (e.g. to train on everything)");
  const cxxopts::ParseResult r = options.parse(argc, argv);
  if (handle_help(options, r, kSplitExamples, {"", "Input", "Split"})) return 0;
  if (!r.count("out")) throw UsageError("--out DIR is required");
  const std::string out = r["out"].as<std::string>();
  const std::string format = choice("format", r["format"].as<std::string>(),
                                    {"auto", "movielens", "tsv", "csv", "ws", "ncf"});
  nlohmann::json meta;
  meta["created_by"] = "srns split";
  Dataset data;
  if (format == "ncf") {
    if (r["train"].as<std::string>().empty() || r["test"].as<std::string>().empty()) {
      throw UsageError(
          "--format ncf needs --train and --test (and --test-negatives for sampled "
          "evaluation)");
    }
    data = read_presplit(r["train"].as<std::string>(), r["test"].as<std::string>(),
                         r["test-negatives"].as<std::string>(), r["val"].as<std::string>(),
                         r.count("allow-target-negatives") > 0);
    meta["source"] = r["train"].as<std::string>();
    if (r.count("val-from-train")) {
      if (!r["val"].as<std::string>().empty()) {
        throw UsageError("--val-from-train and --val contradict each other: choose one");
      }
      const int n_neg =
          static_cast<int>(int_flag(r, "eval-negatives", 0, std::numeric_limits<int32_t>::max()));
      if (n_neg < 1) throw UsageError("--val-from-train needs --eval-negatives >= 1");
      const uint64_t seed = seed_flag(r, "seed");
      carve_validation(&data, n_neg, seed);
      meta["validation"] = "carved from train: one random training item per user, " +
                           std::to_string(n_neg) + " sampled negatives, seed " +
                           std::to_string(seed);
    }
  } else {
    const std::string input = r["input"].as<std::string>();
    if (input.empty()) throw UsageError("--input LOG is required (or --format ncf)");
    if (r.count("val-from-train")) {
      throw UsageError(
          "--val-from-train is for --format ncf (a log's split has its own validation)");
    }
    LogOptions log_options;
    log_options.format = format == "movielens" ? LogFormat::kMovieLens
                         : format == "tsv"     ? LogFormat::kTsv
                         : format == "csv"     ? LogFormat::kCsv
                         : format == "ws"      ? LogFormat::kWhitespace
                                               : LogFormat::kAuto;
    const std::string header =
        choice("header", r["header"].as<std::string>(), {"auto", "yes", "no"});
    log_options.header = header == "yes" ? 1 : header == "no" ? 0 : -1;
    constexpr int kMaxColumn = 1 << 20;
    const int user_col = static_cast<int>(int_flag(r, "user-col", 1, kMaxColumn));
    const int item_col = static_cast<int>(int_flag(r, "item-col", 1, kMaxColumn));
    if (user_col == item_col) throw UsageError("--user-col and --item-col must differ");
    log_options.user_col = user_col - 1;
    log_options.item_col = item_col - 1;
    log_options.rating_col = static_cast<int>(int_flag(r, "rating-col", 0, kMaxColumn)) - 1;
    log_options.time_col = static_cast<int>(int_flag(r, "time-col", 0, kMaxColumn)) - 1;
    if (r.count("min-rating")) log_options.min_rating = real_flag(r, "min-rating", -kInf, kInf);
    SplitOptions split;
    const std::string protocol =
        choice("protocol", r["protocol"].as<std::string>(), {"loo", "ratio"});
    split.protocol = protocol == "ratio" ? SplitProtocol::kRatio : SplitProtocol::kLeaveOneOut;
    double test_share = 0;
    parse_ratio(r["ratio"].as<std::string>(), &split.train_share, &split.val_share, &test_share);
    split.eval_negatives =
        static_cast<int32_t>(int_flag(r, "eval-negatives", 0, std::numeric_limits<int32_t>::max()));
    split.seed = seed_flag(r, "seed");
    split.allow_no_eval = r.count("train-only") > 0;
    const InteractionLog log = read_log(input, log_options);
    // A column the user named must exist; the default rating and time columns are optional.
    for (const auto& [flag, col] : {std::pair{"rating-col", log_options.rating_col},
                                    std::pair{"time-col", log_options.time_col}}) {
      if (r.count(flag) && col >= log.columns) {
        throw UsageError(std::string("--") + flag + " " + std::to_string(col + 1) + ": " + input +
                         " has " + std::to_string(log.columns) + " columns (first data line)");
      }
    }
    data = split_log(log, split);
    meta["source"] = input;
    meta["seed"] = split.seed;
    if (r.count("min-rating")) meta["min_rating"] = log_options.min_rating;
    if (protocol == "ratio") meta["ratio"] = r["ratio"].as<std::string>();
    meta["dropped_below_min_rating"] = log.dropped_rating;
    meta["collapsed_duplicates"] = log.dropped_duplicate;
  }
  meta["protocol"] = data.protocol;
  meta["users"] = data.n_users;
  meta["items"] = data.n_items;
  meta["train"] = data.train.nnz();
  meta["val"] = data.val.rows.size();
  meta["test"] = data.test.rows.size();
  meta["eval_negatives"] = data.test.n_neg;
  const int64_t target_rows =
      rows_with_target_negative(data.val) + rows_with_target_negative(data.test);
  if (target_rows > 0) meta["target_negatives"] = target_rows;
  data.validate();
  write_split_dir(data, out, meta.dump(2) + "\n");
  std::cout << "srns split: " << data.n_users << " users, " << data.n_items << " items, "
            << data.train.nnz() << " train / " << data.val.rows.size() << " val / "
            << data.test.rows.size() << " test rows, " << data.test.n_neg
            << " negatives per row -> " << out << "\n";
  return 0;
}

}  // namespace srns::cli
