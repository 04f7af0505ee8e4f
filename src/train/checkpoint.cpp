// Checkpoint files (checkpoint.hpp): writing atomically, reading with every size and the
// checksum checked first, the data's fingerprint, and what keeps a run from resuming one.
#include "train/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace srns {
namespace {

constexpr char kMagic[8] = {'S', 'R', 'N', 'S', 'C', 'K', 'P', '1'};
constexpr int64_t kMaxHeaderBytes = int64_t{1} << 26;  // the JSON part: a few kB in practice
constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t fnv1a(uint64_t h, const char* bytes, size_t n) {
  for (size_t k = 0; k < n; ++k) {
    h ^= static_cast<unsigned char>(bytes[k]);
    h *= kFnvPrime;
  }
  return h;
}

template <typename T>
uint64_t fnv1a(uint64_t h, const std::vector<T>& v) {
  return fnv1a(h, reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

uint64_t eval_set_hash(const EvalSet& set) {
  return fnv1a(fnv1a(kFnvOffset, set.rows), set.negatives);
}

std::string hex(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void write_i64(std::ostream& out, int64_t v) { out.write(reinterpret_cast<const char*>(&v), 8); }

// Writes a section's length placeholder, the section, then the length in its place.
template <typename F>
void write_section(std::ostream& out, F&& body) {
  const std::streampos at = out.tellp();
  write_i64(out, 0);
  body();
  const std::streampos end = out.tellp();
  out.seekp(at);
  write_i64(out, static_cast<int64_t>(end - at) - 8);
  out.seekp(end);
}

// Flushes a file's bytes to the disk (not just to the kernel), so a rename after it is durable.
void sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw std::runtime_error("cannot reopen " + path + " to flush it");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw std::runtime_error("cannot flush " + path + " to the disk");
}

// Reads a section length and checks it fits before the checksum.
int64_t read_section_length(std::istream& in, int64_t size, const std::string& name,
                            const std::string& what) {
  int64_t n = -1;
  in.read(reinterpret_cast<char*>(&n), 8);
  const int64_t at = static_cast<int64_t>(in.tellg());
  if (!in || n < 0 || at < 0 || n > size - 8 - at) {
    throw std::runtime_error(name + ": the " + what + " section is truncated or its length (" +
                             std::to_string(n) + ") is impossible");
  }
  return n;
}

CheckpointMeta meta_from_json(const std::string& text, const std::string& name) {
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    CheckpointMeta m;
    m.epoch = j.at("epoch").get<int>();
    m.best_epoch = j.at("best_epoch").get<int>();
    m.best_metric = j.at("best_metric").get<double>();
    m.best_val = j.at("best_val");
    m.phases = j.at("phases");
    m.seconds = j.at("seconds").get<double>();
    m.config = j.at("config");
    m.args = j.at("args");
    m.data = j.at("data");
    if (m.epoch < 1 || m.best_epoch < 0 || m.best_epoch > m.epoch || !m.best_val.is_object() ||
        !m.config.is_object() || !m.args.is_array() || !m.data.is_object()) {
      throw std::runtime_error("inconsistent values");
    }
    for (const auto& a : m.args) {
      if (!a.is_string()) throw std::runtime_error("an argument that is not text");
    }
    for (const auto& [key, value] : m.best_val.items()) {
      if (!value.is_number()) throw std::runtime_error("best_val." + key + " is not a number");
    }
    return m;
  } catch (const std::exception& e) {
    throw std::runtime_error(name + ": the checkpoint's header is damaged (" + e.what() + ")");
  }
}

nlohmann::json meta_to_json(const CheckpointMeta& m) {
  return {{"epoch", m.epoch},
          {"best_epoch", m.best_epoch},
          {"best_metric", m.best_metric},
          {"best_val", m.best_val},
          {"phases", m.phases},
          {"seconds", m.seconds},
          {"config", m.config},
          {"args", m.args},
          {"data", m.data}};
}

// Checks the magic and the checksum (streaming, nothing allocated by the input's sizes), then
// reads the JSON part; leaves `in` at the first model section.
CheckpointMeta read_head(std::istream& in, int64_t size, const std::string& name) {
  char magic[8];
  in.read(magic, sizeof(magic));
  if (!in || size < 8 + 8 + 8 || std::memcmp(magic, kMagic, sizeof(kMagic)) != 0) {
    throw std::runtime_error(name + " is not an srns checkpoint");
  }
  in.seekg(0);
  uint64_t h = kFnvOffset;
  std::vector<char> buf(1 << 20);
  for (int64_t left = size - 8; left > 0;) {
    const int64_t n = std::min<int64_t>(left, static_cast<int64_t>(buf.size()));
    in.read(buf.data(), n);
    if (!in) throw std::runtime_error(name + ": checkpoint is truncated");
    h = fnv1a(h, buf.data(), static_cast<size_t>(n));
    left -= n;
  }
  uint64_t stored = 0;
  in.read(reinterpret_cast<char*>(&stored), 8);
  if (!in || stored != h) {
    throw std::runtime_error(name +
                             ": checkpoint is damaged (its checksum does not match its bytes)");
  }
  in.seekg(8);
  const int64_t header = read_section_length(in, size, name, "header");
  if (header > kMaxHeaderBytes) throw std::runtime_error(name + ": the header is too large");
  std::string text(static_cast<size_t>(header), '\0');
  in.read(text.data(), header);
  return meta_from_json(text, name);
}

}  // namespace

nlohmann::json data_fingerprint(const Dataset& d) {
  return {{"users", d.n_users},
          {"items", d.n_items},
          {"train_pairs", d.train.nnz()},
          {"val_rows", d.val.rows.size()},
          {"test_rows", d.test.rows.size()},
          {"val_negatives", d.val.n_neg},
          {"test_negatives", d.test.n_neg},
          {"train_hash", hex(fnv1a(fnv1a(kFnvOffset, d.train.offsets), d.train.cols))},
          {"val_hash", hex(eval_set_hash(d.val))},
          {"test_hash", hex(eval_set_hash(d.test))}};
}

uint64_t checkpoint_checksum(const std::string& bytes) {
  return fnv1a(kFnvOffset, bytes.data(), bytes.size() < 8 ? 0 : bytes.size() - 8);
}

void write_checkpoint(const std::string& path, const CheckpointMeta& meta, const Model& model,
                      const Model& best, const Backend& backend) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write checkpoint " + tmp);
    out.write(kMagic, sizeof(kMagic));
    const std::string header = meta_to_json(meta).dump();
    write_i64(out, static_cast<int64_t>(header.size()));
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    write_section(out, [&] { write_model(out, model); });
    write_section(out, [&] { write_model(out, best); });
    write_section(out, [&] { backend.save_state(out); });
    if (!out) throw std::runtime_error("error while writing checkpoint " + tmp);
  }
  {
    // The checksum of what was written, read back from the file (the sections were patched).
    std::ifstream in(tmp, std::ios::binary);
    uint64_t h = kFnvOffset;
    std::vector<char> buf(1 << 20);
    while (in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      h = fnv1a(h, buf.data(), static_cast<size_t>(in.gcount()));
    }
    std::ofstream out(tmp, std::ios::binary | std::ios::app);
    out.write(reinterpret_cast<const char*>(&h), sizeof(h));
    if (!out) throw std::runtime_error("error while writing checkpoint " + tmp);
  }
  sync_file(tmp);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("cannot move " + tmp + " to " + path);
  }
}

CheckpointMeta read_checkpoint(std::istream& in, int64_t size, const std::string& name,
                               Model* model, Model* best, Backend* backend) {
  CheckpointMeta meta = read_head(in, size, name);
  if (!model) return meta;
  *model = read_model(in, read_section_length(in, size, name, "model"), name + " (model)");
  *best = read_model(in, read_section_length(in, size, name, "best model"), name + " (best model)");
  const int64_t state = read_section_length(in, size, name, "training state");
  const int64_t start = static_cast<int64_t>(in.tellg());
  backend->load_state(in);
  const int64_t end = static_cast<int64_t>(in.tellg());
  if (!in || end - start != state || end != size - 8) {
    throw std::runtime_error(name + ": the training state holds " + std::to_string(state) +
                             " bytes but this run's state is " + std::to_string(end - start) +
                             ": the checkpoint is of another run");
  }
  return meta;
}

namespace {

template <typename F>
auto with_file(const std::string& path, F&& f) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open checkpoint " + path);
  in.seekg(0, std::ios::end);
  const int64_t size = static_cast<int64_t>(in.tellg());
  in.seekg(0);
  if (!in || size < 0) throw std::runtime_error("cannot read checkpoint " + path);
  return f(in, size);
}

// A setting as the user wrote it: single-precision values to 7 digits (0.01, not 0.0099999998).
std::string shown(const nlohmann::json& flat, nlohmann::json::const_iterator at) {
  if (at == flat.end()) return "unset";
  if (!at->is_number_float()) return at->dump();
  std::ostringstream s;
  s << std::setprecision(7) << at->get<double>();
  return s.str();
}

}  // namespace

CheckpointMeta read_checkpoint_meta(const std::string& path) {
  return with_file(path, [&](std::istream& in, int64_t size) {
    return read_checkpoint(in, size, path, nullptr, nullptr, nullptr);
  });
}

CheckpointMeta read_checkpoint(const std::string& path, Model* model, Model* best,
                               Backend* backend) {
  return with_file(path, [&](std::istream& in, int64_t size) {
    return read_checkpoint(in, size, path, model, best, backend);
  });
}

std::string resume_mismatch(const CheckpointMeta& meta, const nlohmann::json& config,
                            const nlohmann::json& fingerprint) {
  std::ostringstream why;
  for (const auto& [key, value] : meta.data.items()) {
    const auto here = fingerprint.find(key);
    if (here == fingerprint.end() || *here != value) {
      why << "the data differs from the checkpoint's: " << key << " "
          << (here == fingerprint.end() ? std::string("absent") : here->dump()) << " here, "
          << value.dump() << " in the checkpoint";
      return why.str();
    }
  }
  // Settings that do not change the numbers an epoch produces may differ.
  static const char* kFree[] = {"threads", "device", "gpu", "epochs", "phase_timing"};
  const nlohmann::json was = meta.config.flatten(), now = config.flatten();
  for (const auto* side : {&was, &now}) {
    for (const auto& [key, value] : side->items()) {
      bool free = false;
      for (const char* f : kFree) free = free || key == std::string("/") + f;
      if (free) continue;
      const auto a = was.find(key), b = now.find(key);
      if (a == was.end() || b == now.end() || *a != *b) {
        std::string name = key.substr(1);  // "/optimizer/lr" -> "optimizer.lr"
        std::replace(name.begin(), name.end(), '/', '.');
        why << "the settings differ from the checkpoint's: " << name << " is " << shown(now, b)
            << " here but " << shown(was, a)
            << " in the checkpoint (only --threads, --device, --gpu and --epochs may change)";
        return why.str();
      }
    }
  }
  return "";
}

}  // namespace srns
