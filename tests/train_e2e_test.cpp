// End to end: the driver trains on generated data and lifts ranking quality far above the
// untrained model, within seconds, for both samplers; its records are consistent.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "srns/synthetic.hpp"
#include "srns/trainer.hpp"
#include "test_util.hpp"

namespace srns {
namespace {

Dataset e2e_data() {
  GenConfig g;
  g.users = 400;
  g.items = 500;
  g.interactions = 20000;
  g.seed = 3;
  SplitOptions s;
  s.seed = 3;
  return generate_dataset(g, s);
}

TrainConfig e2e_config(const std::string& sampler) {
  TrainConfig c;
  c.sampler = sampler;
  c.model.dim = 16;
  c.optim.lr = 0.01f;
  c.batch_size = 500;
  c.epochs = 15;
  c.srns.pool_size = 200;
  c.srns.t0 = 5;
  c.eval.ks = {1, 10};
  c.eval.metric = "ndcg@10";
  c.threads = 2;
  return c;
}

class TrainEndToEnd : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainEndToEnd, LiftsNdcgFarAboveTheUntrainedModel) {
  const Dataset data = e2e_data();
  testing::TempDir dir;
  RunOptions run;
  run.out_dir = dir.file("run");
  run.quiet = true;
  const TrainConfig config = e2e_config(GetParam());
  std::unique_ptr<Backend> backend = make_cpu_backend(2);
  const RunSummary s = train(data, config, *backend, run);

  // Epoch 0 is the untrained model (chance level: NDCG@10 of a random list of 101 is ~0.04).
  std::ifstream epochs(dir.file("run/epochs.jsonl"));
  std::string line;
  std::vector<nlohmann::json> rows;
  while (std::getline(epochs, line)) rows.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(rows.size(), static_cast<size_t>(config.epochs + 1));
  const double untrained = rows[0]["val"]["ndcg@10"];
  EXPECT_LT(untrained, 0.1);
  EXPECT_GT(s.best_val.at("ndcg@10"), untrained + 0.2);
  EXPECT_GT(s.test.at("ndcg@10"), 3 * untrained);
  EXPECT_GE(s.best_epoch, 1);
  EXPECT_EQ(rows[s.best_epoch]["val"]["ndcg@10"].get<double>(), s.best_val.at("ndcg@10"));
  // The generator knows its false negatives, so every epoch reports a label error ratio.
  EXPECT_TRUE(rows[1].contains("label_error_ratio"));

  const nlohmann::json summary =
      nlohmann::json::parse(testing::read_file(dir.file("run/summary.json")));
  EXPECT_EQ(summary["best_epoch"], s.best_epoch);
  EXPECT_EQ(summary["test"]["ndcg@10"].get<double>(), s.test.at("ndcg@10"));
  const nlohmann::json cfg = nlohmann::json::parse(testing::read_file(dir.file("run/config.json")));
  EXPECT_EQ(cfg["sampler"], GetParam() == "srns" ? "srns" : "uniform");
  EXPECT_EQ(cfg["data"]["users"], data.n_users);

  // The saved model is the best one: evaluating it reproduces the reported test metrics.
  std::unique_ptr<Backend> again = make_cpu_backend(1);
  TrainConfig plain = config;
  plain.sampler = "uniform";
  again->setup(prepare_training_set(data, plain), plain, load_model(dir.file("run/model.bin")));
  EXPECT_EQ(evaluate(*again, data, config.eval, true, nullptr).at("ndcg@10"), s.test.at("ndcg@10"));
}

INSTANTIATE_TEST_SUITE_P(Samplers, TrainEndToEnd, ::testing::Values("uniform", "srns"));

TEST(TrainDriver, EarlyStopsAfterPatience) {
  const Dataset data = e2e_data();
  TrainConfig c = e2e_config("uniform");
  c.optim.lr = 1e-7f;  // nothing improves
  c.epochs = 50;
  c.eval.patience = 3;
  std::unique_ptr<Backend> backend = make_cpu_backend(2);
  RunOptions run;
  run.quiet = true;
  const RunSummary s = train(data, c, *backend, run);
  EXPECT_TRUE(s.early_stopped);
  EXPECT_EQ(s.epochs_run - s.best_epoch, 3);
  EXPECT_LT(s.epochs_run, 50);
}

TEST(TrainDriver, NonFiniteLossStopsWithAClearError) {
  const Dataset data = e2e_data();
  TrainConfig c = e2e_config("uniform");
  c.optim.kind = OptimizerKind::kSgd;
  c.optim.lr = 1e30f;  // diverges at once
  c.loss = kLossHinge;
  std::unique_ptr<Backend> backend = make_cpu_backend(2);
  RunOptions run;
  run.quiet = true;
  try {
    train(data, c, *backend, run);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("non-finite"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--lr"), std::string::npos) << e.what();
  }
}

TEST(TrainDriver, RefusesToWriteIntoAnExistingRun) {
  const Dataset data = e2e_data();
  testing::TempDir dir;
  testing::write_file(dir.file("notes.txt"), "mine");
  TrainConfig c = e2e_config("uniform");
  c.epochs = 1;
  std::unique_ptr<Backend> backend = make_cpu_backend(1);
  RunOptions run;
  run.quiet = true;
  run.out_dir = dir.path();
  EXPECT_THROW(train(data, c, *backend, run), std::runtime_error);
  EXPECT_EQ(testing::read_file(dir.file("notes.txt")), "mine");
}

}  // namespace
}  // namespace srns
