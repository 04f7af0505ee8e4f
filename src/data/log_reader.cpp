// Interaction logs: `user item [rating] [timestamp]` lines in MovieLens (`::`), TSV, CSV or
// whitespace-separated form, read into raw-id rows.
//
// The separator is detected from the first data line (`::`, then tab, then comma, else runs
// of blanks). A header is detected when the first line's rating or time field is not a number,
// or when its user and item fields are not integers while the next line's are. Blank lines and
// lines starting with '#' are skipped. Rows under --min-rating are dropped first; then repeated
// (user, item) rows collapse into one that keeps the position of the first and the rating, time
// and line of the latest (largest time; the later line on equal times). The file is read in one
// go and cut by hand, so a 1M-line log parses in a fraction of a second.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "srns/data.hpp"
#include "text_io.hpp"

namespace srns {
namespace {

using text::where;

bool is_comment_or_blank(std::string_view line) {
  const std::string_view body = text::trim(line);
  return body.empty() || body.front() == '#';
}

LogFormat detect_format(std::string_view line) {
  if (line.find("::") != std::string_view::npos) return LogFormat::kMovieLens;
  if (line.find('\t') != std::string_view::npos) return LogFormat::kTsv;
  if (line.find(',') != std::string_view::npos) return LogFormat::kCsv;
  return LogFormat::kWhitespace;
}

std::string_view unquote(std::string_view field) {
  if (field.size() >= 2 && field.front() == '"' && field.back() == '"') {
    return field.substr(1, field.size() - 2);
  }
  return field;
}

// Cuts a line into fields by the log's separator; fields of separated formats are trimmed.
void split_fields(LogFormat format, std::string_view line, std::vector<std::string_view>* out) {
  if (format == LogFormat::kWhitespace) {
    text::split_whitespace(line, out);
    return;
  }
  out->clear();
  const std::string_view separator = format == LogFormat::kMovieLens ? "::"
                                     : format == LogFormat::kTsv     ? "\t"
                                                                     : ",";
  size_t pos = 0;
  for (;;) {
    const size_t end = line.find(separator, pos);
    std::string_view field = text::trim(
        line.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    out->push_back(format == LogFormat::kCsv ? unquote(field) : field);
    if (end == std::string_view::npos) break;
    pos = end + separator.size();
  }
}

bool field_is_number(const std::vector<std::string_view>& fields, int col) {
  double value = 0.0;
  return col < 0 || col >= static_cast<int>(fields.size()) ||
         text::parse_double(fields[col], &value);
}

bool ids_are_integers(const std::vector<std::string_view>& fields, const LogOptions& options) {
  int64_t value = 0;
  const int n = static_cast<int>(fields.size());
  return options.user_col < n && options.item_col < n &&
         text::parse_int64(fields[options.user_col], &value) &&
         text::parse_int64(fields[options.item_col], &value);
}

// Advances to the next line that is neither blank nor a comment; false at the end.
bool next_data_line(text::LineCursor* lines, std::string_view* line) {
  while (lines->next(line)) {
    if (!is_comment_or_blank(*line)) return true;
  }
  return false;
}

// Whether the first data line (`first`, with `rest` positioned after it) is a header: its
// rating or time field is not a number, or its ids are not integers while the next line's are.
bool looks_like_header(const std::vector<std::string_view>& first, text::LineCursor rest,
                       LogFormat format, const LogOptions& options) {
  if (!field_is_number(first, options.rating_col) || !field_is_number(first, options.time_col)) {
    return true;
  }
  if (ids_are_integers(first, options)) return false;
  std::string_view second;
  if (!next_data_line(&rest, &second)) return false;
  std::vector<std::string_view> second_fields;
  split_fields(format, second, &second_fields);
  return ids_are_integers(second_fields, options);
}

void check_columns(const LogOptions& options) {
  if (options.user_col < 0 || options.item_col < 0) {
    throw std::invalid_argument("user and item columns must be >= 0");
  }
  if (options.rating_col < -1 || options.time_col < -1) {
    throw std::invalid_argument("rating and time columns must be >= 0, or -1 for none");
  }
  const int cols[] = {options.user_col, options.item_col, options.rating_col, options.time_col};
  for (int a = 0; a < 4; ++a) {
    for (int b = a + 1; b < 4; ++b) {
      if (cols[a] >= 0 && cols[a] == cols[b]) {
        throw std::invalid_argument("two log fields are read from the same column " +
                                    std::to_string(cols[a] + 1));
      }
    }
  }
}

// Timestamps are integers; an integral float such as "978300760.0" is accepted too.
bool parse_time(std::string_view field, int64_t* out) {
  if (text::parse_int64(field, out)) return true;
  double value = 0.0;
  constexpr double kLimit = 9e18;
  if (!text::parse_double(field, &value) || std::floor(value) != value ||
      std::fabs(value) > kLimit) {
    return false;
  }
  *out = static_cast<int64_t>(value);
  return true;
}

struct Layout {
  bool has_rating = false;
  bool has_time = false;
  int required = 0;  // columns a data line must have
};

Layout choose_layout(const std::vector<std::string_view>& first_data, const LogOptions& options,
                     const std::string& path, int64_t line) {
  const int n = static_cast<int>(first_data.size());
  Layout layout;
  layout.has_rating = options.rating_col >= 0 && options.rating_col < n;
  layout.has_time = options.time_col >= 0 && options.time_col < n;
  if (options.min_rating > -1e300 && !layout.has_rating) {
    throw DataError(path + ": a minimum rating was given but the file has no rating column " +
                    (options.rating_col < 0
                         ? std::string("(rating column disabled)")
                         : "(column " + std::to_string(options.rating_col + 1) + " absent; line " +
                               std::to_string(line) + " has " + std::to_string(n) + " columns)"));
  }
  layout.required = std::max(options.user_col, options.item_col) + 1;
  if (layout.has_rating) layout.required = std::max(layout.required, options.rating_col + 1);
  if (layout.has_time) layout.required = std::max(layout.required, options.time_col + 1);
  return layout;
}

// One parsed data line, ids interned.
struct Record {
  int32_t user = 0;
  int32_t item = 0;
  double rating = 1.0;
  int64_t time = 0;
  int64_t line = 0;
};

// Marks the first record of each (user, item) as kept and gives it the rating, time and line of
// the latest record of that pair (largest time; the later line on equal times).
std::vector<bool> collapse_duplicates(std::vector<Record>* records, int32_t n_users,
                                      int32_t n_items) {
  const size_t n = records->size();
  std::vector<int64_t> offsets(static_cast<size_t>(n_users) + 1, 0);
  for (const Record& r : *records) ++offsets[r.user + 1];
  for (int32_t u = 0; u < n_users; ++u) offsets[u + 1] += offsets[u];
  std::vector<int64_t> by_user(n);
  for (size_t r = 0; r < n; ++r) by_user[offsets[(*records)[r].user]++] = static_cast<int64_t>(r);

  std::vector<bool> kept(n, true);
  std::vector<int32_t> owner(n_items, -1);  // last user seen with the item
  std::vector<int64_t> first(n_items, 0);   // that user's first record of the item
  int64_t begin = 0;
  for (int32_t u = 0; u < n_users; ++u) {
    const int64_t end = offsets[u];  // offsets[u] now ends user u's records
    for (int64_t k = begin; k < end; ++k) {
      const int64_t r = by_user[k];
      Record& record = (*records)[r];
      if (owner[record.item] != u) {
        owner[record.item] = u;
        first[record.item] = r;
        continue;
      }
      kept[r] = false;
      Record& target = (*records)[first[record.item]];
      if (record.time >= target.time) {
        target.rating = record.rating;
        target.time = record.time;
        target.line = record.line;
      }
    }
    begin = end;
  }
  return kept;
}

}  // namespace

InteractionLog read_log(const std::string& path, const LogOptions& options) {
  check_columns(options);
  const std::string text = text::read_whole_file(path);
  InteractionLog log;
  log.path = path;

  text::LineCursor lines(text);
  std::string_view line;
  if (!next_data_line(&lines, &line)) throw DataError(path + ": no data lines");
  const LogFormat format =
      options.format == LogFormat::kAuto ? detect_format(line) : options.format;
  std::vector<std::string_view> fields;
  split_fields(format, line, &fields);
  if (options.header == 1 ||
      (options.header == -1 && looks_like_header(fields, lines, format, options))) {
    if (!next_data_line(&lines, &line)) throw DataError(path + ": only a header, no data lines");
    split_fields(format, line, &fields);
  }
  const Layout layout = choose_layout(fields, options, path, lines.number());
  log.has_time = layout.has_time;
  log.columns = static_cast<int>(fields.size());

  // Pass 1: parse and filter into compact records with interned ids.
  text::IdInterner users, items;
  std::vector<Record> records;
  records.reserve(text.size() / 16 + 16);
  int64_t data_lines = 0;
  do {
    if (is_comment_or_blank(line)) continue;
    split_fields(format, line, &fields);
    const int64_t number = lines.number();
    if (static_cast<int>(fields.size()) < layout.required) {
      throw DataError(where(path, number) + ": expected at least " +
                      std::to_string(layout.required) + " columns, found " +
                      std::to_string(fields.size()));
    }
    ++data_lines;
    const std::string_view user = fields[options.user_col], item = fields[options.item_col];
    if (user.empty()) throw DataError(where(path, number) + ": empty user id");
    if (item.empty()) throw DataError(where(path, number) + ": empty item id");
    Record record;
    record.line = number;
    if (layout.has_rating && !text::parse_double(fields[options.rating_col], &record.rating)) {
      throw DataError(where(path, number) + ": rating '" + std::string(fields[options.rating_col]) +
                      "' is not a number");
    }
    if (layout.has_time && !parse_time(fields[options.time_col], &record.time)) {
      throw DataError(where(path, number) + ": timestamp '" +
                      std::string(fields[options.time_col]) + "' is not an integer");
    }
    if (record.rating < options.min_rating) {
      ++log.dropped_rating;
      continue;
    }
    record.user = users.intern(user);
    record.item = items.intern(item);
    records.push_back(record);
  } while (lines.next(&line));

  // Pass 2: collapse repeated (user, item) records into the first one.
  const std::vector<bool> kept = collapse_duplicates(&records, users.size(), items.size());
  log.rows.reserve(records.size());
  for (size_t r = 0; r < records.size(); ++r) {
    if (!kept[r]) {
      ++log.dropped_duplicate;
      continue;
    }
    const Record& record = records[r];
    log.rows.push_back({std::string(users.key(record.user)), std::string(items.key(record.item)),
                        record.rating, record.time, record.line});
  }

  if (log.rows.empty()) {
    throw DataError(path + ": no interactions left (" + std::to_string(data_lines) +
                    " data lines, " + std::to_string(log.dropped_rating) +
                    " under the minimum rating)");
  }
  return log;
}

}  // namespace srns
