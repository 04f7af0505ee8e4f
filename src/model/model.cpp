// Model initialisation, scoring and the model file (model.hpp).
#include "srns/model.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "srns/math.hpp"
#include "srns/rng.hpp"
#include "srns/scorer.hpp"

namespace srns {
namespace {

constexpr char kMagic[8] = {'S', 'R', 'N', 'S', 'M', 'D', 'L', '1'};

// Standard normal from two open-interval uniforms (Box-Muller, cosine branch).
double normal(PhiloxStream* s) {
  const double u1 = s->open01();
  const double u2 = s->open01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// Fills rows x dim with N(0, std) truncated at 2 sd; row r draws from its own stream.
void truncated_normal_rows(std::vector<float>* out, int32_t rows, int dim, float std_dev,
                           uint64_t seed, uint32_t purpose) {
  out->resize(static_cast<size_t>(rows) * dim);
#pragma omp parallel for schedule(static)
  for (int32_t r = 0; r < rows; ++r) {
    PhiloxStream s = make_stream(seed, purpose, -1, 0u, static_cast<uint32_t>(r));
    for (int f = 0; f < dim; ++f) {
      double z;
      do {
        z = normal(&s);
      } while (std::fabs(z) > 2.0);
      (*out)[static_cast<size_t>(r) * dim + f] = static_cast<float>(z * std_dev);
    }
  }
}

// Glorot-uniform weights of the MLP head in order (biases stay 0), from one stream.
void init_mlp_head(const MlpShape& shape, int32_t dim, uint64_t seed, std::vector<float>* head) {
  PhiloxStream s = make_stream(seed, kRngInitBeta, -1, 1u, 0u);
  const ModelView v{ModelKind::kMlp, dim, nullptr, nullptr, nullptr, 0, shape};
  const MlpScorer sc(v);
  const auto fill = [&](int64_t offset, int64_t count, int fan_in, int fan_out) {
    const double limit = std::sqrt(6.0 / (fan_in + fan_out));
    for (int64_t x = 0; x < count; ++x) {
      (*head)[offset + x] = static_cast<float>((2.0 * s.open01() - 1.0) * limit);
    }
  };
  for (int k = 0; k < shape.depth; ++k) {
    fill(sc.layer_offset(k), static_cast<int64_t>(shape.width[k]) * sc.in_width(k), sc.in_width(k),
         shape.width[k]);
  }
  fill(sc.layer_offset(shape.depth), sc.out_width(), sc.out_width(), 1);
}

int64_t element_count(const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (const int64_t extent : shape) count *= extent;
  return count;
}

}  // namespace

ModelView view_of(const Model& m) {
  return {m.kind,        m.dim,         m.user.data(),
          m.item.data(), m.head.data(), static_cast<int32_t>(m.head.size()),
          m.mlp};
}

float Model::score(int32_t u, int32_t i) const {
  const ModelView m = view_of(*this);
  return with_scorer(m, [&](const auto& sc) {
    float ctx[kMaxDim];
    sc.user_context(user_row(u), ctx);
    return sc.score(ctx, item_row(i));
  });
}

Model init_model(const ModelConfig& config, int32_t n_users, int32_t n_items, uint64_t seed) {
  Model m;
  m.kind = config.kind;
  m.n_users = n_users;
  m.n_items = n_items;
  m.dim = config.dim;
  truncated_normal_rows(&m.user, n_users, config.dim, config.init_std, seed, kRngInitUser);
  truncated_normal_rows(&m.item, n_items, config.dim, config.init_std, seed, kRngInitItem);
  if (config.kind == ModelKind::kMlp) m.mlp = config.mlp;
  m.head.assign(head_size(config.kind, config.dim, m.mlp),
                config.kind == ModelKind::kMlp ? 0.0f : 1.0f);
  if (config.kind == ModelKind::kMlp) {
    init_mlp_head(m.mlp, config.dim, seed, &m.head);
  } else if (config.kind == ModelKind::kGmf) {
    const double limit = std::sqrt(6.0 / (config.dim + 1.0));
    PhiloxStream s = make_stream(seed, kRngInitBeta, -1, 0u, 0u);
    for (int f = 0; f < config.dim; ++f) {
      m.head[f] = static_cast<float>((2.0 * s.open01() - 1.0) * limit);
    }
  }
  return m;
}

void write_model(std::ostream& out, const Model& m) {
  const int32_t kind = m.kind == ModelKind::kMlp ? 2 : m.kind == ModelKind::kMf ? 1 : 0;
  const int32_t header[4] = {kind, m.n_users, m.n_items, m.dim};
  out.write(kMagic, sizeof(kMagic));
  out.write(reinterpret_cast<const char*>(header), sizeof(header));
  if (m.kind == ModelKind::kMlp) {
    const int32_t shape[2] = {m.mlp.activation, m.mlp.depth};
    out.write(reinterpret_cast<const char*>(shape), sizeof(shape));
    out.write(reinterpret_cast<const char*>(m.mlp.width), sizeof(int32_t) * m.mlp.depth);
  }
  for (const auto& a : param_arrays(m)) {
    out.write(reinterpret_cast<const char*>(a.values->data()), a.values->size() * sizeof(float));
  }
}

Model initial_model(const TrainConfig& config, int32_t n_users, int32_t n_items) {
  if (config.init.empty()) return init_model(config.model, n_users, n_items, config.seed);
  Model m = load_model(config.init);
  std::vector<std::string> diff;
  if (m.kind != config.model.kind) {
    diff.push_back("its scorer is " + to_string(m.kind) + " where --model is " +
                   to_string(config.model.kind));
  }
  if (m.dim != config.model.dim) {
    diff.push_back("its dim is " + std::to_string(m.dim) + " where --dim is " +
                   std::to_string(config.model.dim));
  }
  if (m.kind == ModelKind::kMlp && config.model.kind == ModelKind::kMlp &&
      (mlp_layers_text(m.mlp) != mlp_layers_text(config.model.mlp) ||
       m.mlp.activation != config.model.mlp.activation)) {
    diff.push_back("its tower is " + mlp_layers_text(m.mlp) + " " +
                   mlp_activation_name(m.mlp.activation) + " where --mlp-layers and " +
                   "--mlp-activation give " + mlp_layers_text(config.model.mlp) + " " +
                   mlp_activation_name(config.model.mlp.activation));
  }
  if (m.n_users != n_users) {
    diff.push_back("it has " + std::to_string(m.n_users) + " users where the data has " +
                   std::to_string(n_users));
  }
  if (m.n_items != n_items) {
    diff.push_back("it has " + std::to_string(m.n_items) + " items where the data has " +
                   std::to_string(n_items));
  }
  if (!diff.empty()) {
    std::string msg = "--init " + config.init + " does not fit this run: ";
    for (size_t k = 0; k < diff.size(); ++k) msg += (k ? "; " : "") + diff[k];
    throw std::invalid_argument(msg + " (was it trained on another split or with other flags?)");
  }
  return m;
}

void save_model(const Model& m, const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write model file " + tmp);
    write_model(out, m);
    if (!out) throw std::runtime_error("error while writing model file " + tmp);
  }
  // Rename last, so a crash never leaves a half-written model under the final name.
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot move " + tmp + " to " + path);
  }
}

Model load_model(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open model file " + path);
  in.seekg(0, std::ios::end);
  const int64_t size = static_cast<int64_t>(in.tellg());
  in.seekg(0);
  if (!in || size < 0) throw std::runtime_error("cannot read model file " + path);
  return read_model(in, size, path);
}

Model read_model(std::istream& in, int64_t size, const std::string& name) {
  char magic[8];
  int32_t header[4];
  constexpr int64_t kHeaderBytes = sizeof(magic) + sizeof(header);
  in.read(magic, sizeof(magic));
  in.read(reinterpret_cast<char*>(header), sizeof(header));
  if (!in || size < kHeaderBytes || std::memcmp(magic, kMagic, sizeof(kMagic)) != 0) {
    throw std::runtime_error(name + " is not an srns model file");
  }
  if (header[0] < 0 || header[0] > 2 || header[1] <= 0 || header[2] <= 0 || header[3] <= 0 ||
      header[3] > kMaxDim) {
    throw std::runtime_error(name + ": corrupt model header");
  }
  Model m;
  m.kind = header[0] == 2 ? ModelKind::kMlp : header[0] == 1 ? ModelKind::kMf : ModelKind::kGmf;
  m.n_users = header[1];
  m.n_items = header[2];
  m.dim = header[3];
  int64_t header_bytes = kHeaderBytes;
  if (m.kind == ModelKind::kMlp) {
    int32_t shape[2];
    in.read(reinterpret_cast<char*>(shape), sizeof(shape));
    m.mlp.activation = shape[0];
    m.mlp.depth = shape[1];
    if (!in || m.mlp.depth < 1 || m.mlp.depth > kMaxMlpDepth || m.mlp.activation < kMlpSigmoid ||
        m.mlp.activation > kMlpTanh) {
      throw std::runtime_error(name + ": corrupt MLP shape in the model header");
    }
    in.read(reinterpret_cast<char*>(m.mlp.width), sizeof(int32_t) * m.mlp.depth);
    for (int k = 0; k < m.mlp.depth; ++k) {
      if (!in || m.mlp.width[k] < 1 || m.mlp.width[k] > kMaxMlpWidth) {
        throw std::runtime_error(name + ": corrupt MLP width in the model header");
      }
    }
    header_bytes += static_cast<int64_t>(sizeof(shape) + sizeof(int32_t) * m.mlp.depth);
  }
  // The file must hold exactly the arrays the header announces; checked before allocating.
  int64_t floats = 0;
  for (const auto& a : param_arrays(m)) floats += element_count(a.shape);
  const int64_t body = size - header_bytes;
  if (body != floats * static_cast<int64_t>(sizeof(float))) {
    throw std::runtime_error(name + ": model file is truncated or has extra bytes (expected " +
                             std::to_string(floats * sizeof(float)) + " bytes of weights, found " +
                             std::to_string(body) + ")");
  }
  for (const auto& a : param_arrays(m)) {
    a.values->resize(static_cast<size_t>(element_count(a.shape)));
    in.read(reinterpret_cast<char*>(a.values->data()), a.values->size() * sizeof(float));
  }
  if (!in) throw std::runtime_error(name + ": model file is truncated");
  return m;
}

std::string first_nonfinite_weight(const Model& model) {
  for (const auto& a : param_arrays(model)) {
    const std::vector<float>& v = *a.values;
    for (size_t k = 0; k < v.size(); ++k) {
      if (std::isfinite(v[k])) continue;
      std::ostringstream s;
      s << a.name;
      if (a.shape.size() == 2) {
        s << "[" << k / a.shape[1] << "][" << k % a.shape[1] << "]";
      } else {
        s << "[" << k << "]";
      }
      s << " = " << v[k];
      return s.str();
    }
  }
  return "";
}

}  // namespace srns
