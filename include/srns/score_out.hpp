// Where a scoring op (score_matrix, score_pool, score_pairs; CPU and CUDA) writes its scores:
// score (row, col) goes to element row * ld + col * stride of `data`, as a float or, with
// `half`, as binary16 bits (half.hpp). A plain matrix is ld = columns, stride = 1; the SRNS
// history writes one ring slot of [rows][cols][W] runs with ld = cols * W, stride = W.
#pragma once
#include <stdint.h>

#include "srns/half.hpp"
#include "srns/hd.hpp"

namespace srns {

struct ScoreOut {
  void* data;  // float* or uint16_t* (half)
  int64_t ld, stride;
  bool half;

  SRNS_HD void put(int64_t row, int64_t col, float score) const {
    const int64_t x = row * ld + col * stride;
    if (half) {
      static_cast<uint16_t*>(data)[x] = half_bits(score);
    } else {
      static_cast<float*>(data)[x] = score;
    }
  }
};

// A row-major float matrix with leading dimension ld.
SRNS_HD ScoreOut float_matrix(float* data, int64_t ld) { return {data, ld, 1, false}; }

}  // namespace srns
