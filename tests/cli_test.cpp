// The srns command line as a user meets it: help that teaches, usage errors that name the
// flag (exit 2), data errors that name file and line (exit 1), run directories that are
// never overwritten, and the files a run leaves behind.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_test_util.hpp"
#include "srns/sampler.hpp"
#include "test_util.hpp"

namespace srns {
namespace {

using Result = testing::CliResult;
using testing::has;

Result run(const std::string& args) { return testing::run_cli(args); }

TEST(Cli, HelpTeachesEachCommand) {
  const Result top = run("--help");
  EXPECT_EQ(top.status, 0);
  for (const char* cmd : {"train", "eval", "recommend", "export", "split", "gen", "info"})
    EXPECT_TRUE(has(top.output, cmd));
  const Result train = run("train --help");
  EXPECT_EQ(train.status, 0);
  EXPECT_TRUE(has(train.output, "--sampler")) << train.output;
  EXPECT_TRUE(has(train.output, "Examples:"));
  EXPECT_TRUE(has(train.output, "false negatives"));
  EXPECT_TRUE(has(run("split --help").output, "leave-one-out"));
  EXPECT_TRUE(has(run("gen --help").output, "truth.tsv"));
}

TEST(Cli, UsageErrorsNameTheFlag) {
  Result r = run("train --sampler bogus --no-out");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "--sampler must be one of " + sampler_names())) << r.output;
  r = run("train --s1 100 --no-out");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "--s1")) << r.output;
  r = run("train --pool-size 10 --no-out");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "--pool-size")) << r.output;
  r = run("train --metric ndcg@7 --no-out");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "--ks")) << r.output;
  r = run("train --protocol syn-official --sampler srns --no-out");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "got --sampler srns")) << r.output;
  r = run("train --epochs");
  EXPECT_EQ(r.status, 2);
  r = run("frobnicate");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "unknown command"));
}

TEST(Cli, DataErrorsNameFileAndLine) {
  testing::TempDir dir;
  testing::write_file(dir.file("log.tsv"), "1\t10\t5\t100\n2\t11\t4\t101\n3\tx\n");
  const Result r = run("split --input " + dir.file("log.tsv") + " --out " + dir.file("split"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output, "log.tsv:3")) << r.output;
  const Result missing = run("train --data " + dir.file("nowhere") + " --no-out");
  EXPECT_EQ(missing.status, 1);
  EXPECT_TRUE(has(missing.output, "nowhere")) << missing.output;
}

TEST(Cli, GenSplitTrainEvalRoundTrip) {
  testing::TempDir dir;
  Result r = run("gen --users 200 --items 300 --interactions 6000 --out " + dir.file("syn"));
  ASSERT_EQ(r.status, 0) << r.output;
  r = run("train --data " + dir.file("syn") +
          " --epochs 3 --dim 8 --pool-size 100 --threads 2 --progress off --out " +
          dir.file("run"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "epoch    3/3")) << r.output;
  EXPECT_TRUE(has(r.output, "ler ")) << "the generator's truth gives a label error ratio";
  for (const char* f : {"config.json", "epochs.jsonl", "summary.json", "model.bin"}) {
    EXPECT_TRUE(std::filesystem::exists(dir.file(std::string("run/") + f))) << f;
  }
  const nlohmann::json summary =
      nlohmann::json::parse(testing::read_file(dir.file("run/summary.json")));
  const double test_ndcg = summary["test"]["ndcg@10"];

  // The saved (best) model, evaluated by `srns eval`, gives the summary's test metrics.
  r = run("eval --model " + dir.file("run/model.bin") + " --data " + dir.file("syn") + " --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json metrics = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  EXPECT_DOUBLE_EQ(metrics["ndcg@10"].get<double>(), test_ndcg);
  // Over three negative draws: draw 0 is the split's own, and a mean and sd come with them.
  r = run("eval --model " + dir.file("run/model.bin") + " --data " + dir.file("syn") +
          " --neg-draws 3 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json draws = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  EXPECT_EQ(draws["draws"], 3);
  EXPECT_DOUBLE_EQ(draws["per_draw"][0]["ndcg@10"].get<double>(), test_ndcg);
  EXPECT_GT(draws["sd"]["ndcg@10"].get<double>(), 0.0);

  // A second run into the same directory is refused and leaves it as it was.
  const std::string before = testing::read_file(dir.file("run/summary.json"));
  r = run("train --data " + dir.file("syn") + " --epochs 1 --out " + dir.file("run"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output, "already exists")) << r.output;
  EXPECT_EQ(testing::read_file(dir.file("run/summary.json")), before);
  // So is a second split or gen into an existing split directory.
  r = run("gen --users 200 --items 300 --interactions 6000 --out " + dir.file("syn"));
  EXPECT_EQ(r.status, 1);
}

// --init starts a run from a saved model (a GAN sampler from a Uniform-BPR pretrain, the
// paper's recipe); a model that does not fit is refused naming the difference, and a GAN
// sampler's flag given to another sampler names the samplers that take it.
TEST(Cli, InitStartsFromASavedModel) {
  testing::TempDir dir;
  Result r = run("gen --users 150 --items 200 --interactions 4000 --out " + dir.file("syn"));
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string common = " --data " + dir.file("syn") + " --dim 8 --threads 2 --progress off";
  r = run("train --sampler uniform --epochs 2" + common + " --out " + dir.file("pre"));
  ASSERT_EQ(r.status, 0) << r.output;
  r = run("train --sampler rns-as --epochs 1 --gen-lr 0.01 --init " + dir.file("pre/model.bin") +
          common + " --out " + dir.file("gan"));
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json config =
      nlohmann::json::parse(testing::read_file(dir.file("gan/config.json")));
  EXPECT_EQ(config["init"], dir.file("pre/model.bin"));
  EXPECT_EQ(config["sampler_options"]["gen-lr"], 0.01);
  EXPECT_FALSE(has(r.output, "note: --sampler rns-as")) << r.output;
  r = run("train --sampler rns-as --epochs 1" + common + " --no-out");
  EXPECT_TRUE(has(r.output, "note: --sampler rns-as")) << r.output;

  r = run("train --sampler irgan --epochs 1 --init " + dir.file("pre/model.bin") + " --data " +
          dir.file("syn") + " --dim 16 --no-out");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output, "its dim is 8 where --dim is 16")) << r.output;
  r = run("train --sampler uniform --gen-lr 0.1 --no-out");
  EXPECT_EQ(r.status, 2);
  EXPECT_TRUE(has(r.output, "--gen-lr is an option of --sampler rns-as, irgan, advir")) << r.output;
}

TEST(Cli, InfoReportsBackends) {
  const Result r = run("info");
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(has(r.output, "CPU backend")) << r.output;
  EXPECT_TRUE(has(r.output, "--device auto uses")) << r.output;
}

}  // namespace
}  // namespace srns
