// Fast plain-text input and output for the data layer (internal, not a public header).
//
// Files are read in one bulk read and cut into lines and fields by hand: no iostreams per
// field, no regex. Integers parse with std::from_chars. Lines end in "\n" or "\r\n"; the last
// line may lack its newline. Writers buffer a few MiB and report write failures as DataError.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "srns/data.hpp"

namespace srns::text {

// The whole file; DataError naming the path when it cannot be opened or read.
std::string read_whole_file(const std::string& path);

// "path:line", the prefix of every message about a line of a file.
std::string where(const std::string& path, int64_t line);

// Walks the lines of a buffer, 1-based numbers, "\r" of "\r\n" stripped.
class LineCursor {
 public:
  explicit LineCursor(std::string_view text) : text_(text) {}
  // Next line into `line`; false at the end of the text.
  bool next(std::string_view* line);
  int64_t number() const { return number_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int64_t number_ = 0;
};

bool is_blank(std::string_view line);
std::string_view trim(std::string_view s);

// Whole-string parses (no sign prefix '+', no surrounding spaces): false when s is not one.
bool parse_int32(std::string_view s, int32_t* out);
bool parse_int64(std::string_view s, int64_t* out);
bool parse_double(std::string_view s, double* out);

// Fields separated by runs of tabs and spaces.
void split_whitespace(std::string_view line, std::vector<std::string_view>* fields);

// Integer ids of a whitespace-separated line, each checked to be a non-negative int32;
// DataError "path:line: ..." otherwise.
void parse_id_fields(std::string_view line, const std::string& path, int64_t line_number,
                     std::vector<int32_t>* ids);

// A file of user<TAB>item lines (blank lines skipped). Extra columns are ignored when
// `allow_extra_columns`, else an error. Ids must be below the limits (DataError "path:line").
struct PairFile {
  std::vector<Pair> pairs;
  int32_t max_user = -1;
  int32_t max_item = -1;
  int64_t max_user_line = 0;  // where the largest ids are, for messages
  int64_t max_item_line = 0;
};
PairFile read_pair_file(const std::string& path, int32_t user_limit, int32_t item_limit,
                        bool allow_extra_columns);

// The largest id of one kind (user or item) read from a set of files, where it was, and how
// many ids of that kind were read.
struct IdSpan {
  int32_t max = -1;
  std::string at;  // "file:line" of max
  int64_t count = 0;
  void see(int32_t id, const std::string& path, int64_t line, int64_t n);
};

// The count of dense ids 0..max inferred from the largest id seen. An id far beyond the number
// of ids read is refused (DataError at its file:line, `why` saying why the count is inferred),
// so no table is ever sized by one stray id.
int32_t dense_count(const IdSpan& ids, const std::string& kind, const std::string& why);

// Dense ids for string keys in order of first sight (open addressing, linear probing). The
// interner keeps views: the keys' storage must outlive it.
class IdInterner {
 public:
  IdInterner();
  int32_t intern(std::string_view key);
  int32_t size() const { return static_cast<int32_t>(keys_.size()); }
  std::string_view key(int32_t id) const { return keys_[id]; }

 private:
  void grow();
  std::vector<std::string_view> keys_;
  std::vector<uint64_t> hashes_;  // hash of keys_[k], kept for rehashing
  std::vector<int32_t> slots_;    // -1: empty, else an index into keys_
  uint64_t mask_;
};

// Buffered writer of text files; never overwrites (the caller checks) and throws DataError
// when the file cannot be created or written.
class FileWriter {
 public:
  explicit FileWriter(const std::string& path);
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  void put(std::string_view s);
  void put(char c);
  void put_int(int64_t value);
  // Flushes and closes; throws on failure. Called by the destructor too (errors ignored there).
  void close();

 private:
  void flush();
  std::string path_;
  std::FILE* file_ = nullptr;
  std::string buffer_;
};

}  // namespace srns::text
