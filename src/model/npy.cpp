// NumPy .npy files (model.hpp): the 10-byte preamble "\x93NUMPY", version 1.0, the header
// length (uint16, little-endian), then a Python dict literal giving dtype, order and shape,
// padded with spaces and ended by '\n' so the data starts at a multiple of 64 bytes; then the
// values, float32 little-endian (the host order: srns builds for little-endian hosts only).
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "srns/model.hpp"

namespace srns {

void write_npy(const std::string& path, const std::vector<int64_t>& shape,
               const std::vector<float>& values) {
  int64_t count = 1;
  std::string dims;
  for (const int64_t extent : shape) {
    count *= extent;
    dims += std::to_string(extent) + ", ";
  }
  if (shape.size() > 1) dims.erase(dims.size() - 2);  // "(3, 4)"; a 1-d shape keeps "(3,)"
  if (shape.size() == 1) dims.pop_back();
  if (count != static_cast<int64_t>(values.size())) {
    throw std::invalid_argument("write_npy: shape does not match the value count");
  }
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  constexpr size_t kPreamble = 10, kAlign = 64;
  header.append(kAlign - (kPreamble + header.size() + 1) % kAlign, ' ');
  header.push_back('\n');
  const uint16_t header_len = static_cast<uint16_t>(header.size());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw std::runtime_error("cannot create " + path);
  out.write("\x93NUMPY\x01\x00", 8);
  const char len_le[2] = {static_cast<char>(header_len & 0xff), static_cast<char>(header_len >> 8)};
  out.write(len_le, 2);
  out << header;
  out.write(reinterpret_cast<const char*>(values.data()),
            static_cast<std::streamsize>(values.size() * sizeof(float)));
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace srns
