// Shared pieces of the fuzz harness (tests/fuzz): the registry of targets, the scratch
// directory inputs are written into, and the cutting of one input into several files.
//
// A target takes one input and drives one reader with it. Input that a reader refuses with its
// documented error (DataError naming the file and line; std::runtime_error for model files) is
// the expected outcome; anything else is a finding: a sanitizer report, another exception (e.g.
// std::bad_alloc from a size taken from the input, std::out_of_range), or a broken round trip,
// which aborts. The libFuzzer binaries (fuzz_main.cpp, built with -DSRNS_FUZZ=ON by
// scripts/fuzz.sh) and the replay test of the committed corpus (tests/fuzz_replay_test.cpp, in
// every build) run the same targets.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace srns::fuzz {

using Target = void (*)(const uint8_t* data, size_t size);

struct NamedTarget {
  const char* name;  // also the corpus folder tests/fuzz/corpus/<name>/ and binary fuzz_<name>
  Target run;
};

// Every target. A new reader is one more line here and in
// tests/fuzz/CMakeLists.txt, one file tests/fuzz/<name>.cpp, and a seed corpus folder.
const std::vector<NamedTarget>& targets();

void log_reader(const uint8_t* data, size_t size);  // read_log, then split_log and a round trip
void split_dir(const uint8_t* data, size_t size);   // read_split_dir, then train and rank
void presplit(const uint8_t* data, size_t size);    // read_presplit (NCF / SRNS files)
void model_file(const uint8_t* data, size_t size);  // read_model, then a save/load round trip
void user_items(const uint8_t* data, size_t size);  // read_user_items (--fn-file)
void checkpoint(const uint8_t* data, size_t size);  // read_checkpoint, then train and rewrite

// A directory of this process for the files of one input (under /dev/shm where it exists).
// clear() empties it; files are written with write().
class Scratch {
 public:
  static Scratch& get();
  const std::string& dir() const { return dir_; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  void clear() const;
  void write(const std::string& name, std::string_view text) const;

 private:
  Scratch();
  ~Scratch();
  std::string dir_;
};

// The input read as `header` option bytes, then up to `n` files: bit k of the option bytes
// after the first `flag_bits` says whether file k exists; the rest of the input, cut at each
// '\0', gives the existing files' contents in order (missing parts are empty).
struct Sections {
  uint32_t flags = 0;  // the low `flag_bits` bits of the option bytes
  std::vector<std::optional<std::string_view>> files;
};
Sections cut(const uint8_t* data, size_t size, size_t header, int flag_bits, size_t n);

// Stops the process: a broken invariant the fuzzer should report.
[[noreturn]] void fail(const std::string& what);

}  // namespace srns::fuzz
