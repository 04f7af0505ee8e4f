// Model parameters on the host: user table P (n_users x F), item table Q (n_items x F), and
// the scorer's head (scorer.hpp; GMF: output weights beta, F; MLP: the tower, mlp_scorer.hpp).
// Rows are contiguous, row-major.
//
// Initialisation as the official code: P and Q ~ N(0, init_std) truncated at 2 sd (redrawn
// beyond), beta ~ U(-sqrt(6/(F+1)), sqrt(6/(F+1))) (Glorot uniform of an F x 1 matrix); MF
// fixes beta = 1 and never trains it. MLP: every weight matrix and h Glorot uniform
// U(-sqrt(6/(fan_in+fan_out)), +), biases 0.
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
  MlpShape mlp;             // the tower's shape (kMlp only)

  const float* user_row(int32_t u) const { return user.data() + static_cast<int64_t>(u) * dim; }
  const float* item_row(int32_t i) const { return item.data() + static_cast<int64_t>(i) * dim; }
  float score(int32_t u, int32_t i) const;  // the scorer's r(u, i)
};

Model init_model(const ModelConfig& config, int32_t n_users, int32_t n_items, uint64_t seed);

// The view of a host model.
ModelView view_of(const Model& model);

// The model a run starts from: the model file config.init when set, else init_model. A file
// that does not fit (another scorer, dim, user or item count, the MLP's layers) is refused
// with std::invalid_argument naming every difference.
Model initial_model(const TrainConfig& config, int32_t n_users, int32_t n_items);

// Binary file: magic "SRNSMDL1", int32 kind (0 GMF, 1 MF, 2 MLP), n_users, n_items, dim; for
// an MLP then int32 activation (0 sigmoid, 1 relu, 2 tanh), depth and the depth hidden widths;
// then P, Q and the head as little-endian float32. GMF and MF files are as they always were.
void save_model(const Model& model, const std::string& path);
Model load_model(const std::string& path);

}  // namespace srns
