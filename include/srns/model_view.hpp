// The parameters of a model as the scorers read them (scorer.hpp): raw pointers to host or
// device memory and the shape a scorer needs, small enough to pass to a kernel by value.
#pragma once
#include <stdint.h>

#include "srns/hd.hpp"

namespace srns {

// Largest embedding dimension F: a user context lives in a stack array of this many floats.
constexpr int kMaxDim = 1024;

enum class ModelKind { kGmf, kMf, kMlp };

// The MLP tower's shape (mlp_scorer.hpp): hidden widths, input 2F, and the activation.
constexpr int kMaxMlpDepth = 4;    // hidden layers
constexpr int kMaxMlpWidth = 128;  // units per hidden layer (a thread's stack arrays)
enum MlpActivation : int32_t { kMlpSigmoid = 0, kMlpRelu = 1, kMlpTanh = 2 };

struct MlpShape {
  int32_t depth = 0;                           // hidden layers (0: not an MLP)
  int32_t width[kMaxMlpDepth] = {0, 0, 0, 0};  // units of hidden layer k
  int32_t activation = kMlpSigmoid;
};

struct ModelView {
  ModelKind kind;     // which scorer reads it
  int32_t dim;        // F
  const float* user;  // [U][F]
  const float* item;  // [I][F]
  const float* head;  // [head_size]
  int32_t head_size;  // H
  MlpShape mlp = {};  // the MLP's shape (kind kMlp only)

  SRNS_HD const float* user_row(int32_t u) const { return user + static_cast<int64_t>(u) * dim; }
  SRNS_HD const float* item_row(int32_t i) const { return item + static_cast<int64_t>(i) * dim; }
  SRNS_HD int64_t grad_stride() const { return 3 * static_cast<int64_t>(dim) + head_size; }
};

}  // namespace srns
