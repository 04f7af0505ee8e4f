// Score matrices on the GPU (CPU: cpu::score_matrix, src/cpu/score_matrix.cpp).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "srns/score_out.hpp"
#include "srns/scorer.hpp"

namespace srns::gpu {

// out(u - u0, i) = r(u, i) for u in [u0, u0 + n_users), i in [0, n_items) (score_out.hpp);
// the scorer's score bit for bit. Device pointers.
void score_matrix(cudaStream_t stream, const ModelView& model, int32_t u0, int32_t n_users,
                  int32_t n_items, const ScoreOut& out);

}  // namespace srns::gpu
