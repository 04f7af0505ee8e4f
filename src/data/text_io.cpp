// Bulk reads, line and field cutting, integer parsing and buffered writes for the data files.
#include "text_io.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

namespace srns::text {
namespace {

constexpr size_t kWriteBufferBytes = size_t{4} << 20;

std::string quoted(std::string_view s) {
  constexpr size_t kMaxShown = 40;
  std::string out = "'";
  out.append(s.substr(0, kMaxShown));
  if (s.size() > kMaxShown) out.append("...");
  out.push_back('\'');
  return out;
}

}  // namespace

std::string read_whole_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw DataError("cannot read " + path + ": it is a directory");
  }
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    throw DataError("cannot open " + path + ": " + std::strerror(errno));
  }
  // Sized from the file when it can seek; pipes (e.g. <(zcat log.gz)) grow chunk by chunk.
  std::string text;
  if (std::fseek(file, 0, SEEK_END) == 0) {
    const long size = std::ftell(file);
    if (size > 0) text.reserve(static_cast<size_t>(size) + 1);  // +1: the first read sees EOF
    std::rewind(file);
  }
  constexpr size_t kChunk = size_t{1} << 20;
  size_t used = 0;
  for (;;) {
    text.resize(std::max(text.capacity(), used + kChunk));
    const size_t got = std::fread(text.data() + used, 1, text.size() - used, file);
    used += got;
    if (got == 0 || std::feof(file) || std::ferror(file)) break;
  }
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) throw DataError("cannot read " + path + ": " + std::strerror(errno));
  text.resize(used);
  return text;
}

std::string where(const std::string& path, int64_t line) {
  return path + ":" + std::to_string(line);
}

bool LineCursor::next(std::string_view* line) {
  if (pos_ >= text_.size()) return false;
  const size_t end = text_.find('\n', pos_);
  const size_t stop = end == std::string_view::npos ? text_.size() : end;
  size_t len = stop - pos_;
  if (len > 0 && text_[pos_ + len - 1] == '\r') --len;
  *line = text_.substr(pos_, len);
  pos_ = stop + 1;
  ++number_;
  return true;
}

bool is_blank(std::string_view line) { return trim(line).empty(); }

std::string_view trim(std::string_view s) {
  size_t begin = 0, end = s.size();
  while (begin < end && (s[begin] == ' ' || s[begin] == '\t' || s[begin] == '\r')) ++begin;
  while (end > begin && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r')) --end;
  return s.substr(begin, end - begin);
}

bool parse_int32(std::string_view s, int32_t* out) {
  const char* end = s.data() + s.size();
  const auto result = std::from_chars(s.data(), end, *out);
  return !s.empty() && result.ec == std::errc() && result.ptr == end;
}

bool parse_int64(std::string_view s, int64_t* out) {
  const char* end = s.data() + s.size();
  const auto result = std::from_chars(s.data(), end, *out);
  return !s.empty() && result.ec == std::errc() && result.ptr == end;
}

bool parse_double(std::string_view s, double* out) {
  const char* end = s.data() + s.size();
  const auto result = std::from_chars(s.data(), end, *out);
  return !s.empty() && result.ec == std::errc() && result.ptr == end && std::isfinite(*out);
}

void split_whitespace(std::string_view line, std::vector<std::string_view>* fields) {
  fields->clear();
  size_t pos = 0;
  const size_t n = line.size();
  while (pos < n) {
    while (pos < n && (line[pos] == '\t' || line[pos] == ' ')) ++pos;
    if (pos == n) break;
    size_t end = pos;
    while (end < n && line[end] != '\t' && line[end] != ' ') ++end;
    fields->push_back(line.substr(pos, end - pos));
    pos = end;
  }
}

void parse_id_fields(std::string_view line, const std::string& path, int64_t line_number,
                     std::vector<int32_t>* ids) {
  ids->clear();
  size_t pos = 0;
  const size_t n = line.size();
  while (pos < n) {
    while (pos < n && (line[pos] == '\t' || line[pos] == ' ')) ++pos;
    if (pos == n) break;
    size_t end = pos;
    while (end < n && line[end] != '\t' && line[end] != ' ') ++end;
    const std::string_view field = line.substr(pos, end - pos);
    int32_t id = 0;
    if (!parse_int32(field, &id) || id < 0) {
      throw DataError(where(path, line_number) + ": " + quoted(field) +
                      " is not a non-negative integer id");
    }
    ids->push_back(id);
    pos = end;
  }
}

namespace {

bool is_separator(char c) { return c == '\t' || c == ' '; }

// A non-negative int32 written as plain digits at *p; advances *p past it.
bool read_plain_id(const char** p, const char* end, int32_t* out) {
  const char* q = *p;
  uint64_t value = 0;
  while (q < end && *q >= '0' && *q <= '9' && value <= std::numeric_limits<int32_t>::max()) {
    value = value * 10 + static_cast<uint64_t>(*q - '0');
    ++q;
  }
  if (q == *p || value > std::numeric_limits<int32_t>::max()) return false;
  *p = q;
  *out = static_cast<int32_t>(value);
  return true;
}

// The common line "digits<sep>digits[<sep>...]"; false for anything else (blank, odd, bad),
// which the caller then re-reads field by field for a precise message.
bool parse_plain_pair(std::string_view line, bool allow_extra_columns, Pair* pair) {
  const char* p = line.data();
  const char* end = p + line.size();
  if (!read_plain_id(&p, end, &pair->user) || p == end || !is_separator(*p)) return false;
  while (p < end && is_separator(*p)) ++p;
  if (!read_plain_id(&p, end, &pair->item)) return false;
  if (p < end && !is_separator(*p)) return false;
  while (p < end && is_separator(*p)) ++p;
  return p == end || allow_extra_columns;
}

// Returns false for a blank line; throws for a malformed one.
bool parse_pair_slowly(std::string_view line, const std::string& path, int64_t line_number,
                       bool allow_extra_columns, Pair* pair) {
  std::vector<std::string_view> fields;
  split_whitespace(line, &fields);
  if (fields.empty()) return false;
  if (fields.size() < 2 || (fields.size() > 2 && !allow_extra_columns)) {
    throw DataError(where(path, line_number) + ": expected user<TAB>item" +
                    (allow_extra_columns ? " (2 or more columns)" : " (2 columns)") + ", found " +
                    std::to_string(fields.size()) + " columns");
  }
  std::vector<int32_t> ids;
  const std::string_view first_two(
      fields[0].data(),
      static_cast<size_t>(fields[1].data() + fields[1].size() - fields[0].data()));
  parse_id_fields(first_two, path, line_number, &ids);
  pair->user = ids[0];
  pair->item = ids[1];
  return true;
}

}  // namespace

PairFile read_pair_file(const std::string& path, int32_t user_limit, int32_t item_limit,
                        bool allow_extra_columns) {
  const std::string text = read_whole_file(path);
  PairFile out;
  out.pairs.reserve(text.size() / 8);
  LineCursor lines(text);
  std::string_view line;
  while (lines.next(&line)) {
    Pair p;
    if (!parse_plain_pair(line, allow_extra_columns, &p) &&
        !parse_pair_slowly(line, path, lines.number(), allow_extra_columns, &p)) {
      continue;
    }
    if (p.user >= user_limit) {
      throw DataError(where(path, lines.number()) + ": user " + std::to_string(p.user) +
                      " out of range (" + std::to_string(user_limit) + " users)");
    }
    if (p.item >= item_limit) {
      throw DataError(where(path, lines.number()) + ": item " + std::to_string(p.item) +
                      " out of range (" + std::to_string(item_limit) + " items)");
    }
    out.pairs.push_back(p);
    if (p.user > out.max_user) {
      out.max_user = p.user;
      out.max_user_line = lines.number();
    }
    if (p.item > out.max_item) {
      out.max_item = p.item;
      out.max_item_line = lines.number();
    }
  }
  return out;
}

void IdSpan::see(int32_t id, const std::string& path, int64_t line, int64_t n) {
  count += n;
  if (id > max) {
    max = id;
    at = where(path, line);
  }
}

int32_t dense_count(const IdSpan& ids, const std::string& kind, const std::string& why) {
  constexpr int64_t kSlack = 1024;  // small hand-made files may leave a few ids unused
  if (ids.max >= 0 && ids.max + int64_t{1} > 2 * ids.count + kSlack) {
    throw DataError(ids.at + ": " + kind + " " + std::to_string(ids.max) + " is far beyond the " +
                    std::to_string(ids.count) + " " + kind + " ids read; " + why + " the " + kind +
                    " count is taken from the largest id, so ids must be dense (0 to count-1)");
  }
  return ids.max + 1;
}

IdInterner::IdInterner() : slots_(1024, -1), mask_(1023) {}

int32_t IdInterner::intern(std::string_view key) {
  // FNV-1a, then a multiply-xorshift finaliser so the low bits used for the slot are mixed.
  uint64_t hash = 0xcbf29ce484222325ull;
  for (const char c : key) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  hash ^= hash >> 29;
  hash *= 0xbf58476d1ce4e5b9ull;
  hash ^= hash >> 32;
  for (uint64_t slot = hash & mask_;; slot = (slot + 1) & mask_) {
    const int32_t id = slots_[slot];
    if (id < 0) {
      slots_[slot] = size();
      keys_.push_back(key);
      hashes_.push_back(hash);
      if (keys_.size() * 2 > slots_.size()) grow();
      return size() - 1;
    }
    if (hashes_[id] == hash && keys_[id] == key) return id;
  }
}

void IdInterner::grow() {
  slots_.assign(slots_.size() * 2, -1);
  mask_ = slots_.size() - 1;
  for (int32_t id = 0; id < size(); ++id) {
    uint64_t slot = hashes_[id] & mask_;
    while (slots_[slot] >= 0) slot = (slot + 1) & mask_;
    slots_[slot] = id;
  }
}

FileWriter::FileWriter(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) {
    throw DataError("cannot create " + path + ": " + std::strerror(errno));
  }
  buffer_.reserve(kWriteBufferBytes + 64);
}

FileWriter::~FileWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

void FileWriter::put(std::string_view s) {
  buffer_.append(s);
  if (buffer_.size() >= kWriteBufferBytes) flush();
}

void FileWriter::put(char c) {
  buffer_.push_back(c);
  if (buffer_.size() >= kWriteBufferBytes) flush();
}

void FileWriter::put_int(int64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof(digits), value);
  buffer_.append(digits, result.ptr);
  if (buffer_.size() >= kWriteBufferBytes) flush();
}

void FileWriter::flush() {
  if (buffer_.empty()) return;
  if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) {
    throw DataError("cannot write " + path_ + ": " + std::strerror(errno));
  }
  buffer_.clear();
}

void FileWriter::close() {
  if (file_ == nullptr) return;
  flush();
  const int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) throw DataError("cannot write " + path_ + ": " + std::strerror(errno));
}

}  // namespace srns::text
