// Fuzz target: interaction logs. read_log, then split_log, then the split directory written and
// read back, which must give the same dataset.
//
// Input: two option bytes, then the log text.
//   byte 0: bits 0-2 format (auto, movielens, tsv, csv, ws), bits 3-4 header (detect, no, yes),
//           bits 5-6 rating column (none, 3rd, 6th), bit 7 --min-rating 3
//   byte 1: bits 0-1 time column (none, 4th, 7th), bit 2 ratio protocol (else leave-one-out),
//           bits 3-4 evaluation negatives (0-3), bit 5 allow a split without evaluation rows
#include <string>

#include "fuzz_common.hpp"
#include "srns/data.hpp"

namespace srns::fuzz {
namespace {

void expect_same(const Dataset& a, const Dataset& b) {
  const auto same_rows = [](const std::vector<Pair>& x, const std::vector<Pair>& y) {
    if (x.size() != y.size()) return false;
    for (size_t k = 0; k < x.size(); ++k) {
      if (x[k].user != y[k].user || x[k].item != y[k].item) return false;
    }
    return true;
  };
  if (a.n_users != b.n_users || a.n_items != b.n_items || a.train.offsets != b.train.offsets ||
      a.train.cols != b.train.cols || !same_rows(a.val.rows, b.val.rows) ||
      !same_rows(a.test.rows, b.test.rows) || a.val.negatives != b.val.negatives ||
      a.test.negatives != b.test.negatives || a.user_raw != b.user_raw ||
      a.item_raw != b.item_raw) {
    fail("a split written by write_split_dir reads back different");
  }
}

}  // namespace

void log_reader(const uint8_t* data, size_t size) {
  const uint8_t b0 = size > 0 ? data[0] : 0, b1 = size > 1 ? data[1] : 0;
  const size_t skip = std::min<size_t>(size, 2);
  LogOptions log_options;
  constexpr LogFormat kFormats[] = {LogFormat::kAuto, LogFormat::kMovieLens, LogFormat::kTsv,
                                    LogFormat::kCsv, LogFormat::kWhitespace};
  log_options.format = kFormats[(b0 & 7) % 5];
  log_options.header = ((b0 >> 3) & 3) % 3 - 1;
  constexpr int kRatingCols[] = {-1, 2, 5, 2};
  constexpr int kTimeCols[] = {-1, 3, 6, 3};
  log_options.rating_col = kRatingCols[(b0 >> 5) & 3];
  log_options.time_col = kTimeCols[b1 & 3];
  if (b0 & 0x80) log_options.min_rating = 3;
  SplitOptions split;
  split.protocol = (b1 & 4) ? SplitProtocol::kRatio : SplitProtocol::kLeaveOneOut;
  split.train_share = 0.6;
  split.val_share = 0.2;
  split.eval_negatives = (b1 >> 3) & 3;
  split.allow_no_eval = (b1 & 0x20) != 0;

  const Scratch& scratch = Scratch::get();
  scratch.clear();
  scratch.write("log.txt",
                std::string_view(reinterpret_cast<const char*>(data) + skip, size - skip));
  Dataset written;
  try {
    written = split_log(read_log(scratch.path("log.txt"), log_options), split);
    write_split_dir(written, scratch.path("split"),
                    "{\"protocol\": \"" + written.protocol +
                        "\", \"users\": " + std::to_string(written.n_users) +
                        ", \"items\": " + std::to_string(written.n_items) +
                        ", \"train\": " + std::to_string(written.train.nnz()) + "}");
  } catch (const DataError&) {
    return;  // refused, with file and line: the expected outcome for bad input
  }
  expect_same(written, read_split_dir(scratch.path("split")));
}

}  // namespace srns::fuzz
