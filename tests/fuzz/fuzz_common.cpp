// The registry, the scratch directory and the cutting of inputs (fuzz_common.hpp).
#include "fuzz_common.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace srns::fuzz {

namespace fs = std::filesystem;

const std::vector<NamedTarget>& targets() {
  static const std::vector<NamedTarget> all = {
      {"log_reader", log_reader}, {"split_dir", split_dir},   {"presplit", presplit},
      {"model_file", model_file}, {"user_items", user_items}, {"checkpoint", checkpoint},
  };
  return all;
}

Scratch& Scratch::get() {
  static Scratch scratch;
  return scratch;
}

Scratch::Scratch() {
  const fs::path base =
      fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  dir_ = (base / ("srns-fuzz-" + std::to_string(::getpid()))).string();
  fs::create_directories(dir_);
}

Scratch::~Scratch() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void Scratch::clear() const {
  for (const auto& entry : fs::directory_iterator(dir_)) fs::remove_all(entry.path());
}

void Scratch::write(const std::string& name, std::string_view text) const {
  std::ofstream out(path(name), std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) fail("cannot write the scratch file " + path(name));
}

Sections cut(const uint8_t* data, size_t size, size_t header, int flag_bits, size_t n) {
  Sections s;
  uint64_t bits = 0;
  for (size_t b = 0; b < header && b < size; ++b) bits |= static_cast<uint64_t>(data[b]) << (8 * b);
  s.flags = static_cast<uint32_t>(bits & ((uint64_t{1} << flag_bits) - 1));
  const uint64_t present = bits >> flag_bits;
  const size_t skip = std::min(header, size);
  std::string_view rest(reinterpret_cast<const char*>(data) + skip, size - skip);
  for (size_t k = 0; k < n; ++k) {
    if (!((present >> k) & 1)) {
      s.files.emplace_back(std::nullopt);
      continue;
    }
    const size_t end = rest.find('\0');
    s.files.emplace_back(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  return s;
}

void fail(const std::string& what) {
  std::fprintf(stderr, "srns fuzz: %s\n", what.c_str());
  std::abort();
}

}  // namespace srns::fuzz
