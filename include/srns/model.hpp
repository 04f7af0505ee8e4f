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
#include <iosfwd>
#include <string>
#include <type_traits>
#include <vector>

#include "srns/config.hpp"
#include "srns/scorer.hpp"

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

// One parameter array of a model: its name (the file stem of `srns export`), its shape and its
// values, row-major.
template <typename Values>
struct ParamArrayOf {
  const char* name;
  std::vector<int64_t> shape;
  Values* values;
};

// Every parameter array of `model` (Model or const Model), in model.bin order. model.bin,
// `srns export` and the finiteness check all walk this list, so a new scorer parameter array is
// one more line here.
template <typename M>
auto param_arrays(M& model) {
  using Values =
      std::conditional_t<std::is_const_v<M>, const std::vector<float>, std::vector<float>>;
  return std::vector<ParamArrayOf<Values>>{
      {"user_embeddings", {model.n_users, model.dim}, &model.user},
      {"item_embeddings", {model.n_items, model.dim}, &model.item},
      {"head", {head_size(model.kind, model.dim, model.mlp)}, &model.head},
  };
}

Model init_model(const ModelConfig& config, int32_t n_users, int32_t n_items, uint64_t seed);

// The view of a host model.
ModelView view_of(const Model& model);

// The model a run starts from: the model file config.init when set, else init_model. A file
// that does not fit (another scorer, dim, user or item count, the MLP's layers) is refused
// with std::invalid_argument naming every difference.
Model initial_model(const TrainConfig& config, int32_t n_users, int32_t n_items);

// Binary file (data/README.md): magic "SRNSMDL1", int32 kind (0 gmf, 1 mf, 2 mlp), n_users,
// n_items, dim; for an MLP then int32 activation (0 sigmoid, 1 relu, 2 tanh), depth and the
// depth hidden widths; then the param_arrays as little-endian float32, row-major, nothing after
// them. GMF and MF files are as they always were.
void save_model(const Model& model, const std::string& path);
Model load_model(const std::string& path);
// The file's bytes to a stream (save_model writes them to a temporary file and renames it).
void write_model(std::ostream& out, const Model& model);
// The same from a stream of `size` bytes; `name` prefixes messages. Every size is checked
// against `size` before anything is allocated (std::runtime_error names what is wrong).
Model read_model(std::istream& in, int64_t size, const std::string& name);

// Writes a float32 array as a NumPy .npy file (format 1.0, '<f4', C order) that numpy.load
// reads; std::runtime_error when it cannot be written. The caller checks it replaces nothing.
void write_npy(const std::string& path, const std::vector<int64_t>& shape,
               const std::vector<float>& values);

// Where the first NaN or infinite weight is ("user_embeddings[12][3] = nan"); empty when all
// weights are finite. Such a model ranks every item equal, so eval and recommend refuse it.
std::string first_nonfinite_weight(const Model& model);

}  // namespace srns
