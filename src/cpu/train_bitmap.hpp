// "Is item j a training item of user u?" as one bit per (user, item), for the rejection draws
// of the negative samplers (draws.hpp: draw_outside): one load instead of a binary search's
// chain of ~log2 |row| dependent loads, which miss the cache when pairs come in random order.
// Built only while it stays small (kMaxTrainBitmapBytes); otherwise users' sets are their
// sorted rows, with the same answers.
#pragma once
#include <cstdint>
#include <vector>

#include "srns/data.hpp"
#include "srns/draws.hpp"

namespace srns::cpu {

constexpr int64_t kMaxTrainBitmapBytes = int64_t{256} << 20;

// One user's training items as a set (contains), by bitmap row or sorted row.
struct UserItems {
  const uint64_t* bits;  // null: use the sorted row
  const int32_t* row;
  int64_t len;
  bool contains(int32_t x) const {
    return bits ? (bits[x >> 6] >> (x & 63)) & 1u : sorted_contains(row, len, x);
  }
};

class TrainBitmap {
 public:
  void build(const Csr& train, int32_t n_items) {
    words_ = (static_cast<int64_t>(n_items) + 63) / 64;
    bits_.clear();
    if (words_ * 8 * train.rows() > kMaxTrainBitmapBytes) return;
    bits_.assign(static_cast<size_t>(words_ * train.rows()), 0);
    for (int32_t u = 0; u < train.rows(); ++u) {
      uint64_t* row = bits_.data() + u * words_;
      for (int64_t e = train.offsets[u]; e < train.offsets[u + 1]; ++e) {
        row[train.cols[e] >> 6] |= uint64_t{1} << (train.cols[e] & 63);
      }
    }
  }
  UserItems user(const Csr& train, int32_t u) const {
    return {bits_.empty() ? nullptr : bits_.data() + u * words_, train.row(u), train.row_size(u)};
  }

 private:
  int64_t words_ = 0;
  std::vector<uint64_t> bits_;
};

}  // namespace srns::cpu
