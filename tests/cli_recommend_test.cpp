// `srns recommend` and `srns export` on a run trained here: recommendations by raw id, best
// first, outside the user's training items, with the model's own scores; export's .npy files
// hold exactly the model's parameters, with the raw-id maps.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli_test_util.hpp"
#include "srns/data.hpp"
#include "srns/model.hpp"
#include "test_util.hpp"

namespace srns {
namespace {

using testing::has;
using testing::run_cli;

using Recommend = testing::TrainedRunSuite;

TEST_F(Recommend, TopKByRawIdOutsideTrainingItems) {
  const Dataset data = read_split_dir(file("syn"));
  const Model model = load_model(file("run/model.bin"));
  const std::vector<int32_t> users = {5, 77};
  const std::string ids = data.user_raw[users[0]] + "," + data.user_raw[users[1]];
  const auto r = run_cli(
      "recommend --model " + file("run") + " --users " + ids + " --k 7 --format tsv --device cpu",
      false);
  ASSERT_EQ(r.status, 0) << r.output;
  std::istringstream lines(r.output);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "user\trank\titem\tscore");
  std::map<std::string, int32_t> item_dense;
  for (int32_t i = 0; i < data.n_items; ++i) item_dense[data.item_raw[i]] = i;
  std::map<std::string, std::vector<std::pair<int32_t, float>>> got;
  while (std::getline(lines, line)) {
    std::istringstream f(line);
    std::string user, rank, item, score;
    f >> user >> rank >> item >> score;
    got[user].emplace_back(item_dense.at(item), std::stof(score));
  }
  ASSERT_EQ(got.size(), 2u) << r.output;
  for (const int32_t u : users) {
    const auto& recs = got[data.user_raw[u]];
    ASSERT_EQ(recs.size(), 7u);
    // The best 7 of the items outside the user's training row, by the model's score.
    std::vector<std::pair<float, int32_t>> all;
    for (int32_t i = 0; i < data.n_items; ++i) {
      if (!data.train.contains(u, i)) all.emplace_back(-model.score(u, i), i);
    }
    std::sort(all.begin(), all.end());
    for (size_t k = 0; k < recs.size(); ++k) {
      EXPECT_FALSE(data.train.contains(u, recs[k].first)) << "a training item was recommended";
      EXPECT_EQ(recs[k].first, all[k].second) << "user " << u << " rank " << k + 1;
      EXPECT_EQ(recs[k].second, model.score(u, recs[k].first)) << "the engine's own score";
    }
  }
}

TEST_F(Recommend, FormatsFilesAndErrors) {
  const Dataset data = read_split_dir(file("syn"));
  const std::string user = data.user_raw[3];
  auto r = run_cli("recommend --model " + file("run") + " --users " + user + " --k 3");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "user " + user + "\n   rank  item")) << r.output;

  testing::write_file(file("users.txt"),
                      "# users to serve\n" + user + "\n\n" + data.user_raw[9] + "\textra\n");
  r = run_cli("recommend --model " + file("run") + " --users " + file("users.txt") +
                  " --k 2 --format json --device cpu",
              false);
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["user"], user);
  EXPECT_EQ(j[1]["user"], data.user_raw[9]);
  EXPECT_EQ(j[0]["items"].size(), 2u);
  EXPECT_GE(j[0]["items"][0]["score"].get<double>(), j[0]["items"][1]["score"].get<double>());

  r = run_cli("recommend --model " + file("run") + " --users " + user + " --format tsv --out " +
              file("recs.tsv"));
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string recs = testing::read_file(file("recs.tsv"));
  EXPECT_EQ(std::count(recs.begin(), recs.end(), '\n'), 11) << "a header and the default 10";
  r = run_cli("recommend --model " + file("run") + " --users " + user + " --out " +
              file("recs.tsv"));
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "--out " + file("recs.tsv") + " already exists")) << r.output;

  r = run_cli("recommend --model " + file("run") + " --users nobody,else");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "--users: user 'nobody' is not in the data")) << r.output;
  r = run_cli("recommend --model " + file("run") + " --users " + user + " --k 0");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "--top-k must be an integer >= 1 (got '0')")) << r.output;
  r = run_cli("recommend --model " + file("nowhere") + " --users " + user);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output, "nowhere")) << r.output;
}

// .npy: the 10-byte preamble and header, then float32 values.
std::vector<float> npy_values(const std::string& path, std::string* header) {
  const std::string bytes = testing::read_file(path);
  const size_t len = static_cast<unsigned char>(bytes.at(8)) |
                     static_cast<size_t>(static_cast<unsigned char>(bytes.at(9))) << 8;
  *header = bytes.substr(10, len);
  std::vector<float> values((bytes.size() - 10 - len) / sizeof(float));
  std::memcpy(values.data(), bytes.data() + 10 + len, values.size() * sizeof(float));
  return values;
}

TEST_F(Recommend, ExportWritesTheModelAsNpyWithTheMaps) {
  const auto r = run_cli("export --model " + file("run") + " --out " + file("export"));
  ASSERT_EQ(r.status, 0) << r.output;
  const Model model = load_model(file("run/model.bin"));
  std::string header;
  EXPECT_EQ(npy_values(file("export/user_embeddings.npy"), &header), model.user);
  EXPECT_TRUE(has(header, "'shape': (" + std::to_string(model.n_users) + ", 8)")) << header;
  EXPECT_EQ(npy_values(file("export/item_embeddings.npy"), &header), model.item);
  EXPECT_TRUE(has(header, "'shape': (" + std::to_string(model.n_items) + ", 8)")) << header;
  EXPECT_EQ(npy_values(file("export/head.npy"), &header), model.head);
  EXPECT_TRUE(has(header, "'shape': (8,)")) << header;
  EXPECT_EQ(testing::read_file(file("export/user_map.tsv")),
            testing::read_file(file("syn/user_map.tsv")));
  EXPECT_EQ(testing::read_file(file("export/item_map.tsv")),
            testing::read_file(file("syn/item_map.tsv")));
  const nlohmann::json manifest =
      nlohmann::json::parse(testing::read_file(file("export/export.json")));
  EXPECT_EQ(manifest["kind"], "gmf");
  EXPECT_EQ(manifest["arrays"]["item_embeddings"]["shape"],
            nlohmann::json({model.n_items, model.dim}));

  // numpy reads them and gets the engine's score back (where a python3 has numpy; numpy sums
  // in its own order, hence the tolerance).
  for (const char* python : {"python3", "/usr/bin/python3"}) {
    if (testing::run_shell(std::string(python) + " -c 'import numpy'").status != 0) continue;
    const std::string script =
        "import numpy as np; d='" + file("export") +
        "'; P=np.load(d+'/user_embeddings.npy'); Q=np.load(d+'/item_embeddings.npy'); "
        "b=np.load(d+'/head.npy'); print(P.dtype, P.shape, Q.shape, b.shape); "
        "print('%.9g' % float((P[3]*b)@Q[5]))";
    const auto py = testing::run_shell(std::string(python) + " -c \"" + script + "\"", false);
    ASSERT_TRUE(has(py.output, "float32 (" + std::to_string(model.n_users) + ", 8) (" +
                                   std::to_string(model.n_items) + ", 8) (8,)\n"))
        << py.output;
    const double score = std::stod(py.output.substr(py.output.find('\n') + 1));
    EXPECT_NEAR(score, model.score(3, 5), 1e-6 * std::fabs(model.score(3, 5)) + 1e-12);
    break;
  }

  const auto again = run_cli("export --model " + file("run") + " --out " + file("export"));
  EXPECT_EQ(again.status, 2);
  EXPECT_TRUE(has(again.output, "already exists and is not empty")) << again.output;
}

}  // namespace
}  // namespace srns
