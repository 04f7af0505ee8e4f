// Model parameters on the host: user table P (n_users x F), item table Q (n_items x F), and
// the scorer's head (scorer.hpp; GMF: output weights beta, F). Rows are contiguous, row-major.
//
// Initialisation as the official code: P and Q ~ N(0, init_std) truncated at 2 sd (redrawn
// beyond), beta ~ U(-sqrt(6/(F+1)), sqrt(6/(F+1))) (Glorot uniform of an F x 1 matrix); MF
// fixes beta = 1 and never trains it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "srns/config.hpp"

namespace srns {

struct Model {
  ModelKind kind = ModelKind::kGmf;
  int32_t n_users = 0, n_items = 0, dim = 0;
  std::vector<float> user;  // n_users * dim
  std::vector<float> item;  // n_items * dim
  std::vector<float> head;  // the scorer's parameters (GMF: beta, dim)

  const float* user_row(int32_t u) const { return user.data() + static_cast<int64_t>(u) * dim; }
  const float* item_row(int32_t i) const { return item.data() + static_cast<int64_t>(i) * dim; }
  float score(int32_t u, int32_t i) const;  // the scorer's r(u, i)
};

Model init_model(const ModelConfig& config, int32_t n_users, int32_t n_items, uint64_t seed);

// The model a run starts from: the model file config.init when set, else init_model. A file
// that does not fit (another scorer, dim, user or item count) is refused with
// std::invalid_argument naming every difference.
Model initial_model(const TrainConfig& config, int32_t n_users, int32_t n_items);

// Binary file: magic "SRNSMDL1", int32 kind (0 GMF, 1 MF), n_users, n_items, dim, then P, Q and
// the head as little-endian float32.
void save_model(const Model& model, const std::string& path);
Model load_model(const std::string& path);

}  // namespace srns
