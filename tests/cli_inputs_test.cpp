// Broken inputs, flags and machines as a new user meets them (issue 10's list): each is refused
// with a message naming the flag, or the file and line, or handled as documented. One test per
// case; the run and split they start from are made once for the suite.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_test_util.hpp"
#include "srns/sampler.hpp"
#include "test_util.hpp"

namespace srns {
namespace {

namespace fs = std::filesystem;
using testing::has;
using testing::run_cli;

class CliInputs : public testing::TrainedRunSuite {
 protected:
  // A copy of the generated split to break.
  static std::string copy_split(const std::string& name) {
    fs::copy(file("syn"), file(name), fs::copy_options::recursive);
    return file(name);
  }
  static void edit_meta(const std::string& split, const std::function<void(nlohmann::json&)>& f) {
    nlohmann::json meta = nlohmann::json::parse(testing::read_file(split + "/meta.json"));
    f(meta);
    testing::write_file(split + "/meta.json", meta.dump(2));
  }
};

// Case: no item_map.tsv and one item id of 2000000000 in train.tsv (grew to 23 GB).
TEST_F(CliInputs, StrayItemIdIsRefusedNotAllocated) {
  const std::string split = copy_split("stray");
  fs::remove(split + "/item_map.tsv");
  edit_meta(split, [](nlohmann::json& m) { m.erase("items"); });
  std::string train = testing::read_file(split + "/train.tsv");
  const size_t third = train.find('\n', train.find('\n') + 1) + 1;
  train.replace(third, train.find('\n', third) - third, "0\t2000000000");
  testing::write_file(split + "/train.tsv", train);
  const auto r = run_cli("train --data " + split + " --no-out --epochs 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output, "stray/train.tsv:3: item 2000000000 is far beyond the")) << r.output;
}

// Case: test_neg.tsv missing: the test set is ranked in full and said to be.
TEST_F(CliInputs, MissingTestNegativesAreLabelledFullRanking) {
  const std::string split = copy_split("no_test_neg");
  fs::remove(split + "/test_neg.tsv");
  const auto r = run_cli("train --data " + split + " --sampler uniform --epochs 1 --dim 8 " +
                         "--device cpu --out " + file("run_full"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "note: validation uses sampled ranking but test uses full ranking"))
      << r.output;
  EXPECT_TRUE(has(r.output, "full ranking, test metrics")) << r.output;
  const auto summary = nlohmann::json::parse(testing::read_file(file("run_full/summary.json")));
  EXPECT_EQ(summary["eval_mode"]["test"], "full");
  EXPECT_EQ(summary["eval_mode"]["val"], "sampled");
}

// Case: train.tsv cut mid-line (the partial line parses), and an empty train.tsv.
TEST_F(CliInputs, CutOrEmptyTrainTsvIsRefused) {
  const std::string split = copy_split("cut");
  const std::string train = testing::read_file(split + "/train.tsv");
  testing::write_file(split + "/train.tsv", train.substr(0, train.size() / 2));
  auto r = run_cli("train --data " + split + " --no-out --epochs 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output, "cut/train.tsv: the last line has no line end: the file was cut short"))
      << r.output;
  testing::write_file(split + "/train.tsv", "");
  r = run_cli("train --data " + split + " --no-out --epochs 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output, "cut/train.tsv: no training pairs (the file is empty)")) << r.output;
}

// Case: every user has fewer than 3 interactions: the split says so instead of writing a split
// that `train` then failed on with map::at; --train-only writes it, and train trains on it.
TEST_F(CliInputs, SplitWithoutEvaluationRowsIsRefusedUnlessTrainOnly) {
  std::string log;
  for (int u = 0; u < 20; ++u) {
    for (int k = 0; k < 2; ++k) {
      log += "u" + std::to_string(u) + "\ti" + std::to_string((u * 7 + k) % 50) + "\t5\t" +
             std::to_string(100 + k) + "\n";
    }
  }
  testing::write_file(file("few.tsv"), log);
  auto r = run_cli("split --input " + file("few.tsv") + " --out " + file("few"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output,
                  "the split would have no validation and no test rows: all 20 users "
                  "have fewer than 3 interactions"))
      << r.output;
  EXPECT_FALSE(fs::exists(file("few")));
  r = run_cli("split --input " + file("few.tsv") + " --train-only --out " + file("few"));
  ASSERT_EQ(r.status, 0) << r.output;
  r = run_cli("train --data " + file("few") + " --sampler uniform --epochs 2 --dim 4 --no-out");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "no validation or test rows: nothing is evaluated")) << r.output;
}

// Case: eval of a model with NaN weights reported every metric as 1.0000.
TEST_F(CliInputs, EvalRefusesNonFiniteWeights) {
  std::string bytes = testing::read_file(file("run/model.bin"));
  const float nan = std::nanf("");
  bytes.replace(24 + 4 * (8 * 2 + 3), 4, reinterpret_cast<const char*>(&nan), 4);
  fs::create_directories(file("nan_run"));
  testing::write_file(file("nan_run/model.bin"), bytes);
  const auto r = run_cli("eval --model " + file("nan_run/model.bin") + " --data " + file("syn"));
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(has(r.output,
                  "nan_run/model.bin: the model holds a non-finite weight "
                  "(user_embeddings[2][3] = nan); it cannot rank items"))
      << r.output;
}

// Cases: --ks 0 printed -nan; --threads -2 and 1000 were accepted; --lr nan did not name the
// flag; --rating-col 9 spoke of column 8.
TEST_F(CliInputs, FlagsAreRangeCheckedByName) {
  const std::string model = " --model " + file("run");
  const struct {
    std::string args, message;
  } cases[] = {
      {"eval" + model + " --ks 0", "--ks must be comma-separated integers >= 1 (got '0')"},
      {"eval" + model + " --threads -2", "--threads must be an integer in [0, "},
      {"eval" + model + " --threads 1000", "hardware threads, and 0 uses them all"},
      {"train --lr nan --no-out", "--lr must be a finite number > 0 (got 'nan')"},
      {"train --reg=-1 --no-out", "--reg must be a finite number >= 0 (got '-1')"},
      {"train --epochs 2.5 --no-out", "--epochs must be an integer >= 0 (got '2.5')"},
      {"train --seed -1 --no-out", "--seed must be an integer in [0, 2^64) (got '-1')"},
      {"gen --users 0 --out " + file("never"), "--users must be an integer >= 1 (got '0')"},
      {"split --input " + file("syn/train.tsv") + " --rating-col 9 --out " + file("never"),
       "--rating-col 9: " + file("syn/train.tsv") + " has 2 columns (first data line)"},
  };
  for (const auto& c : cases) {
    const auto r = run_cli(c.args);
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.output;
    EXPECT_TRUE(has(r.output, c.message)) << c.args << "\n" << r.output;
  }
  EXPECT_FALSE(fs::exists(file("never")));
}

// A sampler's own numeric flags (the registry's SamplerOptions) are parsed like the others: a
// value that is not a number, or lies outside the option's range, is refused naming the flag.
TEST_F(CliInputs, SamplerOptionsAreRangeCheckedByName) {
  int checked = 0;
  for (const SamplerInfo& info : sampler_registry()) {
    for (const SamplerOption& o : info.options) {
      if (!o.choices.empty()) continue;
      const std::string train = "train --no-out --sampler " + info.name + " --" + o.flag + " ";
      for (const std::string& bad : {std::string("nan"), sampler_option_text(o, o.max + 1)}) {
        const auto r = run_cli(train + bad);
        EXPECT_EQ(r.status, 2) << train << bad << "\n" << r.output;
        EXPECT_TRUE(has(r.output, "--" + o.flag + " must be ")) << r.output;
        EXPECT_TRUE(has(r.output, "(got '" + bad + "')")) << r.output;
      }
      ++checked;
    }
  }
  if (checked == 0) GTEST_SKIP() << "no sampler has a numeric option";
}

// Case: --batch-size 100000000 ended in std::bad_alloc.
TEST_F(CliInputs, BatchSizeBeyondTheDataTrainsOneBatch) {
  const auto r = run_cli("train --data " + file("syn") +
                         " --sampler uniform --epochs 1 --dim 8 --batch-size 100000000 --no-out");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has(r.output, "note: --batch-size 100000000 is more than the")) << r.output;
}

// Case: a sampled negative equal to the row's own target was accepted.
TEST_F(CliInputs, NegativeEqualToItsTargetIsRefused) {
  const std::string split = copy_split("target_neg");
  const std::string test = testing::read_file(split + "/test.tsv");
  const std::string target =
      test.substr(test.find('\t') + 1, test.find('\n') - test.find('\t') - 1);
  std::string negs = testing::read_file(split + "/test_neg.tsv");
  const size_t first = negs.find('\t') + 1;
  negs.replace(first, negs.find('\t', first) - first, target);
  testing::write_file(split + "/test_neg.tsv", negs);
  const auto r = run_cli("eval --model " + file("run") + " --data " + split);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(
      has(r.output, "target_neg/test_neg.tsv:1: negative " + target + " is the row's own target"))
      << r.output;
}

// Case: every command said "training on the CPU" when it fell back from the GPU.
TEST_F(CliInputs, GpuFallbackLineSaysWhatTheCommandDoes) {
  const auto eval = run_cli("eval --model " + file("run"));
  ASSERT_EQ(eval.status, 0) << eval.output;
  if (!has(eval.output, "no usable GPU")) GTEST_SKIP() << "a usable GPU: no fallback line";
  EXPECT_TRUE(has(eval.output, "; evaluating on the CPU")) << eval.output;
  EXPECT_FALSE(has(eval.output, "training")) << eval.output;
  const std::string user = testing::read_file(file("syn/user_map.tsv")).substr(2, 1);
  const auto rec = run_cli("recommend --model " + file("run") + " --users " + user);
  EXPECT_TRUE(has(rec.output, "; scoring on the CPU")) << rec.output;
  const auto train = run_cli("train --data " + file("syn") + " --epochs 1 --dim 4 --no-out");
  EXPECT_TRUE(has(train.output, "; training on the CPU")) << train.output;
}

// Case: with the default --threads 0 on a busy machine an epoch was 15 times slower than with
// --threads 1. srns runs OpenMP with passive waiting unless the user chose a policy (libgomp
// shows it as a spin count of 0), and leaves busy hardware threads out of --threads 0 (that
// depends on the load, so only its bounds are checked here).
TEST_F(CliInputs, DefaultThreadsWaitPassivelyUnlessTheUserChose) {
  auto r = testing::run_shell("OMP_DISPLAY_ENV=verbose " + std::string(SRNS_BINARY) + " info");
  ASSERT_EQ(r.status, 0) << r.output;
  if (!has(r.output, "GOMP_SPINCOUNT")) GTEST_SKIP() << "not libgomp: " << r.output;
  EXPECT_TRUE(has(r.output, "GOMP_SPINCOUNT = '0'")) << r.output;
  r = testing::run_shell("OMP_WAIT_POLICY=active OMP_DISPLAY_ENV=verbose " +
                         std::string(SRNS_BINARY) + " info");
  EXPECT_TRUE(has(r.output, "OMP_WAIT_POLICY = 'ACTIVE'")) << r.output;
  EXPECT_FALSE(has(r.output, "GOMP_SPINCOUNT = '0'")) << r.output;
  r = testing::run_shell("OMP_NUM_THREADS=1 " + std::string(SRNS_BINARY) + " info");
  EXPECT_TRUE(has(r.output, "CPU backend: 1 of ")) << r.output;
}

}  // namespace
}  // namespace srns
