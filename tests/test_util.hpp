// Helpers shared by the tests: temporary directories, writing small files, shared data.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace srns::testing {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("srns_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// ../shared/data beside the checkout, or $SRNS_SHARED_DATA; empty when absent.
inline std::string shared_data_dir() {
  const char* env = std::getenv("SRNS_SHARED_DATA");
  std::string dir = env ? env : SRNS_SHARED_DATA_DEFAULT;
  return std::filesystem::is_directory(dir) ? dir : std::string();
}

}  // namespace srns::testing

// Skips the current test, saying which shared file is missing.
#define SRNS_REQUIRE_SHARED(rel, var)                                                          \
  std::string var;                                                                             \
  {                                                                                            \
    const std::string dir_ = ::srns::testing::shared_data_dir();                               \
    var = dir_.empty() ? std::string() : dir_ + "/" + (rel);                                   \
    if (var.empty() || !std::filesystem::exists(var))                                          \
      GTEST_SKIP() << "shared data not found: " << (rel)                                       \
                   << " (looked in ../shared/data beside the checkout and $SRNS_SHARED_DATA)"; \
  }
