// Tests of the model parameters (model.hpp): init_model's shapes and distributions (P, Q ~
// N(0, init_std) truncated at 2 sd, so |x| <= 2 init_std and sd = init_std * 0.8796; beta ~
// U(-sqrt(6/(F+1)), sqrt(6/(F+1))) for GMF, ones for MF), determinism per seed, the canonical
// score, and the model file: bit-exact round trip, and clear errors on truncated or foreign
// files; the finiteness check and the .npy writer of `srns export`.
#include "srns/model.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_util.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace srns {
namespace {

ModelConfig config(ModelKind kind, int dim, float init_std = 0.01f) {
  ModelConfig c;
  c.kind = kind;
  c.dim = dim;
  c.init_std = init_std;
  return c;
}

// Runs OpenMP regions single-threaded while it lives. init_model fills each table in an OpenMP
// loop; on a loaded machine every parallel region can wait a scheduler tick for its workers,
// which adds up over the many tiny models of a statistical test.
class SingleThreaded {
 public:
#ifdef _OPENMP
  SingleThreaded() : saved_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~SingleThreaded() { omp_set_num_threads(saved_); }

 private:
  int saved_;
#endif
};

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

TEST(InitModel, Shapes) {
  const Model m = init_model(config(ModelKind::kGmf, 16), 50, 70, 1);
  EXPECT_EQ(m.kind, ModelKind::kGmf);
  EXPECT_EQ(m.n_users, 50);
  EXPECT_EQ(m.n_items, 70);
  EXPECT_EQ(m.dim, 16);
  EXPECT_EQ(m.user.size(), 50u * 16u);
  EXPECT_EQ(m.item.size(), 70u * 16u);
  EXPECT_EQ(m.head.size(), 16u);
  EXPECT_EQ(m.user_row(3), m.user.data() + 48);
  EXPECT_EQ(m.item_row(69), m.item.data() + 69 * 16);
}

// Truncated N(0, 0.01) at 2 sd: bound, mean, sd factor sqrt(1 - 4 phi(2) / (2 Phi(2) - 1)) =
// 0.8796, and the shape by chi-square over 8 bins of width 0.5 sd on [-2, 2] sd (7 dof,
// critical value 24.32 at p = 0.001) against the truncated normal's bin probabilities.
TEST(InitModel, TruncatedNormalEmbeddings) {
  const float init_std = 0.01f;
  const Model m = init_model(config(ModelKind::kGmf, 32, init_std), 1000, 1000, 7);
  for (const std::vector<float>* table : {&m.user, &m.item}) {
    double sum = 0.0, sum_sq = 0.0;
    std::vector<int64_t> bins(8, 0);
    for (float x : *table) {
      ASSERT_TRUE(std::isfinite(x));
      ASSERT_LE(std::fabs(x), 2.0f * init_std);
      sum += x;
      sum_sq += static_cast<double>(x) * x;
      const int b = static_cast<int>(std::floor((x / init_std + 2.0) * 2.0));
      ++bins[std::min(7, std::max(0, b))];
    }
    const double n = static_cast<double>(table->size());
    const double mean = sum / n, sd = std::sqrt(sum_sq / n - mean * mean);
    const double phi2 = std::exp(-2.0) / std::sqrt(2.0 * std::acos(-1.0));
    const double mass = normal_cdf(2.0) - normal_cdf(-2.0);
    const double sd_factor = std::sqrt(1.0 - 4.0 * phi2 / mass);
    ASSERT_NEAR(sd_factor, 0.8796, 1e-4);
    // 32000 draws: the sd estimate's standard error is ~0.3%, the mean's ~5e-5 init_std.
    EXPECT_NEAR(sd, init_std * sd_factor, 0.02 * init_std * sd_factor);
    EXPECT_NEAR(mean, 0.0, 4.0 * init_std / std::sqrt(n));
    double chi2 = 0.0;
    for (int b = 0; b < 8; ++b) {
      const double lo = -2.0 + 0.5 * b, hi = lo + 0.5;
      const double e = n * (normal_cdf(hi) - normal_cdf(lo)) / mass;
      chi2 += (bins[b] - e) * (bins[b] - e) / e;
    }
    EXPECT_LT(chi2, 24.32);
  }
}

TEST(InitModel, GmfBetaGlorotUniform) {
  const int dim = 512;
  const Model m = init_model(config(ModelKind::kGmf, dim), 2, 2, 3);
  const double limit = std::sqrt(6.0 / (dim + 1.0));
  float lo = 1.0f, hi = -1.0f;
  double sum = 0.0;
  for (float b : m.head) {
    EXPECT_LE(std::fabs(b), limit);
    lo = std::min(lo, b);
    hi = std::max(hi, b);
    sum += b;
  }
  // Spread over the whole interval (not a normal, not ones), centred.
  EXPECT_LT(lo, -0.9 * limit);
  EXPECT_GT(hi, 0.9 * limit);
  // U(-L, L) has sd L / sqrt(3): the mean of 512 is within 4 standard errors of 0.
  EXPECT_NEAR(sum / dim, 0.0, 4.0 * limit / std::sqrt(3.0 * dim));
  // Small F as in the paper: F = 32 gives sqrt(6/33) = 0.4264.
  const Model small = init_model(config(ModelKind::kGmf, 32), 2, 2, 3);
  for (float b : small.head) EXPECT_LE(std::fabs(b), 0.42640143f);
}

// The limit itself, where F + 1 matters: F = 4 gives sqrt(6/5) = 1.0954 (sqrt(6/4) = 1.2247 and
// sqrt(6/6) = 1 for the neighbouring formulas). Over 1000 seeds (4000 draws) the extremes reach
// within 1% of the limit (a miss has probability 0.995^4000 ~ 2e-9) and the sd is L / sqrt(3)
// (standard error ~0.7%).
TEST(InitModel, GmfBetaLimitForSmallDim) {
  const int dim = 4;
  const double limit = std::sqrt(6.0 / (dim + 1.0));
  double lo = 0.0, hi = 0.0, sum_sq = 0.0;
  int n = 0;
  const SingleThreaded single;
  for (uint64_t seed = 1; seed <= 1000; ++seed) {
    const Model m = init_model(config(ModelKind::kGmf, dim), 1, 1, seed);
    for (float b : m.head) {
      ASSERT_LE(std::fabs(b), limit);
      lo = std::min<double>(lo, b);
      hi = std::max<double>(hi, b);
      sum_sq += static_cast<double>(b) * b;
      ++n;
    }
  }
  EXPECT_LT(lo, -0.99 * limit);
  EXPECT_GT(hi, 0.99 * limit);
  EXPECT_NEAR(std::sqrt(sum_sq / n), limit / std::sqrt(3.0), 0.03 * limit / std::sqrt(3.0));
}

TEST(InitModel, MfBetaIsOnes) {
  const Model m = init_model(config(ModelKind::kMf, 24), 5, 6, 3);
  EXPECT_EQ(m.kind, ModelKind::kMf);
  ASSERT_EQ(m.head.size(), 24u);
  for (float b : m.head) EXPECT_EQ(b, 1.0f);
  for (float x : m.user) EXPECT_LE(std::fabs(x), 0.02f);
}

TEST(InitModel, DeterministicPerSeed) {
  const ModelConfig c = config(ModelKind::kGmf, 16);
  const Model a = init_model(c, 30, 40, 11);
  const Model b = init_model(c, 30, 40, 11);
  const Model other = init_model(c, 30, 40, 12);
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.item, b.item);
  EXPECT_EQ(a.head, b.head);
  EXPECT_NE(a.user, other.user);
  EXPECT_NE(a.item, other.item);
  EXPECT_NE(a.head, other.head);
  // Users and items come from different streams.
  EXPECT_NE(std::vector<float>(a.user.begin(), a.user.begin() + 16),
            std::vector<float>(a.item.begin(), a.item.begin() + 16));
  // Each row has its own stream: a table with more rows starts with the same rows, so the
  // result cannot depend on how rows were split among threads.
  const Model more = init_model(c, 60, 40, 11);
  EXPECT_EQ(std::vector<float>(more.user.begin(), more.user.begin() + a.user.size()), a.user);
}

TEST(ModelScore, IsTheGmfScore) {
  const Model m = init_model(config(ModelKind::kGmf, 40, 0.5f), 3, 4, 5);
  for (int32_t u = 0; u < 3; ++u) {
    for (int32_t i = 0; i < 4; ++i) {
      double want = 0.0, magnitude = 0.0;
      for (int f = 0; f < 40; ++f) {
        const double term = static_cast<double>(m.user_row(u)[f]) * m.head[f] * m.item_row(i)[f];
        want += term;
        magnitude += std::fabs(term);
      }
      EXPECT_NEAR(m.score(u, i), want, 1e-6 * magnitude) << u << "," << i;
    }
  }
}

void expect_same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
}

TEST(ModelFile, RoundTripIsBitExact) {
  testing::TempDir dir;
  for (ModelKind kind : {ModelKind::kGmf, ModelKind::kMf}) {
    Model m = init_model(config(kind, 8), 13, 17, 21);
    m.user[5] = -0.0f;  // a signed zero and a denormal survive too
    m.item[3] = 1e-40f;
    const std::string path = dir.file("model.bin");
    save_model(m, path);
    EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
    // 8 magic + 4 header ints + (13 + 17 + 1) * 8 floats.
    EXPECT_EQ(std::filesystem::file_size(path), 8u + 16u + 31u * 8u * 4u);
    const Model back = load_model(path);
    EXPECT_EQ(back.kind, kind);
    EXPECT_EQ(back.n_users, 13);
    EXPECT_EQ(back.n_items, 17);
    EXPECT_EQ(back.dim, 8);
    expect_same_bits(back.user, m.user);
    expect_same_bits(back.item, m.item);
    expect_same_bits(back.head, m.head);
  }
}

TEST(ModelFile, TruncatedOrForeignFilesThrow) {
  testing::TempDir dir;
  const Model m = init_model(config(ModelKind::kGmf, 8), 4, 5, 1);
  const std::string good = dir.file("good.bin");
  save_model(m, good);
  const std::string bytes = testing::read_file(good);
  // Cut inside the data, at the last byte, and inside the header.
  for (size_t keep : {bytes.size() - 1, bytes.size() - 40, size_t{30}, size_t{10}, size_t{0}}) {
    const std::string path = dir.file("cut" + std::to_string(keep) + ".bin");
    testing::write_file(path, bytes.substr(0, keep));
    EXPECT_THROW(load_model(path), std::runtime_error) << "kept " << keep << " bytes";
  }
  // Not a model: a text file, and the right size with the wrong magic.
  const std::string text = dir.file("train.tsv");
  testing::write_file(text, "0\t1\n0\t2\n1\t3\n2\t4\n3\t0\n4\t2\n5\t1\n6\t3\n7\t4\n");
  EXPECT_THROW(load_model(text), std::runtime_error);
  std::string wrong_magic = bytes;
  wrong_magic[7] = '2';
  testing::write_file(dir.file("magic.bin"), wrong_magic);
  EXPECT_THROW(load_model(dir.file("magic.bin")), std::runtime_error);
  // A header with a zero dimension.
  std::string zero_dim = bytes;
  std::memset(&zero_dim[20], 0, 4);
  testing::write_file(dir.file("dim.bin"), zero_dim);
  EXPECT_THROW(load_model(dir.file("dim.bin")), std::runtime_error);
  EXPECT_THROW(load_model(dir.file("missing.bin")), std::runtime_error);
}

// A header announcing tables far larger than the file is refused before anything is sized by it.
TEST(ModelFile, HugeHeaderIsRefusedBeforeAllocating) {
  testing::TempDir dir;
  std::string bytes = "SRNSMDL1";
  const int32_t header[4] = {0, 2147483647, 2147483647, 1024};
  bytes.append(reinterpret_cast<const char*>(header), sizeof(header));
  bytes.append(64, '\0');
  testing::write_file(dir.file("huge.bin"), bytes);
  try {
    load_model(dir.file("huge.bin"));
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated or has extra bytes"), std::string::npos)
        << e.what();
  }
}

TEST(ModelFile, FirstNonfiniteWeightIsNamed) {
  Model m = init_model(config(ModelKind::kGmf, 4), 3, 5, 1);
  EXPECT_EQ(first_nonfinite_weight(m), "");
  m.item[2 * 4 + 1] = std::nanf("");
  EXPECT_EQ(first_nonfinite_weight(m), "item_embeddings[2][1] = nan");
  m.head[3] = -INFINITY;
  m.item[2 * 4 + 1] = 0.0f;
  EXPECT_EQ(first_nonfinite_weight(m), "head[3] = -inf");
}

// The .npy layout numpy.load expects: magic, version 1.0, a little-endian header length, the
// dict padded so the data starts at a multiple of 64 bytes, then the float32 values.
TEST(Npy, WritesTheNumpyFormat) {
  testing::TempDir dir;
  const std::vector<float> values = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f, -1e-3f};
  write_npy(dir.file("a.npy"), {2, 3}, values);
  write_npy(dir.file("b.npy"), {6}, values);
  for (const auto& [file, shape] : {std::pair{"a.npy", "(2, 3)"}, std::pair{"b.npy", "(6,)"}}) {
    const std::string bytes = testing::read_file(dir.file(file));
    ASSERT_GT(bytes.size(), 10u);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    const size_t header_len = static_cast<unsigned char>(bytes[8]) |
                              static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8;
    EXPECT_EQ((10 + header_len) % 64, 0u) << file;
    const std::string header = bytes.substr(10, header_len);
    EXPECT_EQ(
        header.rfind(
            "{'descr': '<f4', 'fortran_order': False, 'shape': " + std::string(shape) + ", }", 0),
        0u)
        << header;
    EXPECT_EQ(header.back(), '\n');
    ASSERT_EQ(bytes.size(), 10 + header_len + values.size() * sizeof(float)) << file;
    EXPECT_EQ(
        std::memcmp(bytes.data() + 10 + header_len, values.data(), bytes.size() - 10 - header_len),
        0);
  }
  EXPECT_THROW(write_npy(dir.file("c.npy"), {4}, values), std::invalid_argument);
}

// --init: a saved model is the run's start when it fits the data and flags.
TEST(InitModel, RefusesAModelThatDoesNotFitNamingEachDifference) {
  testing::TempDir dir;
  ModelConfig mc;
  mc.dim = 8;
  save_model(init_model(mc, 10, 20, 1), dir.file("m.bin"));
  TrainConfig c;
  c.init = dir.file("m.bin");
  c.model.dim = 8;
  EXPECT_EQ(initial_model(c, 10, 20).user.size(), 80u);
  c.model.dim = 16;
  c.model.kind = ModelKind::kMf;
  try {
    initial_model(c, 11, 20);
    FAIL() << "a model of other sizes was accepted";
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("--init " + c.init), std::string::npos) << msg;
    EXPECT_NE(msg.find("dim is 8 where --dim is 16"), std::string::npos) << msg;
    EXPECT_NE(msg.find("10 users where the data has 11"), std::string::npos) << msg;
    EXPECT_NE(msg.find("scorer is gmf where --model is mf"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("items"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace srns
