// read_log: separators, headers, column choice, line endings, filters, duplicates and errors.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "data_test_util.hpp"
#include "srns/data.hpp"
#include "test_util.hpp"

namespace srns {
namespace {

using testing::TempDir;
using testing::write_file;

InteractionLog read_text(const TempDir& dir, const std::string& name, const std::string& text,
                         const LogOptions& options = LogOptions()) {
  write_file(dir.file(name), text);
  return read_log(dir.file(name), options);
}

void expect_row(const LogRow& row, const std::string& user, const std::string& item, double rating,
                int64_t time) {
  EXPECT_EQ(row.user, user);
  EXPECT_EQ(row.item, item);
  EXPECT_DOUBLE_EQ(row.rating, rating);
  EXPECT_EQ(row.time, time);
}

TEST(ReadLog, MovieLensSeparator) {
  TempDir dir;
  const InteractionLog log =
      read_text(dir, "r.dat", "1::1193::5::978300760\n1::661::3::978302109\n");
  ASSERT_EQ(log.rows.size(), 2u);
  EXPECT_TRUE(log.has_time);
  expect_row(log.rows[0], "1", "1193", 5, 978300760);
  expect_row(log.rows[1], "1", "661", 3, 978302109);
  EXPECT_EQ(log.rows[1].line, 2);
  EXPECT_EQ(log.path, dir.file("r.dat"));
}

TEST(ReadLog, TabCommaAndWhitespaceSeparators) {
  TempDir dir;
  for (const std::string& text :
       {std::string("u1\ti1\t4\t10\nu2\ti2\t2.5\t20\n"), std::string("u1,i1,4,10\nu2,i2,2.5,20\n"),
        std::string("u1  i1 4   10\n  u2 i2 2.5 20  \n")}) {
    const InteractionLog log = read_text(dir, "log.txt", text);
    ASSERT_EQ(log.rows.size(), 2u) << text;
    expect_row(log.rows[0], "u1", "i1", 4, 10);
    expect_row(log.rows[1], "u2", "i2", 2.5, 20);
  }
}

TEST(ReadLog, ForcedFormatAndQuotedCsv) {
  TempDir dir;
  LogOptions options;
  options.format = LogFormat::kCsv;
  const InteractionLog log = read_text(dir, "q.csv", "\"a b\",\"x\",\"3\",\"7\"\n", options);
  ASSERT_EQ(log.rows.size(), 1u);
  expect_row(log.rows[0], "a b", "x", 3, 7);
}

TEST(ReadLog, DetectsHeaderFromRatingAndTimeFields) {
  TempDir dir;
  const InteractionLog log =
      read_text(dir, "h.csv", "userId,movieId,rating,timestamp\n1,2,3.5,100\n");
  ASSERT_EQ(log.rows.size(), 1u);
  expect_row(log.rows[0], "1", "2", 3.5, 100);
  EXPECT_EQ(log.rows[0].line, 2);
}

TEST(ReadLog, DetectsHeaderOfTwoColumnFile) {
  TempDir dir;
  const InteractionLog with_header = read_text(dir, "h2.tsv", "user\titem\n1\t2\n3\t4\n");
  ASSERT_EQ(with_header.rows.size(), 2u);
  EXPECT_EQ(with_header.rows[0].user, "1");
  // String ids throughout: the first line is data.
  const InteractionLog strings = read_text(dir, "s2.tsv", "alice\tbook\nbob\tpen\n");
  ASSERT_EQ(strings.rows.size(), 2u);
  EXPECT_EQ(strings.rows[0].user, "alice");
  EXPECT_FALSE(strings.has_time);
  EXPECT_DOUBLE_EQ(strings.rows[0].rating, 1.0);
}

TEST(ReadLog, ExplicitHeaderSettings) {
  TempDir dir;
  LogOptions skip;
  skip.header = 1;
  EXPECT_EQ(read_text(dir, "a.tsv", "7\t8\t5\t1\n1\t2\t5\t1\n", skip).rows.size(), 1u);
  LogOptions none;
  none.header = 0;
  EXPECT_DATA_ERROR(read_text(dir, "b.tsv", "u\ti\trating\tt\n1\t2\t5\t1\n", none),
                    "b.tsv:1: rating 'rating' is not a number");
}

TEST(ReadLog, ChoosesColumnsByIndex) {
  TempDir dir;
  LogOptions options;
  options.time_col = 0;
  options.item_col = 1;
  options.user_col = 3;
  options.rating_col = -1;
  const InteractionLog log = read_text(dir, "c.tsv", "55\tpen\tjunk\tann\n", options);
  ASSERT_EQ(log.rows.size(), 1u);
  expect_row(log.rows[0], "ann", "pen", 1.0, 55);
  EXPECT_TRUE(log.has_time);
}

TEST(ReadLog, RejectsCollidingColumns) {
  TempDir dir;
  LogOptions options;
  options.item_col = 0;
  write_file(dir.file("x.tsv"), "1\t2\n");
  EXPECT_THROW(read_log(dir.file("x.tsv"), options), std::invalid_argument);
}

TEST(ReadLog, TwoColumnsMeanNoRatingAndNoTime) {
  TempDir dir;
  const InteractionLog log = read_text(dir, "p.tsv", "1\t2\n1\t3\n");
  EXPECT_FALSE(log.has_time);
  ASSERT_EQ(log.rows.size(), 2u);
  EXPECT_DOUBLE_EQ(log.rows[1].rating, 1.0);
  LogOptions options;
  options.min_rating = 4;
  EXPECT_DATA_ERROR(read_text(dir, "p.tsv", "1\t2\n", options), "no rating column");
}

TEST(ReadLog, HandlesCrlfCommentsAndBlankLines) {
  TempDir dir;
  const InteractionLog log =
      read_text(dir, "w.tsv", "# exported\r\n\r\n1\t2\t5\t9\r\n   \r\n# note\r\n3\t4\t1\t8\r\n");
  ASSERT_EQ(log.rows.size(), 2u);
  expect_row(log.rows[0], "1", "2", 5, 9);
  expect_row(log.rows[1], "3", "4", 1, 8);
  EXPECT_EQ(log.rows[0].line, 3);
  EXPECT_EQ(log.rows[1].line, 6);
}

TEST(ReadLog, LastLineWithoutNewline) {
  TempDir dir;
  EXPECT_EQ(read_text(dir, "n.tsv", "1\t2\t5\t9\n3\t4\t1\t8").rows.size(), 2u);
}

TEST(ReadLog, MinRatingDropsLowRows) {
  TempDir dir;
  LogOptions options;
  options.min_rating = 4;
  const InteractionLog log =
      read_text(dir, "m.tsv", "1\t1\t5\t1\n1\t2\t3\t2\n2\t1\t4\t3\n2\t2\t3.9\t4\n", options);
  ASSERT_EQ(log.rows.size(), 2u);
  EXPECT_EQ(log.dropped_rating, 2);
  EXPECT_EQ(log.rows[1].user, "2");
  EXPECT_DATA_ERROR(read_text(dir, "low.tsv", "1\t1\t1\t1\n", options), "no interactions left");
}

TEST(ReadLog, DuplicatesKeepLatestTimeAtFirstPosition) {
  TempDir dir;
  const InteractionLog log = read_text(dir, "d.tsv",
                                       "u\ta\t2\t50\n"
                                       "u\tb\t3\t10\n"
                                       "u\ta\t5\t70\n"    // later: replaces the first row
                                       "u\ta\t1\t60\n"    // earlier than the kept one
                                       "u\tb\t4\t10\n");  // equal time: the later line wins
  ASSERT_EQ(log.rows.size(), 2u);
  EXPECT_EQ(log.dropped_duplicate, 3);
  expect_row(log.rows[0], "u", "a", 5, 70);
  EXPECT_EQ(log.rows[0].line, 3);
  expect_row(log.rows[1], "u", "b", 4, 10);
  EXPECT_EQ(log.rows[1].line, 5);
}

TEST(ReadLog, IntegralFloatTimestamps) {
  TempDir dir;
  EXPECT_EQ(read_text(dir, "f.csv", "1,2,5,978300760.0\n").rows[0].time, 978300760);
  EXPECT_DATA_ERROR(read_text(dir, "g.csv", "1,2,5,1\n1,3,5,1.5\n"),
                    "g.csv:2: timestamp '1.5' is not an integer");
}

TEST(ReadLog, MalformedLinesNameFileAndLine) {
  TempDir dir;
  EXPECT_DATA_ERROR(read_text(dir, "few.tsv", "1\t2\t5\t1\n1\t3\t5\t2\n1\t4\n"),
                    "few.tsv:3: expected at least 4 columns, found 2");
  EXPECT_DATA_ERROR(read_text(dir, "rat.tsv", "1\t2\t5\t1\n# c\n1\t3\tfive\t2\n"),
                    "rat.tsv:3: rating 'five' is not a number");
  EXPECT_DATA_ERROR(read_text(dir, "tim.tsv", "1\t2\t5\t1\n1\t3\t5\tnoon\n"),
                    "tim.tsv:2: timestamp 'noon' is not an integer");
  EXPECT_DATA_ERROR(read_text(dir, "usr.csv", "1,2,5,1\n,3,5,2\n"), "usr.csv:2: empty user id");
  EXPECT_DATA_ERROR(read_text(dir, "itm.csv", "1,2,5,1\n1, ,5,2\n"), "itm.csv:2: empty item id");
}

TEST(ReadLog, MissingAndEmptyFiles) {
  TempDir dir;
  EXPECT_DATA_ERROR(read_log(dir.file("absent.tsv"), LogOptions()), "absent.tsv");
  EXPECT_DATA_ERROR(read_text(dir, "empty.tsv", "\n# only a comment\n"), "no data lines");
  EXPECT_DATA_ERROR(read_text(dir, "head.csv", "user,item,rating,time\n"), "only a header");
}

TEST(ReadLogShared, MovieLens100KPositives) {
  SRNS_REQUIRE_SHARED("ml-100k/u.data", path);
  const InteractionLog all = read_log(path, LogOptions());
  EXPECT_EQ(all.rows.size(), 100000u);
  EXPECT_EQ(all.dropped_duplicate, 0);
  LogOptions options;
  options.min_rating = 4;
  const InteractionLog log = read_log(path, options);
  EXPECT_EQ(log.rows.size(), 55375u);
  EXPECT_EQ(log.dropped_rating, 100000 - 55375);
  EXPECT_TRUE(log.has_time);
  expect_row(all.rows[0], "196", "242", 3, 881250949);
}

TEST(ReadLogShared, MovieLens1MHalfInMovieLensFormat) {
  SRNS_REQUIRE_SHARED("ml-1m/ratings_users0001-2999.dat", path);
  const InteractionLog log = read_log(path, LogOptions());
  EXPECT_EQ(log.rows.size(), 487650u);
  expect_row(log.rows[0], "1", "1193", 5, 978300760);
}

}  // namespace
}  // namespace srns
