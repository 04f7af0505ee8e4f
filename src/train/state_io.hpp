// Binary state of samplers and optimisers for checkpoints: arrays written as a length and the
// raw little-endian elements, read back only when the length is the one expected (a
// checkpoint of another run or a damaged file is refused, never half-loaded).
#pragma once
#include <cstdint>
#include <istream>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace srns {

template <typename T, typename A>
void write_array(std::ostream& out, const std::vector<T, A>& v) {
  static_assert(std::is_trivially_copyable_v<T>, "raw arrays only");
  const int64_t n = static_cast<int64_t>(v.size());
  out.write(reinterpret_cast<const char*>(&n), sizeof(n));
  out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(n * sizeof(T)));
}

// Reads an array written by write_array into v, which must already have the expected size;
// `what` names it in the error.
template <typename T, typename A>
void read_array(std::istream& in, std::vector<T, A>* v, const std::string& what) {
  int64_t n = -1;
  in.read(reinterpret_cast<char*>(&n), sizeof(n));
  if (!in || n != static_cast<int64_t>(v->size())) {
    throw std::runtime_error("checkpoint: " + what + " has " + std::to_string(n) +
                             " elements where this run has " + std::to_string(v->size()));
  }
  in.read(reinterpret_cast<char*>(v->data()), static_cast<std::streamsize>(n * sizeof(T)));
  if (!in) throw std::runtime_error("checkpoint: " + what + " is truncated");
}

}  // namespace srns
